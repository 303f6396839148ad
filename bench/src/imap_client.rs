//! Two tiny IMAP clients on Dovecot's plain port, straight to the server (not through the
//! bench proxy): one that APPENDs and says when the server confirmed, and one that IDLEs and
//! says when the server reported each new EXISTS (Dovecot's own notification delay, the floor
//! under any IDLE client's latency).

use std::io::{BufRead, BufReader, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::sync::mpsc;
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use anyhow::{bail, Context};

fn quote(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

struct Conn {
    reader: BufReader<TcpStream>,
    writer: TcpStream,
    tag: u32,
}

impl Conn {
    fn connect(addr: SocketAddr, user: &str, password: &str) -> anyhow::Result<Conn> {
        let stream = TcpStream::connect(addr).with_context(|| format!("connecting to {addr}"))?;
        stream.set_nodelay(true).context("TCP_NODELAY")?;
        stream.set_read_timeout(Some(Duration::from_secs(30))).context("read timeout")?;
        let writer = stream.try_clone().context("cloning the socket")?;
        let mut c = Conn { reader: BufReader::new(stream), writer, tag: 0 };
        loop {
            let greeting = c.line()?;
            if greeting.starts_with("* OK Waiting") {
                continue;
            }
            if !greeting.starts_with("* OK") {
                bail!("unexpected greeting {greeting:?}");
            }
            break;
        }
        c.command(&format!("LOGIN {} {}", quote(user), quote(password)))?;
        Ok(c)
    }

    fn line(&mut self) -> anyhow::Result<String> {
        let mut line = String::new();
        if self.reader.read_line(&mut line).context("reading from Dovecot")? == 0 {
            bail!("Dovecot closed the connection");
        }
        Ok(line.trim_end_matches(['\r', '\n']).to_string())
    }

    fn next_tag(&mut self) -> String {
        self.tag += 1;
        format!("b{}", self.tag)
    }

    /// Sends `command` and reads to its tagged completion, which must be OK. Returns the
    /// untagged lines and the completion.
    fn command(&mut self, command: &str) -> anyhow::Result<(Vec<String>, String)> {
        let tag = self.next_tag();
        self.writer.write_all(format!("{tag} {command}\r\n").as_bytes()).context("writing to Dovecot")?;
        self.finish(&tag, command)
    }

    fn finish(&mut self, tag: &str, what: &str) -> anyhow::Result<(Vec<String>, String)> {
        let prefix = format!("{tag} ");
        let mut untagged = Vec::new();
        loop {
            let line = self.line()?;
            if let Some(done) = line.strip_prefix(&prefix) {
                if !done.starts_with("OK") {
                    bail!("`{}` failed: {done}", what.split_whitespace().take(3).collect::<Vec<_>>().join(" "));
                }
                return Ok((untagged, done.to_string()));
            }
            untagged.push(line);
        }
    }
}

/// Appends messages as another mail client (or an MDA speaking IMAP) would.
pub struct Appender {
    conn: Conn,
}

impl Appender {
    pub fn connect(addr: SocketAddr, user: &str, password: &str) -> anyhow::Result<Appender> {
        Ok(Appender { conn: Conn::connect(addr, user, password)? })
    }

    /// CREATEs `folder` and SUBSCRIBEs to it, as a mail client making a new folder would.
    pub fn create(&mut self, folder: &str) -> anyhow::Result<()> {
        self.conn.command(&format!("CREATE {}", quote(folder)))?;
        self.conn.command(&format!("SUBSCRIBE {}", quote(folder)))?;
        Ok(())
    }

    /// APPENDs `raw` to `folder` (a non-synchronizing literal: one round trip). Returns the
    /// instant the tagged OK was read and the new message's UID (from APPENDUID).
    pub fn append(&mut self, folder: &str, raw: &[u8]) -> anyhow::Result<(Instant, u32)> {
        let tag = self.conn.next_tag();
        let mut cmd = format!("{tag} APPEND {} {{{}+}}\r\n", quote(folder), raw.len()).into_bytes();
        cmd.extend_from_slice(raw);
        cmd.extend_from_slice(b"\r\n");
        self.conn.writer.write_all(&cmd).context("sending APPEND")?;
        let (_, done) = self.conn.finish(&tag, "APPEND")?;
        let at = Instant::now();
        // OK [APPENDUID <uidvalidity> <uid>] Append completed.
        let uid = done
            .split_once("[APPENDUID ")
            .and_then(|(_, r)| r.split(']').next())
            .and_then(|r| r.split_whitespace().nth(1))
            .and_then(|u| u.parse().ok())
            .with_context(|| format!("no APPENDUID in {done:?}"))?;
        Ok((at, uid))
    }
}

/// A bare IDLE client: reports each `* n EXISTS` with the instant it was read.
pub struct IdleProbe {
    writer: TcpStream,
    exists: mpsc::Receiver<(Instant, u32)>,
    thread: Option<JoinHandle<()>>,
    pub initial_exists: u32,
}

impl IdleProbe {
    pub fn start(addr: SocketAddr, user: &str, password: &str, folder: &str) -> anyhow::Result<IdleProbe> {
        let mut conn = Conn::connect(addr, user, password)?;
        let (untagged, _) = conn.command(&format!("EXAMINE {}", quote(folder)))?;
        let initial_exists = untagged.iter().find_map(|l| parse_exists(l)).context("EXAMINE gave no EXISTS")?;
        let tag = conn.next_tag();
        conn.writer.write_all(format!("{tag} IDLE\r\n").as_bytes()).context("sending IDLE")?;
        let cont = conn.line()?;
        if !cont.starts_with('+') {
            bail!("IDLE refused: {cont:?}");
        }
        // Quiet periods are long: no read timeout from here on.
        conn.reader.get_ref().set_read_timeout(None).context("read timeout")?;
        let writer = conn.writer.try_clone().context("cloning the socket")?;
        let (tx, rx) = mpsc::channel();
        let thread = thread::Builder::new()
            .name("idle-probe".into())
            .spawn(move || loop {
                let Ok(line) = conn.line() else { return };
                if let Some(n) = parse_exists(&line) {
                    if tx.send((Instant::now(), n)).is_err() {
                        return;
                    }
                }
            })
            .context("spawning the IDLE probe reader")?;
        Ok(IdleProbe { writer, exists: rx, thread: Some(thread), initial_exists })
    }

    /// The instant the server reported at least `n` messages, waiting up to `timeout`.
    pub fn wait_exists(&mut self, n: u32, timeout: Duration) -> Option<Instant> {
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.exists.recv_timeout(left) {
                Ok((at, count)) if count >= n => return Some(at),
                Ok(_) => {}
                Err(_) => return None,
            }
        }
    }
}

impl Drop for IdleProbe {
    fn drop(&mut self) {
        let _ = self.writer.write_all(b"DONE\r\n");
        let _ = self.writer.shutdown(Shutdown::Both);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn parse_exists(line: &str) -> Option<u32> {
    let rest = line.strip_prefix("* ")?;
    let (n, word) = rest.split_once(' ')?;
    (word.trim().eq_ignore_ascii_case("EXISTS")).then(|| n.parse().ok()).flatten()
}
