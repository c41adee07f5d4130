//! `import-opml` and `export-opml` as a user runs them: printing TOML, appending to a
//! config only when the result is valid, skipping feeds already there, and an export
//! that imports back to the same feeds.

use crate::common;

use crate::common::{Sandbox, stderr, stdout};

const SUBS: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<opml version="2.0"><head><title>My feeds</title></head><body>
  <outline text="Tech">
    <outline type="rss" text="Ars &amp; Co" xmlUrl="https://feeds.arstechnica.com/arstechnica/index"/>
    <outline text="EU">
      <outline type="rss" text="EDPB" xmlUrl="https://www.edpb.europa.eu/feed/news_en"/>
    </outline>
  </outline>
  <outline type="rss" title="Guardian" text="g" xmlUrl="https://www.theguardian.com/uk/technology/rss"/>
</body></opml>"#;

#[test]
fn import_prints_then_appends_and_export_reads_back() {
    let sb = Sandbox::new(
        "[[feed]]\nname = \"EDPB news\"\nurl = \"https://www.edpb.europa.eu/feed/news_en\"\n",
    );
    let opml = sb.path("subs.opml");
    std::fs::write(&opml, SUBS).unwrap();
    let opml_arg = opml.display().to_string();
    let before = std::fs::read_to_string(sb.config()).unwrap();

    // Printing changes nothing and skips what the config already has.
    let out = common::run(&["import-opml", &opml_arg, "--config", &sb.config_arg()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let toml = stdout(&out);
    assert!(toml.contains("name = \"Ars & Co\""), "{toml}");
    assert!(toml.contains("tags = [\"Tech\"]"), "{toml}");
    assert!(toml.contains("name = \"Guardian\""), "{toml}");
    assert!(!toml.contains("edpb"), "already configured: {toml}");
    assert!(stderr(&out).contains("skipped https://www.edpb.europa.eu/feed/news_en"));
    assert_eq!(std::fs::read_to_string(sb.config()).unwrap(), before);

    // --append writes them into the config, which stays valid and keeps its text.
    let out = common::run(&[
        "import-opml",
        &opml_arg,
        "--append",
        "--config",
        &sb.config_arg(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("2 feed(s) added"), "{}", stderr(&out));
    let after = std::fs::read_to_string(sb.config()).unwrap();
    assert!(after.starts_with(&before), "appended, not rewritten");
    let check = common::run(&["check", "--config", &sb.config_arg()]);
    assert!(check.status.success(), "{}", stderr(&check));
    assert!(stdout(&check).contains("3 feed(s)"), "{}", stdout(&check));
    // Importing again adds nothing.
    let out = common::run(&[
        "import-opml",
        &opml_arg,
        "--append",
        "--config",
        &sb.config_arg(),
    ]);
    assert!(stderr(&out).contains("0 feed(s) added"), "{}", stderr(&out));

    // Export, then import the export into an empty config: the same feeds and tags.
    let exported = common::run(&["export-opml", "--config", &sb.config_arg()]);
    assert!(exported.status.success(), "{}", stderr(&exported));
    let doc = stdout(&exported);
    assert!(
        doc.starts_with("<?xml") && doc.contains("<opml version=\"2.0\">"),
        "{doc}"
    );
    let back = sb.path("back.opml");
    std::fs::write(&back, &doc).unwrap();
    let empty = Sandbox::new("");
    let out = common::run(&[
        "import-opml",
        &back.display().to_string(),
        "--config",
        &empty.config_arg(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let again = stdout(&out);
    for want in [
        "name = \"EDPB news\"",
        "name = \"Ars & Co\"",
        "tags = [\"Tech\"]",
        "name = \"Guardian\"",
    ] {
        assert!(again.contains(want), "{want} in {again}");
    }
    assert_eq!(again.matches("[[feed]]").count(), 3, "{again}");
}

#[test]
fn a_bad_opml_file_is_a_clear_error_and_writes_nothing() {
    let sb = Sandbox::new("");
    let before = std::fs::read_to_string(sb.config()).unwrap();
    let bad = sb.path("bad.opml");
    std::fs::write(&bad, "<html><body>not opml</body></html>").unwrap();
    let out = common::run(&[
        "import-opml",
        &bad.display().to_string(),
        "--append",
        "--config",
        &sb.config_arg(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("not an OPML file"),
        "{}",
        stderr(&out)
    );
    assert_eq!(std::fs::read_to_string(sb.config()).unwrap(), before);
    let help = stdout(&common::run(&["--help"]));
    for cmd in ["feeds", "import-opml", "export-opml"] {
        assert!(help.contains(cmd), "{help}");
    }
}

/// From a relative `--config`, file feeds are exported as absolute `file:///` URLs
/// (not `file://c/...`, a URL whose host is `c`), and `category` paths come back as
/// the same paths, each one tag.
#[test]
fn export_from_a_relative_config_round_trips_files_and_category_paths() {
    let sb = Sandbox::new("");
    std::fs::create_dir(sb.path("c")).unwrap();
    std::fs::create_dir(sb.path("c/demo")).unwrap();
    std::fs::copy(
        common::repo().join("config/demo/demo-feed.xml"),
        sb.path("c/demo/demo feed.xml"),
    )
    .unwrap();
    std::fs::write(
        sb.path("c/newswatch.toml"),
        "watchlists = []\n[[feed]]\nname = \"demo\"\nurl = \"demo/demo feed.xml\"\ntags = [\"local\"]\n",
    )
    .unwrap();
    let subs = sb.path("subs.opml");
    std::fs::write(
        &subs,
        r#"<opml version="2.0"><body><outline text="Press">
  <outline type="rss" text="Ars" xmlUrl="https://feeds.arstechnica.com/arstechnica/index" category="/news/tech,/eu"/>
</outline></body></opml>"#,
    )
    .unwrap();
    let in_sandbox = |args: &[&str]| {
        common::newswatch()
            .current_dir(sb.dir.path())
            .args(args)
            .output()
            .unwrap()
    };
    let out = in_sandbox(&[
        "import-opml",
        "subs.opml",
        "--append",
        "--config",
        "c/newswatch.toml",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let cfg = std::fs::read_to_string(sb.path("c/newswatch.toml")).unwrap();
    assert!(
        cfg.contains(r#"tags = ["Press", "news/tech", "eu"]"#),
        "{cfg}"
    );

    let out = in_sandbox(&["export-opml", "--config", "c/newswatch.toml"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let doc = stdout(&out);
    let file = sb
        .dir
        .path()
        .canonicalize()
        .unwrap()
        .join("c/demo/demo feed.xml");
    let want = url::Url::from_file_path(&file).unwrap();
    assert!(want.as_str().starts_with("file:///"));
    assert!(
        doc.contains(&format!("xmlUrl=\"{want}\"")),
        "{want} in {doc}"
    );
    assert!(doc.contains("category=\"/news/tech,/eu\""), "{doc}");

    // Imported elsewhere, the export names the same file and the same tags.
    let back = sb.path("back.opml");
    std::fs::write(&back, &doc).unwrap();
    let other = Sandbox::new("");
    let out = common::run(&[
        "import-opml",
        &back.display().to_string(),
        "--append",
        "--config",
        &other.config_arg(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let cfg = std::fs::read_to_string(other.config()).unwrap();
    assert!(
        cfg.contains(r#"tags = ["Press", "news/tech", "eu"]"#),
        "{cfg}"
    );
    let items = common::run(&["items", want.as_str()]);
    assert!(items.status.success(), "{}", stderr(&items));
    let feeds = common::run(&["feeds", "--json", "--config", &other.config_arg()]);
    assert!(feeds.status.success(), "{}", stderr(&feeds));
    let rows: Vec<serde_json::Value> = stdout(&feeds)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let demo = rows.iter().find(|r| r["name"] == "demo").unwrap();
    assert_eq!(demo["url"], file.display().to_string());
    assert_eq!(demo["tags"], serde_json::json!(["local"]));
}
