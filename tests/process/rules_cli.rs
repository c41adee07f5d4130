//! The rule language from the command line, with the real binary: `check` points into
//! a broken query with file:line:column and a caret; `rules test` runs rules over a
//! JSON-lines file, a feed file, an ad-hoc query, an undeployed watchlist, and the
//! items a real `once` kept in the real SQLite state file; `entities` finds the id a
//! rule writes, in the shipped base and the config's own entity files.

use crate::common;

use std::fs;

use crate::common::{Sandbox, repo, run, stderr, stdout};

#[test]
fn check_points_a_caret_into_the_query() {
    let sb = Sandbox::new("");
    fs::write(
        sb.path("watchlists/mine.toml"),
        "[[rule]]\nid = \"mine\"\nquery = '''\n  @tiktok\n  AND (ban OR \"data centre\")\n  AND NOT @tencnt'''\n[[rule]]\nid = \"two\"\nquery = \"@wechat NEAR/ \\\"fine\\\"\"\n",
    )
    .unwrap();
    let out = run(&["check", "--config", &sb.config_arg()]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    let file = sb.path("watchlists/mine.toml").display().to_string();
    assert!(
        err.contains(&format!(
            "{file}:6:12: rule `mine`: unknown entity id `tencnt`; did you mean `tencent`?\n      AND NOT @tencnt'''\n               ^"
        )),
        "{err}"
    );
    assert!(
        err.contains(&format!("{file}:9:18: rule `two`: write NEAR/n")),
        "{err}"
    );
    assert!(err.contains("2 problem(s) found"), "{err}");
}

#[test]
fn rules_test_over_a_jsonl_file_with_spans() {
    let cfg = repo().join("config/newswatch.toml").display().to_string();
    let set = repo()
        .join("tests/fixtures/rules/labelled.jsonl")
        .display()
        .to_string();
    let out = run(&["rules", "test", "--config", &cfg, "--rule", "wechat", &set]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains(
            "wechat  HIGH  [labelled]  Trump signs order banning transactions with WeChat"
        ),
        "{text}"
    );
    assert!(
        text.contains("> Trump signs order [banning] transactions with [WeChat]"),
        "{text}"
    );
    assert!(
        text.trim_end().ends_with("401 item(s); fired: wechat 39"),
        "{text}"
    );
    assert!(
        !text.contains("Honor of Kings"),
        "Tencent-only news does not fire: {text}"
    );

    let out = run(&[
        "rules", "test", "--config", &cfg, "--rule", "tiktok", "--json", &set,
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let lines: Vec<serde_json::Value> = stdout(&out)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let bd = lines
        .iter()
        .find(|l| l["item"]["id"] == "tt-bytedance-revenue")
        .expect("ByteDance-only news fires the tiktok rule");
    assert_eq!(bd["matched"][0]["id"], "bytedance");
    assert_eq!(bd["matched"][0]["surface"], "ByteDance");
    assert!(stderr(&out).contains("fired: tiktok"), "{}", stderr(&out));
}

#[test]
fn rules_test_with_an_ad_hoc_query_and_an_undeployed_file() {
    let dir = tempfile::tempdir().unwrap();
    let feed = repo()
        .join("config/demo/demo-feed.xml")
        .display()
        .to_string();
    // No config at all: the built-in knowledge base.
    let home = dir.path().display().to_string();
    let out = common::newswatch()
        .args(["rules", "test", "--query", "@tiktok NEAR/4 ban", &feed])
        .env("HOME", &home)
        .env("XDG_CONFIG_HOME", &home)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains("matched: TikTok (entity tiktok) @13..19, ban (keyword ban) @46..49"),
        "{text}"
    );
    assert!(
        text.contains("> Negotiations [TikTok] further under pressure by [ban] Trump"),
        "{text}"
    );

    let out = common::newswatch()
        .args(["rules", "test", "--query", "@tiktok NEAR/3 (ban", &feed])
        .env("HOME", &home)
        .env("XDG_CONFIG_HOME", &home)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("--query, column 16: this `(` is never closed\n    @tiktok NEAR/3 (ban\n                   ^"),
        "{}",
        stderr(&out)
    );

    let wl = dir.path().join("draft.toml");
    fs::write(
        &wl,
        "[[rule]]\nid = \"draft\"\nquery = 'kind:regulator IN lead OR SENTENCE(tag:dpa, \"privacy friendly\")'\n",
    )
    .unwrap();
    let out = common::newswatch()
        .args(["rules", "test", "--rules", &wl.display().to_string(), &feed])
        .env("HOME", &home)
        .env("XDG_CONFIG_HOME", &home)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("draft  MEDIUM  [demo-feed]"), "{text}");
    assert!(text.contains("[Personal Data Authority]"), "{text}");
    assert!(text.contains("[privacy friendly]"), "{text}");
}

#[test]
fn rules_test_since_replays_what_the_daemon_kept() {
    let sb = Sandbox::new("[[feed]]\nname = \"local\"\nurl = \"feed.xml\"\nfirst_poll = \"all\"\n");
    let now = common::minutes_ago(5);
    fs::write(
        sb.path("feed.xml"),
        common::rss(&[
            (
                "a",
                "WeChat Pay opens to foreign cards",
                "<p>WeChat Pay now accepts Visa.</p>",
                &now,
            ),
            ("b", "Oil prices rise", "<p>Brent rose 2 percent.</p>", &now),
        ]),
    )
    .unwrap();
    let out = sb.once();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(sb.alerts().len(), 1);

    // A rule written after the items arrived, tried on what the store kept.
    fs::write(
        sb.path("oil.toml"),
        "[[rule]]\nid = \"oil\"\nquery = 'oil NEAR/2 prices'\n",
    )
    .unwrap();
    let out = run(&[
        "rules",
        "test",
        "--config",
        &sb.config_arg(),
        "--since",
        "1d",
        "--rules",
        &sb.path("oil.toml").display().to_string(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains("oil  MEDIUM  [local]  Oil prices rise"),
        "{text}"
    );
    assert!(text.contains("> [Oil] [prices] rise"), "{text}");
    assert!(
        text.trim_end().ends_with("2 item(s); fired: oil 1"),
        "{text}"
    );

    let out = run(&[
        "rules",
        "test",
        "--config",
        &sb.config_arg(),
        "--since",
        "1d",
    ]);
    let text = stdout(&out);
    assert!(
        text.trim_end()
            .ends_with("2 item(s); fired: privacy-regulators 0, tiktok 0, wechat 1"),
        "{text}"
    );
}

/// A user looks up an entity by a name written without its accent, finds the id (in
/// their own entity file, with its owner), writes it in a rule, and the rule works.
#[test]
fn entities_finds_the_id_a_rule_writes() {
    let sb = Sandbox::new("");
    fs::write(
        sb.path("mine.toml"),
        "[[entity]]\nid = \"zephyr-ai\"\nname = \"Zéphyr Intelligence\"\nkind = \"organization\"\nowner = \"bytedance\"\naliases = [\"Zephyr AI\"]\ntags = [\"ai\"]\n",
    )
    .unwrap();
    let cfg = fs::read_to_string(sb.config()).unwrap();
    fs::write(sb.config(), format!("entities = [\"mine.toml\"]\n{cfg}")).unwrap();

    let out = run(&["entities", "zephyr intel", "--config", &sb.config_arg()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.starts_with("zephyr-ai  Zéphyr Intelligence  [organization]\n"),
        "{text}"
    );
    for want in [
        "owner:    bytedance (ByteDance)",
        "tags:     ai",
        "aliases:  Zephyr AI",
        "mine.toml:1",
    ] {
        assert!(text.contains(want), "{want:?} in {text}");
    }
    // JSON: the exact id first, and ownership both ways.
    let out = run(&[
        "entities",
        "ByteDance",
        "--json",
        "--config",
        &sb.config_arg(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let rows: Vec<serde_json::Value> = stdout(&out)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(rows[0]["id"], "bytedance");
    assert_eq!(rows[0]["kind"], "organization");
    let owns: Vec<&str> = rows[0]["owns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert!(
        owns.contains(&"tiktok") && owns.contains(&"zephyr-ai"),
        "{owns:?}"
    );

    // The id found is what a rule writes.
    fs::write(
        sb.path("watchlists/mine.toml"),
        "[[rule]]\nid = \"zephyr\"\nquery = '@zephyr-ai'\n",
    )
    .unwrap();
    let items = sb.path("items.jsonl");
    fs::write(
        &items,
        "{\"id\": \"1\", \"title\": \"Zephyr AI raises money\", \"text\": \"Zéphyr Intelligence said on Monday it raised funds.\"}\n",
    )
    .unwrap();
    let out = run(&[
        "rules",
        "test",
        &items.display().to_string(),
        "--rule",
        "zephyr",
        "--json",
        "--config",
        &sb.config_arg(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("\"zephyr-ai\""), "{}", stdout(&out));

    // Nothing found: exit 1, with the nearest ids.
    let out = run(&["entities", "tiktk", "--config", &sb.config_arg()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("no entity matches `tiktk`"),
        "{}",
        stderr(&out)
    );
    assert!(stderr(&out).contains("tiktok"), "{}", stderr(&out));
}
