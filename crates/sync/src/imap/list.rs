//! Which folders exist and what changed in them: LIST, with LIST-STATUS (RFC 5819) where the
//! server offers it so that one round trip answers for every folder, else pipelined STATUS.

use std::collections::BTreeMap;

use async_imap::imap_proto::{MailboxDatum, NameAttribute, Response, StatusAttribute};

use super::error::ImapError;
use super::quote::quoted;
use super::session::ImapSession;
use crate::model::ListedFolder;
use crate::mutf7;

/// The numbers that tell whether a folder changed since the last pass.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MailboxStatus {
    pub uidvalidity: Option<u32>,
    pub uidnext: Option<u32>,
    pub messages: Option<u32>,
    pub unseen: Option<u32>,
    pub highestmodseq: Option<u64>,
}

/// A folder as listed by the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerFolder {
    pub listed: ListedFolder,
    /// `\Noselect` and `\NonExistent` folders only hold the hierarchy together.
    pub selectable: bool,
    /// Present when LIST-STATUS answered for it.
    pub status: Option<MailboxStatus>,
}

fn status_items(modseq: bool) -> &'static str {
    if modseq {
        "UIDVALIDITY UIDNEXT MESSAGES UNSEEN HIGHESTMODSEQ"
    } else {
        "UIDVALIDITY UIDNEXT MESSAGES UNSEEN"
    }
}

/// The mailbox name as the server means it: imap-proto hands a quoted name over with its
/// escapes (`\"`, `\\`) still in; INBOX is case-insensitive (RFC 3501 §5.1).
pub(crate) fn canonical(raw: &str) -> String {
    if raw.eq_ignore_ascii_case("INBOX") {
        return "INBOX".to_string();
    }
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        match (c, chars.clone().next()) {
            ('\\', Some(n @ ('"' | '\\'))) => {
                out.push(n);
                chars.next();
            }
            _ => out.push(c),
        }
    }
    out
}

fn special_use(attrs: &[NameAttribute<'_>]) -> Option<String> {
    attrs.iter().find_map(|a| match a {
        NameAttribute::All => Some("\\All".to_string()),
        NameAttribute::Archive => Some("\\Archive".to_string()),
        NameAttribute::Drafts => Some("\\Drafts".to_string()),
        NameAttribute::Flagged => Some("\\Flagged".to_string()),
        NameAttribute::Junk => Some("\\Junk".to_string()),
        NameAttribute::Sent => Some("\\Sent".to_string()),
        NameAttribute::Trash => Some("\\Trash".to_string()),
        // Gmail's "Important" (not in RFC 6154): a virtual view that repeats INBOX mail.
        NameAttribute::Extension(e) if e.eq_ignore_ascii_case("\\Important") => Some("\\Important".to_string()),
        _ => None,
    })
}

fn selectable(attrs: &[NameAttribute<'_>]) -> bool {
    !attrs.iter().any(|a| match a {
        NameAttribute::NoSelect => true,
        NameAttribute::Extension(e) => e.eq_ignore_ascii_case("\\NonExistent"),
        _ => false,
    })
}

fn read_status(items: &[StatusAttribute]) -> MailboxStatus {
    let mut s = MailboxStatus::default();
    for item in items {
        match item {
            StatusAttribute::UidValidity(v) => s.uidvalidity = Some(*v),
            StatusAttribute::UidNext(v) => s.uidnext = Some(*v),
            StatusAttribute::Messages(v) => s.messages = Some(*v),
            StatusAttribute::Unseen(v) => s.unseen = Some(*v),
            StatusAttribute::HighestModSeq(v) => s.highestmodseq = Some(*v),
            _ => {}
        }
    }
    s
}

impl ImapSession {
    /// Lists every folder. Returns whether the status of each came with it (LIST-STATUS).
    /// With `modseq`, statuses include HIGHESTMODSEQ (CONDSTORE).
    pub async fn list_folders(&mut self, modseq: bool) -> Result<(Vec<ServerFolder>, bool), ImapError> {
        let list_status = self.has_capability("LIST-STATUS");
        let special = self.has_capability("SPECIAL-USE") && (list_status || self.has_capability("LIST-EXTENDED"));
        let mut returns = Vec::new();
        if special {
            returns.push("SPECIAL-USE".to_string());
        }
        if list_status {
            returns.push(format!("STATUS ({})", status_items(modseq)));
        }
        let command =
            if returns.is_empty() { "LIST \"\" \"*\"".to_string() } else { format!("LIST \"\" \"*\" RETURN ({})", returns.join(" ")) };
        let mut folders: Vec<ServerFolder> = Vec::new();
        let mut statuses: BTreeMap<String, MailboxStatus> = BTreeMap::new();
        self.run(&command, "LIST", |r| match r {
            Response::MailboxData(MailboxDatum::List(l)) => {
                let raw = canonical(&l.name);
                folders.push(ServerFolder {
                    listed: ListedFolder {
                        name: mutf7::decode(&raw),
                        raw_name: raw,
                        delimiter: l.delimiter.as_ref().map(|d| d.to_string()),
                        special_use: special_use(&l.name_attributes),
                    },
                    selectable: selectable(&l.name_attributes),
                    status: None,
                });
            }
            Response::MailboxData(MailboxDatum::Status { mailbox, status }) => {
                statuses.insert(canonical(mailbox), read_status(status));
            }
            _ => {}
        })
        .await?;
        if list_status {
            for f in &mut folders {
                f.status = statuses.remove(&f.listed.raw_name);
            }
        }
        Ok((folders, list_status))
    }

    /// STATUS of several folders in one pipelined round trip. A folder the server refuses
    /// gets its own error; the others are unaffected.
    pub async fn status_many(
        &mut self,
        raw_names: &[String],
        modseq: bool,
    ) -> Result<BTreeMap<String, Result<MailboxStatus, ImapError>>, ImapError> {
        let mut results = BTreeMap::new();
        let mut commands = Vec::new();
        let mut sent = Vec::new();
        for raw in raw_names {
            match quoted(raw) {
                Some(q) => {
                    commands.push(format!("STATUS {q} ({})", status_items(modseq)));
                    sent.push(raw.clone());
                }
                None => {
                    results.insert(raw.clone(), Err(ImapError::Protocol(format!("folder name {raw:?} cannot be sent to the server"))));
                }
            }
        }
        let mut statuses: BTreeMap<String, MailboxStatus> = BTreeMap::new();
        let outcomes = self
            .run_pipelined(&commands, "STATUS", |r| {
                if let Response::MailboxData(MailboxDatum::Status { mailbox, status }) = r {
                    statuses.insert(canonical(mailbox), read_status(status));
                }
            })
            .await?;
        for (raw, outcome) in sent.into_iter().zip(outcomes) {
            let r =
                outcome.and_then(|()| statuses.remove(&raw).ok_or_else(|| ImapError::Protocol(format!("no STATUS answer for {raw:?}"))));
            results.insert(raw, r);
        }
        Ok(results)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::borrow::Cow;

    #[test]
    fn attributes_map_to_special_use_and_selectability() {
        assert_eq!(special_use(&[NameAttribute::Marked, NameAttribute::Junk]).as_deref(), Some("\\Junk"));
        assert_eq!(special_use(&[NameAttribute::NoInferiors]), None);
        assert_eq!(special_use(&[NameAttribute::Extension("\\important".into())]).as_deref(), Some("\\Important"));
        assert!(!selectable(&[NameAttribute::NoSelect]));
        assert!(!selectable(&[NameAttribute::Extension(Cow::Borrowed("\\NonExistent"))]));
        assert!(selectable(&[NameAttribute::Extension(Cow::Borrowed("\\HasNoChildren"))]));
        assert_eq!(canonical("inbox"), "INBOX");
        assert_eq!(canonical("Inbox/sub"), "Inbox/sub");
        assert_eq!(canonical(r#"Work \"quoted\""#), r#"Work "quoted""#);
        assert_eq!(canonical(r"back\\slash"), r"back\slash");
        assert_eq!(canonical(r"lone\x"), r"lone\x");
    }
}
