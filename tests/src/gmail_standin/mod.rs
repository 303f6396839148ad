//! A stand-in for Gmail's IMAP service, in process, on loopback.
//!
//! Gmail cannot be reached from the tests (there is no network but loopback), yet it is the
//! server Mailbell most needs to get right, and it behaves like no Dovecot: one message lives
//! in several folders at once (INBOX, every label, `[Gmail]/All Mail`, `[Gmail]/Starred`), each
//! copy with its own UID but one `X-GM-MSGID` and one set of flags. A test that syncs these
//! folders sees the same mail several times over, as a Gmail user would. This server
//! reproduces that model and the part of Gmail's dialogue Mailbell uses, nothing more: it is
//! not a general IMAP server, and what it does not know it answers with `BAD`.
//!
//! What it does, in the shape of Gmail:
//! - greeting `* OK [CAPABILITY ...] Gimap ready`, LOGIN and AUTHENTICATE PLAIN (SASL-IR or a
//!   continuation) for one user; a wrong password gets `NO [AUTHENTICATIONFAILED]`;
//! - Gmail's folders: INBOX, `[Gmail]` (`\Noselect`) and its special-use children, plus user
//!   labels, each with its own UIDVALIDITY and UIDNEXT;
//! - LIST (with `RETURN (SPECIAL-USE)`), STATUS, EXAMINE/SELECT, UNSELECT/CLOSE, FETCH and UID
//!   FETCH (with `X-GM-MSGID`, `X-GM-THRID`, `X-GM-LABELS`, or `EMAILID`/`THREADID` in
//!   [`StandinMode::ObjectId`]), SEARCH, STORE, COPY, MOVE, EXPUNGE, IDLE, NAMESPACE, ID,
//!   NOOP, LOGOUT; commands may be pipelined and carry literals.
//!
//! What it leaves out on purpose: TLS (tests run it with `--security plain`), CONDSTORE,
//! QRESYNC, LIST-STATUS, ENABLE, COMPRESS and NOTIFY (not advertised), APPEND, CREATE/RENAME
//! (labels are made through the API), OAuth mechanisms, MIME part sections and BODYSTRUCTURE.
//! Messages in Spam and Trash are kept out of All Mail, as on Gmail; the finer rules of what
//! Gmail does on EXPUNGE in each folder are approximated (see [`GmailStandin::delete`]).
//!
//! For tests to assert on, it keeps a log of every command line with its connection, counts
//! connections (open now, most at once, in all), counts sessions in IDLE, and records every
//! command that changed (or tried to change) the mailbox: Mailbell must never send one.
//!
//! One task per connection on a current-thread runtime of its own thread; the state sits
//! behind one mutex that no task holds across an await. Dropping the stand-in stops the
//! runtime, which closes the listener and every connection.

mod session;
#[cfg(test)]
mod tests;
mod wire;

use std::collections::{BTreeMap, BTreeSet};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use chrono::{DateTime, FixedOffset, Utc};
use tokio::net::TcpListener;
use tokio::sync::{oneshot, watch};

/// Which object identifiers the stand-in offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StandinMode {
    /// Gmail as it is: `X-GM-EXT-1`, FETCH answers `X-GM-MSGID`.
    Gmail,
    /// `OBJECTID` (RFC 8474) instead of `X-GM-EXT-1`: FETCH answers `EMAILID (M...)`.
    ObjectId,
    /// Neither: a client must fall back to what plain IMAP offers.
    Plain,
}

impl StandinMode {
    /// The identifier extension's capability, if any.
    fn id_capability(self) -> Option<&'static str> {
        match self {
            StandinMode::Gmail => Some("X-GM-EXT-1"),
            StandinMode::ObjectId => Some("OBJECTID"),
            StandinMode::Plain => None,
        }
    }

    /// Gmail's lists, cut to what the stand-in implements. LIST-STATUS, CONDSTORE, QRESYNC,
    /// ENABLE, COMPRESS and NOTIFY stay out (the sync paths under test are the ones without
    /// them); LIST-EXTENDED is in so that Mailbell asks `RETURN (SPECIAL-USE)`.
    fn capabilities(self, authenticated: bool) -> String {
        let mut caps = vec!["IMAP4rev1", "UNSELECT", "IDLE", "NAMESPACE", "ID", "CHILDREN"];
        caps.extend(self.id_capability());
        if authenticated {
            caps.extend(["UIDPLUS", "MOVE", "LIST-EXTENDED", "SPECIAL-USE", "LITERAL+"]);
        } else {
            caps.extend(["SASL-IR", "AUTH=PLAIN"]);
        }
        caps.join(" ")
    }
}

/// A message to add, with where it goes: `StandinMessage::new(raw).labels(&["INBOX"])`.
#[derive(Debug, Clone)]
pub struct StandinMessage {
    raw: Vec<u8>,
    labels: Vec<String>,
    flags: Vec<String>,
    msgid: Option<u64>,
    emailid: Option<String>,
    internal_date: Option<DateTime<FixedOffset>>,
}

impl StandinMessage {
    /// Raw RFC 822 bytes; no labels (All Mail only, like archived mail), no flags, a fresh
    /// X-GM-MSGID, INTERNALDATE now.
    pub fn new(raw: impl Into<Vec<u8>>) -> StandinMessage {
        StandinMessage { raw: raw.into(), labels: Vec::new(), flags: Vec::new(), msgid: None, emailid: None, internal_date: None }
    }

    /// Folders the message is in besides All Mail: `INBOX`, `[Gmail]/Sent Mail`, a label made
    /// with [`GmailStandin::create_label`] (by its UTF-8 name)... `[Gmail]/Starred` stands for
    /// the `\Flagged` flag; `[Gmail]/Spam` and `[Gmail]/Trash` keep it out of All Mail.
    pub fn labels(mut self, labels: &[&str]) -> Self {
        self.labels = labels.iter().map(|s| s.to_string()).collect();
        self
    }

    /// Flags shared by all copies, e.g. `\Seen`, `\Flagged`.
    pub fn flags(mut self, flags: &[&str]) -> Self {
        self.flags = flags.iter().map(|s| s.to_string()).collect();
        self
    }

    pub fn msgid(mut self, msgid: u64) -> Self {
        self.msgid = Some(msgid);
        self
    }

    /// The RFC 8474 EMAILID (default: `M` and the X-GM-MSGID in hex).
    pub fn emailid(mut self, emailid: &str) -> Self {
        self.emailid = Some(emailid.to_string());
        self
    }

    pub fn internal_date(mut self, date: DateTime<FixedOffset>) -> Self {
        self.internal_date = Some(date);
        self
    }
}

/// One command line as received (literals spliced in as quoted strings), and on which
/// connection (numbered from 1 in order of acceptance). LOGIN lines hold the password.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoggedCommand {
    pub conn: u64,
    pub line: String,
}

impl LoggedCommand {
    /// The command's name, upper-case, with `UID` kept: `UID FETCH`, `EXAMINE`, `DONE`.
    pub fn name(&self) -> String {
        command_name(&self.line)
    }
}

fn command_name(line: &str) -> String {
    let mut words = line.split(' ');
    let first = words.next().unwrap_or_default();
    if first.eq_ignore_ascii_case("DONE") {
        return "DONE".into();
    }
    let verb = words.next().unwrap_or_default().to_ascii_uppercase();
    if verb == "UID" {
        format!("UID {}", words.next().unwrap_or_default().to_ascii_uppercase())
    } else {
        verb
    }
}

/// A folder as the stand-in holds it now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FolderInfo {
    /// The name on the wire (modified UTF-7).
    pub name: String,
    pub uidvalidity: u32,
    pub uidnext: u32,
    /// UIDs in order.
    pub uids: Vec<u32>,
}

struct Message {
    raw: Vec<u8>,
    emailid: String,
    internal_date: DateTime<FixedOffset>,
    /// Canonical spelling (`\Seen`), shared by every copy.
    flags: BTreeSet<String>,
    /// Bumped on every flag change, so each session can tell which of its messages to report.
    version: u64,
}

/// The folder's part in Gmail's model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Inbox,
    All,
    Starred,
    /// Spam and Trash: what is there is not in All Mail.
    OutOfAll,
    /// `[Gmail]`, which holds nothing.
    Container,
    Other,
}

struct Folder {
    name: String,
    special_use: Option<&'static str>,
    role: Role,
    uidvalidity: u32,
    uidnext: u32,
    /// (UID, X-GM-MSGID), UIDs ascending.
    entries: Vec<(u32, u64)>,
}

struct State {
    mode: StandinMode,
    user: String,
    password: String,
    folders: Vec<Folder>,
    messages: BTreeMap<u64, Message>,
    next_msgid: u64,
    next_version: u64,
    log: Vec<LoggedCommand>,
    mutations: Vec<LoggedCommand>,
    conns_open: usize,
    conns_max: usize,
    conns_total: u64,
    idling: usize,
}

/// What every connection task and the API share.
struct Shared {
    state: Mutex<State>,
    /// Bumped after every change of messages or flags; sessions in IDLE wake on it.
    changed: watch::Sender<u64>,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        // A panicking test thread must not take the server down with it.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn notify(&self) {
        self.changed.send_modify(|v| *v += 1);
    }
}

/// System flags in their canonical spelling; keywords as given.
fn canonical_flag(flag: &str) -> String {
    const SYSTEM: [&str; 6] = ["\\Seen", "\\Answered", "\\Flagged", "\\Deleted", "\\Draft", "\\Recent"];
    SYSTEM.iter().find(|s| s.eq_ignore_ascii_case(flag)).map_or_else(|| flag.to_string(), |s| s.to_string())
}

impl State {
    fn new(mode: StandinMode, user: &str, password: &str) -> State {
        let mut s = State {
            mode,
            user: user.to_string(),
            password: password.to_string(),
            folders: Vec::new(),
            messages: BTreeMap::new(),
            // Real ones are 64-bit numbers of this size (1278455344230334865).
            next_msgid: 1_600_000_000_000_000_001,
            next_version: 1,
            log: Vec::new(),
            mutations: Vec::new(),
            conns_open: 0,
            conns_max: 0,
            conns_total: 0,
            idling: 0,
        };
        s.add_folder("INBOX", None, Role::Inbox);
        s.add_folder("[Gmail]", None, Role::Container);
        s.add_folder("[Gmail]/All Mail", Some("\\All"), Role::All);
        s.add_folder("[Gmail]/Drafts", Some("\\Drafts"), Role::Other);
        s.add_folder("[Gmail]/Important", Some("\\Important"), Role::Other);
        s.add_folder("[Gmail]/Sent Mail", Some("\\Sent"), Role::Other);
        s.add_folder("[Gmail]/Spam", Some("\\Junk"), Role::OutOfAll);
        s.add_folder("[Gmail]/Starred", Some("\\Flagged"), Role::Starred);
        s.add_folder("[Gmail]/Trash", Some("\\Trash"), Role::OutOfAll);
        s
    }

    /// Each folder gets its own UIDVALIDITY and its own UID range (1, 1001, 2001...), so that
    /// a client that mixes up two folders' UIDs is caught.
    fn add_folder(&mut self, name: &str, special_use: Option<&'static str>, role: Role) {
        let n = self.folders.len() as u32;
        self.folders.push(Folder {
            name: name.to_string(),
            special_use,
            role,
            uidvalidity: 600_000 + 7 * n,
            uidnext: 1 + 1000 * n,
            entries: Vec::new(),
        });
    }

    /// The folder of a wire name; INBOX in any case.
    fn folder_index(&self, wire_name: &str) -> Option<usize> {
        if wire_name.eq_ignore_ascii_case("INBOX") {
            return Some(0);
        }
        self.folders.iter().position(|f| f.name == wire_name)
    }

    /// A label as the API names it (UTF-8) to its folder.
    fn label_index(&self, label: &str) -> anyhow::Result<usize> {
        let i = self.folder_index(&wire::mutf7_encode(label)).with_context(|| format!("no folder or label {label:?}"))?;
        if self.folders[i].role == Role::Container {
            bail!("{label:?} cannot hold messages");
        }
        Ok(i)
    }

    fn role_index(&self, role: Role) -> usize {
        self.folders.iter().position(|f| f.role == role).unwrap_or(0)
    }

    /// The message's copy in a folder: the existing one, or a new one with the next UID.
    fn insert_copy(&mut self, folder: usize, msgid: u64) -> u32 {
        let f = &mut self.folders[folder];
        if let Some(&(uid, _)) = f.entries.iter().find(|e| e.1 == msgid) {
            return uid;
        }
        let uid = f.uidnext;
        f.uidnext += 1;
        f.entries.push((uid, msgid));
        uid
    }

    fn remove_copy(&mut self, folder: usize, msgid: u64) -> bool {
        let f = &mut self.folders[folder];
        let before = f.entries.len();
        f.entries.retain(|e| e.1 != msgid);
        f.entries.len() != before
    }

    fn add_message(&mut self, m: StandinMessage) -> anyhow::Result<u64> {
        let msgid = match m.msgid {
            Some(id) if self.messages.contains_key(&id) => bail!("X-GM-MSGID {id} is taken"),
            Some(id) => id,
            None => {
                while self.messages.contains_key(&self.next_msgid) {
                    self.next_msgid += 1;
                }
                self.next_msgid
            }
        };
        self.next_msgid = self.next_msgid.max(msgid) + 1;
        let mut folders = Vec::new();
        let mut flags: BTreeSet<String> = m.flags.iter().map(|f| canonical_flag(f)).collect();
        for label in &m.labels {
            let i = self.label_index(label)?;
            match self.folders[i].role {
                Role::Starred => {
                    flags.insert("\\Flagged".into());
                }
                Role::All => {}
                _ => folders.push(i),
            }
        }
        if !folders.iter().any(|&i| self.folders[i].role == Role::OutOfAll) {
            folders.push(self.role_index(Role::All));
            if flags.contains("\\Flagged") {
                folders.push(self.role_index(Role::Starred));
            }
        }
        let internal_date =
            m.internal_date.unwrap_or_else(|| Utc::now().with_nanosecond_zero().with_timezone(&FixedOffset::east_opt(0).expect("UTC")));
        let version = self.bump();
        let emailid = m.emailid.unwrap_or_else(|| format!("M{msgid:016x}"));
        self.messages.insert(msgid, Message { raw: m.raw, emailid, internal_date, flags, version });
        folders.sort_unstable();
        folders.dedup();
        for i in folders {
            self.insert_copy(i, msgid);
        }
        Ok(msgid)
    }

    fn bump(&mut self) -> u64 {
        self.next_version += 1;
        self.next_version
    }

    /// Adds and removes flags on every copy. `\Flagged` also puts the message in Starred or
    /// takes it out, as starring does on Gmail.
    fn change_flags(&mut self, msgid: u64, add: &[String], remove: &[String]) -> bool {
        let version = self.bump();
        let Some(m) = self.messages.get_mut(&msgid) else { return false };
        let before = m.flags.clone();
        for f in add {
            m.flags.insert(canonical_flag(f));
        }
        for f in remove {
            m.flags.remove(&canonical_flag(f));
        }
        if m.flags == before {
            return false;
        }
        m.version = version;
        let flagged = m.flags.contains("\\Flagged");
        if flagged != before.contains("\\Flagged") {
            let starred = self.role_index(Role::Starred);
            let in_all = self.folders[self.role_index(Role::All)].entries.iter().any(|e| e.1 == msgid);
            if flagged && in_all {
                self.insert_copy(starred, msgid);
            } else if !flagged {
                self.remove_copy(starred, msgid);
            }
        }
        true
    }

    fn delete_message(&mut self, msgid: u64) -> bool {
        for f in &mut self.folders {
            f.entries.retain(|e| e.1 != msgid);
        }
        self.messages.remove(&msgid).is_some()
    }

    /// Gmail's X-GM-LABELS of a message: every folder it is in but All Mail, system ones by
    /// their Gmail names (`\Inbox`, `\Sent`...).
    fn gm_labels(&self, msgid: u64) -> Vec<String> {
        self.folders
            .iter()
            .filter(|f| f.role != Role::All && f.entries.iter().any(|e| e.1 == msgid))
            .map(|f| match (f.role, f.special_use) {
                (Role::Inbox, _) => "\"\\\\Inbox\"".to_string(),
                (_, Some("\\Flagged")) => "\"\\\\Starred\"".to_string(),
                (_, Some("\\Junk")) => "\"\\\\Spam\"".to_string(),
                (_, Some("\\Drafts")) => "\"\\\\Draft\"".to_string(),
                (_, Some(su)) => wire::quote(su),
                _ => wire::quote(&f.name),
            })
            .collect()
    }
}

trait WithNanosecondZero {
    fn with_nanosecond_zero(self) -> Self;
}

impl WithNanosecondZero for DateTime<Utc> {
    /// INTERNALDATE has whole seconds; keep the stored one equal to what is sent.
    fn with_nanosecond_zero(self) -> Self {
        self - chrono::Duration::nanoseconds(i64::from(chrono::Timelike::nanosecond(&self)))
    }
}

/// The running stand-in. See the module documentation.
pub struct GmailStandin {
    addr: SocketAddr,
    shared: Arc<Shared>,
    shutdown: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl GmailStandin {
    /// Listens on an ephemeral loopback port for the one account `user` / `password`.
    pub fn start(mode: StandinMode, user: &str, password: &str) -> anyhow::Result<GmailStandin> {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").context("binding the stand-in's port")?;
        listener.set_nonblocking(true).context("non-blocking listener")?;
        let addr = listener.local_addr().context("the stand-in's address")?;
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().context("building the stand-in's runtime")?;
        let shared = Arc::new(Shared { state: Mutex::new(State::new(mode, user, password)), changed: watch::channel(0).0 });
        let (shutdown, mut shutdown_rx) = oneshot::channel::<()>();
        let task_shared = Arc::clone(&shared);
        let thread = std::thread::Builder::new()
            .name(format!("gmail-standin-{}", addr.port()))
            .spawn(move || {
                runtime.block_on(async move {
                    let Ok(listener) = TcpListener::from_std(listener) else {
                        return;
                    };
                    loop {
                        tokio::select! {
                            _ = &mut shutdown_rx => return,
                            accepted = listener.accept() => {
                                let Ok((stream, _)) = accepted else { continue };
                                let conn = {
                                    let mut s = task_shared.lock();
                                    s.conns_total += 1;
                                    s.conns_open += 1;
                                    s.conns_max = s.conns_max.max(s.conns_open);
                                    s.conns_total
                                };
                                tokio::spawn(session::serve(stream, Arc::clone(&task_shared), conn));
                            }
                        }
                    }
                });
                // Dropping the runtime here drops every connection task with its socket.
            })
            .context("spawning the stand-in's thread")?;
        Ok(GmailStandin { addr, shared, shutdown: Some(shutdown), thread: Some(thread) })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// Adds a message where its labels say (see [`StandinMessage`]); returns its X-GM-MSGID.
    pub fn add(&self, message: StandinMessage) -> anyhow::Result<u64> {
        let id = self.shared.lock().add_message(message)?;
        self.shared.notify();
        Ok(id)
    }

    /// Shorthand for [`GmailStandin::add`] with raw bytes and labels.
    pub fn add_message(&self, raw: &[u8], labels: &[&str]) -> anyhow::Result<u64> {
        self.add(StandinMessage::new(raw).labels(labels))
    }

    /// Makes a user label, and its parents as Gmail does (`Projects/2024` makes `Projects`).
    /// The name is UTF-8; it is listed in modified UTF-7. An existing label is kept.
    pub fn create_label(&self, name: &str) -> anyhow::Result<()> {
        if name.is_empty() || name.starts_with('/') || name.ends_with('/') || name.contains("//") {
            bail!("{name:?} is not a label name");
        }
        if name.eq_ignore_ascii_case("INBOX") || name.starts_with("[Gmail]") {
            bail!("{name:?} is a system name");
        }
        let mut s = self.shared.lock();
        let mut path = String::new();
        for part in name.split('/') {
            if !path.is_empty() {
                path.push('/');
            }
            path.push_str(part);
            let wire = wire::mutf7_encode(&path);
            if s.folder_index(&wire).is_none() {
                s.add_folder(&wire, None, Role::Other);
            }
        }
        Ok(())
    }

    /// Labels an existing message later: a new copy with a new UID in that folder (or the
    /// copy it already has there). Returns its UID there.
    pub fn add_label(&self, msgid: u64, label: &str) -> anyhow::Result<u32> {
        let uid = {
            let mut s = self.shared.lock();
            if !s.messages.contains_key(&msgid) {
                bail!("no message with X-GM-MSGID {msgid}");
            }
            let i = s.label_index(label)?;
            s.insert_copy(i, msgid)
        };
        self.shared.notify();
        Ok(uid)
    }

    /// Takes a label off: the copy in that folder is expunged; the message stays elsewhere.
    pub fn remove_label(&self, msgid: u64, label: &str) -> anyhow::Result<bool> {
        let removed = {
            let mut s = self.shared.lock();
            let i = s.label_index(label)?;
            s.remove_copy(i, msgid)
        };
        self.shared.notify();
        Ok(removed)
    }

    /// Adds and removes flags on the message, which changes them on every copy.
    pub fn set_flags(&self, msgid: u64, add: &[&str], remove: &[&str]) -> anyhow::Result<()> {
        let strings = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        {
            let mut s = self.shared.lock();
            if !s.messages.contains_key(&msgid) {
                bail!("no message with X-GM-MSGID {msgid}");
            }
            s.change_flags(msgid, &strings(add), &strings(remove));
        }
        self.shared.notify();
        Ok(())
    }

    /// Deletes the message for good: expunged from every folder at once (Gmail's "delete
    /// forever"). EXPUNGE by a client removes only the copies in its folder (a label taken
    /// off), except in All Mail, where it deletes the message.
    pub fn delete(&self, msgid: u64) -> anyhow::Result<()> {
        if !self.shared.lock().delete_message(msgid) {
            bail!("no message with X-GM-MSGID {msgid}");
        }
        self.shared.notify();
        Ok(())
    }

    /// The folder by its UTF-8 name, as it stands.
    pub fn folder(&self, name: &str) -> Option<FolderInfo> {
        let s = self.shared.lock();
        let f = &s.folders[s.folder_index(&wire::mutf7_encode(name))?];
        Some(FolderInfo {
            name: f.name.clone(),
            uidvalidity: f.uidvalidity,
            uidnext: f.uidnext,
            uids: f.entries.iter().map(|e| e.0).collect(),
        })
    }

    /// The UID of the message's copy in a folder (UTF-8 name).
    pub fn uid_in(&self, msgid: u64, folder: &str) -> Option<u32> {
        let s = self.shared.lock();
        let f = &s.folders[s.folder_index(&wire::mutf7_encode(folder))?];
        f.entries.iter().find(|e| e.1 == msgid).map(|e| e.0)
    }

    /// The message's flags, or `None` when there is no such message.
    pub fn flags(&self, msgid: u64) -> Option<Vec<String>> {
        self.shared.lock().messages.get(&msgid).map(|m| m.flags.iter().cloned().collect())
    }

    /// Every command line received so far, in order.
    pub fn log(&self) -> Vec<LoggedCommand> {
        self.shared.lock().log.clone()
    }

    /// The logged commands of one name (as [`LoggedCommand::name`] spells it: `UID FETCH`).
    pub fn commands_named(&self, name: &str) -> Vec<LoggedCommand> {
        self.shared.lock().log.iter().filter(|c| c.name().eq_ignore_ascii_case(name)).cloned().collect()
    }

    /// Commands that changed the mailbox or tried to (STORE, COPY, MOVE, EXPUNGE, CLOSE of a
    /// selected folder with `\Deleted` mail, a FETCH that set `\Seen`...), in order. Empty
    /// for a well-behaved notifier.
    pub fn mutations(&self) -> Vec<LoggedCommand> {
        self.shared.lock().mutations.clone()
    }

    pub fn connections_open(&self) -> usize {
        self.shared.lock().conns_open
    }

    /// The most connections open at once so far.
    pub fn connections_max(&self) -> usize {
        self.shared.lock().conns_max
    }

    pub fn connections_total(&self) -> u64 {
        self.shared.lock().conns_total
    }

    /// Sessions in IDLE now (counted once `+ idling` was sent and changes are being watched).
    pub fn idling(&self) -> usize {
        self.shared.lock().idling
    }

    /// Waits until `condition` holds, checking every 10 ms; false when `timeout` passed first.
    pub fn wait_for(&self, timeout: Duration, condition: impl Fn(&GmailStandin) -> bool) -> bool {
        let deadline = Instant::now() + timeout;
        loop {
            if condition(self) {
                return true;
            }
            if Instant::now() >= deadline {
                return false;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

impl Drop for GmailStandin {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
