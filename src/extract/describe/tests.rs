//! Descriptions, both ways: each pattern a news story uses to name a regulator by what
//! it is, and the look-alikes that must name nothing; then what the made entities
//! carry, and references back.

use crate::extract::Extractor;
use crate::model::{EntityKind, Extraction};

fn extractor() -> &'static Extractor {
    Extractor::builtin_for_tests()
}

/// The entity a described mention with exactly this surface resolves to.
fn described(out: &Extraction, surface: &str) -> Option<String> {
    out.entities
        .iter()
        .find(|h| {
            h.mentions
                .iter()
                .any(|m| m.described && m.surface == surface)
        })
        .map(|h| h.id.clone())
}

#[test]
fn descriptions_resolve_to_their_authority() {
    // (text, the described surface, the entity it names)
    let cases: &[(&str, &str, &str)] = &[
        // Demonym, subject, role.
        (
            "The Irish data watchdog fined Meta.",
            "Irish data watchdog",
            "ie-dpc",
        ),
        (
            "Irish Data Watchdog Fines Meta 265 Million Euros",
            "Irish Data Watchdog",
            "ie-dpc",
        ),
        (
            "the Dutch privacy watchdog said",
            "Dutch privacy watchdog",
            "nl-ap",
        ),
        // Possessive place.
        (
            "Belgium's privacy regulator opened a probe.",
            "Belgium's privacy regulator",
            "be-apd",
        ),
        (
            "Canada's privacy commissioner found",
            "Canada's privacy commissioner",
            "ca-opc",
        ),
        (
            "Luxembourg's data supervisor fined Amazon.",
            "Luxembourg's data supervisor",
            "lu-cnpd",
        ),
        (
            "Italy's privacy guarantor acted.",
            "Italy's privacy guarantor",
            "it-garante",
        ),
        (
            "the UK's information watchdog",
            "UK's information watchdog",
            "gb-ico",
        ),
        (
            "Brazil's data protection agency suspended it.",
            "Brazil's data protection agency",
            "br-anpd",
        ),
        (
            "South Korea's personal information protection commission fined Google.",
            "South Korea's personal information protection commission",
            "kr-pipc",
        ),
        (
            "Türkiye's data protection authority fined WhatsApp.",
            "Türkiye's data protection authority",
            "tr-kvkk",
        ),
        (
            "Kenya's data commissioner ordered a halt.",
            "Kenya's data commissioner",
            "ke-odpc",
        ),
        (
            "Ireland’s data protection commission has fined LinkedIn.",
            "Ireland’s data protection commission",
            "ie-dpc",
        ),
        // Modifiers between place and role.
        (
            "France's CNIL-like data regulator",
            "France's CNIL-like data regulator",
            "fr-cnil",
        ),
        (
            "Japan's top privacy regulator warned",
            "Japan's top privacy regulator",
            "jp-ppc",
        ),
        // The acronym.
        ("the Netherlands DPA fined Uber", "Netherlands DPA", "nl-ap"),
        (
            "The Dutch Data Protection Authority (DPA) said so. The Bavarian DPA said so too.",
            "Bavarian DPA",
            "de-by-baylda",
        ),
        ("The Bavarian DPA said so.", "Bavarian DPA", "de-by-baylda"),
        // Regions with their own authority.
        (
            "California's privacy agency fined Honda.",
            "California's privacy agency",
            "us-ca-cppa",
        ),
        (
            "Hamburg's privacy watchdog fined H&M.",
            "Hamburg's privacy watchdog",
            "de-hh-hmbbfdi",
        ),
        // The place after the role; the subject after the role.
        (
            "The data protection authority in Hamburg fined H&M.",
            "data protection authority in Hamburg",
            "de-hh-hmbbfdi",
        ),
        (
            "Sweden's authority for privacy protection fined Spotify.",
            "Sweden's authority for privacy protection",
            "se-imy",
        ),
        // The EU: the role word picks between its board and its supervisor.
        ("The EU privacy body ruled.", "EU privacy body", "edpb"),
        (
            "the European data protection supervisor said",
            "European data protection supervisor",
            "edps",
        ),
        // An internet subject.
        (
            "China's cybersecurity regulator fined Didi.",
            "China's cybersecurity regulator",
            "cn-cac",
        ),
        (
            "China's internet watchdog fined Didi.",
            "China's internet watchdog",
            "cn-cac",
        ),
    ];
    for (text, surface, want) in cases {
        let out = extractor().extract_text(text, None);
        assert_eq!(
            described(&out, surface).as_deref(),
            Some(*want),
            "{surface:?} in {text:?}: {:?}",
            out.entities
        );
        let hit = out.entity(want).unwrap_or_else(|| panic!("{want}"));
        assert!(hit.confidence < 1.0 || hit.mentions.iter().any(|m| !m.described));
        assert_eq!(hit.kind, EntityKind::Regulator);
    }
}

#[test]
fn collectives_and_places_without_one_authority_get_a_made_entity() {
    // (text, surface, made id, country, tagged dpa)
    let cases: &[(&str, &str, &str, &str, bool)] = &[
        (
            "German data protection authorities warned.",
            "German data protection authorities",
            "dpa/de",
            "DE",
            true,
        ),
        (
            "Germany's federal and state data protection authorities (DSK) said",
            "Germany's federal and state data protection authorities",
            "dpa/de",
            "DE",
            true,
        ),
        (
            "An EU data watchdog slapped a fine on TikTok on Friday.",
            "EU data watchdog",
            "dpa/eu",
            "EU",
            true,
        ),
        (
            "European data protection authorities met.",
            "European data protection authorities",
            "dpa/eu",
            "EU",
            true,
        ),
        (
            "The bloc's privacy regulators agreed.",
            "bloc's privacy regulators",
            "dpa/eu",
            "EU",
            true,
        ),
        (
            "Europe's top privacy regulator spoke.",
            "Europe's top privacy regulator",
            "dpa/eu",
            "EU",
            true,
        ),
        (
            "US privacy regulators are circling.",
            "US privacy regulators",
            "dpa/us",
            "US",
            true,
        ),
        (
            "the Texas privacy regulator",
            "Texas privacy regulator",
            "dpa/us-tx",
            "US-TX",
            true,
        ),
        (
            "Vietnam's data protection agency fined a bank.",
            "Vietnam's data protection agency",
            "dpa/vn",
            "VN",
            true,
        ),
        // No subject: regulators of the place, no tags.
        (
            "US state regulators sued the company.",
            "US state regulators",
            "regulators/us",
            "US",
            false,
        ),
        (
            "UK regulators fined TikTok over children's data.",
            "UK regulators",
            "regulators/gb",
            "GB",
            false,
        ),
        (
            "European regulators have fined Amazon.",
            "European regulators",
            "regulators/eu",
            "EU",
            false,
        ),
    ];
    for (text, surface, id, country, dpa) in cases {
        let out = extractor().extract_text(text, None);
        assert_eq!(
            described(&out, surface).as_deref(),
            Some(*id),
            "{surface:?} in {text:?}"
        );
        let hit = out.entity(id).unwrap_or_else(|| panic!("{id}"));
        assert_eq!(hit.kind, EntityKind::Regulator, "{id}");
        assert_eq!(hit.country.as_deref(), Some(*country), "{id}");
        assert_eq!(hit.tags.iter().any(|t| t == "dpa"), *dpa, "{id}");
        assert!(hit.described && hit.confidence < 0.75, "{hit:?}");
    }
}

#[test]
fn other_sectors_name_a_regulator_of_the_place_that_is_no_dpa() {
    // (text, described surface, made id, country)
    let cases: &[(&str, &str, &str, &str)] = &[
        (
            "South Korea's communications regulator fined Google over personal data.",
            "South Korea's communications regulator",
            "regulators/kr/communications",
            "KR",
        ),
        (
            "The Irish competition watchdog blocked the deal.",
            "Irish competition watchdog",
            "regulators/ie/competition",
            "IE",
        ),
        (
            "Britain's financial regulator fined the bank.",
            "Britain's financial regulator",
            "regulators/gb/financial",
            "GB",
        ),
        (
            "The Dutch consumer protection authority warned.",
            "Dutch consumer protection authority",
            "regulators/nl/consumer",
            "NL",
        ),
        (
            "Japan's telecoms regulator ordered a review of user data handling.",
            "Japan's telecoms regulator",
            "regulators/jp/communications",
            "JP",
        ),
        (
            "Japan's communications ministry issued guidance to Line over user data.",
            "Japan's communications ministry",
            "regulators/jp/communications",
            "JP",
        ),
    ];
    for (text, surface, id, country) in cases {
        let out = extractor().extract_text(text, None);
        assert_eq!(described(&out, surface).as_deref(), Some(*id), "{text:?}");
        let hit = out.entity(id).unwrap_or_else(|| panic!("{id}"));
        assert_eq!(hit.kind, EntityKind::Regulator, "{id}");
        assert_eq!(hit.country.as_deref(), Some(*country), "{id}");
        assert!(
            !hit.tags.iter().any(|t| t == "dpa" || t == "privacy"),
            "{hit:?}"
        );
        assert!(hit.described && hit.confidence < 0.75, "{hit:?}");
    }
    // A data word wins over a sector word: the data-protection authority.
    let out = extractor().extract_text("Ireland's data and consumer watchdog fined Meta.", None);
    assert!(out.entity("ie-dpc").is_some(), "{:?}", out.entities);
    // Without a place, or an indefinite one, no one.
    for text in [
        "The competition watchdog said",
        "A financial regulator can fine banks.",
    ] {
        let out = extractor().extract_text(text, None);
        assert!(
            !out.entities.iter().any(|h| h.kind == EntityKind::Regulator),
            "{text:?}: {:?}",
            out.entities
        );
    }
}

#[test]
fn look_alikes_name_no_regulator() {
    let cases: &[&str] = &[
        "a data company raised funds",
        "We updated the privacy policy.",
        "Chinese authorities detained him.",
        "A data protection authority can fine firms up to 4% of turnover.",
        // With a place and "a", only one that acts names one.
        "Companies must notify an EU data protection authority within 72 hours.",
        "Complain to any privacy regulator.",
        "the US national security agency",
        "EU Commissioner Thierry Breton said",
        "Australia's online safety regulator ordered X to act.",
        "Regulators in Italy and Greece imposed similar penalties.",
        "data protection officers must be appointed",
        "the regulator said",
        "Data protection authorities across Europe received complaints.",
        // A ministry is a regulator only of a sector, with its place first.
        "Pakistan's information ministry said the report was false.",
        "The information ministry said the report was false.",
        "The communications ministry said",
        "the Ministry of Communications of Ghana said",
        // "DPA" defined as something else.
        "SFO secures two further DPAs for UK bribery offences. The judge approved two deferred prosecution agreements (\u{201c}DPAs\u{201d}) with the SFO. They are the eleventh and twelfth DPAs agreed by UK authorities.",
    ];
    for text in cases {
        let out = extractor().extract_text(text, None);
        let made: Vec<&str> = out
            .entities
            .iter()
            .filter(|h| h.kind == EntityKind::Regulator || h.mentions.iter().any(|m| m.described))
            .map(|h| h.id.as_str())
            .collect();
        assert!(made.is_empty(), "{text:?}: {made:?}");
    }
}

#[test]
fn names_win_over_descriptions_and_references_go_back() {
    // A name the knowledge base holds is not re-read as a description.
    let out = extractor().extract_text(
        "Ireland's Data Protection Commission (DPC) fined TikTok.",
        None,
    );
    let dpc = out.entity("ie-dpc").expect("ie-dpc");
    assert!(dpc.mentions.iter().all(|m| !m.described));
    assert!(!dpc.described && dpc.confidence == 1.0);

    // "The watchdog" refers back to the regulator named before it, whatever its kind.
    let text = "The CMA opened a probe into Google. The watchdog said it would report in May.";
    let out = extractor().extract_text(text, None);
    let cma = out.entity("gb-cma").expect("gb-cma");
    let surfaces: Vec<(&str, bool)> = cma
        .mentions
        .iter()
        .map(|m| (m.surface.as_str(), m.described))
        .collect();
    assert_eq!(surfaces, [("CMA", false), ("watchdog", true)]);
    assert!(!cma.described, "named as well as described");

    // ... to a description too.
    let text = "Canada's privacy commissioner opened an inquiry.\n\nThe commissioner said the regulator would report.";
    let out = extractor().extract_text(text, None);
    let opc = out.entity("ca-opc").expect("ca-opc");
    assert_eq!(opc.mentions.len(), 3, "{opc:?}");
    assert!(opc.described);

    // Not across more than a paragraph.
    let text = "The Competition and Markets Authority opened a probe.\n\nMarkets fell.\n\nLater the watchdog said no.";
    let out = extractor().extract_text(text, None);
    assert_eq!(out.entity("gb-cma").map(|h| h.mentions.len()), Some(1));

    // "The privacy watchdog" is the story's data-protection authority, named later.
    let text = "Privacy watchdog fines Clearview AI\n\nItaly's Garante per la protezione dei dati personali fined the company.";
    let out = extractor().extract_text(text, None);
    assert_eq!(
        described(&out, "Privacy watchdog").as_deref(),
        Some("it-garante")
    );

    // A headline's watchdog that the story never names.
    let out = extractor().extract_text("Privacy watchdog fines Clearview AI", None);
    let unnamed = out.entity("dpa/unnamed").expect("dpa/unnamed");
    assert!(unnamed.tags.iter().any(|t| t == "dpa") && unnamed.country.is_none());
    // ... or a lead's, under a headline that names none; not further down.
    let lead = "Tribunal clears retailer\n\nA tribunal overturned the privacy commissioner's ruling on its cameras.";
    let out = extractor().extract_text(lead, None);
    assert!(out.entity("dpa/unnamed").is_some(), "{:?}", out.entities);
    let later = "Tribunal clears retailer\n\nThe retailer won.\n\nA tribunal overturned the privacy commissioner's ruling.";
    let out = extractor().extract_text(later, None);
    assert!(out.entity("dpa/unnamed").is_none(), "{:?}", out.entities);

    // A singular regulator of a place is that place's regulator in the story.
    let text = "Irish regulator fines Facebook owner\n\nIreland's Data Protection Commission has imposed the fine.";
    let out = extractor().extract_text(text, None);
    assert_eq!(
        described(&out, "Irish regulator").as_deref(),
        Some("ie-dpc")
    );
    let out = extractor().extract_text("The Irish regulator said nothing.", None);
    assert!(out.entities.iter().all(|h| h.kind != EntityKind::Regulator));

    // "L’Autoritat" is one token; the knowledge base names the authority from inside
    // it, and the description must not add a second, overlapping mention.
    let out = extractor().extract_text(
        "L’Autoritat Catalana de Protecció de Dades (Apdcat) ha amonestat l’ajuntament.",
        None,
    );
    let apdcat = out.entity("es-ct-apdcat").expect("the Catalan authority");
    let surfaces: Vec<&str> = apdcat.mentions.iter().map(|m| m.surface.as_str()).collect();
    assert_eq!(
        surfaces,
        ["Autoritat Catalana de Protecció de Dades", "Apdcat"],
        "{out:?}"
    );
}

#[test]
fn extraction_json_carries_the_marker_only_when_set() {
    let out = extractor().extract_text("German data protection authorities warned Meta.", None);
    let json = serde_json::to_value(&out).expect("json");
    let hits = json["entities"].as_array().expect("entities");
    let made = hits.iter().find(|h| h["id"] == "dpa/de").expect("dpa/de");
    assert_eq!(made["described"], true);
    assert_eq!(made["country"], "DE");
    assert_eq!(made["tags"][0], "dpa");
    assert_eq!(made["mentions"][0]["described"], true);
    let meta = hits.iter().find(|h| h["id"] == "meta").expect("meta");
    assert!(
        meta.get("described").is_none()
            && meta.get("country").is_none()
            && meta.get("tags").is_none()
    );
    assert!(meta["mentions"][0].get("described").is_none());
    // Old readers' JSON (without the fields) still reads.
    let back: Extraction = serde_json::from_value(json).expect("round trip");
    assert_eq!(back, out);
}

#[test]
fn a_name_several_countries_use_belongs_to_the_place_next_to_it() {
    // (text, surface, the entity it must resolve to)
    let cases: &[(&str, &str, &str)] = &[
        // The place says another country than the base's entity of that name.
        // A place whose authority the base does not hold: one made for it.
        (
            "Malawi's Data Protection Commission fined a bank.",
            "Malawi's Data Protection Commission",
            "dpa/mw",
        ),
        (
            "Nigeria's Data Protection Commission fined Meta.",
            "Nigeria's Data Protection Commission",
            "ng-ndpc",
        ),
    ];
    for (text, surface, id) in cases {
        let out = extractor().extract_text(text, None);
        assert_eq!(
            described(&out, surface).as_deref(),
            Some(*id),
            "{surface:?} in {text:?}: {:?}",
            out.entities
        );
        assert!(out.entity("ie-dpc").is_none() && out.entity("pl-uodo").is_none());
    }
    // Where the base holds the place's own authority under that name, it is that one.
    for (text, id) in [
        ("Ghana's Data Protection Commission fined a bank.", "gh-dpc"),
        (
            "Uganda's Personal Data Protection Office fined a bank.",
            "ug-pdpo",
        ),
        (
            "The Personal Data Protection Office in Uganda fined a bank.",
            "ug-pdpo",
        ),
    ] {
        let out = extractor().extract_text(text, None);
        assert!(out.entity(id).is_some(), "{text:?}: {:?}", out.entities);
        assert!(out.entity("ie-dpc").is_none() && out.entity("pl-uodo").is_none());
    }
    // The same names with their own country, or none, stay the base's entity.
    for (text, id) in [
        ("Ireland's Data Protection Commission fined Meta.", "ie-dpc"),
        ("The Irish Data Protection Commission fined Meta.", "ie-dpc"),
        ("The Data Protection Commission fined Meta.", "ie-dpc"),
        (
            "Poland's Personal Data Protection Office fined a bank.",
            "pl-uodo",
        ),
        ("The US Federal Trade Commission sued Amazon.", "us-ftc"),
    ] {
        let out = extractor().extract_text(text, None);
        assert!(
            out.entity(id).is_some(),
            "{id} in {text:?}: {:?}",
            out.entities
        );
    }
}

#[test]
fn authorities_without_a_place_that_act_and_titles_of_a_known_group() {
    // Plural data-protection authorities that act, with no place: the unnamed ones.
    for (text, surface) in [
        (
            "Twelve data protection authorities have published a joint statement.",
            "data protection authorities",
        ),
        (
            "Twelve global data protection and privacy authorities issued a statement.",
            "data protection and privacy authorities",
        ),
    ] {
        let out = extractor().extract_text(text, None);
        assert_eq!(
            described(&out, surface).as_deref(),
            Some("dpa/unnamed"),
            "{text:?}"
        );
    }
    // Without a verb of acting after them, or with a place nobody names, none.
    for text in [
        "Companies must notify data protection authorities within 72 hours.",
        "Data protection authorities across Europe received complaints.",
    ] {
        let out = extractor().extract_text(text, None);
        assert!(out.entity("dpa/unnamed").is_none(), "{text:?}");
    }
    // A description right before a known campaign group is its title; before no name,
    // the authority.
    let out = extractor().extract_text("Austrian privacy watchdog noyb filed complaints.", None);
    assert!(out.entity("at-dsb").is_none(), "{out:?}");
    assert!(out.entity("noyb").is_some());
    let out = extractor().extract_text("The Austrian privacy watchdog filed complaints.", None);
    assert!(out.entity("at-dsb").is_some());
}

#[test]
fn descriptions_in_other_languages_resolve_to_their_authority() {
    // (text, the described surface, the entity it names)
    let cases: &[(&str, &str, &str)] = &[
        // Role, place, subject (Italian, French, Spanish, Portuguese).
        (
            "Indagine su TikTok dell'autorità olandese per la protezione dei dati",
            "dell'autorità olandese per la protezione dei dati",
            "nl-ap",
        ),
        (
            "Il DPA olandese ha annunciato che esaminerà TikTok.",
            "DPA olandese",
            "nl-ap",
        ),
        (
            "L'autorité irlandaise de protection des données a infligé une amende à Meta.",
            "L'autorité irlandaise de protection des données",
            "ie-dpc",
        ),
        (
            "La autoridad de protección de datos italiana multó a la empresa.",
            "autoridad de protección de datos italiana",
            "it-garante",
        ),
        (
            "A autoridade francesa de proteção de dados multou o Google.",
            "autoridade francesa de proteção de dados",
            "fr-cnil",
        ),
        // Place, then role and subject in one word (German, Dutch).
        (
            "Die dänische Datenschutzaufsichtsbehörde hat ein Verfahren gegen TikTok eröffnet.",
            "dänische Datenschutzaufsichtsbehörde",
            "dk-datatilsynet",
        ),
        (
            "Die sächsische Datenschutzbehörde hat Bußgelder verhängt.",
            "sächsische Datenschutzbehörde",
            "de-sn-sdb",
        ),
        (
            "Die irische Datenschutzbehörde hat Meta eine Strafe auferlegt.",
            "irische Datenschutzbehörde",
            "ie-dpc",
        ),
        (
            "De Ierse privacywaakhond legt Meta een boete op.",
            "Ierse privacywaakhond",
            "ie-dpc",
        ),
        // Saxony's own, not Lower Saxony's nor Saxony-Anhalt's.
        (
            "Saxony's data protection authority fined a firm.",
            "Saxony's data protection authority",
            "de-sn-sdb",
        ),
        // German: a state's genitive name or a city's adjective before, a genitive
        // after, "Datenschützerin", and the level a prefix names.
        (
            "Deshalb will Niedersachsens Landesdatenschützerin Barbara Thiel die Schulen prüfen.",
            "Niedersachsens Landesdatenschützerin",
            "de-ni-lfd",
        ),
        (
            "Der Hamburger Datenschutzbeauftragte hat ein Verfahren eingeleitet.",
            "Hamburger Datenschutzbeauftragte",
            "de-hh-hmbbfdi",
        ),
        (
            "Baden-Württembergs Datenschutzbeauftragter warnt vor Microsoft 365.",
            "Baden-Württembergs Datenschutzbeauftragter",
            "de-bw-lfdi",
        ),
        (
            "Der Thüringer Landesdatenschutzbeauftragte prüft den Fall.",
            "Thüringer Landesdatenschutzbeauftragte",
            "de-th-tlfdi",
        ),
        (
            "Die Datenschutzbehörde Hamburgs ermittelt gegen die Firma.",
            "Datenschutzbehörde Hamburgs",
            "de-hh-hmbbfdi",
        ),
        (
            "Irlands Datenschutzbehörde hat Meta bestraft.",
            "Irlands Datenschutzbehörde",
            "ie-dpc",
        ),
        (
            "Der Bundesdatenschutzbeauftragte kritisiert das Gesetz.",
            "Bundesdatenschutzbeauftragte",
            "de-bfdi",
        ),
        (
            "Die Landesdatenschutzbeauftragte hat ein Bußgeld verhängt.",
            "Landesdatenschutzbeauftragte",
            "dpa/de",
        ),
        // Catalan, in the Romance order.
        (
            "l'autoritat catalana de protecció de dades ha sancionat l'ajuntament.",
            "l'autoritat catalana de protecció de dades",
            "es-ct-apdcat",
        ),
    ];
    let x = extractor();
    for (text, surface, want) in cases {
        let out = x.extract_text(text, None);
        assert_eq!(
            described(&out, surface).as_deref(),
            Some(*want),
            "{text:?}: {:?}",
            out.entities
                .iter()
                .map(|h| (
                    &h.id,
                    h.mentions.iter().map(|m| &m.surface).collect::<Vec<_>>()
                ))
                .collect::<Vec<_>>()
        );
    }
    // Without a place, or a subject, or past a verb: no authority of a place (the
    // English "the DPA" of a lead is still the unnamed one; Austria's authority is
    // called "Datenschutzbehörde").
    for text in [
        "L'autorité de la concurrence a infligé une amende.",
        "L'autorità olandese per la concorrenza ha multato la società.",
        "Die Datenschutzbehörde des Landes prüft den Fall.",
        "The DPA and Italian officials met.",
        "L'autorité a infligé une amende au groupe français pour ses données.",
        // "Datenschützer" without a place are campaigners as often as officials; a
        // commissioner named by title alone has no place; "Landesregierung" is no
        // role; Austria's own authority in the genitive is Austria's.
        "Datenschützer kritisieren die App.",
        "Die Datenschutzbeauftragte Barbara Thiel kündigt Kontrollen an.",
        "Die Landesregierung und die Bundesregierung streiten.",
        "Die Datenschutzbehörde Österreichs ermittelt.",
    ] {
        let out = x.extract_text(text, None);
        assert!(
            out.entities.iter().all(|h| h.kind != EntityKind::Regulator
                || h.id == "at-dsb"
                || h.id == "dpa/unnamed"),
            "{text:?}: {:?}",
            out.entities.iter().map(|h| &h.id).collect::<Vec<_>>()
        );
    }
}
