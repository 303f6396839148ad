//! Mail helpers: folders, messages and flags of a test account, through `doveadm`, plus a fast
//! bulk loader that writes Maildir files directly.
//!
//! `doveadm` goes through Dovecot's own storage code, so indexes stay consistent and IDLE
//! sessions get notified like on a real delivery. Folder names are plain UTF-8 here; Dovecot
//! does the modified UTF-7 on-disk encoding itself. Every helper needs the server running
//! (doveadm looks users up through its auth socket).

use std::collections::BTreeMap;
use std::fs;
use std::io::Write;
use std::path::PathBuf;
use std::process::Command;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::{bail, Context};

use super::Dovecot;
use crate::process::run_ok;

/// Generous: a force-resync of a very large folder on a loaded CI machine takes a while.
const DOVEADM_TIMEOUT: Duration = Duration::from_secs(120);

/// Sequence for unique Maildir file names across fills within this process.
static FILL_SEQ: AtomicU64 = AtomicU64::new(0);

/// A folder's counters as the server sees them (like IMAP STATUS).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FolderStatus {
    pub messages: u32,
    pub uidnext: u32,
    pub uidvalidity: u32,
    pub unseen: u32,
}

impl Dovecot {
    /// Creates a folder (parents too, e.g. `"Projekte/Übersicht"`), subscribed.
    pub fn create_folder(&self, user: &str, name: &str) -> anyhow::Result<()> {
        self.doveadm_ok(&["mailbox", "create", "-s", "-u", user, name], None)?;
        Ok(())
    }

    /// Creates many folders, subscribed, a few hundred per doveadm call: one call each would
    /// take minutes for thousands (the bench's S10).
    pub fn create_folders(&self, user: &str, names: &[String]) -> anyhow::Result<()> {
        for chunk in names.chunks(250) {
            let mut args = vec!["mailbox", "create", "-s", "-u", user];
            args.extend(chunk.iter().map(String::as_str));
            self.doveadm_ok(&args, None)?;
        }
        Ok(())
    }

    /// Deletes a folder and the messages in it.
    pub fn delete_folder(&self, user: &str, name: &str) -> anyhow::Result<()> {
        self.doveadm_ok(&["mailbox", "delete", "-u", user, name], None)?;
        Ok(())
    }

    pub fn rename_folder(&self, user: &str, from: &str, to: &str) -> anyhow::Result<()> {
        self.doveadm_ok(&["mailbox", "rename", "-u", user, from, to], None)?;
        Ok(())
    }

    /// All folder names of `user`, decoded UTF-8, in Dovecot's order.
    pub fn list_folders(&self, user: &str) -> anyhow::Result<Vec<String>> {
        let out = self.doveadm_ok(&["mailbox", "list", "-u", user], None)?;
        Ok(out.lines().map(str::to_string).filter(|l| !l.is_empty()).collect())
    }

    /// Delivers one message the way an MDA would and returns its UID. `flags` are IMAP system
    /// flags or keywords, e.g. `&["\\Seen"]`.
    ///
    /// The UID is read back as UIDNEXT-1, which is right as long as nothing else appends to the
    /// folder at the same moment (the client under test only reads).
    pub fn append(&self, user: &str, folder: &str, raw: &[u8], flags: &[&str]) -> anyhow::Result<u32> {
        self.doveadm_ok(&["save", "-u", user, "-m", folder], Some(raw))?;
        let uid = self.status(user, folder)?.uidnext.checked_sub(1).context("UIDNEXT is 0 right after a save")?;
        if !flags.is_empty() {
            self.add_flags(user, folder, uid, flags)?;
        }
        Ok(uid)
    }

    /// Adds flags to one message, e.g. to mark it `\Seen` behind the client's back.
    pub fn add_flags(&self, user: &str, folder: &str, uid: u32, flags: &[&str]) -> anyhow::Result<()> {
        let flags = flags.join(" ");
        let uid = uid.to_string();
        self.doveadm_ok(&["flags", "add", "-u", user, &flags, "mailbox", folder, "uid", &uid], None)?;
        Ok(())
    }

    /// Adds flags to every message of a folder in one call (another client reading them all).
    pub fn add_flags_all(&self, user: &str, folder: &str, flags: &[&str]) -> anyhow::Result<()> {
        let flags = flags.join(" ");
        self.doveadm_ok(&["flags", "add", "-u", user, &flags, "mailbox", folder, "all"], None)?;
        Ok(())
    }

    /// Removes flags from one message, e.g. to mark it unread again behind the client's back.
    pub fn remove_flags(&self, user: &str, folder: &str, uid: u32, flags: &[&str]) -> anyhow::Result<()> {
        let flags = flags.join(" ");
        let uid = uid.to_string();
        self.doveadm_ok(&["flags", "remove", "-u", user, &flags, "mailbox", folder, "uid", &uid], None)?;
        Ok(())
    }

    /// Bulk-loads `count` messages (`generator(i)` makes message `i`) into an existing folder,
    /// unseen, with UIDs in generator order. Fast: 10k messages in about a second.
    ///
    /// Writes Maildir files directly into the folder's `cur/` and has Dovecot index them with
    /// `doveadm force-resync`, because IMAP APPEND or `doveadm save` manage only a few hundred
    /// messages per second. INTERNALDATE is the time of the call.
    pub fn fill_folder(&self, user: &str, folder: &str, count: usize, mut generator: impl FnMut(usize) -> Vec<u8>) -> anyhow::Result<()> {
        // Fails clearly for a folder that does not exist, and makes Dovecot create its dirs.
        self.status(user, folder).with_context(|| format!("fill_folder: folder {folder:?} of {user}"))?;
        let dir = self.folder_path(user, folder)?;
        for sub in ["cur", "new", "tmp"] {
            let sub = dir.join(sub);
            if !sub.is_dir() {
                fs::create_dir_all(&sub).with_context(|| format!("creating {}", sub.display()))?;
                super::system::chown_tree(&sub, &self.identity)?;
            }
        }

        let seq = FILL_SEQ.fetch_add(1, Ordering::Relaxed);
        let pid = std::process::id();
        let base_secs = SystemTime::now().duration_since(UNIX_EPOCH).context("clock before 1970")?.as_secs();
        for i in 0..count {
            let body = generator(i);
            // Dovecot orders new files by the time in their name (seconds, then the M field in
            // microseconds), so encoding `i` there makes UIDs follow generator order.
            let secs = base_secs + (i / 1_000_000) as u64;
            let micros = i % 1_000_000;
            let name = format!("{secs}.M{micros}P{pid}Q{seq}_{i}.mailbell,S={}:2,", body.len());
            // Written in tmp/ and renamed into cur/, as an MDA does: a server process that looks
            // at the folder meanwhile (an IDLE session, a running sync) never sees half a file.
            let tmp = dir.join("tmp").join(&name);
            let path = dir.join("cur").join(name);
            write_mail_file(&tmp, &body)?;
            if self.identity.unprivileged_user.is_none() {
                std::os::unix::fs::chown(&tmp, Some(self.identity.uid), Some(self.identity.gid))
                    .with_context(|| format!("chown {}", tmp.display()))?;
            }
            fs::rename(&tmp, &path).with_context(|| format!("moving {} into cur/", tmp.display()))?;
        }
        self.doveadm_ok(&["force-resync", "-u", user, folder], None)?;
        Ok(())
    }

    /// Forces a new UIDVALIDITY, as a server does after rebuilding a folder.
    pub fn set_uidvalidity(&self, user: &str, folder: &str, uidvalidity: u32) -> anyhow::Result<()> {
        let value = uidvalidity.to_string();
        self.doveadm_ok(&["mailbox", "update", "-u", user, "--uid-validity", &value, folder], None)?;
        Ok(())
    }

    pub fn status(&self, user: &str, folder: &str) -> anyhow::Result<FolderStatus> {
        let out = self.doveadm_ok(&["-f", "tab", "mailbox", "status", "-u", user, "messages uidnext uidvalidity unseen", folder], None)?;
        let rows = parse_tab(&out);
        let [row] = rows.as_slice() else {
            bail!("expected one status row for {folder:?}, doveadm printed:\n{out}");
        };
        let field = |name: &str| -> anyhow::Result<u32> {
            row.get(name)
                .with_context(|| format!("doveadm status has no {name} column:\n{out}"))?
                .parse()
                .with_context(|| format!("doveadm status: bad {name} in:\n{out}"))
        };
        Ok(FolderStatus {
            messages: field("messages")?,
            uidnext: field("uidnext")?,
            uidvalidity: field("uidvalidity")?,
            unseen: field("unseen")?,
        })
    }

    /// Every message's UID and flags, in UID order, flags sorted. `\Recent` is left out: it only
    /// describes doveadm's own session.
    pub fn flags_of(&self, user: &str, folder: &str) -> anyhow::Result<Vec<(u32, Vec<String>)>> {
        let out = self.doveadm_ok(&["-f", "tab", "fetch", "-u", user, "uid flags", "mailbox", folder, "all"], None)?;
        let mut result = Vec::new();
        for row in parse_tab(&out) {
            let uid: u32 = row
                .get("uid")
                .context("doveadm fetch printed no uid column")?
                .parse()
                .with_context(|| format!("doveadm fetch: bad uid in:\n{out}"))?;
            let mut flags: Vec<String> = row
                .get("flags")
                .map(|f| f.split_whitespace().filter(|f| *f != "\\Recent").map(str::to_string).collect())
                .unwrap_or_default();
            flags.sort();
            result.push((uid, flags));
        }
        result.sort_by_key(|(uid, _)| *uid);
        Ok(result)
    }

    /// Expunges the given UIDs (no-op for an empty list).
    pub fn expunge(&self, user: &str, folder: &str, uids: &[u32]) -> anyhow::Result<()> {
        if uids.is_empty() {
            return Ok(());
        }
        let set = uids.iter().map(u32::to_string).collect::<Vec<_>>().join(",");
        self.doveadm_ok(&["expunge", "-u", user, "mailbox", folder, "uid", &set], None)?;
        Ok(())
    }

    /// The folder's Maildir directory on disk (its name there is modified UTF-7).
    pub fn folder_path(&self, user: &str, folder: &str) -> anyhow::Result<PathBuf> {
        let out = self.doveadm_ok(&["mailbox", "path", "-u", user, folder], None)?;
        let path = out.trim();
        if path.is_empty() {
            bail!("doveadm mailbox path printed nothing for {folder:?}");
        }
        Ok(PathBuf::from(path))
    }

    /// Runs doveadm with this instance's config; returns stdout.
    fn doveadm_ok(&self, args: &[&str], stdin: Option<&[u8]>) -> anyhow::Result<String> {
        let mut cmd: Command = self.doveadm();
        cmd.args(args);
        Ok(run_ok(&mut cmd, stdin, DOVEADM_TIMEOUT)?.stdout_text())
    }
}

fn write_mail_file(path: &std::path::Path, body: &[u8]) -> anyhow::Result<()> {
    let mut file = fs::File::create(path).with_context(|| format!("creating {}", path.display()))?;
    file.write_all(body).with_context(|| format!("writing {}", path.display()))?;
    Ok(())
}

/// Parses doveadm's `-f tab` output: a header row, then one row per record.
fn parse_tab(out: &str) -> Vec<BTreeMap<String, String>> {
    let mut lines = out.lines();
    let Some(header) = lines.next() else {
        return Vec::new();
    };
    let names: Vec<&str> = header.split('\t').collect();
    lines
        .filter(|l| !l.is_empty())
        .map(|line| names.iter().map(|n| n.to_string()).zip(line.split('\t').map(str::to_string)).collect())
        .collect()
}
