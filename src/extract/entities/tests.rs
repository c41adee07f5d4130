//! Entity matching tests: one table of texts with the entity each stretch must (or
//! must not) resolve to, covering case rules, boundaries, possessives, nesting and
//! every ambiguity rule of the shipped knowledge base; then the reasons.

use std::sync::{Arc, OnceLock};

use crate::extract::kb::KnowledgeBase;
use crate::extract::{Decision, Extractor, Verdict};

fn extractor() -> &'static Extractor {
    static X: OnceLock<Extractor> = OnceLock::new();
    X.get_or_init(|| {
        let kb = KnowledgeBase::builtin().unwrap_or_else(|e| panic!("{e:?}"));
        Extractor::new(Arc::new(kb))
    })
}

/// The entity id `surface` (its first occurrence) resolves to in `text`.
fn resolved(text: &str, surface: &str) -> Option<String> {
    let start = text.find(surface)?;
    let out = extractor().extract_text(text, None);
    out.entities
        .iter()
        .find(|h| {
            h.mentions
                .iter()
                .any(|m| m.start == start && m.end == start + surface.len())
        })
        .map(|h| h.id.clone())
}

#[test]
fn resolution_table() {
    // (text, surface, entity id it must resolve to, or None for no entity there)
    let cases: &[(&str, &str, Option<&str>)] = &[
        // Possessives, boundaries, case.
        ("TikTok’s owner ByteDance", "TikTok", Some("tiktok")),
        ("TikTok's owner", "TikTok", Some("tiktok")),
        ("WeChat’s parent company, Tencent", "WeChat", Some("wechat")),
        ("Trumpet players", "Trump", None),
        // A short form the story defines: the writer's own version of the base's
        // name keeps the base's entity; a name with other words is something else.
        (
            "Kenya's Office of the Data Protection Commission (ODPC) fined a firm.",
            "ODPC",
            Some("ke-odpc"),
        ),
        (
            "SEATTLE, Wash. (AP) – The company said",
            "AP",
            Some("associated-press"),
        ),
        // "Isis": the group only with words of war around it.
        (
            "UK is willing to join the US air campaign against Isis",
            "Isis",
            Some("islamic-state"),
        ),
        (
            "New powers to tackle Isis threat",
            "Isis",
            Some("islamic-state"),
        ),
        ("A statue of Isis, the Egyptian goddess", "Isis", None),
        // "&" and "and" written either way.
        (
            "The Securities & Exchange Commission sued.",
            "Securities & Exchange Commission",
            Some("us-sec"),
        ),
        (
            "Shoppers at Marks and Spencer",
            "Marks and Spencer",
            Some("marks-and-spencer"),
        ),
        ("USB sticks", "US", None),
        ("Tell us more", "us", None),
        ("the US government", "US", Some("us")),
        ("the U.S. must act", "U.S.", Some("us")),
        ("the clock went tick tock", "tick tock", None),
        ("Tik Tok is popular", "Tik Tok", Some("tiktok")),
        ("a Microsoft-owned service", "Microsoft", Some("microsoft")),
        (
            "on the Hong Kong stock exchange",
            "Hong Kong stock exchange",
            Some("hkex"),
        ),
        ("on the Hong Kong stock exchange", "Hong Kong", Some("hk")),
        (
            "the HONG KONG STOCK EXCHANGE",
            "HONG KONG STOCK EXCHANGE",
            Some("hkex"),
        ),
        ("the information was leaked", "information", None),
        ("Dutch regulators", "Dutch", Some("nl")),
        ("American users", "American", Some("us")),
        ("Latin American markets", "American", None),
        ("North Korea fired a missile", "North Korea", Some("kp")),
        ("Kim visited North Korea", "Korea", None),
        ("South Korea and Japan", "South Korea", Some("kr")),
        (
            "the Chinese Communist Party",
            "Chinese Communist Party",
            Some("ccp"),
        ),
        ("微信用户", "微信", Some("wechat")),
        // ICO: UK regulator vs initial coin offering.
        (
            "The ICO fined the firm for a data breach.",
            "ICO",
            Some("gb-ico"),
        ),
        ("The ICO raised $5m from crypto investors.", "ICO", None),
        ("Its ICO sold tokens worth millions.", "ICO", None),
        ("the ico", "ico", None),
        // AP: Dutch authority vs Associated Press.
        (
            "The Dutch AP fined TikTok for a privacy breach.",
            "AP",
            Some("nl-ap"),
        ),
        (
            "AP reported that the talks stalled, the news agency said.",
            "AP",
            Some("associated-press"),
        ),
        ("The AP later updated its story.", "AP", None),
        (
            "WASHINGTON (AP) — The FTC fined Meta over privacy.",
            "AP",
            Some("associated-press"),
        ),
        (
            "AMSTERDAM (AP) — The Dutch regulator AP fined Uber.",
            "AP",
            Some("associated-press"),
        ),
        // CAC: Cyberspace Administration vs the CAC 40 index.
        (
            "The CAC 40 index fell 2 percent in Paris.",
            "CAC 40",
            Some("cac40"),
        ),
        ("The CAC 40 index fell 2 percent in Paris.", "CAC", None),
        (
            "China's CAC ordered a security review of Didi.",
            "CAC",
            Some("cn-cac"),
        ),
        (
            "The CAC said it would look at the data of drivers in China.",
            "CAC",
            Some("cn-cac"),
        ),
        // Garante: the Italian authority vs the Italian word.
        (
            "Italy's Garante banned ChatGPT over privacy concerns.",
            "Garante",
            Some("it-garante"),
        ),
        ("Il Garante ha detto.", "Garante", None),
        // Datatilsynet: Denmark or Norway, by context.
        (
            "Norway's Datatilsynet fined Grindr.",
            "Datatilsynet",
            Some("no-datatilsynet"),
        ),
        (
            "In Denmark, Datatilsynet criticised the city.",
            "Datatilsynet",
            Some("dk-datatilsynet"),
        ),
        (
            "The Danish Datatilsynet criticised the city.",
            "Datatilsynet",
            Some("dk-datatilsynet"),
        ),
        ("Datatilsynet issued a statement.", "Datatilsynet", None),
        // In their own languages, by words only one of them writes.
        (
            "Datatilsynet har åbnet en sag om reglerne for databeskyttelse.",
            "Datatilsynet",
            Some("dk-datatilsynet"),
        ),
        (
            "Datatilsynet vil undersøke bruken av personopplysninger.",
            "Datatilsynet",
            Some("no-datatilsynet"),
        ),
        (
            "Boten er ifølge NRK den største som Datatilsynet har gitt en kommune.",
            "Datatilsynet",
            Some("no-datatilsynet"),
        ),
        // A DPA's acronym with data-protection words of its own language.
        (
            "La Chambre Contentieuse de l'APD a rendu 11 décisions.",
            "APD",
            Some("be-apd"),
        ),
        ("L'APD finance des écoles au Niger.", "APD", None),
        // CNPD: Portugal or Luxembourg.
        (
            "Portugal's CNPD fined the census bureau.",
            "CNPD",
            Some("pt-cnpd"),
        ),
        (
            "Luxembourg's CNPD fined Amazon €746m.",
            "CNPD",
            Some("lu-cnpd"),
        ),
        ("The CNPD said so.", "CNPD", None),
        // OPC: Canada or New Zealand.
        (
            "Canada's OPC found that Clearview broke the law.",
            "OPC",
            Some("ca-opc"),
        ),
        ("New Zealand's OPC issued guidance.", "OPC", Some("nz-opc")),
        // PDPC: Singapore or Thailand.
        (
            "Singapore's PDPC fined a hospital.",
            "PDPC",
            Some("sg-pdpc"),
        ),
        ("Thailand's PDPC issued new rules.", "PDPC", Some("th-pdpc")),
        // English names shared by two authorities.
        (
            "In Portugal, the National Data Protection Commission said",
            "National Data Protection Commission",
            Some("pt-cnpd"),
        ),
        (
            "Portugal's National Data Protection Commission",
            "Portugal's National Data Protection Commission",
            Some("pt-cnpd"),
        ),
        (
            "the Information Commissioner said",
            "Information Commissioner",
            Some("gb-ico"),
        ),
        (
            "Slovenia's Information Commissioner said",
            "Information Commissioner",
            Some("si-ip"),
        ),
        // How journalists describe authorities.
        (
            "Italy's privacy watchdog banned the chatbot.",
            "Italy's privacy watchdog",
            Some("it-garante"),
        ),
        (
            "Italy’s privacy watchdog banned it.",
            "Italy’s privacy watchdog",
            Some("it-garante"),
        ),
        (
            "the Spanish data protection authority",
            "Spanish data protection authority",
            Some("es-aepd"),
        ),
        (
            "Hong Kong's privacy watchdog",
            "Hong Kong's privacy watchdog",
            Some("hk-pcpd"),
        ),
        (
            "the Dutch privacy watchdog fined TikTok",
            "Dutch privacy watchdog",
            Some("nl-ap"),
        ),
        // Apple the company vs the fruit.
        (
            "Apple unveiled a new iPhone on Tuesday.",
            "Apple",
            Some("apple"),
        ),
        ("Shares of Apple fell.", "Apple", Some("apple")),
        ("Apple pie sales rose in autumn.", "Apple", None),
        ("Apple growers fear the frost.", "Apple", None),
        ("He ate an apple.", "apple", None),
        ("New York is the Big Apple, they say.", "Apple", None),
        // Meta the company vs the word.
        (
            "Meta fined €1.2bn over data transfers.",
            "Meta",
            Some("meta"),
        ),
        ("Meta-analysis shows little effect.", "Meta", None),
        ("a meta question", "meta", None),
        // X the platform vs the letter.
        (
            "Elon Musk posted on X that he disagreed.",
            "X",
            Some("twitter"),
        ),
        ("Malcolm X spoke.", "X", None),
        ("An X-ray of the hand.", "X", None),
        ("Generation X voters posted less.", "X", None),
        (
            "Safari ships with Mac OS X and posts to Twitter.",
            "X",
            None,
        ),
        // Holland: the Netherlands, or a surname.
        ("J. Nathaniel Holland studied cacti.", "Holland", None),
        (
            "Holland beat Spain; Dutch fans celebrated.",
            "Holland",
            Some("nl"),
        ),
        // SAP: the software company, or an acronym.
        ("the Special Assistance Plan (SAP) schools", "SAP", None),
        (
            "German software company SAP raised its forecast.",
            "SAP",
            Some("sap"),
        ),
        // Georgia, Jordan: countries only with context.
        // The US state, not the country.
        ("Atlanta, Georgia is hot.", "Georgia", Some("us-ga")),
        (
            "Georgia's capital Tbilisi saw protests.",
            "Georgia",
            Some("ge"),
        ),
        ("Michael Jordan retired.", "Jordan", None),
        (
            "Jordan and Syria share a border in the Middle East.",
            "Jordan",
            Some("jo"),
        ),
        // Turkey: the country, or the bird, when a sentence opens with it.
        (
            "Turkey's data protection authority fined WhatsApp.",
            "Turkey",
            Some("tr"),
        ),
        (
            "Turkey prices rose before Thanksgiving as farms culled flocks.",
            "Turkey",
            None,
        ),
        ("Shares fell as Turkey raised rates.", "Turkey", Some("tr")),
        // People: listed surnames count alone; others only after the full name.
        ("Trump signed the order.", "Trump", Some("donald-trump")),
        (
            "President Trump signed the order.",
            "President Trump",
            Some("donald-trump"),
        ),
        ("Cook said the meal was ready.", "Cook", None),
        ("Tim Cook spoke. Later, Cook said more.", "Cook said", None),
        (
            "Zhang Yiming stepped down. Zhang said it was time.",
            "Zhang said",
            None,
        ),
    ];
    for (text, surface, want) in cases {
        let got = resolved(text, surface);
        assert_eq!(got.as_deref(), *want, "{surface:?} in {text:?}");
    }
    // Both readings of "AP" in one story: the dateline and the Dutch authority.
    let text = "AMSTERDAM (AP) — The Dutch regulator AP fined Uber.";
    let out = extractor().extract_text(text, None);
    let second = text.rfind("AP").unwrap_or(0);
    let nl_ap = out.entity("nl-ap").expect("nl-ap");
    // "Dutch regulator" (a description, see `describe`) and the name "AP" after it.
    let named: Vec<usize> = nl_ap
        .mentions
        .iter()
        .filter(|m| !m.described)
        .map(|m| m.start)
        .collect();
    assert_eq!(named, [second]);
    assert_eq!(
        out.entity("associated-press").map(|h| h.mentions.len()),
        Some(1)
    );
    // Surnames after the full name (second occurrence, so not covered by `resolved`).
    let text = "Tim Cook spoke. Later, Cook said more.";
    let out = extractor().extract_text(text, None);
    let cook = out.entity("tim-cook").expect("tim-cook");
    let surfaces: Vec<&str> = cook.mentions.iter().map(|m| m.surface.as_str()).collect();
    assert_eq!(surfaces, ["Tim Cook", "Cook"]);
}

fn decision_for<'a>(ds: &'a [Decision], surface: &str) -> &'a Decision {
    ds.iter()
        .find(|d| d.surface == surface)
        .unwrap_or_else(|| panic!("no decision for {surface}: {ds:?}"))
}

#[test]
fn reasons_are_reported() {
    let x = extractor();
    let ds = x.explain("The ICO raised $5m from crypto investors.");
    let ico = decision_for(&ds, "ICO");
    assert_eq!(ico.chosen(), None);
    assert!(
        matches!(&ico.outcomes[0].1, Verdict::Vetoed(w) if w == "crypto" || w == "investors"),
        "{ico:?}"
    );

    let ds = x.explain("The Dutch AP fined TikTok for a privacy breach.");
    let ap = decision_for(&ds, "AP");
    assert_eq!(ap.chosen(), Some("nl-ap"));
    assert_eq!(ap.outcomes[0].1, Verdict::ContextEntity("nl".into()));

    let ds = x.explain("The Information Commissioner's Office (ICO) said the ICO would act.");
    let ico = decision_for(&ds, "ICO");
    assert_eq!(ico.outcomes[0], ("gb-ico".to_string(), Verdict::OwnEntity));

    let ds = x.explain("Apple pie");
    let apple = decision_for(&ds, "Apple");
    assert_eq!(apple.chosen(), None);
    assert_eq!(apple.outcomes[0].1, Verdict::FollowedBy("pie".into()));

    // Case rules decide before any candidate is considered: nothing to explain.
    assert!(x.explain("tell us about the apple").is_empty());

    let ds = x.explain("Datatilsynet issued a statement.");
    let d = decision_for(&ds, "Datatilsynet");
    assert_eq!(d.chosen(), None);
    assert!(d.outcomes.iter().all(|(_, v)| *v == Verdict::NoContext));
}

#[test]
fn confidence_reflects_the_evidence() {
    let x = extractor();
    let out = x.extract_text(
        "The Dutch AP fined TikTok. Shares fell on the Hong Kong stock exchange.",
        None,
    );
    let conf = |id: &str| out.entity(id).map(|h| h.confidence);
    assert_eq!(conf("tiktok"), Some(1.0));
    assert!(conf("nl-ap").is_some_and(|c| (0.8..1.0).contains(&c)));
    assert!(conf("hk").is_some_and(|c| c < 0.9), "nested location");
}

#[test]
fn mentions_point_into_the_text() {
    let x = extractor();
    for text in [
        "Ünïcödé TikTok’s 😀 WeChat — “Trump” said.",
        "ТикТок TikTok中国China",
        "e\u{301}TikTok TikTok\u{301}",
        "",
    ] {
        let out = x.extract_text(text, None);
        for h in &out.entities {
            for m in &h.mentions {
                assert_eq!(text.get(m.start..m.end), Some(m.surface.as_str()), "{text}");
            }
        }
    }
}

#[test]
fn a_place_named_by_its_people_is_marked_as_a_demonym() {
    let text = "Irish and Dutch officials met in Ireland. The French data protection \
                authority said the Americans had not asked.";
    let out = extractor().extract_text(text, None);
    let marks: Vec<(&str, bool)> = out
        .entities
        .iter()
        .flat_map(|h| h.mentions.iter())
        .map(|m| (m.surface.as_str(), m.demonym))
        .collect();
    for (surface, demonym) in [
        ("Irish", true),
        ("Dutch", true),
        ("Ireland", false),
        ("French", true),
        ("Americans", true),
    ] {
        assert!(
            marks.contains(&(surface, demonym)),
            "{surface} should be marked demonym={demonym}: {marks:?}"
        );
    }
    let json = serde_json::to_string(&out).unwrap_or_default();
    assert!(
        json.contains(r#""surface":"Irish","demonym":true"#),
        "{json}"
    );
    assert!(!json.contains(r#""surface":"Ireland","demonym""#), "{json}");
}

/// Every (surface, entity id) of the extraction of `text`.
fn mentions_of(text: &str) -> Vec<(String, String)> {
    extractor()
        .extract_text(text, None)
        .entities
        .iter()
        .flat_map(|h| h.mentions.iter().map(|m| (m.surface.clone(), h.id.clone())))
        .collect()
}

#[test]
fn a_short_form_the_story_defines_names_what_it_was_defined_after() {
    let got = mentions_of(
        "CA boss raises concern over Worldcoin\n\nThe Communications Authority of Kenya (CA) \
         has expressed concerns. CA director general Ezra Chiloba spoke.",
    );
    let ca: Vec<&(String, String)> = got.iter().filter(|(s, _)| s == "CA").collect();
    assert_eq!(ca.len(), 3, "{got:?}");
    assert!(
        ca.iter()
            .all(|(_, id)| id == "regulator/communications-authority-of-kenya"),
        "{got:?}"
    );
    // The story's definition wins over what the base makes of the short form alone.
    let got = mentions_of(
        "The Dutch Data Protection Authority (AP) fined Uber. The AP said drivers' data \
         left Europe.",
    );
    assert!(
        got.iter()
            .filter(|(s, _)| s == "AP")
            .all(|(_, id)| id == "nl-ap"),
        "{got:?}"
    );
    assert!(
        !got.iter().any(|(_, id)| id == "associated-press"),
        "{got:?}"
    );
    // A name the base does not know does not take a short form the base knows.
    let got =
        mentions_of("France's National Commission on Informatics and Liberty (CNIL) fined Google.");
    assert!(
        got.iter().any(|(s, id)| s == "CNIL" && id == "fr-cnil"),
        "{got:?}"
    );
    // Without a definition, nothing changes; a person's initials define nothing.
    let got = mentions_of("The AP reported that John Smith (JS) resigned. JS declined to comment.");
    assert!(
        got.iter()
            .any(|(s, id)| s == "AP" && id == "associated-press"),
        "{got:?}"
    );
    assert!(!got.iter().any(|(s, _)| s == "JS"), "{got:?}");
}

#[test]
fn an_authority_of_a_place_is_one_name() {
    let got = mentions_of("The Communications Regulatory Authority of Namibia opened an inquiry.");
    assert!(
        got.iter().any(
            |(s, id)| s == "Communications Regulatory Authority of Namibia"
                && id.starts_with("regulator/")
        ),
        "{got:?}"
    );
    // After a legal suffix, "of" says where the company is.
    let got = mentions_of("Wiz Inc of Israel was bought.");
    assert!(got.iter().any(|(s, _)| s == "Wiz Inc"), "{got:?}");
}

#[test]
fn a_place_that_is_a_persons_surname_is_the_person() {
    let got = mentions_of(
        "Former Scientologist Valeska Paris says she was held on a ship. Paris told the \
         ABC she was 18 at the time. She later moved to Paris.",
    );
    let paris: Vec<&str> = got
        .iter()
        .filter(|(s, _)| s == "Paris")
        .map(|(_, id)| id.as_str())
        .collect();
    // "Paris told" is the person; "moved to Paris" the city; none inside her name.
    assert_eq!(paris.len(), 2, "{got:?}");
    assert!(paris.contains(&"person/valeska-paris"), "{got:?}");
    assert!(paris.contains(&"fr-par"), "{got:?}");
}

#[test]
fn a_name_around_a_nested_place_is_not_found_twice() {
    // "Korea" nested in "South Korea" ends before the regulator's name around both:
    // the searches over the base's mentions must still see that name.
    let out = extractor().extract_text(
        "South Korea's Personal Information Protection Commission fined Kakao.",
        None,
    );
    let regulators: Vec<&str> = out
        .entities
        .iter()
        .filter(|h| h.kind == crate::model::EntityKind::Regulator)
        .map(|h| h.id.as_str())
        .collect();
    assert_eq!(regulators, ["kr-pipc"], "{:?}", out.entities);
}

#[test]
fn a_short_form_the_story_gives_another_name_is_not_the_bases() {
    // The entity of the last "FTC" in each text.
    let last_ftc = |text: &str| {
        let at = text.rfind("FTC").unwrap_or_default();
        let out = extractor().extract_text(text, None);
        out.entities
            .iter()
            .find(|h| h.mentions.iter().any(|m| m.start == at))
            .map(|h| h.id.clone())
    };
    assert_eq!(
        last_ftc("The Federal Trade Commission (FTC) sued Meta. The FTC said so.").as_deref(),
        Some("us-ftc")
    );
    assert_eq!(
        last_ftc("The Fair Trade Commission (FTC) fined Google in Seoul. The FTC said so.")
            .as_deref(),
        Some("regulator/fair-trade-commission")
    );
}
