//! Real file-system faults for tests: a small tmpfs that can be filled up (disk full)
//! or remounted read-only, and the immutable flag (`chattr +i`) that makes even root's
//! writes to an open file fail. Both need root (CI runs as root); without it, a test
//! is skipped with a message outside CI and fails in CI.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Whether this runs in CI (`CI` set and not `false`/`0`/empty).
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !matches!(v.as_str(), "" | "0" | "false"))
}

/// Skips (outside CI) or fails (in CI) a test that cannot set up its fault.
pub fn skip_or_fail(test: &str, why: &str) {
    if in_ci() {
        panic!("{test}: {why}");
    }
    eprintln!("SKIPPED {test}: {why}");
}

fn run(cmd: &mut Command) -> Result<(), String> {
    let out = cmd.output().map_err(|e| format!("{cmd:?}: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{cmd:?}: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        ))
    }
}

/// A tmpfs mounted on a fresh temporary folder; unmounted (lazily) on drop.
pub struct Tmpfs {
    dir: tempfile::TempDir,
}

impl Tmpfs {
    /// Mounts a tmpfs of `size` (e.g. "1m") with extra `options` (e.g. "ro").
    pub fn mount(size: &str, options: &str) -> Result<Tmpfs, String> {
        let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
        let mut opts = format!("size={size}");
        if !options.is_empty() {
            opts.push(',');
            opts.push_str(options);
        }
        run(Command::new("mount")
            .args(["-t", "tmpfs", "-o", &opts, "newswatch-test"])
            .arg(dir.path()))?;
        Ok(Tmpfs { dir })
    }

    /// The mount point.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// A path inside the mount.
    pub fn join(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    /// Remounts with `options` ("ro", "rw").
    pub fn remount(&self, options: &str) -> Result<(), String> {
        run(Command::new("mount")
            .args(["-o", &format!("remount,{options}")])
            .arg(self.dir.path()))
    }

    /// Fills the file system with `name` until the next write fails with "no space",
    /// then frees `leave` bytes again (so a later large write is cut short part-way).
    pub fn fill(&self, name: &str, leave: u64) -> PathBuf {
        let path = self.join(name);
        let mut f = fs::File::create(&path).expect("filler file");
        let chunk = vec![0x5au8; 64 * 1024];
        loop {
            match f.write(&chunk) {
                Ok(0) => break,
                Ok(_) => {}
                Err(e) if e.raw_os_error() == Some(libc::ENOSPC) => break,
                Err(e) => panic!("filling {}: {e}", path.display()),
            }
        }
        // One byte at a time for the last partial chunk, so the disk is really full.
        while f.write(&[0x5a]).is_ok_and(|n| n == 1) {}
        let len = f.metadata().expect("filler size").len();
        f.set_len(len.saturating_sub(leave))
            .expect("free some room");
        path
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount")
            .arg("-l")
            .arg(self.dir.path())
            .status();
    }
}

/// Sets (`on`) or clears the immutable flag of `path` with chattr.
pub fn set_immutable(path: &Path, on: bool) -> Result<(), String> {
    run(Command::new("chattr")
        .arg(if on { "+i" } else { "-i" })
        .arg(path))
}

/// Clears the immutable flag on drop, so a failing test leaves nothing undeletable.
pub struct Immutable(pub PathBuf);

impl Drop for Immutable {
    fn drop(&mut self) {
        let _ = set_immutable(&self.0, false);
    }
}

/// Whether the tests run as root (mounts and chattr need it).
pub fn is_root() -> bool {
    // SAFETY: geteuid(2) cannot fail and has no preconditions.
    unsafe { libc::geteuid() == 0 }
}
