//! `newswatch extract --batch` streams: each answer comes out as soon as its line is
//! in, without waiting for the end of the input or a full buffer; output lines follow
//! input lines one for one, in order, malformed lines included.

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};

#[test]
fn answers_each_line_before_the_input_ends_and_keeps_order() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_newswatch"))
        .args(["extract", "--batch"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("start newswatch");
    let mut stdin = child.stdin.take().expect("stdin");
    let mut out = BufReader::new(child.stdout.take().expect("stdout"));

    // One line in, one line out, while stdin stays open.
    writeln!(
        stdin,
        r#"{{"id":1,"text":"TikTok was fined €5m by the ICO."}}"#
    )
    .expect("write");
    stdin.flush().expect("flush");
    let mut line = String::new();
    out.read_line(&mut line).expect("read the first answer");
    let first: serde_json::Value = serde_json::from_str(&line).expect("JSON");
    assert_eq!(first["id"], 1);
    assert_eq!(first["money"][0]["currency"], "EUR");

    // Many more, with a malformed one in the middle: same count, same order.
    let mut want = Vec::new();
    for i in 2..300 {
        if i == 150 {
            writeln!(stdin, "not json").expect("write");
            want.push(serde_json::Value::Null);
        } else {
            writeln!(
                stdin,
                r#"{{"id":{i},"html":"<p>Apple CEO Tim Cook said so.</p>"}}"#
            )
            .expect("write");
            want.push(serde_json::json!(i));
        }
    }
    drop(stdin);
    let rest: Vec<serde_json::Value> = out
        .lines()
        .map(|l| serde_json::from_str(&l.expect("line")).expect("JSON"))
        .collect();
    let ids: Vec<serde_json::Value> = rest.iter().map(|v| v["id"].clone()).collect();
    assert_eq!(ids, want);
    assert!(
        rest[148]["error"]
            .as_str()
            .is_some_and(|e| e.contains("line 150"))
    );
    assert_eq!(rest[0]["entities"][0]["id"], "apple");
    assert!(child.wait().expect("exit").success());
}
