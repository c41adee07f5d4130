//! The alert log: one JSON object per line, appended, flushed and synced before the
//! outbox marks delivery. Generic over the writer so tests can assert on a buffer.
//! After a crash between write and mark, [`already_written`] finds the lines that
//! made it, so nothing is written twice; after a crash in the middle of a write,
//! [`drop_torn_tail`] cuts the partial last line off when the log is opened, so the
//! next line does not glue onto it.

use std::collections::HashSet;
use std::fs::{File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use serde::Deserialize;

/// A writer whose writes can be made durable and undone.
pub trait Durable: Write {
    /// Forces written data to stable storage.
    fn sync(&mut self) -> io::Result<()>;
    /// The current length, to roll a failed batch back to.
    fn size(&mut self) -> io::Result<u64>;
    /// Cuts the target back to `len` bytes (drops a half-written batch).
    fn truncate(&mut self, len: u64) -> io::Result<()>;
}

impl Durable for File {
    fn sync(&mut self) -> io::Result<()> {
        self.sync_data()
    }
    fn size(&mut self) -> io::Result<u64> {
        Ok(self.metadata()?.len())
    }
    fn truncate(&mut self, len: u64) -> io::Result<()> {
        self.set_len(len)
    }
}

/// An in-memory log (tests, and [`drop_torn_tail`] on a buffer).
impl Durable for io::Cursor<Vec<u8>> {
    fn sync(&mut self) -> io::Result<()> {
        Ok(())
    }
    fn size(&mut self) -> io::Result<u64> {
        Ok(self.get_ref().len() as u64)
    }
    fn truncate(&mut self, len: u64) -> io::Result<()> {
        self.get_mut().truncate(len as usize);
        Ok(())
    }
}

impl Durable for Vec<u8> {
    fn sync(&mut self) -> io::Result<()> {
        Ok(())
    }
    fn size(&mut self) -> io::Result<u64> {
        Ok(Vec::len(self) as u64)
    }
    fn truncate(&mut self, len: u64) -> io::Result<()> {
        Vec::truncate(self, len as usize);
        Ok(())
    }
}

/// Appends alert lines to a [`Durable`] writer.
#[derive(Debug)]
pub struct JsonlSink<W: Durable> {
    out: W,
}

impl<W: Durable> JsonlSink<W> {
    /// A sink writing to `out`.
    pub fn new(out: W) -> Self {
        JsonlSink { out }
    }

    /// The writer (tests read the buffer back).
    pub fn get_ref(&self) -> &W {
        &self.out
    }

    /// Appends `lines` (each one JSON object without a newline) and syncs. On error the
    /// target is cut back to where it was, so a retry does not leave a torn line.
    pub fn append(&mut self, lines: &[&str]) -> io::Result<()> {
        let mut buf = Vec::with_capacity(lines.iter().map(|l| l.len() + 1).sum());
        for l in lines {
            buf.extend_from_slice(l.as_bytes());
            buf.push(b'\n');
        }
        let before = self.out.size()?;
        let result = self
            .out
            .write_all(&buf)
            .and_then(|()| self.out.flush())
            .and_then(|()| self.out.sync());
        if result.is_err() {
            // Best effort: if even this fails, the reader skips a torn line.
            let _ = self.out.truncate(before);
        }
        result
    }
}

/// Opens (creating it and its folder if needed) the alert log for appending, after
/// cutting off a torn last line (see [`drop_torn_tail`]).
pub fn open_log(path: &Path) -> io::Result<File> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    match OpenOptions::new().read(true).write(true).open(path) {
        Ok(mut f) => {
            let dropped = drop_torn_tail(&mut f)?;
            if dropped > 0 {
                tracing::warn!(path = %path.display(), bytes = dropped,
                    "alert log ended inside a line (a crash mid-write); cut the partial line off, its alerts are written again");
            }
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => return Err(e),
    }
    OpenOptions::new().create(true).append(true).open(path)
}

/// Cuts the log back to just after its last newline and returns how many bytes went.
/// A log that does not end with a newline was cut short by a crash in the middle of
/// an append (SIGKILL stops `write(2)` part-way, keeping what was copied). The partial
/// line's alerts were never marked delivered, since marking follows the synced append
/// of the whole batch, so they are written again; without the cut the next line would
/// be glued onto the fragment and both would be unreadable.
pub fn drop_torn_tail<F: Read + Seek + Durable>(f: &mut F) -> io::Result<u64> {
    let len = f.size()?;
    let mut end = len;
    let mut buf = vec![0u8; 64 * 1024];
    while end > 0 {
        let start = end.saturating_sub(buf.len() as u64);
        let chunk = &mut buf[..(end - start) as usize];
        f.seek(SeekFrom::Start(start))?;
        f.read_exact(chunk)?;
        if let Some(i) = chunk.iter().rposition(|&b| b == b'\n') {
            end = start + i as u64 + 1;
            break;
        }
        end = start;
    }
    if end < len {
        f.truncate(end)?;
        f.sync()?;
    }
    Ok(len - end)
}

/// The alert log file sink, reopened on SIGHUP so log rotation works.
#[derive(Debug)]
pub struct AlertLog {
    path: PathBuf,
    sink: JsonlSink<File>,
}

impl AlertLog {
    /// Opens the log at `path`.
    pub fn open(path: &Path) -> io::Result<Self> {
        Ok(AlertLog {
            path: path.to_path_buf(),
            sink: JsonlSink::new(open_log(path)?),
        })
    }

    /// Closes and reopens the file (after rotation by logrotate and the like).
    pub fn reopen(&mut self) -> io::Result<()> {
        self.sink = JsonlSink::new(open_log(&self.path)?);
        Ok(())
    }

    /// Changes the path; the file is switched on the next [`reopen`](Self::reopen).
    pub fn set_path(&mut self, path: &Path) {
        self.path = path.to_path_buf();
    }

    /// The log's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends and syncs (see [`JsonlSink::append`]).
    pub fn append(&mut self, lines: &[&str]) -> io::Result<()> {
        self.sink.append(lines)
    }
}

#[derive(Deserialize)]
struct IdOnly {
    alert_id: String,
}

/// Which of `candidates` (alert ids waiting in the outbox) already stand in the last
/// `window` bytes of the log at `path`: written by a run that died before marking them.
pub fn already_written(
    path: &Path,
    candidates: &HashSet<&str>,
    window: u64,
) -> io::Result<HashSet<String>> {
    let mut found = HashSet::new();
    if candidates.is_empty() {
        return Ok(found);
    }
    let mut f = match File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(found),
        Err(e) => return Err(e),
    };
    let len = f.metadata()?.len();
    f.seek(SeekFrom::Start(len.saturating_sub(window)))?;
    let mut tail = Vec::new();
    f.take(window).read_to_end(&mut tail)?;
    for line in tail.split(|&b| b == b'\n') {
        if let Ok(v) = serde_json::from_slice::<IdOnly>(line) {
            if candidates.contains(v.alert_id.as_str()) {
                found.insert(v.alert_id);
            }
        }
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn appends_lines_in_order() {
        let mut s = JsonlSink::new(Vec::new());
        s.append(&["{\"a\":1}", "{\"a\":2}"]).unwrap();
        s.append(&["{\"a\":3}"]).unwrap();
        assert_eq!(
            String::from_utf8(s.get_ref().clone()).unwrap(),
            "{\"a\":1}\n{\"a\":2}\n{\"a\":3}\n"
        );
    }

    /// A writer that fails after `room` bytes, like a full disk.
    struct Full {
        data: Vec<u8>,
        room: usize,
    }
    impl Write for Full {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            let n = buf.len().min(self.room.saturating_sub(self.data.len()));
            if n == 0 {
                return Err(io::Error::new(io::ErrorKind::StorageFull, "disk full"));
            }
            self.data.extend_from_slice(&buf[..n]);
            Ok(n)
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }
    impl Durable for Full {
        fn sync(&mut self) -> io::Result<()> {
            Ok(())
        }
        fn size(&mut self) -> io::Result<u64> {
            Ok(self.data.len() as u64)
        }
        fn truncate(&mut self, len: u64) -> io::Result<()> {
            self.data.truncate(len as usize);
            Ok(())
        }
    }

    #[test]
    fn failed_batch_is_rolled_back() {
        let mut s = JsonlSink::new(Full {
            data: Vec::new(),
            room: 12,
        });
        s.append(&["{\"a\":1}"]).unwrap();
        assert!(s.append(&["{\"a\":2}"]).is_err());
        assert_eq!(s.get_ref().data, b"{\"a\":1}\n");
    }

    #[test]
    fn a_torn_tail_is_cut_back_to_the_last_newline() {
        let cases: &[(&str, &str)] = &[
            ("", ""),
            ("{\"a\":1}\n", "{\"a\":1}\n"),
            ("{\"a\":1}\n{\"a\":", "{\"a\":1}\n"),
            ("{\"a\":1}\n{\"a\":2}", "{\"a\":1}\n"),
            ("{\"a\":", ""),
        ];
        for (before, after) in cases {
            let mut c = io::Cursor::new(before.as_bytes().to_vec());
            let dropped = drop_torn_tail(&mut c).unwrap();
            assert_eq!(String::from_utf8(c.into_inner()).unwrap(), *after);
            assert_eq!(dropped as usize, before.len() - after.len());
        }
        // A fragment longer than one read chunk, after a line.
        let long = format!("{{\"a\":1}}\n{}", "x".repeat(200_000));
        let mut c = io::Cursor::new(long.into_bytes());
        assert_eq!(drop_torn_tail(&mut c).unwrap(), 200_000);
        assert_eq!(c.into_inner(), b"{\"a\":1}\n");
    }

    #[test]
    fn finds_lines_written_before_a_crash() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.jsonl");
        std::fs::write(
            &path,
            "{\"alert_id\":\"old\"}\n{\"alert_id\":\"x\"}\n{\"alert_id\":\"y\"}\n",
        )
        .unwrap();
        let cands: HashSet<&str> = ["x", "z"].into_iter().collect();
        let found = already_written(&path, &cands, 1 << 20).unwrap();
        assert_eq!(found, ["x".to_string()].into_iter().collect());
        assert!(
            already_written(&dir.path().join("none"), &cands, 100)
                .unwrap()
                .is_empty()
        );
    }
}
