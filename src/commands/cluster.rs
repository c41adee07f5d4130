//! `newswatch cluster [--json]`: the cluster as this instance's config names it: the
//! live members with the feeds each owns and its last heartbeat, and how far each
//! consumer of the alert stream is behind. Without `[cluster]` it says so and exits 1.

use std::path::Path;
use std::process::ExitCode;

use anyhow::anyhow;
use chrono::Utc;

use super::subscriptions::{ago, aligned};
use crate::cluster::status::{self, ClusterStatus};
use crate::config::Config;

/// `newswatch cluster [--json]`.
pub async fn cluster(path: &Path, json: bool) -> anyhow::Result<ExitCode> {
    let cfg = Config::load(path).map_err(|d| anyhow!("{d}"))?;
    let Some(cluster) = &cfg.cluster else {
        eprintln!(
            "newswatch: {} has no [cluster] table: this instance runs alone (see \"Running several instances\" in the README)",
            path.display()
        );
        return Ok(ExitCode::from(1));
    };
    let st = status::read(cluster).await?;
    if json {
        let mut buf = serde_json::to_vec(&st)?;
        buf.push(b'\n');
        return super::write_stdout(&buf);
    }
    super::write_stdout(table(&st).as_bytes())
}

/// The status as two aligned tables.
fn table(st: &ClusterStatus) -> String {
    let now = Utc::now();
    let members: Vec<(Vec<String>, Vec<String>)> = st
        .members
        .iter()
        .map(|m| {
            let me = if m.name == st.me {
                " (this config)"
            } else {
                ""
            };
            let cells = vec![
                format!("{}{me}", m.name),
                m.pid.to_string(),
                format!("{}/{}", m.feeds_owned, m.feeds_total),
                ago(m.last_heartbeat, now),
            ];
            (cells, Vec::new())
        })
        .collect();
    let mut out = if members.is_empty() {
        "no live members\n".to_string()
    } else {
        aligned(
            &["MEMBER", "PID", "FEEDS OWNED", "LAST HEARTBEAT"],
            &members,
        )
    };
    out.push_str(&format!(
        "\nalert stream: {} message(s)\n",
        st.stream_messages
    ));
    let consumers: Vec<(Vec<String>, Vec<String>)> = st
        .consumers
        .iter()
        .map(|c| {
            let cells = vec![
                c.name.clone(),
                c.pending.to_string(),
                c.ack_pending.to_string(),
            ];
            (cells, Vec::new())
        })
        .collect();
    if !consumers.is_empty() {
        out.push_str(&aligned(&["CONSUMER", "PENDING", "UNACKED"], &consumers));
    }
    out
}
