//! The user's actions on one message, and their undo: the only place Mailbell changes a
//! server. Each runs on a session of its own that SELECTs the folder (SELECT is allowed
//! nowhere else: the sync only EXAMINEs), checks that the reference still names the message
//! (UIDVALIDITY, the UID's existence), and touches that UID alone:
//! - Read: `UID STORE uid +FLAGS.SILENT (\Seen)`.
//! - Archive / Delete: to the account's `\Archive` / `\Trash` folder (RFC 6154), with
//!   `UID MOVE` (RFC 6851) where offered, else `UID COPY` + `UID STORE +FLAGS.SILENT
//!   (\Deleted)` + `UID EXPUNGE uid` (RFC 4315 UIDPLUS). A server with neither is refused: a
//!   plain EXPUNGE would also remove whatever else someone marked `\Deleted` in the folder.
//!
//! Then the store is updated at once (the copy read, or expunged) and the matching
//! `message_update` goes out, so front ends need not wait for a pass.

use super::model::{ActionDone, MessageAction, MessageRef};
use super::{check_validity, folder_error, raw_name, Context};
use crate::error::SyncError;
use crate::events::{Event, MessageUpdateEvent};
use crate::imap::{CopiedTo, ImapError, ImapSession};
use crate::model::FlagChange;
use crate::store::FolderRow;
use crate::sync::blocking;

/// What `act` did, and how to take it back (the engine keeps that behind a token).
#[derive(Debug, Clone)]
pub struct Acted {
    pub done: ActionDone,
    /// `None` when there is nothing to take back (the message was already read).
    pub undo: Option<Undo>,
}

/// How to take one action back. Opaque to front ends: the engine keeps it in memory.
#[derive(Debug, Clone)]
pub struct Undo {
    account: String,
    folder: String,
    uidvalidity: u32,
    uid: u32,
    moved: Option<Moved>,
}

impl Undo {
    pub fn account(&self) -> &str {
        &self.account
    }

    /// The undo of marking `r` read, for tests of whoever keeps undos.
    #[cfg(test)]
    pub(crate) fn for_tests(r: MessageRef) -> Undo {
        Undo { account: r.account, folder: r.folder, uidvalidity: r.uidvalidity.unwrap_or(1), uid: r.uid, moved: None }
    }
}

/// Where a message was moved to, and how to find it there again.
#[derive(Debug, Clone)]
struct Moved {
    folder: String,
    raw: String,
    /// Its UID there, from COPYUID (UIDPLUS).
    copied: Option<CopiedTo>,
    /// Without COPYUID, the undo finds it by its Message-ID.
    message_id: Option<String>,
}

/// How this server moves one message without touching others.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum MoveWith {
    Move,
    CopyAndUidExpunge,
}

fn move_method(session: &ImapSession) -> Result<MoveWith, SyncError> {
    if session.has_capability("MOVE") {
        Ok(MoveWith::Move)
    } else if session.has_capability("UIDPLUS") {
        Ok(MoveWith::CopyAndUidExpunge)
    } else {
        Err(SyncError::CannotMoveSafely { host: session.host().to_string() })
    }
}

/// The special-use folder an action moves to, and the words for a missing one.
fn destination_kind(action: MessageAction) -> Option<(&'static str, &'static str, &'static str)> {
    match action {
        MessageAction::Read => None,
        MessageAction::Archive => Some(("\\Archive", "Archive", "archive the message in your mail program")),
        MessageAction::Delete => Some(("\\Trash", "Trash", "delete the message in your mail program")),
    }
}

/// Does the user's action to one message on the server, then records it in the store and
/// emits the matching `message_update` through the context's sink.
pub async fn act(ctx: &Context<'_>, r: &MessageRef, action: MessageAction) -> Result<Acted, SyncError> {
    let account = ctx.account(&r.account).await?;
    let folders = ctx.folders(&account.id).await?;
    let raw = raw_name(&folders, &r.folder);
    let mut session = ctx.session(&account).await?;
    let result = act_on(&mut session, &folders, r, &raw, action).await;
    session.logout().await;
    let did = result?;
    record(ctx, &r.account, &r.folder, did.uidvalidity, did.change).await;
    let message = MessageRef { uidvalidity: Some(did.uidvalidity), ..r.clone() };
    Ok(Acted { done: ActionDone { action, message, moved_to: did.moved_to, undo: None }, undo: did.undo })
}

/// What an action did on the server, for the store, the answer and the undo.
struct Did {
    /// The folder's UIDVALIDITY, checked.
    uidvalidity: u32,
    /// The change to the message's copy in its folder (none when it was already read).
    change: Option<FlagChange>,
    undo: Option<Undo>,
    /// The folder it went to (decoded name).
    moved_to: Option<String>,
}

async fn act_on(
    session: &mut ImapSession,
    folders: &[FolderRow],
    r: &MessageRef,
    raw: &str,
    action: MessageAction,
) -> Result<Did, SyncError> {
    let Some((attribute, kind, instead)) = destination_kind(action) else {
        return mark_read(session, r, raw).await;
    };
    // Everything that could refuse is settled before the folder is opened for writing.
    let dest = match special_folder(folders, attribute) {
        Some(f) => Some(f),
        None => listed_special_folder(session, attribute).await?,
    };
    let (dest, dest_raw) = dest.ok_or(SyncError::NoSpecialFolder { kind, instead })?;
    if dest == r.folder {
        // Already there. Archive would move nothing; Delete would mean deleting for good,
        // which cannot be undone and is more than a notifier should do.
        return Err(SyncError::AlreadyThere { folder: dest, kind });
    }
    let how = move_method(session)?;
    let uidvalidity = open_for_writing(session, r, raw).await?;
    current_flags(session, r).await?;
    // Without COPYUID the undo will look for the message by its Message-ID.
    let message_id = if session.has_capability("UIDPLUS") { None } else { message_id_of(session, r.uid).await? };
    let copied = move_one(session, how, r.uid, &dest_raw).await?;
    let undo = Undo {
        account: r.account.clone(),
        folder: r.folder.clone(),
        uidvalidity,
        uid: r.uid,
        moved: Some(Moved { folder: dest.clone(), raw: dest_raw, copied, message_id }),
    };
    Ok(Did { uidvalidity, change: Some(FlagChange::Expunged(r.uid)), undo: Some(undo), moved_to: Some(dest) })
}

async fn mark_read(session: &mut ImapSession, r: &MessageRef, raw: &str) -> Result<Did, SyncError> {
    let uidvalidity = open_for_writing(session, r, raw).await?;
    let mut flags = current_flags(session, r).await?;
    if has_flag(&flags, "\\Seen") {
        // Already read: nothing to change, and nothing an undo should make unread.
        return Ok(Did { uidvalidity, change: None, undo: None, moved_to: None });
    }
    session.uid_store_flag(r.uid, "\\Seen", true).await?;
    flags.push("\\Seen".to_string());
    let undo = Undo { account: r.account.clone(), folder: r.folder.clone(), uidvalidity, uid: r.uid, moved: None };
    Ok(Did { uidvalidity, change: Some(FlagChange::Flags(r.uid, flags)), undo: Some(undo), moved_to: None })
}

/// SELECT, the one place it is allowed: the user asked to change this message.
async fn open_for_writing(session: &mut ImapSession, r: &MessageRef, raw: &str) -> Result<u32, SyncError> {
    let selected = session.select(raw).await.map_err(|e| folder_error(e, &r.folder))?;
    check_validity(r, selected.uidvalidity)
}

/// The message's flags now; an error when the UID is gone.
async fn current_flags(session: &mut ImapSession, r: &MessageRef) -> Result<Vec<String>, SyncError> {
    let found = session.uid_flags(&[r.uid], None).await?;
    found
        .into_iter()
        .find_map(|c| match c {
            FlagChange::Flags(uid, flags) if uid == r.uid => Some(flags),
            _ => None,
        })
        .ok_or_else(|| SyncError::MessageGone { folder: r.folder.clone(), uid: r.uid })
}

fn has_flag(flags: &[String], flag: &str) -> bool {
    flags.iter().any(|f| f.eq_ignore_ascii_case(flag))
}

/// The account's folder with this special use, as the store knows it from the last LIST.
fn special_folder(folders: &[FolderRow], attribute: &str) -> Option<(String, String)> {
    folders
        .iter()
        .find(|f| f.special_use.as_deref().is_some_and(|s| s.eq_ignore_ascii_case(attribute)))
        .map(|f| (f.name.clone(), f.raw_name.clone()))
}

/// The same from a fresh LIST, for a folder made or marked since the last pass.
async fn listed_special_folder(session: &mut ImapSession, attribute: &str) -> Result<Option<(String, String)>, SyncError> {
    let (listed, _) = session.list_folders(false).await?;
    Ok(listed
        .into_iter()
        .filter(|f| f.selectable)
        .find(|f| f.listed.special_use.as_deref().is_some_and(|s| s.eq_ignore_ascii_case(attribute)))
        .map(|f| (f.listed.name, f.listed.raw_name)))
}

/// Moves one UID of the selected folder; where it landed when the server says (COPYUID).
async fn move_one(session: &mut ImapSession, how: MoveWith, uid: u32, dest_raw: &str) -> Result<Option<CopiedTo>, SyncError> {
    match how {
        MoveWith::Move => Ok(session.uid_move(uid, dest_raw).await?),
        MoveWith::CopyAndUidExpunge => {
            // Copied before it is marked, so the copy does not carry \Deleted.
            let copied = session.uid_copy(uid, dest_raw).await?;
            session.uid_store_flag(uid, "\\Deleted", true).await?;
            session.uid_expunge(uid).await?;
            Ok(copied)
        }
    }
}

/// The message's Message-ID, read with BODY.PEEK (the summary's bounded header fetch).
async fn message_id_of(session: &mut ImapSession, uid: u32) -> Result<Option<String>, SyncError> {
    let mut stream = session.fetch_uids(&[uid]).await?;
    let mut id = None;
    while let Some(m) = session.next_message(&mut stream).await? {
        if m.uid == uid {
            id = crate::summary::summarize(&m.header, &m.text, None).message_id;
        }
    }
    Ok(id)
}

/// The store learns what the action did, and front ends hear it. The server already
/// changed, so a store failure is only logged: the next pass records the same change.
async fn record(ctx: &Context<'_>, account: &str, folder: &str, uidvalidity: u32, change: Option<FlagChange>) {
    let Some(change) = change else {
        return;
    };
    let (a, f) = (account.to_string(), folder.to_string());
    match blocking(ctx.store, move |s| s.apply_flag_changes(&a, &f, uidvalidity, &[change], None)).await {
        Ok(updates) => {
            for u in updates {
                ctx.sink.emit(Event::MessageUpdate(MessageUpdateEvent::of_copy(
                    &u.message,
                    folder,
                    uidvalidity,
                    u.uid,
                    u.seen,
                    u.expunged,
                    false,
                )));
            }
        }
        Err(e) => {
            tracing::warn!(account, folder, error = %e, "the action was done, but the store could not record it; the next check will")
        }
    }
}

/// Takes an action back: unread again, or moved back from where it went.
pub async fn undo(ctx: &Context<'_>, u: &Undo) -> Result<(), SyncError> {
    let account = ctx.account(&u.account).await?;
    let folders = ctx.folders(&account.id).await?;
    let raw = raw_name(&folders, &u.folder);
    let mut session = ctx.session(&account).await?;
    let result = match &u.moved {
        None => unread(&mut session, u, &raw).await,
        Some(m) => move_back(&mut session, u, m, &raw).await,
    };
    session.logout().await;
    match result? {
        Restored::Flags(change) => record(ctx, &u.account, &u.folder, u.uidvalidity, Some(change)).await,
        Restored::Moved(Some(back)) if back.uidvalidity == u.uidvalidity => restore(ctx, u, back.uid).await,
        // No COPYUID (or the folder was reset meanwhile): the next pass finds the message
        // under its new UID, a copy of the message already listed, and it is back then.
        Restored::Moved(_) => {}
    }
    Ok(())
}

enum Restored {
    Flags(FlagChange),
    Moved(Option<CopiedTo>),
}

fn reference(u: &Undo, folder: &str, uidvalidity: Option<u32>, uid: u32) -> MessageRef {
    MessageRef { account: u.account.clone(), folder: folder.to_string(), uidvalidity, uid }
}

async fn unread(session: &mut ImapSession, u: &Undo, raw: &str) -> Result<Restored, SyncError> {
    let r = reference(u, &u.folder, Some(u.uidvalidity), u.uid);
    open_for_writing(session, &r, raw).await?;
    let flags = current_flags(session, &r).await?;
    session.uid_store_flag(u.uid, "\\Seen", false).await?;
    let flags = flags.into_iter().filter(|f| !f.eq_ignore_ascii_case("\\Seen")).collect();
    Ok(Restored::Flags(FlagChange::Flags(u.uid, flags)))
}

async fn move_back(session: &mut ImapSession, u: &Undo, m: &Moved, source_raw: &str) -> Result<Restored, SyncError> {
    let how = move_method(session)?;
    let there = reference(u, &m.folder, m.copied.map(|c| c.uidvalidity), m.copied.map(|c| c.uid).unwrap_or(0));
    let uidvalidity = open_for_writing(session, &there, &m.raw).await?;
    let uid = match m.copied {
        Some(c) if current_flags(session, &there).await.is_ok() => Some(c.uid),
        _ => find_by_message_id(session, m.message_id.as_deref()).await?,
    };
    let uid = uid.ok_or_else(|| SyncError::MessageGone { folder: m.folder.clone(), uid: there.uid })?;
    tracing::debug!(folder = %m.folder, uidvalidity, uid, "moving a message back");
    Ok(Restored::Moved(move_one(session, how, uid, source_raw).await?))
}

/// The newest message in the open folder with exactly this Message-ID.
async fn find_by_message_id(session: &mut ImapSession, message_id: Option<&str>) -> Result<Option<u32>, SyncError> {
    let Some(id) = message_id else {
        return Ok(None);
    };
    match session.uid_search_message_id(id).await {
        Ok(found) => Ok(found.into_iter().max()),
        // A Message-ID that cannot be sent quoted cannot be searched for.
        Err(ImapError::Protocol(_)) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// The store gets the message back under its new UID and front ends hear it.
async fn restore(ctx: &Context<'_>, u: &Undo, new_uid: u32) {
    let (a, f, v, old) = (u.account.clone(), u.folder.clone(), u.uidvalidity, u.uid);
    match blocking(ctx.store, move |s| s.restore_copy(&a, &f, v, old, new_uid)).await {
        Ok(Some(up)) => ctx.sink.emit(Event::MessageUpdate(MessageUpdateEvent::of_copy(
            &up.message,
            &u.folder,
            u.uidvalidity,
            up.uid,
            up.seen,
            false,
            false,
        ))),
        Ok(None) => {}
        Err(e) => {
            tracing::warn!(account = %u.account, error = %e, "the message is back on the server, but the store could not record it; the next check will")
        }
    }
}
