//! A logged-in IMAP session and the raw command loop every engine command goes through.
//!
//! async-imap's typed helpers hide two things the engine must see: a tagged NO/BAD to a FETCH
//! ends its stream like a clean finish, and untagged responses it does not expect go to a
//! bounded channel that silently drops past 100 entries (a LIST-STATUS over 1,000 folders).
//! So every command here is sent with `run_command` and its responses are read one by one
//! until its own tagged completion, with a bound on how long the server may stay silent.

use std::time::Duration;

use async_imap::imap_proto::{RequestId, Response, Status};

use super::connect::Capabilities;
use super::error::ImapError;
use super::stream::ImapStream;

pub struct ImapSession {
    inner: async_imap::Session<ImapStream>,
    caps: Capabilities,
    host: String,
    port: u16,
    response_timeout: Duration,
    /// Set when a command was abandoned half-way: responses may still be in flight, so the
    /// connection must not be reused.
    broken: bool,
    /// A mailbox is selected or examined; it must be closed before LIST-STATUS on reuse
    /// (Dovecot answers a still-selected mailbox's STATUS from stale data).
    selected: bool,
    /// ENABLE QRESYNC was sent on this session and not refused.
    qresync: bool,
    /// ENABLE QRESYNC was sent and its answer not read yet ([`Self::enable_qresync`]).
    enable_tag: Option<RequestId>,
    /// COMPRESS DEFLATE is to go out behind the next command ([`Self::request_compress`]).
    want_compress: bool,
    /// COMPRESS DEFLATE was sent and its answer not read yet.
    compress_tag: Option<RequestId>,
    /// Use PREVIEW where offered (off for a server with the `no-preview` quirk).
    preview: bool,
}

/// Everything of a session but the connection, kept while IDLE owns the connection.
pub(crate) struct SessionParts {
    caps: Capabilities,
    pub(crate) host: String,
    pub(crate) port: u16,
    response_timeout: Duration,
    broken: bool,
    selected: bool,
    qresync: bool,
    compress_tag: Option<RequestId>,
    preview: bool,
}

impl std::fmt::Debug for ImapSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ImapSession").field("host", &self.host).field("port", &self.port).finish()
    }
}

/// How a command ended, when it ended with NO or BAD rather than OK.
fn command_error(what: &str, status: &Status, text: Option<&str>) -> ImapError {
    let status = match status {
        Status::No => "NO",
        Status::Bad => "BAD",
        _ => "failed",
    };
    ImapError::Command { command: what.to_string(), text: format!("{status} {}", text.unwrap_or("")).trim().to_string() }
}

impl ImapSession {
    pub(crate) fn new(inner: async_imap::Session<ImapStream>, host: String, port: u16, response_timeout: Duration) -> Self {
        ImapSession {
            inner,
            caps: Capabilities::new(),
            host,
            port,
            response_timeout,
            broken: false,
            selected: false,
            qresync: false,
            enable_tag: None,
            want_compress: false,
            compress_tag: None,
            preview: true,
        }
    }

    pub fn capabilities(&self) -> &Capabilities {
        &self.caps
    }

    pub fn has_capability(&self, cap: &str) -> bool {
        self.caps.contains(cap)
    }

    pub fn is_broken(&self) -> bool {
        self.broken
    }

    pub fn host(&self) -> &str {
        &self.host
    }

    pub(crate) fn response_timeout(&self) -> Duration {
        self.response_timeout
    }

    /// A deadline of the caller's own (a watchdog's probe) ran out in the middle of a command:
    /// the session is broken, and the error says what was awaited for how long.
    pub(crate) fn timed_out(&mut self, what: &'static str, timeout: Duration) -> ImapError {
        self.broken = true;
        ImapError::Timeout { host: self.host.clone(), port: self.port, what, timeout }
    }

    /// Takes the async-imap session out (IDLE consumes it); `from_parts` puts it back.
    pub(crate) fn into_parts(self) -> (async_imap::Session<ImapStream>, SessionParts) {
        let ImapSession { inner, caps, host, port, response_timeout, broken, selected, qresync, compress_tag, preview, .. } = self;
        (inner, SessionParts { caps, host, port, response_timeout, broken, selected, qresync, compress_tag, preview })
    }

    pub(crate) fn from_parts(inner: async_imap::Session<ImapStream>, p: SessionParts) -> ImapSession {
        ImapSession {
            inner,
            caps: p.caps,
            host: p.host,
            port: p.port,
            response_timeout: p.response_timeout,
            broken: p.broken,
            selected: p.selected,
            qresync: p.qresync,
            enable_tag: None,
            want_compress: false,
            compress_tag: p.compress_tag,
            preview: p.preview,
        }
    }

    /// Sends one tagged command and returns its tag; responses are read with [`Self::next`].
    pub(crate) async fn send(&mut self, command: &str) -> Result<RequestId, ImapError> {
        self.settle_compress().await?;
        self.send_now(command).await
    }

    /// Sends COMPRESS DEFLATE if it was asked for, right behind the command(s) just sent:
    /// called only after the last command of a pipeline, whose answers its reader then reads
    /// to their completions, so that the one answer left over is COMPRESS's own.
    async fn piggyback_compress(&mut self) -> Result<(), ImapError> {
        if std::mem::take(&mut self.want_compress) {
            self.compress_tag = Some(self.send_now("COMPRESS DEFLATE").await?);
        }
        Ok(())
    }

    /// Reads up to the answer of a pending COMPRESS DEFLATE (the responses before it belong to
    /// commands whose readers are done with them: those were read to their own completion).
    pub async fn settle_compress(&mut self) -> Result<(), ImapError> {
        while self.compress_tag.is_some() {
            self.next_with(|_| ()).await?;
        }
        Ok(())
    }

    /// Notes the answer to COMPRESS DEFLATE when `resp` is it, and starts the compression.
    fn on_compress_answer(&mut self, resp: &Response<'_>) {
        let Some(tag) = &self.compress_tag else { return };
        if let Some(done) = Self::completion(resp, tag, "COMPRESS DEFLATE") {
            self.compress_tag = None;
            match done {
                // Nothing was written since: the next command is the first compressed bytes.
                Ok(()) => self.inner.get_mut().start_deflate(),
                Err(e) => tracing::info!(host = %self.host, "the server refused COMPRESS DEFLATE ({e}): the session stays uncompressed"),
            }
        }
    }

    async fn send_now(&mut self, command: &str) -> Result<RequestId, ImapError> {
        let sent = tokio::time::timeout(self.response_timeout, self.inner.run_command(command)).await;
        match sent {
            Ok(Ok(tag)) => Ok(tag),
            Ok(Err(e)) => {
                self.broken = true;
                Err(e.into())
            }
            Err(_) => {
                self.broken = true;
                Err(self.timeout("sending a command"))
            }
        }
    }

    /// Reads the next response and hands it to `f`, failing on silence longer than the
    /// response timeout and on an untagged BYE. The response's buffer is dropped on return,
    /// so callers copy out what they need: memory stays flat however long the stream.
    pub(crate) async fn next_with<T>(&mut self, f: impl FnOnce(&Response<'_>) -> T) -> Result<T, ImapError> {
        match self.next_within(self.response_timeout, f).await? {
            Some(t) => Ok(t),
            None => {
                self.broken = true;
                Err(self.timeout("waiting for a response"))
            }
        }
    }

    /// Like [`Self::next_with`], but silence for `wait` is not an error: `Ok(None)`, and the
    /// session stays usable (async-imap's stream keeps a partly read response in its own
    /// buffer, so abandoning the read loses nothing). For a connection that waits for the
    /// server to speak first (NOTIFY).
    pub(crate) async fn next_within<T>(&mut self, wait: Duration, f: impl FnOnce(&Response<'_>) -> T) -> Result<Option<T>, ImapError> {
        self.next_within_raw(wait, |r, _| f(r)).await
    }

    /// Like [`Self::next_with`], but `f` also sees the response's raw bytes (for what
    /// imap-proto parses but drops, such as a PREVIEW's text).
    pub(crate) async fn next_with_raw<T>(&mut self, f: impl FnOnce(&Response<'_>, &[u8]) -> T) -> Result<T, ImapError> {
        match self.next_within_raw(self.response_timeout, f).await? {
            Some(t) => Ok(t),
            None => {
                self.broken = true;
                Err(self.timeout("waiting for a response"))
            }
        }
    }

    async fn next_within_raw<T>(&mut self, wait: Duration, f: impl FnOnce(&Response<'_>, &[u8]) -> T) -> Result<Option<T>, ImapError> {
        let read = tokio::time::timeout(wait, crate::guard::unpanicked(self.inner.read_response())).await;
        let resp = match read {
            Err(_) => return Ok(None),
            Ok(None) => {
                self.broken = true;
                return Err(ImapError::Protocol("the server sent a response Mailbell cannot parse".into()));
            }
            Ok(Some(Err(e))) => {
                self.broken = true;
                return Err(ImapError::Io(e));
            }
            Ok(Some(Ok(None))) => {
                self.broken = true;
                return Err(ImapError::ConnectionLost);
            }
            Ok(Some(Ok(Some(r)))) => r,
        };
        if let Response::Data { status: Status::Bye, outcome } = resp.parsed() {
            self.broken = true;
            return Err(ImapError::Bye(outcome.information.as_deref().unwrap_or("").to_string()));
        }
        self.on_compress_answer(resp.parsed());
        self.on_enable_answer(resp.parsed());
        Ok(Some(f(resp.parsed(), resp.borrow_owner())))
    }

    /// If `resp` completes `tag`, returns its outcome: Ok for OK, a command error otherwise.
    pub(crate) fn completion(resp: &Response<'_>, tag: &RequestId, what: &str) -> Option<Result<(), ImapError>> {
        match resp {
            Response::Done { tag: t, status, outcome } if t == tag => Some(match status {
                Status::Ok => Ok(()),
                other => Err(command_error(what, other, outcome.information.as_deref())),
            }),
            _ => None,
        }
    }

    /// Runs one command to completion, handing every other response to `on_data`.
    pub(crate) async fn run(&mut self, command: &str, what: &str, mut on_data: impl FnMut(&Response<'_>)) -> Result<(), ImapError> {
        let tag = self.send(command).await?;
        self.piggyback_compress().await?;
        loop {
            let done = self.next_with(|r| {
                Self::completion(r, &tag, what).or_else(|| {
                    on_data(r);
                    None
                })
            });
            if let Some(done) = done.await? {
                return done;
            }
        }
    }

    /// Sends several commands before reading any answer (one round trip instead of many),
    /// and returns each command's outcome in order. Commands go in groups so that neither
    /// side's socket buffers can fill up and deadlock the exchange.
    pub(crate) async fn run_pipelined(
        &mut self,
        commands: &[String],
        what: &str,
        mut on_data: impl FnMut(&Response<'_>),
    ) -> Result<Vec<Result<(), ImapError>>, ImapError> {
        const GROUP: usize = 64;
        let mut outcomes = Vec::with_capacity(commands.len());
        for group in commands.chunks(GROUP) {
            let mut tags = Vec::with_capacity(group.len());
            for c in group {
                tags.push(self.send(c).await?);
            }
            self.piggyback_compress().await?;
            let mut results: Vec<Option<Result<(), ImapError>>> = (0..group.len()).map(|_| None).collect();
            let mut pending = group.len();
            while pending > 0 {
                let done = self
                    .next_with(|r| {
                        let done = tags.iter().enumerate().find_map(|(i, tag)| Self::completion(r, tag, what).map(|x| (i, x)));
                        if done.is_none() {
                            on_data(r);
                        }
                        done
                    })
                    .await?;
                if let Some((i, r)) = done {
                    if results[i].replace(r).is_none() {
                        pending -= 1;
                    }
                }
            }
            outcomes.extend(results.into_iter().map(|r| r.unwrap_or(Err(ImapError::ConnectionLost))));
        }
        Ok(outcomes)
    }

    pub(crate) fn set_capabilities(&mut self, caps: Capabilities) {
        self.caps = caps;
    }

    pub(crate) async fn refresh_capabilities(&mut self) -> Result<(), ImapError> {
        let mut caps = Capabilities::new();
        self.run("CAPABILITY", "CAPABILITY", |r| {
            if let Response::Capabilities(list) = r {
                caps.extend(list.iter().map(cap_name));
            }
        })
        .await?;
        self.caps = caps;
        Ok(())
    }

    /// Asks for COMPRESS DEFLATE (RFC 4978), where offered, without a round trip of its own:
    /// the command goes out right behind the next command (or pipelined group) run to its
    /// completion, e.g. the pass's LIST, and its answer is read before anything else is sent
    /// (the client may send nothing between the server's OK and the start of its own
    /// compression; that answer is already on its way, so waiting for it costs nothing). From the OK
    /// on, both directions are deflated: headers and text shrink to about a third. A refusal
    /// leaves the session as it was.
    pub fn request_compress(&mut self) {
        self.want_compress = self.has_capability("COMPRESS=DEFLATE") && !self.is_compressed() && self.compress_tag.is_none();
    }

    /// Whether new mail is fetched with the server's PREVIEW (RFC 8970) rather than the
    /// first bytes of the body: where offered, unless switched off for this server.
    pub fn preview_wanted(&self) -> bool {
        self.preview && self.has_capability("PREVIEW")
    }

    /// Switches PREVIEW off (or on again) for this session.
    pub fn use_preview(&mut self, on: bool) {
        self.preview = on;
    }

    pub fn is_compressed(&self) -> bool {
        self.inner.get_ref().is_compressed()
    }

    pub fn qresync_enabled(&self) -> bool {
        self.qresync
    }

    /// ENABLE QRESYNC (RFC 7162; implies CONDSTORE): EXAMINE may then ask for the changes
    /// since a known HIGHESTMODSEQ, and expunges arrive as VANISHED. Sent without waiting for
    /// its answer (a round trip on every pass otherwise): the server handles it before the next
    /// command, and its answer comes before that command's, read by that command's reader
    /// ([`Self::on_enable_answer`]); a refusal turns QRESYNC off again before any EXAMINE
    /// could rely on it ([`Self::qresync_enabled`]).
    pub async fn enable_qresync(&mut self) -> Result<(), ImapError> {
        if !self.qresync {
            self.enable_tag = Some(self.send("ENABLE QRESYNC").await?);
            self.qresync = true;
        }
        Ok(())
    }

    /// Notes the answer to a pipelined ENABLE QRESYNC when `resp` is it.
    fn on_enable_answer(&mut self, resp: &Response<'_>) {
        let Some(tag) = &self.enable_tag else { return };
        if let Some(done) = Self::completion(resp, tag, "ENABLE QRESYNC") {
            self.enable_tag = None;
            if let Err(e) = done {
                self.qresync = false;
                tracing::info!(host = %self.host, "the server refused ENABLE QRESYNC ({e}): changes are read without it");
            }
        }
    }

    pub(crate) fn set_selected(&mut self, selected: bool) {
        self.selected = selected;
    }

    /// Leaves the selected mailbox, if any. UNSELECT where offered; CLOSE otherwise, which on
    /// a mailbox opened with EXAMINE expunges nothing.
    pub async fn unselect(&mut self) -> Result<(), ImapError> {
        if !self.selected {
            return Ok(());
        }
        let cmd = if self.has_capability("UNSELECT") { "UNSELECT" } else { "CLOSE" };
        self.run(cmd, cmd, |_| {}).await?;
        self.selected = false;
        Ok(())
    }

    /// Leaves the selected mailbox without waiting for the answer: the server handles it
    /// before whatever is sent next, and the next command's read loop passes over its
    /// completion. (A failed UNSELECT only means one folder's STATUS may be stale this pass.)
    pub async fn unselect_pipelined(&mut self) -> Result<(), ImapError> {
        if !self.selected {
            return Ok(());
        }
        let cmd = if self.has_capability("UNSELECT") { "UNSELECT" } else { "CLOSE" };
        self.send(cmd).await?;
        self.selected = false;
        Ok(())
    }

    /// A cheap liveness check for a session kept between passes.
    pub async fn noop(&mut self) -> Result<(), ImapError> {
        self.run("NOOP", "NOOP", |_| {}).await
    }

    /// Says goodbye without waiting for the answer (a round trip nobody needs); errors are
    /// irrelevant at this point.
    pub async fn logout(mut self) {
        if !self.broken {
            let _ = tokio::time::timeout(Duration::from_secs(2), async {
                // LOGOUT must go out compressed if the server has started to expect it.
                if self.settle_compress().await.is_ok() {
                    let _ = self.inner.run_command("LOGOUT").await;
                }
            })
            .await;
        }
    }

    fn timeout(&self, what: &'static str) -> ImapError {
        ImapError::Timeout { host: self.host.clone(), port: self.port, what, timeout: self.response_timeout }
    }
}

/// The name of a capability as async-imap's typed LOGIN answer gives it.
pub(crate) fn cap_name_of(c: &async_imap::types::Capability) -> String {
    use async_imap::types::Capability;
    match c {
        Capability::Imap4rev1 => "IMAP4REV1".to_string(),
        Capability::Auth(a) => format!("AUTH={}", a.to_ascii_uppercase()),
        Capability::Atom(a) => a.to_ascii_uppercase(),
    }
}

pub(crate) fn cap_name(c: &async_imap::imap_proto::Capability<'_>) -> String {
    use async_imap::imap_proto::Capability;
    match c {
        Capability::Imap4rev1 => "IMAP4REV1".to_string(),
        Capability::Auth(a) => format!("AUTH={}", a.to_ascii_uppercase()),
        Capability::Atom(a) => a.to_ascii_uppercase(),
    }
}
