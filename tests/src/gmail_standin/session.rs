//! One connection: reads commands in order (a pipelining client sends several before reading
//! any answer) and answers each in full before reading the next, in Gmail's words.

use std::io;
use std::sync::Arc;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use tokio::io::{AsyncBufRead, AsyncWrite, AsyncWriteExt, BufReader, BufWriter};
use tokio::net::TcpStream;
use tokio::sync::watch;

use super::wire::{self, ReadError, SeqSet, Tok};
use super::{canonical_flag, command_name, LoggedCommand, Role, Shared, StandinMode, State};

/// Commands that change a mailbox when they succeed; logged as mutations when merely tried.
const MUTATING: &[&str] = &["STORE", "COPY", "MOVE", "EXPUNGE", "APPEND", "CREATE", "DELETE", "RENAME", "SUBSCRIBE", "UNSUBSCRIBE"];

const FLAGS: &str = "\\Answered \\Flagged \\Draft \\Deleted \\Seen $NotPhishing $Phishing";

/// The open folder as this session last reported it: sequence numbers are positions here,
/// and what differs from the shared state is what the session still has to tell.
struct View {
    folder: usize,
    read_only: bool,
    /// (UID, X-GM-MSGID, flag version reported).
    entries: Vec<(u32, u64, u64)>,
}

struct Session {
    conn: u64,
    shared: Arc<Shared>,
    mode: StandinMode,
    authenticated: bool,
    selected: Option<View>,
    changes: watch::Receiver<u64>,
}

/// A command's tagged completion.
enum Done {
    Ok(String),
    No(String),
    Bad(String),
}

enum Flow {
    Continue,
    Logout,
}

/// Keeps the open-connection count right however the task ends (also when it is dropped).
struct CountGuard {
    shared: Arc<Shared>,
    idle: bool,
}

impl Drop for CountGuard {
    fn drop(&mut self) {
        let mut s = self.shared.lock();
        if self.idle {
            s.idling = s.idling.saturating_sub(1);
        } else {
            s.conns_open = s.conns_open.saturating_sub(1);
        }
    }
}

pub(super) async fn serve(stream: TcpStream, shared: Arc<Shared>, conn: u64) {
    let _open = CountGuard { shared: Arc::clone(&shared), idle: false };
    let _ = stream.set_nodelay(true);
    let (r, w) = stream.into_split();
    let (mut r, mut w) = (BufReader::new(r), BufWriter::new(w));
    let mode = shared.lock().mode;
    let mut session = Session { conn, changes: shared.changed.subscribe(), shared, mode, authenticated: false, selected: None };
    let greeting = format!("* OK [CAPABILITY {}] Gimap ready for requests from 127.0.0.1 c{conn}\r\n", mode.capabilities(false));
    if send(&mut w, greeting.as_bytes()).await.is_err() {
        return;
    }
    loop {
        let (line, bad) = match wire::read_command(&mut r, &mut w).await {
            Ok(c) => c,
            Err(ReadError::TooLong) => {
                let _ = send(&mut w, b"* BYE Command line too long\r\n").await;
                return;
            }
            Err(ReadError::Closed) => return,
        };
        session.log(&line);
        match session.handle(&line, bad, &mut r, &mut w).await {
            Ok(Flow::Continue) => {}
            Ok(Flow::Logout) | Err(_) => return,
        }
    }
}

async fn send<W: AsyncWrite + Unpin>(w: &mut W, bytes: &[u8]) -> io::Result<()> {
    w.write_all(bytes).await?;
    w.flush().await
}

fn push_line(out: &mut Vec<u8>, line: &str) {
    out.extend_from_slice(line.as_bytes());
    out.extend_from_slice(b"\r\n");
}

/// The tag, if the line has a valid one, and the rest.
fn split_tag(line: &str) -> Option<(&str, &str)> {
    let (tag, rest) = line.split_once(' ').unwrap_or((line, ""));
    let valid = !tag.is_empty() && tag.bytes().all(|b| b.is_ascii_graphic() && !b"(){%*\"\\+".contains(&b));
    valid.then_some((tag, rest))
}

fn split_word(s: &str) -> (String, &str) {
    let (w, rest) = s.split_once(' ').unwrap_or((s, ""));
    (w.to_ascii_uppercase(), rest)
}

impl Session {
    fn log(&self, line: &str) {
        self.shared.lock().log.push(LoggedCommand { conn: self.conn, line: line.to_string() });
    }

    fn record_mutation(&self, line: &str) {
        self.shared.lock().mutations.push(LoggedCommand { conn: self.conn, line: line.to_string() });
    }

    async fn handle<R, W>(&mut self, line: &str, bad: Option<String>, r: &mut R, w: &mut W) -> io::Result<Flow>
    where
        R: AsyncBufRead + Unpin,
        W: AsyncWrite + Unpin,
    {
        let Some((tag, rest)) = split_tag(line) else {
            send(w, b"* BAD Invalid tag\r\n").await?;
            return Ok(Flow::Continue);
        };
        let mut out = Vec::new();
        let (mut verb, mut args) = split_word(rest);
        let uid = verb == "UID";
        if uid {
            (verb, args) = split_word(args);
        }
        if MUTATING.contains(&verb.as_str()) {
            self.record_mutation(line);
        }
        let done = match (bad, wire::tokenize(args)) {
            (Some(why), _) => Done::Bad(why),
            (None, Err(why)) => Done::Bad(format!("Could not parse command: {why}")),
            (None, Ok(args)) => {
                let allowed_before_login = ["CAPABILITY", "NOOP", "LOGOUT", "ID", "LOGIN", "AUTHENTICATE"];
                let needs_selection = ["FETCH", "STORE", "SEARCH", "COPY", "MOVE", "EXPUNGE", "CLOSE", "UNSELECT"];
                if !self.authenticated && !allowed_before_login.contains(&verb.as_str()) {
                    Done::Bad("Command not valid before authentication".into())
                } else if self.selected.is_none() && needs_selection.contains(&verb.as_str()) {
                    Done::Bad("No mailbox selected".into())
                } else if uid && !["FETCH", "STORE", "SEARCH", "COPY", "MOVE", "EXPUNGE"].contains(&verb.as_str()) {
                    Done::Bad("Unknown UID command".into())
                } else {
                    // Changes since the last command come first. Not during a FETCH, STORE or
                    // SEARCH by sequence number, where an EXPUNGE would renumber the messages
                    // under the client (RFC 3501 §7.4.1), and not for commands that leave the
                    // folder anyway.
                    let by_number = !uid && ["FETCH", "STORE", "SEARCH", "COPY", "MOVE"].contains(&verb.as_str());
                    if !by_number && !["SELECT", "EXAMINE", "UNSELECT", "CLOSE", "LOGOUT", "IDLE"].contains(&verb.as_str()) {
                        self.refresh(&mut out);
                    }
                    match verb.as_str() {
                        "IDLE" if args.is_empty() => return self.idle(tag, r, w).await,
                        "AUTHENTICATE" => self.authenticate(&args, r, w).await?,
                        "LOGOUT" => {
                            push_line(&mut out, "* BYE LOGOUT Requested");
                            push_line(&mut out, &format!("{tag} OK 73 good day (Success)"));
                            send(w, &out).await?;
                            return Ok(Flow::Logout);
                        }
                        _ => self.command(&verb, uid, &args, line, &mut out),
                    }
                }
            }
        };
        let completion = match done {
            Done::Ok(text) => format!("{tag} OK {text}"),
            Done::No(text) => format!("{tag} NO {text}"),
            Done::Bad(text) => format!("{tag} BAD {text}"),
        };
        push_line(&mut out, &completion);
        send(w, &out).await?;
        Ok(Flow::Continue)
    }

    fn command(&mut self, verb: &str, uid: bool, args: &[Tok], line: &str, out: &mut Vec<u8>) -> Done {
        match (verb, args) {
            ("CAPABILITY", []) => {
                push_line(out, &format!("* CAPABILITY {}", self.mode.capabilities(self.authenticated)));
                Done::Ok("Thats all she wrote! (Success)".into())
            }
            ("NOOP", []) => Done::Ok("Success".into()),
            ("ID", [_]) => {
                push_line(out, "* ID (\"name\" \"GImap\" \"vendor\" \"Google, Inc.\" \"support-url\" \"https://support.google.com/mail\")");
                Done::Ok("Success".into())
            }
            ("NAMESPACE", []) => {
                push_line(out, "* NAMESPACE ((\"\" \"/\")) NIL NIL");
                Done::Ok("Success".into())
            }
            ("LOGIN", [user, password]) => match (user.astring(), password.astring()) {
                (Some(user), Some(password)) => self.login(user, password),
                _ => Done::Bad("Invalid arguments".into()),
            },
            ("LIST", _) => self.list(args, out),
            ("STATUS", [name, Tok::List(items)]) => self.status(name, items, out),
            ("SELECT" | "EXAMINE", [name, rest @ ..]) => {
                if !rest.is_empty() {
                    // CONDSTORE and QRESYNC are not offered.
                    self.selected = None;
                    return Done::Bad("SELECT parameters are not supported".into());
                }
                self.select(name, verb == "EXAMINE", out)
            }
            ("UNSELECT", []) => {
                self.selected = None;
                Done::Ok("Returned to authenticated state. (Success)".into())
            }
            ("CLOSE", []) => {
                if self.selected.as_ref().is_some_and(|v| !v.read_only) && self.expunge(None) {
                    self.record_mutation(line);
                }
                self.selected = None;
                Done::Ok("Returned to authenticated state. (Success)".into())
            }
            ("FETCH", [set, items]) => self.fetch(uid, set, items, line, out),
            ("SEARCH", criteria) if !criteria.is_empty() => self.search(uid, criteria, out),
            ("STORE", [set, item, value]) => self.store(uid, set, item, value, out),
            ("COPY" | "MOVE", [set, name]) => self.copy(uid, verb == "MOVE", set, name, out),
            ("EXPUNGE", []) if !uid => self.expunge_command(None, out),
            ("EXPUNGE", [Tok::Atom(set)]) if uid => match SeqSet::parse(set) {
                Some(set) => self.expunge_command(Some(set), out),
                None => Done::Bad("Invalid UID set".into()),
            },
            ("CAPABILITY" | "NOOP" | "NAMESPACE" | "UNSELECT" | "CLOSE" | "ID" | "LOGIN" | "STATUS" | "SELECT" | "EXAMINE", _)
            | ("FETCH" | "SEARCH" | "STORE" | "COPY" | "MOVE" | "EXPUNGE" | "IDLE", _) => Done::Bad("Invalid arguments".into()),
            _ => Done::Bad("Unknown command".into()),
        }
    }

    fn login(&mut self, user: &str, password: &str) -> Done {
        if self.authenticated {
            return Done::Bad("Already authenticated".into());
        }
        let ok = {
            let s = self.shared.lock();
            s.user.eq_ignore_ascii_case(user) && s.password == password
        };
        if !ok {
            return Done::No("[AUTHENTICATIONFAILED] Invalid credentials (Failure)".into());
        }
        self.authenticated = true;
        Done::Ok(format!("[CAPABILITY {}] {user} authenticated (Success)", self.mode.capabilities(true)))
    }

    /// AUTHENTICATE PLAIN, with the initial response on the line (SASL-IR) or after a `+`.
    async fn authenticate<R, W>(&mut self, args: &[Tok], r: &mut R, w: &mut W) -> io::Result<Done>
    where
        R: AsyncBufRead + Unpin,
        W: AsyncWrite + Unpin,
    {
        if self.authenticated {
            return Ok(Done::Bad("Already authenticated".into()));
        }
        let (mech, initial) = match args {
            [Tok::Atom(m)] => (m, None),
            [Tok::Atom(m), Tok::Atom(ir)] => (m, Some(ir.clone())),
            _ => return Ok(Done::Bad("Invalid arguments".into())),
        };
        if !mech.eq_ignore_ascii_case("PLAIN") {
            return Ok(Done::Bad("Unsupported AUTHENTICATE mechanism. (Failure)".into()));
        }
        let response = match initial {
            Some(ir) => ir,
            None => {
                send(w, b"+ \r\n").await?;
                match wire::read_line(r, &mut Vec::new()).await {
                    Ok(l) => String::from_utf8_lossy(&l).into_owned(),
                    Err(_) => return Err(io::ErrorKind::ConnectionAborted.into()),
                }
            }
        };
        if response == "*" {
            return Ok(Done::Bad("Authentication cancelled".into()));
        }
        let decoded = if response == "=" { Ok(Vec::new()) } else { STANDARD.decode(response.trim()) };
        let Ok(decoded) = decoded else {
            return Ok(Done::Bad("Invalid SASL argument. (Failure)".into()));
        };
        let parts: Vec<&[u8]> = decoded.split(|&b| b == 0).collect();
        match parts[..] {
            [_authzid, user, password] => Ok(self.login(&String::from_utf8_lossy(user), &String::from_utf8_lossy(password))),
            _ => Ok(Done::No("[AUTHENTICATIONFAILED] Invalid credentials (Failure)".into())),
        }
    }

    /// LIST [(selection)] reference pattern(s) [RETURN (SPECIAL-USE | CHILDREN)]. Gmail lists
    /// special-use attributes whether asked or not.
    fn list(&self, args: &[Tok], out: &mut Vec<u8>) -> Done {
        let args = match args.first() {
            Some(Tok::List(_)) => &args[1..],
            _ => args,
        };
        let (reference, patterns, rest) = match args {
            [r, Tok::List(p), rest @ ..] => (r.astring(), p.iter().map(Tok::astring).collect::<Option<Vec<_>>>(), rest),
            [r, p, rest @ ..] => (r.astring(), p.astring().map(|p| vec![p]), rest),
            _ => return Done::Bad("Invalid arguments".into()),
        };
        let (Some(reference), Some(patterns)) = (reference, patterns) else {
            return Done::Bad("Invalid arguments".into());
        };
        match rest {
            [] => {}
            [Tok::Atom(r), Tok::List(options)]
                if r.eq_ignore_ascii_case("RETURN")
                    && options.iter().all(|o| o.atom_upper().is_some_and(|o| o == "SPECIAL-USE" || o == "CHILDREN")) => {}
            _ => return Done::Bad("Unsupported LIST options".into()),
        }
        let s = self.shared.lock();
        // INBOX, then the user's labels, then the [Gmail] tree, as Gmail orders them.
        let mut order: Vec<usize> = (1..s.folders.len()).filter(|&i| !s.folders[i].name.starts_with("[Gmail]")).collect();
        order.sort_by(|&a, &b| s.folders[a].name.cmp(&s.folders[b].name));
        order.insert(0, 0);
        order.extend((1..s.folders.len()).filter(|&i| s.folders[i].name.starts_with("[Gmail]")));
        for pattern in patterns {
            let full = format!("{reference}{pattern}");
            if full.is_empty() {
                push_line(out, "* LIST (\\Noselect) \"/\" \"\"");
                continue;
            }
            for &i in &order {
                let f = &s.folders[i];
                let matches = if f.role == Role::Inbox {
                    wire::wildcard_match(full.to_ascii_uppercase().as_bytes(), b"INBOX")
                } else {
                    wire::wildcard_match(full.as_bytes(), f.name.as_bytes())
                };
                if !matches {
                    continue;
                }
                let prefix = format!("{}/", f.name);
                let children = s.folders.iter().any(|g| g.name.starts_with(&prefix));
                let mut attrs = vec![if children { "\\HasChildren" } else { "\\HasNoChildren" }];
                if f.role == Role::Container {
                    attrs.push("\\Noselect");
                }
                attrs.extend(f.special_use);
                push_line(out, &format!("* LIST ({}) \"/\" {}", attrs.join(" "), wire::quote(&f.name)));
            }
        }
        Done::Ok("Success".into())
    }

    /// The selectable folder of a name, or the NO Gmail answers.
    fn find_folder(s: &State, name: &Tok) -> Result<usize, Done> {
        let name = name.astring().ok_or_else(|| Done::Bad("Invalid mailbox name".into()))?;
        match s.folder_index(name) {
            Some(i) if s.folders[i].role != Role::Container => Ok(i),
            _ => Err(Done::No(format!("[NONEXISTENT] Unknown Mailbox: {name} (Failure)"))),
        }
    }

    fn status(&self, name: &Tok, items: &[Tok], out: &mut Vec<u8>) -> Done {
        let s = self.shared.lock();
        let i = match Self::find_folder(&s, name) {
            Ok(i) => i,
            Err(done) => return done,
        };
        let f = &s.folders[i];
        let mut answer = Vec::new();
        for item in items {
            let value = match item.atom_upper().as_deref() {
                Some("MESSAGES") => f.entries.len(),
                Some("RECENT") => 0,
                Some("UIDNEXT") => f.uidnext as usize,
                Some("UIDVALIDITY") => f.uidvalidity as usize,
                Some("UNSEEN") => f.entries.iter().filter(|e| s.messages.get(&e.1).is_some_and(|m| !m.flags.contains("\\Seen"))).count(),
                // No CONDSTORE: nothing to report, and no reason to fail the whole STATUS.
                Some("HIGHESTMODSEQ") => continue,
                _ => return Done::Bad("Unknown STATUS attribute".into()),
            };
            answer.push(format!("{} {value}", item.atom_upper().unwrap_or_default()));
        }
        push_line(out, &format!("* STATUS {} ({})", wire::quote(&f.name), answer.join(" ")));
        Done::Ok("Success".into())
    }

    fn select(&mut self, name: &Tok, read_only: bool, out: &mut Vec<u8>) -> Done {
        // A SELECT that fails leaves no mailbox selected (RFC 3501 §6.3.1).
        self.selected = None;
        let s = self.shared.lock();
        let i = match Self::find_folder(&s, name) {
            Ok(i) => i,
            Err(done) => return done,
        };
        let f = &s.folders[i];
        let entries: Vec<(u32, u64, u64)> =
            f.entries.iter().map(|&(uid, id)| (uid, id, s.messages.get(&id).map_or(0, |m| m.version))).collect();
        push_line(out, &format!("* FLAGS ({FLAGS})"));
        let permanent = if read_only { String::new() } else { format!("{FLAGS} \\*") };
        push_line(out, &format!("* OK [PERMANENTFLAGS ({permanent})] Flags permitted."));
        push_line(out, &format!("* OK [UIDVALIDITY {}] UIDs valid.", f.uidvalidity));
        push_line(out, &format!("* {} EXISTS", entries.len()));
        push_line(out, "* 0 RECENT");
        push_line(out, &format!("* OK [UIDNEXT {}] Predicted next UID.", f.uidnext));
        let done = format!("[{}] {} selected. (Success)", if read_only { "READ-ONLY" } else { "READ-WRITE" }, f.name);
        drop(s);
        self.selected = Some(View { folder: i, read_only, entries });
        Done::Ok(done)
    }

    /// Tells what changed in the open folder since the last report: expunged copies, flag
    /// changes, new mail (EXISTS), in that order.
    fn refresh(&mut self, out: &mut Vec<u8>) {
        let Some(view) = self.selected.as_mut() else { return };
        let s = self.shared.lock();
        let folder = &s.folders[view.folder];
        let mut seq = 0;
        view.entries.retain(|e| {
            seq += 1;
            let kept = folder.entries.iter().any(|f| f.0 == e.0);
            if !kept {
                push_line(out, &format!("* {seq} EXPUNGE"));
                seq -= 1;
            }
            kept
        });
        for (n, e) in view.entries.iter_mut().enumerate() {
            if let Some(m) = s.messages.get(&e.1).filter(|m| m.version != e.2) {
                e.2 = m.version;
                push_line(out, &format!("* {} FETCH (UID {} FLAGS ({}))", n + 1, e.0, flag_list(&m.flags)));
            }
        }
        let last = view.entries.last().map_or(0, |e| e.0);
        let before = view.entries.len();
        for &(uid, id) in folder.entries.iter().filter(|f| f.0 > last) {
            view.entries.push((uid, id, s.messages.get(&id).map_or(0, |m| m.version)));
        }
        if view.entries.len() != before {
            push_line(out, &format!("* {} EXISTS", view.entries.len()));
        }
    }

    /// (sequence number, UID, X-GM-MSGID) of the open folder's messages in `set`.
    fn targets(&self, uid: bool, set: &Tok) -> Result<Vec<(usize, u32, u64)>, Done> {
        let set = match set {
            Tok::Atom(a) => SeqSet::parse(a),
            _ => None,
        }
        .ok_or_else(|| Done::Bad("Invalid sequence set".into()))?;
        let view = self.selected.as_ref().ok_or_else(|| Done::Bad("No mailbox selected".into()))?;
        let largest = if uid { view.entries.last().map_or(0, |e| e.0) } else { view.entries.len() as u32 };
        Ok(view
            .entries
            .iter()
            .enumerate()
            .filter(|(n, e)| set.contains(if uid { e.0 } else { *n as u32 + 1 }, largest))
            .map(|(n, e)| (n + 1, e.0, e.1))
            .collect())
    }

    fn fetch(&mut self, uid: bool, set: &Tok, items: &Tok, line: &str, out: &mut Vec<u8>) -> Done {
        let targets = match self.targets(uid, set) {
            Ok(t) => t,
            Err(done) => return done,
        };
        let mut items = match parse_fetch_items(items, self.mode) {
            Ok(items) => items,
            Err(why) => return Done::Bad(why),
        };
        if uid && !items.contains(&Item::Uid) {
            items.insert(0, Item::Uid);
        }
        let read_only = self.selected.as_ref().is_none_or(|v| v.read_only);
        let sets_seen = !read_only && items.iter().any(|i| matches!(i, Item::Body { peek: false, .. }));
        let mut changed = false;
        {
            let mut s = self.shared.lock();
            for (seq, uid, id) in targets {
                // Reading a body in a folder opened read-write marks the message \Seen.
                if sets_seen && s.change_flags(id, &["\\Seen".into()], &[]) {
                    changed = true;
                    if !items.contains(&Item::Flags) {
                        items.push(Item::Flags);
                    }
                }
                let Some(m) = s.messages.get(&id) else { continue };
                if let Some(e) = self.selected.as_mut().and_then(|v| v.entries.iter_mut().find(|e| e.0 == uid)) {
                    e.2 = m.version;
                }
                out.extend_from_slice(format!("* {seq} FETCH (").as_bytes());
                for (n, item) in items.iter().enumerate() {
                    if n > 0 {
                        out.push(b' ');
                    }
                    item.answer(uid, id, &s, out);
                }
                out.extend_from_slice(b")\r\n");
            }
        }
        if changed {
            self.record_mutation(&format!("{line} (set \\Seen)"));
            self.shared.notify();
        }
        Done::Ok("Success".into())
    }

    fn search(&self, uid: bool, criteria: &[Tok], out: &mut Vec<u8>) -> Done {
        let criteria = match criteria {
            [Tok::Atom(c), Tok::Atom(charset) | Tok::Str(charset), rest @ ..] if c.eq_ignore_ascii_case("CHARSET") => {
                if !["UTF-8", "US-ASCII"].iter().any(|c| c.eq_ignore_ascii_case(charset)) {
                    return Done::No("[BADCHARSET (UTF-8 US-ASCII)] Unsupported charset".into());
                }
                rest
            }
            _ => criteria,
        };
        let key = match parse_search(criteria, self.mode) {
            Ok(k) => k,
            Err(why) => return Done::Bad(why),
        };
        let Some(view) = self.selected.as_ref() else { return Done::Bad("No mailbox selected".into()) };
        let s = self.shared.lock();
        let ctx = SearchContext { largest_uid: view.entries.last().map_or(0, |e| e.0), count: view.entries.len() as u32 };
        let mut found = Vec::new();
        for (n, e) in view.entries.iter().enumerate() {
            let Some(m) = s.messages.get(&e.1) else { continue };
            if key.matches(&ctx, n as u32 + 1, e.0, e.1, m) {
                found.push(if uid { e.0 } else { n as u32 + 1 }.to_string());
            }
        }
        let numbers = if found.is_empty() { String::new() } else { format!(" {}", found.join(" ")) };
        push_line(out, &format!("* SEARCH{numbers}"));
        Done::Ok("SEARCH completed (Success)".into())
    }

    fn store(&mut self, uid: bool, set: &Tok, item: &Tok, value: &Tok, out: &mut Vec<u8>) -> Done {
        let targets = match self.targets(uid, set) {
            Ok(t) => t,
            Err(done) => return done,
        };
        if self.selected.as_ref().is_none_or(|v| v.read_only) {
            return Done::No("STORE attempt on READ-ONLY folder. (Failure)".into());
        }
        let Some(item) = item.atom_upper() else { return Done::Bad("Invalid STORE item".into()) };
        let (op, silent) = match item.strip_suffix(".SILENT") {
            Some(op) => (op.to_string(), true),
            None => (item, false),
        };
        let flags: Option<Vec<String>> = match value {
            Tok::List(l) => l.iter().map(|t| t.atom_upper().map(|_| canonical_flag(t.astring().unwrap_or_default()))).collect(),
            Tok::Atom(a) => Some(vec![canonical_flag(a)]),
            Tok::Str(_) => None,
        };
        let Some(flags) = flags else { return Done::Bad("Invalid flag list".into()) };
        if !["FLAGS", "+FLAGS", "-FLAGS"].contains(&op.as_str()) {
            return Done::Bad("Unsupported STORE item".into());
        }
        {
            let mut s = self.shared.lock();
            for &(seq, uid, id) in &targets {
                let Some(current) = s.messages.get(&id).map(|m| m.flags.clone()) else { continue };
                let (add, remove): (Vec<String>, Vec<String>) = match op.as_str() {
                    "+FLAGS" => (flags.clone(), Vec::new()),
                    "-FLAGS" => (Vec::new(), flags.clone()),
                    _ => (flags.clone(), current.iter().filter(|f| !flags.contains(f)).cloned().collect()),
                };
                s.change_flags(id, &add, &remove);
                let Some(m) = s.messages.get(&id) else { continue };
                if let Some(e) = self.selected.as_mut().and_then(|v| v.entries.iter_mut().find(|e| e.0 == uid)) {
                    e.2 = m.version;
                }
                if !silent {
                    push_line(out, &format!("* {seq} FETCH (UID {uid} FLAGS ({}))", flag_list(&m.flags)));
                }
            }
        }
        self.shared.notify();
        Done::Ok("Success".into())
    }

    /// COPY labels the messages with the target folder (a copy with a new UID there, or the
    /// one they have); MOVE also takes the source folder's label off (except in All Mail,
    /// which keeps everything). Starred is the `\Flagged` flag either way.
    fn copy(&mut self, uid: bool, moving: bool, set: &Tok, name: &Tok, out: &mut Vec<u8>) -> Done {
        let targets = match self.targets(uid, set) {
            Ok(t) => t,
            Err(done) => return done,
        };
        let Some(view) = self.selected.as_ref() else { return Done::Bad("No mailbox selected".into()) };
        if moving && view.read_only {
            return Done::No("MOVE attempt on READ-ONLY folder. (Failure)".into());
        }
        let source = view.folder;
        let mut s = self.shared.lock();
        let dest = match Self::find_folder(&s, name) {
            Ok(i) => i,
            Err(Done::No(text)) => return Done::No(text.replace("[NONEXISTENT]", "[TRYCREATE]")),
            Err(done) => return done,
        };
        let (mut from, mut to) = (Vec::new(), Vec::new());
        for &(_, uid, id) in &targets {
            let new_uid = if s.folders[dest].role == Role::Starred {
                s.change_flags(id, &["\\Flagged".into()], &[]);
                s.folders[dest].entries.iter().find(|e| e.1 == id).map(|e| e.0)
            } else {
                Some(s.insert_copy(dest, id))
            };
            if let Some(new_uid) = new_uid {
                from.push(uid.to_string());
                to.push(new_uid.to_string());
            }
            if moving && source != dest {
                match s.folders[source].role {
                    Role::All => {}
                    Role::Starred => {
                        s.change_flags(id, &[], &["\\Flagged".into()]);
                    }
                    _ => {
                        s.remove_copy(source, id);
                    }
                }
            }
        }
        let code = format!("[COPYUID {} {} {}]", s.folders[dest].uidvalidity, from.join(","), to.join(","));
        drop(s);
        self.shared.notify();
        if from.is_empty() {
            return Done::Ok("(Success)".into());
        }
        if moving {
            push_line(out, &format!("* OK {code}"));
            self.refresh(out);
            Done::Ok("(Success)".into())
        } else {
            Done::Ok(format!("{code} (Success)"))
        }
    }

    fn expunge_command(&mut self, only: Option<SeqSet>, out: &mut Vec<u8>) -> Done {
        if self.selected.as_ref().is_none_or(|v| v.read_only) {
            return Done::No("EXPUNGE attempt on READ-ONLY folder. (Failure)".into());
        }
        self.expunge(only);
        self.refresh(out);
        Done::Ok("Success".into())
    }

    /// Removes the open folder's `\Deleted` messages (limited to UIDs in `only`): the label
    /// comes off, and in All Mail the message goes for good. Returns whether any went.
    fn expunge(&mut self, only: Option<SeqSet>) -> bool {
        let Some(view) = self.selected.as_ref() else { return false };
        let folder = view.folder;
        let mut s = self.shared.lock();
        let largest = s.folders[folder].entries.last().map_or(0, |e| e.0);
        let doomed: Vec<u64> = s.folders[folder]
            .entries
            .iter()
            .filter(|e| only.as_ref().is_none_or(|set| set.contains(e.0, largest)))
            .filter(|e| s.messages.get(&e.1).is_some_and(|m| m.flags.contains("\\Deleted")))
            .map(|e| e.1)
            .collect();
        for &id in &doomed {
            match s.folders[folder].role {
                Role::All => {
                    s.delete_message(id);
                }
                Role::Starred => {
                    s.change_flags(id, &[], &["\\Flagged".into()]);
                }
                _ => {
                    s.remove_copy(folder, id);
                }
            }
        }
        drop(s);
        self.shared.notify();
        !doomed.is_empty()
    }

    /// IDLE until DONE, reporting changes of the open folder as they happen.
    async fn idle<R, W>(&mut self, tag: &str, r: &mut R, w: &mut W) -> io::Result<Flow>
    where
        R: AsyncBufRead + Unpin,
        W: AsyncWrite + Unpin,
    {
        // Mark the current state seen before reporting it: a change after this wakes us.
        self.changes.borrow_and_update();
        let mut out = b"+ idling\r\n".to_vec();
        self.refresh(&mut out);
        send(w, &out).await?;
        self.shared.lock().idling += 1;
        let _idling = CountGuard { shared: Arc::clone(&self.shared), idle: true };
        let mut buf = Vec::new();
        let mut listening = true;
        loop {
            tokio::select! {
                line = wire::read_line(r, &mut buf) => {
                    let Ok(line) = line else { return Err(io::ErrorKind::ConnectionAborted.into()) };
                    let line = String::from_utf8_lossy(&line).into_owned();
                    self.log(&line);
                    let done = if command_name(&line) == "DONE" && line.len() == 4 {
                        format!("{tag} OK IDLE terminated (Success)\r\n")
                    } else {
                        format!("{tag} BAD Could not parse command\r\n")
                    };
                    send(w, done.as_bytes()).await?;
                    return Ok(Flow::Continue);
                }
                changed = self.changes.changed(), if listening => {
                    if changed.is_err() {
                        listening = false;
                        continue;
                    }
                    self.changes.borrow_and_update();
                    let mut out = Vec::new();
                    self.refresh(&mut out);
                    if !out.is_empty() {
                        send(w, &out).await?;
                    }
                }
            }
        }
    }
}

fn flag_list(flags: &std::collections::BTreeSet<String>) -> String {
    flags.iter().filter(|f| *f != "\\Recent").cloned().collect::<Vec<_>>().join(" ")
}

/// A part of a message a FETCH may ask for.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Section {
    Full,
    Header,
    Text,
    /// HEADER.FIELDS (upper-case names), or HEADER.FIELDS.NOT when the flag is set.
    Fields(Vec<String>, bool),
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Item {
    Uid,
    Flags,
    InternalDate,
    Size,
    GmMsgId,
    GmThrId,
    GmLabels,
    EmailId,
    ThreadId,
    /// `label` is the name the answer carries (`BODY[HEADER.FIELDS (SUBJECT)]`, `RFC822`).
    Body {
        peek: bool,
        label: String,
        section: Section,
        partial: Option<(usize, usize)>,
    },
}

fn parse_fetch_items(items: &Tok, mode: StandinMode) -> Result<Vec<Item>, String> {
    let atoms: Vec<&str> = match items {
        Tok::Atom(a) if a.eq_ignore_ascii_case("FAST") => vec!["FLAGS", "INTERNALDATE", "RFC822.SIZE"],
        Tok::Atom(a) => vec![a.as_str()],
        Tok::List(l) => l
            .iter()
            .map(|t| if let Tok::Atom(a) = t { Ok(a.as_str()) } else { Err("Invalid FETCH item".to_string()) })
            .collect::<Result<_, _>>()?,
        Tok::Str(_) => return Err("Invalid FETCH item".into()),
    };
    atoms.into_iter().map(|a| parse_fetch_item(a, mode)).collect()
}

fn parse_fetch_item(atom: &str, mode: StandinMode) -> Result<Item, String> {
    let upper = atom.to_ascii_uppercase();
    let gmail = mode == StandinMode::Gmail;
    let objectid = mode == StandinMode::ObjectId;
    let body = |peek: bool, label: &str, section: Section| Item::Body { peek, label: label.into(), section, partial: None };
    Ok(match upper.as_str() {
        "UID" => Item::Uid,
        "FLAGS" => Item::Flags,
        "INTERNALDATE" => Item::InternalDate,
        "RFC822.SIZE" => Item::Size,
        "X-GM-MSGID" if gmail => Item::GmMsgId,
        "X-GM-THRID" if gmail => Item::GmThrId,
        "X-GM-LABELS" if gmail => Item::GmLabels,
        "EMAILID" if objectid => Item::EmailId,
        "THREADID" if objectid => Item::ThreadId,
        "RFC822" => body(false, "RFC822", Section::Full),
        "RFC822.HEADER" => body(true, "RFC822.HEADER", Section::Header),
        "RFC822.TEXT" => body(false, "RFC822.TEXT", Section::Text),
        _ => {
            let (peek, after) = if let Some(rest) = upper.strip_prefix("BODY.PEEK[") {
                (true, rest)
            } else if let Some(rest) = upper.strip_prefix("BODY[") {
                (false, rest)
            } else {
                return Err(format!("Unknown FETCH item {atom}"));
            };
            let close = after.find(']').ok_or("Invalid section")?;
            let spec = &after[..close];
            let section = match spec {
                "" => Section::Full,
                "HEADER" => Section::Header,
                "TEXT" => Section::Text,
                _ => {
                    let (not, names) = if let Some(n) = spec.strip_prefix("HEADER.FIELDS.NOT ") {
                        (true, n)
                    } else if let Some(n) = spec.strip_prefix("HEADER.FIELDS ") {
                        (false, n)
                    } else {
                        return Err(format!("Unsupported section [{spec}]"));
                    };
                    match wire::tokenize(names)?.as_slice() {
                        [Tok::List(l)] if !l.is_empty() => {
                            let names = l.iter().map(|t| t.astring().map(str::to_ascii_uppercase)).collect::<Option<Vec<_>>>();
                            Section::Fields(names.ok_or("Invalid header field list")?, not)
                        }
                        _ => return Err("Invalid header field list".into()),
                    }
                }
            };
            let partial = match &after[close + 1..] {
                "" => None,
                p => {
                    let inner = p.strip_prefix('<').and_then(|p| p.strip_suffix('>')).ok_or("Invalid partial")?;
                    let (o, n) = inner.split_once('.').ok_or("Invalid partial")?;
                    Some((o.parse().map_err(|_| "Invalid partial")?, n.parse().map_err(|_| "Invalid partial")?))
                }
            };
            // The answer names the section as the client spelled it, without the partial's
            // length: BODY[HEADER.FIELDS (SUBJECT)]<0>.
            let original = &atom[atom.find('[').unwrap_or(0)..];
            let label = format!("BODY{}", &original[..original.find(']').map_or(original.len(), |c| c + 1)]);
            Item::Body { peek, label, section, partial }
        }
    })
}

impl Item {
    fn answer(&self, uid: u32, id: u64, s: &State, out: &mut Vec<u8>) {
        let Some(m) = s.messages.get(&id) else { return };
        let text = match self {
            Item::Uid => format!("UID {uid}"),
            Item::Flags => format!("FLAGS ({})", flag_list(&m.flags)),
            Item::InternalDate => format!("INTERNALDATE \"{}\"", m.internal_date.format("%d-%b-%Y %H:%M:%S %z")),
            Item::Size => format!("RFC822.SIZE {}", m.raw.len()),
            Item::GmMsgId => format!("X-GM-MSGID {id}"),
            // Every message is its own thread here.
            Item::GmThrId => format!("X-GM-THRID {id}"),
            Item::GmLabels => format!("X-GM-LABELS ({})", s.gm_labels(id).join(" ")),
            Item::EmailId => format!("EMAILID ({})", m.emailid),
            Item::ThreadId => format!("THREADID (T{id:016x})"),
            Item::Body { label, section, partial, .. } => {
                let data = section_bytes(&m.raw, section);
                let (data, origin) = match partial {
                    Some((o, n)) => (&data[(*o).min(data.len())..o.saturating_add(*n).min(data.len())], format!("<{o}>")),
                    None => (&data[..], String::new()),
                };
                out.extend_from_slice(format!("{label}{origin} {{{}}}\r\n", data.len()).as_bytes());
                out.extend_from_slice(data);
                return;
            }
        };
        out.extend_from_slice(text.as_bytes());
    }
}

/// Where the header ends (after its blank line) in a raw message.
fn header_end(raw: &[u8]) -> usize {
    for (i, w) in raw.windows(2).enumerate() {
        if w == b"\n\n" {
            return i + 2;
        }
        if w == b"\n\r" && raw.get(i + 2) == Some(&b'\n') {
            return i + 3;
        }
    }
    raw.len()
}

/// The header's fields, each with its continuation lines: (upper-case name, raw bytes).
fn header_fields(raw: &[u8]) -> Vec<(String, &[u8])> {
    let header = &raw[..header_end(raw)];
    let mut fields: Vec<(String, &[u8])> = Vec::new();
    let mut start = 0;
    let mut i = 0;
    while i < header.len() {
        let end = header[i..].iter().position(|&b| b == b'\n').map_or(header.len(), |p| i + p + 1);
        let line = &header[i..end];
        let continuation = line.first().is_some_and(|b| *b == b' ' || *b == b'\t');
        if !continuation {
            if i > start {
                push_field(&mut fields, &header[start..i]);
            }
            start = i;
        }
        i = end;
    }
    if i > start {
        push_field(&mut fields, &header[start..i]);
    }
    fields
}

fn push_field<'a>(fields: &mut Vec<(String, &'a [u8])>, field: &'a [u8]) {
    if let Some(colon) = field.iter().position(|&b| b == b':') {
        let name = String::from_utf8_lossy(&field[..colon]).trim().to_ascii_uppercase();
        fields.push((name, field));
    }
}

fn section_bytes(raw: &[u8], section: &Section) -> Vec<u8> {
    let end = header_end(raw);
    match section {
        Section::Full => raw.to_vec(),
        Section::Header => raw[..end].to_vec(),
        Section::Text => raw[end..].to_vec(),
        Section::Fields(names, not) => {
            let mut out: Vec<u8> = Vec::new();
            for (name, bytes) in header_fields(raw) {
                if names.contains(&name) != *not {
                    out.extend_from_slice(bytes);
                    if !bytes.ends_with(b"\n") {
                        out.extend_from_slice(b"\r\n");
                    }
                }
            }
            out.extend_from_slice(b"\r\n");
            out
        }
    }
}

struct SearchContext {
    largest_uid: u32,
    count: u32,
}

#[derive(Debug)]
enum Key {
    All,
    Flag(&'static str, bool),
    Since(chrono::NaiveDate),
    Before(chrono::NaiveDate),
    On(chrono::NaiveDate),
    Uid(SeqSet),
    Seq(SeqSet),
    Not(Box<Key>),
    Or(Box<Key>, Box<Key>),
    And(Vec<Key>),
    Larger(usize),
    Smaller(usize),
    Header(String, String),
    MsgId(u64),
    EmailId(String),
}

fn parse_search(tokens: &[Tok], mode: StandinMode) -> Result<Key, String> {
    let mut i = 0;
    let mut keys = Vec::new();
    while i < tokens.len() {
        keys.push(parse_key(tokens, &mut i, mode, 0)?);
    }
    Ok(Key::And(keys))
}

fn parse_key(tokens: &[Tok], i: &mut usize, mode: StandinMode, depth: usize) -> Result<Key, String> {
    if depth > 16 {
        return Err("Search criteria nested too deep".into());
    }
    let tok = tokens.get(*i).ok_or("Missing search key")?;
    *i += 1;
    let arg = |i: &mut usize| -> Result<String, String> {
        let a = tokens.get(*i).and_then(Tok::astring).ok_or("Missing search argument")?;
        *i += 1;
        Ok(a.to_string())
    };
    let word = match tok {
        Tok::List(l) => {
            let mut j = 0;
            let mut keys = Vec::new();
            while j < l.len() {
                keys.push(parse_key(l, &mut j, mode, depth + 1)?);
            }
            return Ok(Key::And(keys));
        }
        Tok::Str(_) => return Err("Unexpected string in search".into()),
        Tok::Atom(a) => a.to_ascii_uppercase(),
    };
    let date = |s: String| wire::parse_date(&s).ok_or_else(|| format!("Invalid date {s}"));
    Ok(match word.as_str() {
        "ALL" | "OLD" => Key::All,
        "NEW" | "RECENT" => Key::Not(Box::new(Key::All)),
        "SEEN" => Key::Flag("\\Seen", true),
        "UNSEEN" => Key::Flag("\\Seen", false),
        "FLAGGED" => Key::Flag("\\Flagged", true),
        "UNFLAGGED" => Key::Flag("\\Flagged", false),
        "DELETED" => Key::Flag("\\Deleted", true),
        "UNDELETED" => Key::Flag("\\Deleted", false),
        "ANSWERED" => Key::Flag("\\Answered", true),
        "UNANSWERED" => Key::Flag("\\Answered", false),
        "DRAFT" => Key::Flag("\\Draft", true),
        "UNDRAFT" => Key::Flag("\\Draft", false),
        "SINCE" => Key::Since(date(arg(i)?)?),
        "BEFORE" => Key::Before(date(arg(i)?)?),
        "ON" => Key::On(date(arg(i)?)?),
        "UID" => Key::Uid(SeqSet::parse(&arg(i)?).ok_or("Invalid UID set")?),
        "LARGER" => Key::Larger(arg(i)?.parse().map_err(|_| "Invalid number")?),
        "SMALLER" => Key::Smaller(arg(i)?.parse().map_err(|_| "Invalid number")?),
        "SUBJECT" | "FROM" | "TO" | "CC" => Key::Header(word.clone(), arg(i)?),
        "HEADER" => {
            let name = arg(i)?.to_ascii_uppercase();
            Key::Header(name, arg(i)?)
        }
        "NOT" => Key::Not(Box::new(parse_key(tokens, i, mode, depth + 1)?)),
        "OR" => {
            let a = parse_key(tokens, i, mode, depth + 1)?;
            Key::Or(Box::new(a), Box::new(parse_key(tokens, i, mode, depth + 1)?))
        }
        "X-GM-MSGID" if mode == StandinMode::Gmail => Key::MsgId(arg(i)?.parse().map_err(|_| "Invalid X-GM-MSGID")?),
        "EMAILID" if mode == StandinMode::ObjectId => Key::EmailId(arg(i)?),
        _ => match SeqSet::parse(&word) {
            Some(set) => Key::Seq(set),
            None => return Err(format!("Unknown search key {word}")),
        },
    })
}

impl Key {
    fn matches(&self, ctx: &SearchContext, seq: u32, uid: u32, id: u64, m: &super::Message) -> bool {
        let day = m.internal_date.date_naive();
        match self {
            Key::All => true,
            Key::Flag(f, set) => m.flags.contains(*f) == *set,
            Key::Since(d) => day >= *d,
            Key::Before(d) => day < *d,
            Key::On(d) => day == *d,
            Key::Uid(set) => set.contains(uid, ctx.largest_uid),
            Key::Seq(set) => set.contains(seq, ctx.count),
            Key::Not(k) => !k.matches(ctx, seq, uid, id, m),
            Key::Or(a, b) => a.matches(ctx, seq, uid, id, m) || b.matches(ctx, seq, uid, id, m),
            Key::And(keys) => keys.iter().all(|k| k.matches(ctx, seq, uid, id, m)),
            Key::Larger(n) => m.raw.len() > *n,
            Key::Smaller(n) => m.raw.len() < *n,
            Key::Header(name, value) => {
                let value = value.to_ascii_lowercase();
                header_fields(&m.raw).iter().any(|(n, bytes)| {
                    n == name && {
                        let text = String::from_utf8_lossy(bytes).to_ascii_lowercase();
                        text.split_once(':').is_some_and(|(_, v)| v.contains(&value))
                    }
                })
            }
            Key::MsgId(want) => id == *want,
            Key::EmailId(want) => m.emailid == *want,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_sections_keep_only_the_asked_fields_and_a_blank_line() {
        let raw = b"Subject: hi\r\n there\r\nFrom: a@b\r\nX-Other: 1\r\n\r\nbody\r\n";
        let subject = section_bytes(raw, &Section::Fields(vec!["SUBJECT".into()], false));
        assert_eq!(subject, b"Subject: hi\r\n there\r\n\r\n");
        let not = section_bytes(raw, &Section::Fields(vec!["SUBJECT".into()], true));
        assert_eq!(not, b"From: a@b\r\nX-Other: 1\r\n\r\n");
        assert_eq!(section_bytes(raw, &Section::Fields(vec!["NONE".into()], false)), b"\r\n");
        assert_eq!(section_bytes(raw, &Section::Text), b"body\r\n");
        assert_eq!(section_bytes(raw, &Section::Header).len(), raw.len() - 6);
    }

    #[test]
    fn fetch_items_parse_with_partials_and_mode() {
        let item = parse_fetch_item("BODY.PEEK[HEADER.FIELDS (Subject)]<0.8192>", StandinMode::Gmail).unwrap();
        assert_eq!(
            item,
            Item::Body {
                peek: true,
                label: "BODY[HEADER.FIELDS (Subject)]".into(),
                section: Section::Fields(vec!["SUBJECT".into()], false),
                partial: Some((0, 8192))
            }
        );
        assert_eq!(parse_fetch_item("X-GM-MSGID", StandinMode::Gmail), Ok(Item::GmMsgId));
        assert!(parse_fetch_item("X-GM-MSGID", StandinMode::ObjectId).is_err());
        assert!(parse_fetch_item("EMAILID", StandinMode::Gmail).is_err());
        assert_eq!(parse_fetch_item("emailid", StandinMode::ObjectId), Ok(Item::EmailId));
        for bad in ["BODY[1]", "BODY[TEXT]<0>", "BODY[TEXT]<a.1>", "BODY[HEADER.FIELDS ()]", "ENVELOPE"] {
            assert!(parse_fetch_item(bad, StandinMode::Gmail).is_err(), "{bad}");
        }
    }

    #[test]
    fn tags_are_checked() {
        assert_eq!(split_tag("a1 NOOP"), Some(("a1", "NOOP")));
        assert_eq!(split_tag("* NOOP"), None);
        assert_eq!(split_tag(""), None);
        assert_eq!(split_tag("a1"), Some(("a1", "")));
    }
}
