//! Reading one message for the pane: EXAMINE (read-only) the folder, check the reference's
//! UIDVALIDITY, and fetch at most the byte bound with BODY.PEEK, which never sets `\Seen`.

use super::view::{view_of, Located};
use super::{check_validity, folder_error, raw_name, Context, MessageRef, MessageView};
use crate::error::SyncError;
use crate::imap::{FetchedBody, ImapSession};

/// The message as the reading pane shows it, from at most `max_bytes` of its source.
pub async fn show(ctx: &Context<'_>, r: &MessageRef, max_bytes: u32) -> Result<MessageView, SyncError> {
    let account = ctx.account(&r.account).await?;
    let raw = raw_name(&ctx.folders(&account.id).await?, &r.folder);
    let mut session = ctx.session(&account).await?;
    let fetched = fetch(&mut session, r, &raw, max_bytes).await;
    session.logout().await;
    let (uidvalidity, body) = fetched?;
    let at = Located { account: r.account.clone(), folder: r.folder.clone(), uidvalidity };
    // Parsing and sanitising up to a mebibyte is CPU work: off the reactor.
    tokio::task::spawn_blocking(move || view_of(&at, &body))
        .await
        .map_err(|e| SyncError::Internal(format!("message view task failed: {e}")))
}

async fn fetch(session: &mut ImapSession, r: &MessageRef, raw: &str, max_bytes: u32) -> Result<(u32, FetchedBody), SyncError> {
    let (examined, _) = session.examine(raw, false, None).await.map_err(|e| folder_error(e, &r.folder))?;
    let uidvalidity = check_validity(r, examined.uidvalidity)?;
    let body = session.fetch_body(r.uid, max_bytes).await?;
    let body = body.ok_or_else(|| SyncError::MessageGone { folder: r.folder.clone(), uid: r.uid })?;
    Ok((uidvalidity, body))
}
