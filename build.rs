//! Link-time layout of the release binary, where the toolchain allows it: the
//! functions a daemon (with desktop notifications or without), `once`, `check`,
//! `extract` and `items` run, listed in `packaging/hot-functions.txt` by
//! `scripts/hot-functions.sh`, are placed together at the start of the code, so the
//! few megabytes a running daemon uses lie side by side instead of among the code it
//! never runs: the kernel maps code 64 KB around each page touched, and scattered,
//! that mapped most of the file.
//!
//! It is an option of LLD, the linker rustc uses by default on x86_64-unknown-linux-gnu
//! since Rust 1.90. Anywhere else, or with `NEWSWATCH_PLAIN_LINK=1`, the binary is
//! linked as rustc would link it: the same program, laid out differently. Test and
//! debug builds are never touched. (Packed relocations, `-z pack-relative-relocs`,
//! would save another 1.1 MB of an idle daemon's memory, but the binary would then need
//! glibc 2.36 where it runs, which a package's dependencies cannot say for certain:
//! left out.)

use std::process::Command;

const HOT: &str = "packaging/hot-functions.txt";

fn main() {
    println!("cargo:rerun-if-changed={HOT}");
    println!("cargo:rerun-if-env-changed=NEWSWATCH_PLAIN_LINK");
    let env = |k: &str| std::env::var(k).unwrap_or_default();
    if env("PROFILE") != "release"
        || env("NEWSWATCH_PLAIN_LINK") == "1"
        || env("TARGET") != "x86_64-unknown-linux-gnu"
        || env("HOST") != env("TARGET")
        || !rustc_links_with_lld(&env("RUSTC"))
    {
        return;
    }
    let hot = format!("{}/{HOT}", env("CARGO_MANIFEST_DIR"));
    if std::path::Path::new(&hot).is_file() {
        println!("cargo:rustc-link-arg-bins=-Wl,--symbol-ordering-file={hot}");
        // Names of functions that this build does not have (another rustc or crate
        // version renames generic instances) are skipped, not an error.
        println!("cargo:rustc-link-arg-bins=-Wl,--no-warn-symbol-ordering");
    }
}

/// Rust 1.90 and later link x86_64-unknown-linux-gnu with LLD, unless a linker was
/// chosen by hand (`target.*.linker`, or `-C linker…` in the flags).
fn rustc_links_with_lld(rustc: &str) -> bool {
    let flags = std::env::var("CARGO_ENCODED_RUSTFLAGS").unwrap_or_default();
    if std::env::var_os("RUSTC_LINKER").is_some() || flags.contains("linker") {
        return false;
    }
    let rustc = if rustc.is_empty() { "rustc" } else { rustc };
    rustc_version(rustc) >= (1, 90)
}

/// The major and minor version `rustc --version` prints ("rustc 1.95.0 (59807616e
/// 2026-04-14)"); (0, 0) if it cannot be run or says something else.
fn rustc_version(rustc: &str) -> (u32, u32) {
    let Ok(out) = Command::new(rustc).arg("--version").output() else {
        return (0, 0);
    };
    let text = String::from_utf8_lossy(&out.stdout);
    let mut parts = text
        .split_whitespace()
        .nth(1)
        .unwrap_or("")
        .split(['.', '-'])
        .map(|p| p.parse::<u32>().unwrap_or(0));
    (parts.next().unwrap_or(0), parts.next().unwrap_or(0))
}
