//! Each channel kind against a real receiver on loopback: the webhook's body,
//! headers and signature, the Slack and ntfy payloads, email through a real SMTP
//! server with STARTTLS (and implicit TLS, and a login), a program run with the alert
//! on its stdin — and what each answer means (delivered, retried, refused for good).

use std::time::Duration;

use hmac::{Hmac, Mac};
use newswatch::config::Http;
use newswatch::config::channel::{Channel, ChannelKind, Email, Secret, SmtpTls};
use newswatch::sink::channel::{Message, Outcome, Queued, Sender, synthetic_alert};
use sha2::Sha256;
use url::Url;

use crate::common::receiver::{Answer, Receiver};
use crate::common::smtp::{SmtpOptions, SmtpServer};
use crate::common::wait_until;

fn http() -> Http {
    Http {
        connect_timeout: Duration::from_secs(2),
        timeout: Duration::from_secs(5),
        max_body: 1 << 20,
        user_agent: "newswatch-test".into(),
    }
}

fn queued(id: &str, rule: &str) -> Queued {
    let mut a = synthetic_alert(id, rule);
    a.item.title = format!("TikTok fined over children's data ({id})");
    a.item.link = Some(format!("https://news.example.org/{id}"));
    a.snippet = "The regulator fined TikTok €345m.".into();
    Queued::new(a).unwrap()
}

fn one(q: &[Queued]) -> Message<'_> {
    Message {
        id: &q[0].alert.alert_id,
        attempt: 1,
        alerts: q,
        digest: false,
    }
}

async fn send(channel: &Channel, msg: &Message<'_>) -> Outcome {
    Sender::new(channel, &http()).unwrap().send(msg).await
}

fn webhook(url: &str, secret: Option<&str>) -> Channel {
    Channel::new(
        "hook",
        ChannelKind::Webhook {
            url: Url::parse(url).unwrap(),
            secret: secret.map(Secret::new),
        },
    )
}

fn hmac_hex(key: &[u8], body: &[u8]) -> String {
    let mut m = Hmac::<Sha256>::new_from_slice(key).unwrap();
    m.update(body);
    hex::encode(m.finalize().into_bytes())
}

#[tokio::test]
async fn a_webhook_gets_the_alert_line_with_its_id_and_a_signature() {
    let r = Receiver::start();
    let ch = webhook(&r.url("/hook"), Some("k3y"));
    let alerts = [queued("a1", "tiktok")];
    assert_eq!(send(&ch, &one(&alerts)).await, Outcome::Delivered);
    let got = r.received();
    assert_eq!(got.len(), 1);
    let req = &got[0];
    assert_eq!(req.path, "/hook");
    assert_eq!(
        req.body,
        alerts[0].json.as_bytes(),
        "the log's line, byte for byte"
    );
    assert_eq!(req.json()["schema"], 1);
    assert_eq!(req.header("content-type"), Some("application/json"));
    assert_eq!(req.header("x-newswatch-alert-id"), Some("a1"));
    assert_eq!(req.header("x-newswatch-attempt"), Some("1"));
    assert_eq!(req.header("x-newswatch-digest-id"), None);
    let want = format!("sha256={}", hmac_hex(b"k3y", &req.body));
    assert_eq!(req.header("x-newswatch-signature"), Some(want.as_str()));

    // Without a secret there is no signature.
    let plain = webhook(&r.url("/plain"), None);
    assert_eq!(send(&plain, &one(&alerts)).await, Outcome::Delivered);
    assert_eq!(r.received()[1].header("x-newswatch-signature"), None);
}

#[tokio::test]
async fn a_webhook_digest_is_a_json_array_with_every_id() {
    let r = Receiver::start();
    let ch = webhook(&r.url("/hook"), Some("k3y"));
    let alerts = [queued("a1", "tiktok"), queued("a2", "wechat")];
    let msg = Message {
        id: "d1g",
        attempt: 3,
        alerts: &alerts,
        digest: true,
    };
    assert_eq!(send(&ch, &msg).await, Outcome::Delivered);
    let req = &r.received()[0];
    let body = req.json();
    let ids: Vec<&str> = body
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["alert_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["a1", "a2"]);
    assert_eq!(req.header("x-newswatch-alert-id"), Some("a1, a2"));
    assert_eq!(req.header("x-newswatch-digest-id"), Some("d1g"));
    assert_eq!(req.header("x-newswatch-attempt"), Some("3"));
    let want = format!("sha256={}", hmac_hex(b"k3y", &req.body));
    assert_eq!(req.header("x-newswatch-signature"), Some(want.as_str()));
}

#[tokio::test]
async fn slack_gets_mrkdwn_text_with_the_linked_title_rule_and_sentence() {
    let r = Receiver::start();
    let ch = Channel::new(
        "chat",
        ChannelKind::Slack {
            url: Secret::new(r.url("/services/T0/B0/x")),
        },
    );
    let alerts = [queued("a1", "tiktok")];
    assert_eq!(send(&ch, &one(&alerts)).await, Outcome::Delivered);
    let req = &r.received()[0];
    assert_eq!(req.path, "/services/T0/B0/x");
    let text = req.json()["text"].as_str().unwrap().to_string();
    assert!(
        text.starts_with(
            "*<https://news.example.org/a1|TikTok fined over children's data (a1)>*\nRule: tiktok (high)"
        ),
        "{text}"
    );
    assert!(
        text.contains("\n> The regulator fined TikTok €345m."),
        "{text}"
    );
}

#[tokio::test]
async fn ntfy_gets_title_priority_click_and_tags() {
    let r = Receiver::start();
    let ch = Channel::new(
        "phone",
        ChannelKind::Ntfy {
            url: Url::parse(&r.url("/newswatch-team")).unwrap(),
            token: Some(Secret::new("tk_123")),
        },
    );
    let alerts = [queued("a1", "tiktok")];
    assert_eq!(send(&ch, &one(&alerts)).await, Outcome::Delivered);
    let req = &r.received()[0];
    assert_eq!(req.path, "/", "JSON publishing goes to the server's root");
    assert_eq!(req.header("authorization"), Some("Bearer tk_123"));
    let v = req.json();
    assert_eq!(v["topic"], "newswatch-team");
    assert_eq!(v["title"], "tiktok: TikTok fined over children's data (a1)");
    assert_eq!(v["message"], "The regulator fined TikTok €345m.");
    assert_eq!(v["priority"], 4, "high");
    assert_eq!(v["click"], "https://news.example.org/a1");
    assert_eq!(v["tags"], serde_json::json!(["tiktok", "high"]));
}

#[tokio::test]
async fn answers_are_delivered_retried_or_refused() {
    let r = Receiver::start();
    let mut ch = webhook(&r.url("/hook"), None);
    ch.timeout = Duration::from_millis(300);
    let alerts = [queued("a1", "tiktok")];
    let msg = one(&alerts);
    r.answer(Answer::Status(500, vec![]));
    assert!(matches!(
        send(&ch, &msg).await,
        Outcome::Retry { after: None, .. }
    ));
    r.answer(Answer::Status(
        429,
        vec![("retry-after".into(), "7".into())],
    ));
    assert_eq!(
        send(&ch, &msg).await,
        Outcome::Retry {
            reason: "HTTP 429: no thanks".into(),
            after: Some(Duration::from_secs(7))
        }
    );
    r.answer(Answer::Status(400, vec![]));
    assert_eq!(
        send(&ch, &msg).await,
        Outcome::Failed("HTTP 400: no thanks".into())
    );
    r.answer(Answer::Hang);
    let started = std::time::Instant::now();
    let o = send(&ch, &msg).await;
    assert!(matches!(o, Outcome::Retry { .. }), "{o:?}");
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "bounded by the timeout"
    );
    // Nobody listening at all: retried.
    let gone = webhook("http://127.0.0.1:9/hook", None);
    assert!(matches!(send(&gone, &msg).await, Outcome::Retry { .. }));
}

/// A program channel running `sh -c SCRIPT`.
fn exec(script: &str) -> Channel {
    let mut c = Channel::new(
        "prog",
        ChannelKind::Exec {
            command: vec!["/bin/sh".into(), "-c".into(), script.into()],
        },
    );
    c.timeout = Duration::from_millis(500);
    c
}

#[tokio::test]
async fn a_program_gets_the_alert_on_stdin_and_its_exit_status_is_the_result() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("got");
    let script = format!(
        "cat > {0}; echo \"$NEWSWATCH_ALERT_ID $NEWSWATCH_ATTEMPT $NEWSWATCH_CHANNEL\" >> {0}.env",
        out.display()
    );
    let alerts = [queued("a1", "tiktok")];
    assert_eq!(
        send(&exec(&script), &one(&alerts)).await,
        Outcome::Delivered
    );
    assert_eq!(std::fs::read(&out).unwrap(), alerts[0].json.as_bytes());
    assert_eq!(
        std::fs::read_to_string(dir.path().join("got.env")).unwrap(),
        "a1 1 prog\n"
    );

    assert!(matches!(
        send(&exec("exit 75"), &one(&alerts)).await,
        Outcome::Retry { .. }
    ));
    assert_eq!(
        send(&exec("echo 'no such room' >&2; exit 3"), &one(&alerts)).await,
        Outcome::Failed("exit status 3: no such room".into())
    );
    let missing = Channel::new(
        "prog",
        ChannelKind::Exec {
            command: vec!["/nonexistent/notify".into()],
        },
    );
    assert!(matches!(
        send(&missing, &one(&alerts)).await,
        Outcome::Retry { .. }
    ));
}

#[tokio::test]
async fn a_program_past_its_timeout_is_killed_with_what_it_started() {
    let dir = tempfile::tempdir().unwrap();
    let pidfile = dir.path().join("pid");
    let script = format!("sleep 30 & echo $! > {}; wait", pidfile.display());
    let alerts = [queued("a1", "tiktok")];
    let o = send(&exec(&script), &one(&alerts)).await;
    assert!(
        matches!(&o, Outcome::Retry { reason, .. } if reason.contains("no answer within")),
        "{o:?}"
    );
    let pid = std::fs::read_to_string(&pidfile).unwrap();
    let proc = std::path::PathBuf::from(format!("/proc/{}", pid.trim()));
    // Killed, then reaped by init: gone from /proc (or a zombie for a moment).
    assert!(
        wait_until(Duration::from_secs(5), || {
            std::fs::read_to_string(proc.join("stat"))
                .map_or(true, |s| s.split_whitespace().nth(2) == Some("Z"))
        }),
        "the program's child outlived the timeout"
    );
}

fn email(server: &SmtpServer, tls: SmtpTls, login: Option<(&str, &str)>) -> Channel {
    let mut c = Channel::new(
        "mail",
        ChannelKind::Email(Email {
            host: "localhost".into(),
            port: server.port,
            tls,
            username: login.map(|(u, _)| u.to_string()),
            password: login.map(|(_, p)| Secret::new(p)),
            from: "newswatch <newswatch@example.org>".into(),
            to: vec!["secops@example.org".into(), "legal@example.org".into()],
            subject_prefix: "[nw]".into(),
            ca_pem: Some(std::fs::read(&server.ca_pem).unwrap()),
        }),
    );
    c.timeout = Duration::from_secs(10);
    c
}

#[tokio::test]
async fn email_goes_over_starttls_with_a_login_once_with_plain_and_html_parts() {
    let dir = tempfile::tempdir().unwrap();
    let Some(server) = SmtpServer::start(
        dir.path(),
        SmtpOptions {
            login: Some(("nw", "pa55")),
            ..SmtpOptions::default()
        },
    ) else {
        return;
    };
    let ch = email(&server, SmtpTls::Starttls, Some(("nw", "pa55")));
    let alerts = [queued("a1", "tiktok")];
    assert_eq!(send(&ch, &one(&alerts)).await, Outcome::Delivered);
    let got = server.messages();
    assert_eq!(got.len(), 1, "{got:?}");
    let m = &got[0];
    assert_eq!(m["tls"], true, "STARTTLS before anything was sent");
    assert_eq!(m["auth"], "nw");
    assert_eq!(m["mail_from"], "newswatch@example.org");
    assert_eq!(
        m["rcpt_tos"],
        serde_json::json!(["secops@example.org", "legal@example.org"])
    );
    let data = m["data"].as_str().unwrap();
    for want in [
        "Subject: [nw] tiktok: TikTok fined over children's data (a1)",
        "Message-ID: <a1.mail@newswatch>",
        "X-Newswatch-Alert-Id: a1",
        "X-Newswatch-Attempt: 1",
        "multipart/alternative",
        "Content-Type: text/plain; charset=utf-8",
        "Content-Type: text/html; charset=utf-8",
    ] {
        assert!(data.contains(want), "{want:?} missing in:\n{data}");
    }
    assert!(data.contains("https://news.example.org/a1"), "{data}");

    // The wrong password is refused for good (535), not retried forever.
    let wrong = email(&server, SmtpTls::Starttls, Some(("nw", "nope")));
    let o = send(&wrong, &one(&alerts)).await;
    assert!(matches!(o, Outcome::Failed(_)), "{o:?}");
    assert_eq!(server.messages().len(), 1);
}

#[tokio::test]
async fn email_digest_over_implicit_tls_is_one_message_listing_every_alert() {
    let dir = tempfile::tempdir().unwrap();
    let Some(server) = SmtpServer::start(
        dir.path(),
        SmtpOptions {
            implicit: true,
            ..SmtpOptions::default()
        },
    ) else {
        return;
    };
    let ch = email(&server, SmtpTls::Implicit, None);
    let alerts = [queued("a1", "tiktok"), queued("a2", "wechat")];
    let msg = Message {
        id: "d1g",
        attempt: 1,
        alerts: &alerts,
        digest: true,
    };
    assert_eq!(send(&ch, &msg).await, Outcome::Delivered);
    let got = server.messages();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0]["tls"], true);
    let data = got[0]["data"].as_str().unwrap();
    assert!(
        data.contains("Subject: [nw] 2 alerts: tiktok, wechat"),
        "{data}"
    );
    assert!(data.contains("Message-ID: <d1g.mail@newswatch>"), "{data}");
    assert!(data.contains("X-Newswatch-Alert-Id: a1, a2"), "{data}");
    assert!(data.contains("news.example.org/a1") && data.contains("news.example.org/a2"));

    // STARTTLS against a server that speaks TLS at once fails and is retried.
    let wrong = email(&server, SmtpTls::Starttls, None);
    let mut wrong = wrong;
    wrong.timeout = Duration::from_secs(2);
    assert!(matches!(send(&wrong, &msg).await, Outcome::Retry { .. }));
}
