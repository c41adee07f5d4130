//! The commands as a user runs them: the shipped demo config end to end, `check` on a
//! broken config, `items`, `extract`, `tail`, and life without a desktop session.

use crate::common;

use std::fs;

use crate::common::server::FeedServer;
use crate::common::{Sandbox, repo, run, stderr, stdout};

/// A copy of the shipped `config/` folder (without state) in a temp dir.
fn shipped_config() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for sub in ["watchlists", "demo"] {
        fs::create_dir(dir.path().join(sub)).unwrap();
        for e in fs::read_dir(repo().join("config").join(sub)).unwrap() {
            let e = e.unwrap();
            fs::copy(e.path(), dir.path().join(sub).join(e.file_name())).unwrap();
        }
    }
    fs::copy(
        repo().join("config/newswatch.toml"),
        dir.path().join("newswatch.toml"),
    )
    .unwrap();
    dir
}

#[test]
fn demo_config_alerts_the_three_rules_once() {
    let dir = shipped_config();
    let cfg = dir.path().join("newswatch.toml").display().to_string();
    let out = run(&["check", "--config", &cfg]);
    assert!(out.status.success(), "{}", stderr(&out));

    let out = run(&["once", "--config", &cfg]);
    assert!(out.status.success(), "{}", stderr(&out));
    let alerts = common::read_alerts(&dir.path().join("alerts.jsonl"));
    let mut rules: Vec<&str> = alerts.iter().map(|a| a["rule"].as_str().unwrap()).collect();
    rules.sort();
    assert_eq!(rules, ["privacy-regulators", "tiktok", "wechat"]);
    for a in &alerts {
        assert_eq!(
            a["item"]["title"],
            "Negotiations TikTok further under pressure by ban Trump"
        );
        assert_eq!(a["feed"]["name"], "demo");
        assert!(!a["snippet"].as_str().unwrap().is_empty());
        assert!(
            a["extraction"]["text"]
                .as_str()
                .unwrap()
                .contains("420 million euros")
        );
        assert_eq!(a["alert_id"].as_str().unwrap().len(), 32);
    }
    // Without a session bus: one clear warning, alerts still in the log, exit 0.
    let err = stderr(&out);
    assert_eq!(
        err.matches("desktop notifications unavailable").count(),
        1,
        "{err}"
    );

    let out = run(&["once", "--config", &cfg]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        common::read_alerts(&dir.path().join("alerts.jsonl")).len(),
        3,
        "second run alerts nothing new"
    );
}

#[test]
fn check_reports_every_problem_with_its_line() {
    let sb = Sandbox::new(
        "[[feed]]\nurl = \"gopher://x/y\"\ninterval = \"often\"\n[[feed]]\nurl = \"https://ok.example/feed\"\nspeed = 3\n",
    );
    fs::write(
        sb.path("watchlists/bad.toml"),
        "[[rule]]\nid = \"x\"\nentities = [\"tiktokk\"]\n",
    )
    .unwrap();
    let out = run(&["check", "--config", &sb.config_arg()]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    let cfg = sb.config_arg();
    assert!(
        err.contains(&format!(
            "{cfg}:9:7: feed `url`: unsupported scheme `gopher`"
        )),
        "{err}"
    );
    assert!(
        err.contains(&format!(
            "{cfg}:10:12: `interval`: invalid duration `often`"
        )),
        "{err}"
    );
    assert!(
        err.contains(&format!("{cfg}:13:1:")) && err.contains("unknown field `speed`"),
        "{err}"
    );
    assert!(err.contains("3 problem(s) found"), "{err}");
    // The config errors stop before watchlists are read; fix them and the watchlist error shows.
    sb.write_config("[[feed]]\nurl = \"https://ok.example/feed\"\n");
    let out = run(&["check", "--config", &sb.config_arg()]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("bad.toml:3:13: rule `x`: unknown entity id `tiktokk`; did you mean `tiktok`"),
        "{err}"
    );
}

#[test]
fn missing_config_says_how_to_start() {
    let home = tempfile::tempdir().unwrap();
    let out = common::newswatch()
        .args(["check"])
        .env("HOME", home.path())
        .env("XDG_CONFIG_HOME", home.path().join("cfg"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("no config file found") && err.contains("--config"),
        "{err}"
    );
}

#[test]
fn items_prints_one_json_line_per_item_from_file_and_url() {
    let demo = repo().join("config/demo/demo-feed.xml");
    let out = run(&["items", demo.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let lines: Vec<serde_json::Value> = stdout(&out)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0]["id"], "newswatch-demo-tiktok-wechat-2020");
    assert_eq!(
        lines[0]["title"],
        "Negotiations TikTok further under pressure by ban Trump"
    );
    assert_eq!(
        lines[0]["link"],
        "https://example.org/newswatch-demo/tiktok-wechat-2020"
    );
    assert_eq!(lines[0]["published"], "2020-08-07T08:00:00Z");

    let server = FeedServer::start();
    server.set("/d.xml", fs::read(&demo).unwrap(), None);
    let out = run(&["items", &server.url("/d.xml")]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out).lines().count(), 1);

    let out = run(&["items", &server.url("/nothing")]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("HTTP 404"));
}

#[test]
fn items_from_a_file_never_loads_tls_roots() {
    // Roots that cannot load: a garbage bundle and an empty folder of certificates.
    let dir = tempfile::tempdir().unwrap();
    let bundle = dir.path().join("garbage.pem");
    fs::write(&bundle, "not a certificate\n").unwrap();
    let certs = dir.path().join("certs");
    fs::create_dir(&certs).unwrap();
    let without_roots = |args: &[&str]| {
        common::newswatch()
            .env("SSL_CERT_FILE", &bundle)
            .env("SSL_CERT_DIR", &certs)
            .args(args)
            .output()
            .unwrap()
    };
    // A URL needs the HTTP client, which cannot be built without roots: the
    // environment really takes them away...
    let server = FeedServer::start();
    let demo = repo().join("config/demo/demo-feed.xml");
    server.set("/d.xml", fs::read(&demo).unwrap(), None);
    let out = without_roots(&["items", &server.url("/d.xml")]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("CA certificates"), "{}", stderr(&out));
    // ...and a file never asks for them: no warning, no error.
    let out = without_roots(&["items", demo.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out).lines().count(), 1);
    assert_eq!(stderr(&out), "");
}

#[test]
fn extract_keeps_plain_text_unchanged_and_batches_in_order() {
    let article = repo().join("tests/fixtures/tiktok-wechat-2020.txt");
    let text = fs::read_to_string(&article).unwrap();
    let out = run(&["extract", article.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let ex: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(ex["text"].as_str().unwrap(), text);
    for e in ex["entities"].as_array().unwrap() {
        for m in e["mentions"].as_array().unwrap() {
            let (s, t) = (
                m["start"].as_u64().unwrap() as usize,
                m["end"].as_u64().unwrap() as usize,
            );
            assert_eq!(&text[s..t], m["surface"].as_str().unwrap());
        }
    }

    let mut child = common::newswatch()
        .args(["extract", "--batch"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    {
        use std::io::Write;
        let mut stdin = child.stdin.take().unwrap();
        writeln!(stdin, "{{\"id\": \"a\", \"text\": \"TikTok and WeChat\"}}").unwrap();
        writeln!(stdin, "not json").unwrap();
        writeln!(
            stdin,
            "{{\"id\": 7, \"html\": \"<p>Tencent&nbsp;owns WeChat</p>\"}}"
        )
        .unwrap();
    }
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    let lines: Vec<serde_json::Value> = stdout(&out)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 3);
    assert_eq!(lines[0]["id"], "a");
    assert_eq!(lines[0]["text"], "TikTok and WeChat");
    assert!(lines[1]["error"].as_str().unwrap().contains("line 2"));
    assert_eq!(lines[2]["id"], 7);
    let ids: Vec<&str> = lines[2]["entities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_str().unwrap())
        .collect();
    assert!(
        ids.contains(&"wechat") && ids.contains(&"tencent"),
        "{ids:?}"
    );
}

#[test]
fn tail_renders_filters_and_prints_raw_json() {
    let dir = shipped_config();
    let cfg = dir.path().join("newswatch.toml").display().to_string();
    assert!(run(&["once", "--config", &cfg]).status.success());

    let out = run(&["tail", "--config", &cfg]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    for want in [
        "HIGH",
        "tiktok",
        "wechat",
        "privacy-regulators",
        "Negotiations TikTok",
        "https://example.org/newswatch-demo/tiktok-wechat-2020",
        "matched: ",
        "TikTok (tiktok)",
    ] {
        assert!(text.contains(want), "missing {want:?} in:\n{text}");
    }

    let out = run(&["tail", "--config", &cfg, "--rule", "wechat", "--json"]);
    let lines: Vec<String> = stdout(&out).lines().map(str::to_string).collect();
    assert_eq!(lines.len(), 1);
    let raw = fs::read_to_string(dir.path().join("alerts.jsonl")).unwrap();
    assert!(
        raw.lines().any(|l| l == lines[0]),
        "--json prints the line as stored"
    );

    let out = run(&[
        "tail",
        "--config",
        &cfg,
        "--since",
        "2000-01-01T00:00:00Z",
        "--json",
        "-n",
        "2",
    ]);
    assert_eq!(stdout(&out).lines().count(), 2);
    let future = (chrono::Utc::now() + chrono::Duration::days(1)).to_rfc3339();
    let out = run(&["tail", "--config", &cfg, "--since", &future, "--json"]);
    assert_eq!(stdout(&out).lines().count(), 0);
}

/// The shells' completion files the package installs, by shell.
const COMPLETION_FILES: [(&str, &str); 3] = [
    ("bash", "packaging/completions/newswatch.bash"),
    ("zsh", "packaging/completions/_newswatch"),
    ("fish", "packaging/completions/newswatch.fish"),
];

/// Every command a user sees (`--help` lists them): what completions must offer and
/// what has a manual page.
fn visible_commands() -> Vec<String> {
    use clap::CommandFactory;
    newswatch::cli::Cli::command()
        .get_subcommands()
        .filter(|c| !c.is_hide_set())
        .map(|c| c.get_name().to_string())
        .collect()
}

/// Whether `NEWSWATCH_BLESS` asks to rewrite the shipped copies instead of checking them.
fn blessing() -> bool {
    std::env::var_os("NEWSWATCH_BLESS").is_some_and(|v| v != "0")
}

/// The completion scripts and manual pages the package ships (`packaging/`) are what
/// the binary prints now. After changing the CLI:
/// `NEWSWATCH_BLESS=1 cargo test --test process shipped_`.
#[test]
fn shipped_completions_and_man_pages_match_the_cli() {
    let mut stale = Vec::new();
    for (shell, file) in COMPLETION_FILES {
        let out = run(&["completions", shell]);
        assert!(out.status.success(), "{}", stderr(&out));
        let path = repo().join(file);
        if blessing() {
            fs::write(&path, &out.stdout).unwrap();
        } else if fs::read(&path).ok().as_deref() != Some(&out.stdout[..]) {
            stale.push(file.to_string());
        }
    }
    let generated = tempfile::tempdir().unwrap();
    let out = run(&["man", &generated.path().display().to_string()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let shipped = repo().join("packaging/man");
    if blessing() {
        let _ = fs::remove_dir_all(&shipped);
        fs::create_dir_all(&shipped).unwrap();
    }
    let names = |dir: &std::path::Path| -> Vec<String> {
        let mut v: Vec<String> = fs::read_dir(dir)
            .map(|d| {
                d.map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                    .collect()
            })
            .unwrap_or_default();
        v.sort();
        v
    };
    for name in names(generated.path()) {
        let page = fs::read(generated.path().join(&name)).unwrap();
        if blessing() {
            fs::write(shipped.join(&name), &page).unwrap();
        } else if fs::read(shipped.join(&name)).ok() != Some(page) {
            stale.push(format!("packaging/man/{name}"));
        }
    }
    if names(&shipped) != names(generated.path()) {
        stale.push("packaging/man/ (pages added or removed)".into());
    }
    assert!(
        stale.is_empty(),
        "stale: {stale:?}; regenerate with `NEWSWATCH_BLESS=1 cargo test --test process shipped_`"
    );
}

/// Each shell's script offers every command, and bash reads its own without a
/// syntax error.
#[test]
fn completion_scripts_offer_every_command_and_bash_parses_its_own() {
    for (shell, _) in COMPLETION_FILES {
        let out = run(&["completions", shell]);
        assert!(out.status.success(), "{}", stderr(&out));
        let script = stdout(&out);
        for cmd in visible_commands() {
            assert!(
                script.contains(&cmd),
                "the {shell} completions do not offer `{cmd}`"
            );
        }
    }
    let script = tempfile::NamedTempFile::new().unwrap();
    fs::write(script.path(), run(&["completions", "bash"]).stdout).unwrap();
    let out = std::process::Command::new("bash")
        .arg("-n")
        .arg(script.path())
        .output()
        .unwrap();
    assert!(out.status.success(), "bash -n: {}", stderr(&out));
    // Sourced, it registers itself for `newswatch`.
    let out = std::process::Command::new("bash")
        .arg("-c")
        .arg(format!(
            "source {} && complete -p newswatch",
            script.path().display()
        ))
        .output()
        .unwrap();
    assert!(
        out.status.success() && stdout(&out).contains("newswatch"),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
}

/// The manual pages render with groff (the formatter `man` runs) without a warning:
/// one page per command, each naming itself.
#[test]
fn man_pages_render_without_warnings() {
    let Some(groff) = common::find_program("groff") else {
        let msg = "man_pages_render: groff is not in PATH; install it with \
                   `apt-get install groff-base` (see .ci/run)";
        assert!(!common::desktop::in_ci(), "{msg}");
        eprintln!("SKIPPED {msg}");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let out = run(&["man", &dir.path().display().to_string()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let mut pages = vec![("newswatch.1".to_string(), "newswatch".to_string())];
    pages.extend(
        visible_commands()
            .into_iter()
            .filter(|c| c != "rules")
            .map(|c| (format!("newswatch-{c}.1"), format!("newswatch-{c}")))
            .chain([(
                "newswatch-rules-test.1".to_string(),
                "newswatch-rules-test".to_string(),
            )]),
    );
    for (file, name) in pages {
        let page = dir.path().join(&file);
        assert!(page.is_file(), "no page {file}");
        let out = std::process::Command::new(&groff)
            .args(["-man", "-Tutf8", "-ww", "-P-cbou"])
            .arg(&page)
            .env("MANWIDTH", "80")
            .output()
            .unwrap();
        assert!(
            out.status.success() && out.stderr.is_empty(),
            "groff {file}: {}",
            stderr(&out)
        );
        let text = stdout(&out);
        assert!(
            text.contains("NAME") && text.contains(&name),
            "{file}:\n{text}"
        );
    }
}
