//! The `newswatch` binary: parse the command line, run a command, map errors to exit codes.

fn main() {}
