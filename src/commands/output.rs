//! Standard output of the printing commands. It is buffered, and it notices when the
//! reader went away: `newswatch items URL | head -1` closes the pipe after one line, and
//! the next write fails with EPIPE. That ends the command quietly with status 0, as
//! the reader asked for no more, whichever way the error travelled back (an
//! `io::Error`, one inside `serde_json`, an `anyhow` chain).
//!
//! Only a failed write to stdout counts: a broken pipe anywhere else (a feed server
//! that hung up) stays an error.

use std::io::{self, BufWriter, StdoutLock, Write};
use std::process::ExitCode;

/// Buffered stdout that remembers whether its reader went away.
pub struct Stdout {
    /// The buffered, locked stdout.
    out: BufWriter<StdoutLock<'static>>,
    /// A write or flush failed with EPIPE.
    reader_gone: bool,
}

impl Stdout {
    fn note<T>(&mut self, res: io::Result<T>) -> io::Result<T> {
        if matches!(&res, Err(e) if e.kind() == io::ErrorKind::BrokenPipe) {
            self.reader_gone = true;
        }
        res
    }
}

impl Write for Stdout {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let res = self.out.write(buf);
        self.note(res)
    }

    fn flush(&mut self) -> io::Result<()> {
        let res = self.out.flush();
        self.note(res)
    }
}

/// Runs `print` with the buffered stdout, then flushes it. A reader that went away
/// ends the command with success and without a message; any other error is returned.
pub fn print_with(
    print: impl FnOnce(&mut Stdout) -> anyhow::Result<()>,
) -> anyhow::Result<ExitCode> {
    let mut out = Stdout {
        out: BufWriter::with_capacity(1 << 16, io::stdout().lock()),
        reader_gone: false,
    };
    let res = print(&mut out).and_then(|()| out.flush().map_err(anyhow::Error::from));
    match res {
        Err(_) if out.reader_gone => Ok(ExitCode::SUCCESS),
        other => other.map(|()| ExitCode::SUCCESS),
    }
}

/// Writes `bytes` to stdout (see [`print_with`]).
pub fn write_stdout(bytes: &[u8]) -> anyhow::Result<ExitCode> {
    print_with(|out| Ok(out.write_all(bytes)?))
}
