//! Names the knowledge base does not know: which runs become which kind, and which
//! do not (headlines, places, things, known names).

use super::*;

fn found(text: &str, known: &[Known]) -> Vec<(String, EntityKind)> {
    let seg = crate::extract::segment::Segments::new(text);
    let f = Names::new().find(text, seg.sentences(), known);
    let mut out: Vec<(String, EntityKind)> = f
        .mentions
        .iter()
        .map(|m| (text[m.start..m.end].to_string(), f.unknowns[m.unknown].kind))
        .collect();
    out.dedup();
    out
}

#[test]
fn kinds_table() {
    use EntityKind::*;
    let cases: &[(&str, &[(&str, EntityKind)])] = &[
        (
            "The company, Debt Relief Direct Ltd, ignored it.",
            &[("Debt Relief Direct Ltd", Organization)],
        ),
        (
            "researchers at the University of Oxford reported",
            &[("University of Oxford", Organization)],
        ),
        (
            "the House Energy and Commerce Committee said",
            &[("House Energy and Commerce Committee", Organization)],
        ),
        (
            "the Polish Financial Supervisory Authority fined",
            &[("Polish Financial Supervisory Authority", Regulator)],
        ),
        (
            "Indonesian trade minister Zulkifli Hasan said so.",
            &[("Zulkifli Hasan", Person)],
        ),
        (
            "Chief Financial Officer Arno Antlitz said so.",
            &[("Arno Antlitz", Person)],
        ),
        (
            "including Prime Minister Lee Hsien Loong.",
            &[("Lee Hsien Loong", Person)],
        ),
        (
            "said Rebecca Vincent, director of campaigns",
            &[("Rebecca Vincent", Person)],
        ),
        (
            "Ngozi Okonjo-Iweala, the director-general of the body, said",
            &[("Ngozi Okonjo-Iweala", Person)],
        ),
        ("the city of Enschede said", &[("Enschede", Location)]),
        (
            "Noel Quinn retired. Mr Quinn declined to comment.",
            &[("Noel Quinn", Person), ("Quinn", Person)],
        ),
        (
            "Wiz Inc rejected it. Wiz said no.",
            &[("Wiz Inc", Organization), ("Wiz", Organization)],
        ),
        (
            "EU Lawmakers Back Sweeping New Rules For Artificial Intelligence As Talks Drag On",
            &[],
        ),
        ("He walked down Victoria Street to Jordan Valley.", &[]),
        ("On Monday the Senate voted.", &[]),
        ("Shares of Volkswagen fell.", &[]),
        (
            "fined the electricity company Endesa 6 million.",
            &[("Endesa", Organization)],
        ),
        (
            "the encrypted messaging app Threema said",
            &[("Threema", Product)],
        ),
        (
            "Volkswagen said the company Porsche SE would",
            &[("Porsche SE", Organization)],
        ),
        ("the Secretary of State for Education said so.", &[]),
    ];
    for (text, want) in cases {
        let got = found(text, &[]);
        let want: Vec<(String, EntityKind)> =
            want.iter().map(|(s, k)| (s.to_string(), *k)).collect();
        assert_eq!(got, want, "{text}");
    }
}

#[test]
fn known_names_are_left_alone_and_nested_matches_withdrawn() {
    let text = "Tencent Holdings Ltd and the Washington Apple Commission";
    let known = [
        Known {
            start: 0,
            end: 16,
            kind: EntityKind::Organization,
        },
        Known {
            start: 29,
            end: 39,
            kind: EntityKind::Location,
        },
        Known {
            start: 40,
            end: 45,
            kind: EntityKind::Organization,
        },
    ];
    let seg = crate::extract::segment::Segments::new(text);
    let f = Names::new().find(text, seg.sentences(), &known);
    let names: Vec<&str> = f.unknowns.iter().map(|u| u.name.as_str()).collect();
    assert_eq!(names, ["Washington Apple Commission"]);
    assert_eq!(f.withdrawn, [2]);
    assert_eq!(f.unknowns[0].id, "organization/washington-apple-commission");
}

#[test]
fn odd_input_does_not_panic() {
    for t in [
        "",
        "A",
        "Mr",
        "Mr ",
        "’s",
        "X's",
        "É. É.",
        "The of and",
        "Ltd",
        "of Ltd",
        "Á-",
        "a'",
    ] {
        let _ = found(t, &[]);
    }
}

#[test]
fn a_law_names_no_organisation() {
    for text in [
        "The Digital Services Act requires platforms to act.",
        "Ministers said the Financial Services Bill would pass.",
    ] {
        assert_eq!(found(text, &[]), vec![], "{text}");
    }
    assert_eq!(
        found("He joined Digital Services Ltd in May.", &[]),
        vec![("Digital Services Ltd".to_string(), EntityKind::Organization)]
    );
}

#[test]
fn tagged_names_ending_in_a_place_word_are_places_and_laws_are_none() {
    use EntityKind::*;
    let n = Names::new();
    let cases: &[(&str, EntityKind, EntityKind)] = &[
        ("Maligne Lake", Person, Location),
        ("Altamaha Rivers", Person, Location),
        ("Petticoat Lane", Person, Location),
        ("Yukon River", Organization, Location),
        // A given name first: a person whose surname is a place word.
        ("Joan Rivers", Person, Person),
        ("Michael Bay", Person, Person),
        // One word, or no place word: as tagged.
        ("Lake", Person, Person),
        ("Nathan Fielder", Person, Person),
        ("Acme Holdings", Organization, Organization),
        ("Kenya Data Protection Authority", Organization, Regulator),
        ("DC", Location, Location),
        ("Korea Fair Trade Commission", Organization, Regulator),
        // What it regulates after the preposition: a regulator; an office for
        // something no regulator word names: an organisation.
        ("Authority for Defending Privacy", Organization, Regulator),
        (
            "Commission for Personal Data Protection",
            Organization,
            Regulator,
        ),
        ("Office for Civil Rights", Organization, Organization),
        (
            "Agency for International Development",
            Organization,
            Organization,
        ),
        (
            "State Inspection for Control of Computerization and Telecommunications",
            Organization,
            Regulator,
        ),
        ("Office of Foreign Assets Control", Organization, Regulator),
        ("Centers for Disease Control", Organization, Organization),
    ];
    for &(name, tagged, want) in cases {
        assert_eq!(n.tagged_kind(name, "said", tagged), Some(want), "{name}");
    }
    // Laws are none of the kinds, also when the tagger left the last word out.
    for (name, next) in [
        ("GDPR", "fines"),
        ("COPPA", ""),
        ("Digital Services Act", "requires"),
        ("Online Safety Bill", ""),
        ("Digital Services", "Act"),
        ("AI", "models"),
        ("GMV", "rose"),
        ("II", "was"),
        ("San", "is"),
        ("The University of", "Aarhus"),
    ] {
        assert_eq!(n.tagged_kind(name, next, Organization), None, "{name}");
    }
}

#[test]
fn a_dateline_names_its_place_in_title_case() {
    let text = "TIFTON, Ga. (WALB) - A school in Tifton went viral.";
    let seg = crate::extract::segment::Segments::new(text);
    let f = Names::new().find(text, seg.sentences(), &[]);
    let place = f
        .mentions
        .iter()
        .find(|m| m.start == 0)
        .map(|m| &f.unknowns[m.unknown]);
    assert_eq!(
        place.map(|u| (u.name.as_str(), u.kind, u.id.as_str())),
        Some(("Tifton", EntityKind::Location, "location/tifton"))
    );
    // Not a headline's label.
    assert!(found("BREAKING: Regulators fined the company.", &[]).is_empty());
}
