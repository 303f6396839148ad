//! A minimal, synchronous, line-based IMAP client for probing a server or a proxy:
//! greeting, CAPABILITY, LOGIN, NOOP, STATUS. It does not parse literals (`{n}`) in responses,
//! so keep it to commands whose answers are single lines; real sync goes through the engine.
//!
//! Generic over the stream so tests can wrap a TLS stream of their choice.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use anyhow::{bail, Context};

/// The answer to one command.
#[derive(Debug, Clone)]
pub struct Response {
    /// Untagged lines (`* ...`), without CRLF.
    pub untagged: Vec<String>,
    /// The tagged completion without the tag, e.g. `OK Logged in`.
    pub status: String,
}

impl Response {
    pub fn is_ok(&self) -> bool {
        self.status.starts_with("OK")
    }
}

pub struct RawImap<S: Read + Write> {
    stream: BufReader<S>,
    greeting: String,
    next_tag: u32,
}

impl RawImap<TcpStream> {
    /// Plain TCP connection; reads the greeting. Every read times out after 10 s so a stuck
    /// server fails the test instead of hanging it.
    pub fn connect(addr: SocketAddr) -> anyhow::Result<Self> {
        let stream = TcpStream::connect(addr).with_context(|| format!("connecting to {addr}"))?;
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .context("setting a read timeout")?;
        stream.set_nodelay(true).context("setting TCP_NODELAY")?;
        RawImap::new(stream)
    }
}

impl<S: Read + Write> RawImap<S> {
    /// Wraps an established stream (plain or TLS) and reads the server greeting.
    pub fn new(stream: S) -> anyhow::Result<Self> {
        let mut imap = RawImap {
            stream: BufReader::new(stream),
            greeting: String::new(),
            next_tag: 1,
        };
        // Dovecot may say "* OK Waiting for authentication process" before its real greeting.
        loop {
            let line = imap.read_line()?;
            if !line.starts_with("* OK Waiting") {
                imap.greeting = line;
                break;
            }
        }
        if !imap.greeting.starts_with("* OK") && !imap.greeting.starts_with("* PREAUTH") {
            bail!("unexpected IMAP greeting: {}", imap.greeting);
        }
        Ok(imap)
    }

    /// Wraps a stream whose greeting was already consumed: the TLS stream after STARTTLS, which
    /// gets no second greeting.
    pub fn without_greeting(stream: S) -> Self {
        RawImap {
            stream: BufReader::new(stream),
            greeting: String::new(),
            next_tag: 1,
        }
    }

    /// The greeting line (empty for [`RawImap::without_greeting`]).
    pub fn greeting(&self) -> &str {
        &self.greeting
    }

    /// Sends one command (without tag and CRLF) and reads up to its tagged completion.
    pub fn command(&mut self, command: &str) -> anyhow::Result<Response> {
        let tag = format!("t{}", self.next_tag);
        self.next_tag += 1;
        self.write_line(&format!("{tag} {command}"))?;
        let mut untagged = Vec::new();
        loop {
            let line = self.read_line()?;
            if let Some(status) = line.strip_prefix(&format!("{tag} ")) {
                return Ok(Response {
                    untagged,
                    status: status.to_string(),
                });
            }
            untagged.push(line);
        }
    }

    /// Like [`RawImap::command`] but a NO/BAD completion is an error.
    pub fn command_ok(&mut self, command: &str) -> anyhow::Result<Response> {
        let response = self.command(command)?;
        if !response.is_ok() {
            bail!("`{command}` failed: {}", response.status);
        }
        Ok(response)
    }

    /// The CAPABILITY list, upper-cased atoms.
    pub fn capabilities(&mut self) -> anyhow::Result<Vec<String>> {
        let response = self.command_ok("CAPABILITY")?;
        let line = response
            .untagged
            .iter()
            .find_map(|l| l.strip_prefix("* CAPABILITY "))
            .context("no untagged CAPABILITY in the response")?;
        Ok(line
            .split_whitespace()
            .map(str::to_ascii_uppercase)
            .collect())
    }

    /// LOGIN with quoted strings (fine for test credentials without `"` or `\`).
    pub fn login(&mut self, user: &str, password: &str) -> anyhow::Result<Response> {
        self.command(&format!("LOGIN {} {}", quote(user), quote(password)))
    }

    /// Sends one raw line (CRLF added), for exchanges `command` does not model, such as IDLE
    /// and its `DONE`.
    pub fn write_line(&mut self, line: &str) -> anyhow::Result<()> {
        let stream = self.stream.get_mut();
        stream
            .write_all(format!("{line}\r\n").as_bytes())
            .context("sending to the IMAP server")?;
        stream.flush().context("flushing to the IMAP server")
    }

    /// Reads one line (without CRLF); fails on EOF.
    pub fn read_line(&mut self) -> anyhow::Result<String> {
        let mut line = String::new();
        let n = self
            .stream
            .read_line(&mut line)
            .context("reading from the IMAP server")?;
        if n == 0 {
            bail!("the IMAP server closed the connection");
        }
        Ok(line.trim_end_matches(['\r', '\n']).to_string())
    }

    /// Gives back the stream, e.g. to start TLS after `STARTTLS`.
    pub fn into_inner(self) -> S {
        self.stream.into_inner()
    }
}

/// IMAP quoted string.
pub fn quote(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}
