//! How the CLI fails: the exit code says whose fault it was (ARCHITECTURE.md § CLI contract),
//! the message says what to fix.

use std::fmt;

pub enum Failure {
    /// Exit 2: the command line or its input was wrong.
    Usage(anyhow::Error),
    /// Exit 1: the work itself failed (server, keyring, disk).
    Runtime(anyhow::Error),
}

impl Failure {
    pub fn exit_code(&self) -> i32 {
        match self {
            Failure::Usage(_) => 2,
            Failure::Runtime(_) => 1,
        }
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let e = match self {
            Failure::Usage(e) | Failure::Runtime(e) => e,
        };
        write!(f, "{e:#}")
    }
}

impl<E: Into<anyhow::Error>> From<E> for Failure {
    fn from(e: E) -> Self {
        Failure::Runtime(e.into())
    }
}

pub fn usage(msg: impl fmt::Display) -> Failure {
    Failure::Usage(anyhow::anyhow!("{msg}"))
}

pub type CliResult<T = ()> = Result<T, Failure>;
