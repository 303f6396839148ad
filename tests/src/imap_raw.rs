//! A minimal, synchronous, line-based IMAP client for probing a server or a proxy:
//! greeting, CAPABILITY, LOGIN, AUTHENTICATE (with SASL-IR), NOOP, STATUS. It does not parse literals (`{n}`) in responses,
//! so keep it to commands whose answers are single lines; real sync goes through the engine.
//!
//! Generic over the stream so tests can wrap a TLS stream of their choice.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::time::Duration;

use anyhow::{bail, Context};
use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;

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
        stream.set_read_timeout(Some(Duration::from_secs(10))).context("setting a read timeout")?;
        stream.set_nodelay(true).context("setting TCP_NODELAY")?;
        RawImap::new(stream)
    }
}

/// The end of an `AUTHENTICATE` exchange.
#[derive(Debug, Clone)]
pub struct AuthExchange {
    /// The server's continuation requests after the initial response, each without the
    /// leading `+ ` (base64 text, or empty for a bare `+`), in order.
    pub challenges: Vec<String>,
    /// Untagged lines and the tagged completion.
    pub response: Response,
}

impl AuthExchange {
    /// The challenges base64-decoded (as lossy UTF-8; a challenge that is not base64 is kept
    /// as it came).
    pub fn decoded_challenges(&self) -> Vec<String> {
        self.challenges
            .iter()
            .map(|c| match STANDARD.decode(c) {
                Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
                Err(_) => c.clone(),
            })
            .collect()
    }
}

impl RawImap<native_tls::TlsStream<TcpStream>> {
    /// Implicit TLS, verifying the server as `server_name` against the CA in `ca_pem` only (the
    /// test instance's [`crate::Dovecot::ca_cert_path`]); reads the greeting. 10 s read
    /// timeouts as in [`RawImap::connect`].
    pub fn connect_tls(addr: SocketAddr, ca_pem: &Path, server_name: &str) -> anyhow::Result<Self> {
        let pem = std::fs::read(ca_pem).with_context(|| format!("reading {}", ca_pem.display()))?;
        let ca = native_tls::Certificate::from_pem(&pem).context("parsing the CA certificate")?;
        let connector = native_tls::TlsConnector::builder()
            .add_root_certificate(ca)
            .disable_built_in_roots(true)
            .build()
            .context("building the TLS connector")?;
        let tcp = TcpStream::connect(addr).with_context(|| format!("connecting to {addr}"))?;
        tcp.set_read_timeout(Some(Duration::from_secs(10))).context("setting a read timeout")?;
        let tls = connector.connect(server_name, tcp).with_context(|| format!("TLS handshake with {addr} as {server_name}"))?;
        RawImap::new(tls)
    }
}

impl<S: Read + Write> RawImap<S> {
    /// Wraps an established stream (plain or TLS) and reads the server greeting.
    pub fn new(stream: S) -> anyhow::Result<Self> {
        let mut imap = RawImap { stream: BufReader::new(stream), greeting: String::new(), next_tag: 1 };
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
        RawImap { stream: BufReader::new(stream), greeting: String::new(), next_tag: 1 }
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
                return Ok(Response { untagged, status: status.to_string() });
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
        let line =
            response.untagged.iter().find_map(|l| l.strip_prefix("* CAPABILITY ")).context("no untagged CAPABILITY in the response")?;
        Ok(line.split_whitespace().map(str::to_ascii_uppercase).collect())
    }

    /// LOGIN with quoted strings (fine for test credentials without `"` or `\`).
    pub fn login(&mut self, user: &str, password: &str) -> anyhow::Result<Response> {
        self.command(&format!("LOGIN {} {}", quote(user), quote(password)))
    }

    /// `AUTHENTICATE <mechanism> <initial_response>` (SASL-IR, RFC 4959; `initial_response` is
    /// already base64, `=` for an empty one). Every continuation request the server sends is
    /// answered with `challenge_reply` (a base64 line; `""` sends an empty line, `"*"` cancels).
    pub fn authenticate(&mut self, mechanism: &str, initial_response: &str, challenge_reply: &str) -> anyhow::Result<AuthExchange> {
        let tag = format!("t{}", self.next_tag);
        self.next_tag += 1;
        self.write_line(&format!("{tag} AUTHENTICATE {mechanism} {initial_response}"))?;
        let mut untagged = Vec::new();
        let mut challenges = Vec::new();
        loop {
            let line = self.read_line()?;
            if let Some(status) = line.strip_prefix(&format!("{tag} ")) {
                let response = Response { untagged, status: status.to_string() };
                return Ok(AuthExchange { challenges, response });
            }
            if line == "+" || line.starts_with("+ ") {
                if challenges.len() >= 10 {
                    bail!("more than 10 continuation requests during AUTHENTICATE");
                }
                challenges.push(line.get(2..).unwrap_or_default().to_string());
                self.write_line(challenge_reply)?;
            } else {
                untagged.push(line);
            }
        }
    }

    /// Sends one raw line (CRLF added), for exchanges `command` does not model, such as IDLE
    /// and its `DONE`.
    pub fn write_line(&mut self, line: &str) -> anyhow::Result<()> {
        let stream = self.stream.get_mut();
        stream.write_all(format!("{line}\r\n").as_bytes()).context("sending to the IMAP server")?;
        stream.flush().context("flushing to the IMAP server")
    }

    /// Reads one line (without CRLF); fails on EOF.
    pub fn read_line(&mut self) -> anyhow::Result<String> {
        let mut line = String::new();
        let n = self.stream.read_line(&mut line).context("reading from the IMAP server")?;
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

/// The base64 initial response of SASL `XOAUTH2` (Google's and Microsoft's mechanism):
/// `user=<user>\x01auth=Bearer <token>\x01\x01`.
pub fn xoauth2_response(user: &str, token: &str) -> String {
    STANDARD.encode(format!("user={user}\x01auth=Bearer {token}\x01\x01"))
}

/// The base64 initial response of SASL `OAUTHBEARER` (RFC 7628 §3.1), with the authorization
/// identity in the GS2 header: `n,a=<user>,\x01host=<host>\x01port=<port>\x01auth=Bearer
/// <token>\x01\x01`.
pub fn oauthbearer_response(user: &str, host: &str, port: u16, token: &str) -> String {
    STANDARD.encode(format!("n,a={user},\x01host={host}\x01port={port}\x01auth=Bearer {token}\x01\x01"))
}
