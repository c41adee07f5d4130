//! The layering `ARCHITECTURE.md` describes, checked on the sources: each folder of
//! `src/` imports only the modules below it, and the pure libraries (the extractor and
//! the rules) touch no file system, network, database, process or environment.

use std::fs;
use std::path::{Path, PathBuf};

/// Each module of the crate and the modules it may import (`commands` and `cli`, the
/// top, may import anything and are not listed).
const MAY_IMPORT: &[(&str, &[&str])] = &[
    ("model", &[]),
    ("diag", &[]),
    ("duration", &[]),
    ("config", &["model", "diag", "duration"]),
    ("net", &["config"]),
    ("extract", &["model", "diag"]),
    ("rules", &["model", "diag", "duration", "extract"]),
    ("source", &["model", "config", "net"]),
    ("store", &["model", "rules"]),
    ("sink", &["model", "config", "net", "store"]),
    ("tail", &["model", "duration"]),
    ("service", &["config"]),
    ("page", &["model", "config", "source", "extract", "rules"]),
    (
        "worker",
        &[
            "model", "diag", "duration", "config", "source", "extract", "rules", "store", "page",
        ],
    ),
    (
        "cluster",
        &[
            "model", "diag", "duration", "config", "source", "store", "sink", "worker",
        ],
    ),
    (
        "daemon",
        &[
            "model", "diag", "duration", "config", "net", "extract", "rules", "source", "store",
            "sink", "tail", "service", "worker", "page", "cluster",
        ],
    ),
];

/// What the pure libraries must not use: I/O of any kind, and the runtime.
const IO: &[&str] = &[
    "std::fs",
    "std::net",
    "std::process",
    "std::env",
    "std::io::stdin",
    "File::",
    "tokio",
    "reqwest",
    "rusqlite",
    "hyper",
    "zbus",
    "notify_rust",
];

/// The Rust files of `src/NAME.rs` or `src/NAME/`.
fn files_of(module: &str) -> Vec<PathBuf> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut out = Vec::new();
    let file = src.join(format!("{module}.rs"));
    if file.is_file() {
        out.push(file);
    }
    let mut dirs = vec![src.join(module)];
    while let Some(dir) = dirs.pop() {
        let Ok(entries) = fs::read_dir(&dir) else {
            continue;
        };
        for e in entries.flatten() {
            let path = e.path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|x| x == "rs") {
                out.push(path);
            }
        }
    }
    assert!(!out.is_empty(), "no sources for module `{module}`");
    out
}

/// The code lines of a file: comments and doc comments left out, and an inline
/// `#[cfg(test)] mod tests { ... }` (last in a file, by our convention) too: tests may
/// do I/O the library must not (blessing a golden file, say).
fn code(path: &Path) -> Vec<(usize, String)> {
    let text = fs::read_to_string(path).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let end = lines
        .windows(2)
        .position(|w| w[0].trim() == "#[cfg(test)]" && w[1].trim() == "mod tests {")
        .unwrap_or(lines.len());
    lines[..end]
        .iter()
        .enumerate()
        .filter(|(_, l)| !l.trim_start().starts_with("//"))
        .map(|(i, l)| (i + 1, l.to_string()))
        .collect()
}

/// The crate's top-level modules a line names as `crate::NAME`.
fn crate_paths(line: &str) -> Vec<&str> {
    line.match_indices("crate::")
        .map(|(i, m)| {
            let rest = &line[i + m.len()..];
            let end = rest
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(rest.len());
            &rest[..end]
        })
        .collect()
}

#[test]
fn each_folder_imports_only_the_layers_below_it() {
    let mut wrong = Vec::new();
    for (module, allowed) in MAY_IMPORT {
        for path in files_of(module) {
            for (n, line) in code(&path) {
                for used in crate_paths(&line) {
                    if used != *module && !allowed.contains(&used) {
                        wrong.push(format!("{}:{n}: {module} imports {used}", path.display()));
                    }
                }
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "imports against the layering:\n{}",
        wrong.join("\n")
    );
}

#[test]
fn the_extractor_and_the_rules_do_no_io() {
    let mut found = Vec::new();
    for module in ["extract", "rules"] {
        for path in files_of(module) {
            for (n, line) in code(&path) {
                for io in IO.iter().filter(|io| line.contains(*io)) {
                    found.push(format!("{}:{n}: {io}", path.display()));
                }
            }
        }
    }
    assert!(
        found.is_empty(),
        "I/O in a pure library:\n{}",
        found.join("\n")
    );
}

#[test]
fn the_checks_see_imports() {
    assert_eq!(
        crate_paths("use crate::store::{Store, lock}; x = crate::model::Item;"),
        ["store", "model"]
    );
    // The worker does import the store: a check that saw nothing would pass anything.
    let worker_uses_store = files_of("worker").iter().any(|f| {
        code(f)
            .iter()
            .any(|(_, l)| crate_paths(l).contains(&"store"))
    });
    assert!(worker_uses_store);
}
