//! `message show|read|archive|delete`: one message on the server, named by the fields of its
//! `new_message` event. Thin over the engine's `message` functions, without workers: one
//! short-lived session per command. Mail text is printed as the clean text the engine made.

use mailbell_sync::message::{self, Context};
use mailbell_sync::oauth::TokenCache;
use mailbell_sync::{Address, Event, MessageAction, MessageRef, MessageView, Store, Timeouts, BODY_BYTES};

use crate::args::MessageArgs;
use crate::commands::sync::{open_secrets, select_accounts};
use crate::failure::CliResult;
use crate::output;

fn reference(args: &MessageArgs) -> MessageRef {
    MessageRef { account: args.account.clone(), folder: args.folder.clone(), uidvalidity: args.uidvalidity, uid: args.uid }
}

/// Runs `f` with what the message functions need: the account checked first (an unknown id
/// is bad usage, exit 2), the keyring, and a sink that drops the `message_update` events
/// (the command prints its own result; a running app or `watch` hears of the change at its
/// next check).
async fn with_context<T>(store: &Store, args: &MessageArgs, f: impl AsyncFnOnce(&Context<'_>) -> CliResult<T>) -> CliResult<T> {
    select_accounts(store, Some(&args.account))?;
    let secrets = open_secrets().await?;
    let tokens = TokenCache::new();
    let sink = |_: Event| {};
    let ctx = Context { store, secrets: &secrets, tokens: &tokens, timeouts: Timeouts::default(), sink: &sink };
    f(&ctx).await
}

pub async fn show(store: Store, args: &MessageArgs) -> CliResult {
    let r = reference(args);
    let view = with_context(&store, args, async |ctx| Ok(message::show(ctx, &r, BODY_BYTES).await?)).await?;
    if args.json {
        output::json_pretty(&view);
    } else {
        print!("{}", show_text(&view));
    }
    Ok(())
}

pub async fn act(store: Store, args: &MessageArgs, action: MessageAction) -> CliResult {
    let r = reference(args);
    let acted = with_context(&store, args, async |ctx| Ok(message::act(ctx, &r, action).await?)).await?;
    // The CLI ends here, so there is nothing to undo with later: no token.
    let done = acted.done;
    if args.json {
        output::json_pretty(&done);
    } else {
        let m = &done.message;
        match (action, done.moved_to.as_deref()) {
            (MessageAction::Read, _) => println!("Marked as read: {} UID {}", m.folder, m.uid),
            (_, Some(to)) => println!("Moved {} UID {} to {to}", m.folder, m.uid),
            (_, None) => println!("Done: {} UID {}", m.folder, m.uid),
        }
    }
    Ok(())
}

fn addresses(list: &[Address]) -> String {
    list.iter()
        .map(|a| match a.name.as_deref() {
            Some(name) if !a.address.is_empty() => format!("{name} <{}>", a.address),
            Some(name) => name.to_string(),
            None => a.address.clone(),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn size(bytes: u64) -> String {
    match bytes {
        b if b >= 1024 * 1024 => format!("{:.1} MB", b as f64 / (1024.0 * 1024.0)),
        b if b >= 1024 => format!("{} KB", b.div_ceil(1024)),
        b => format!("{b} bytes"),
    }
}

/// The message for a person: headers, attachments, a blank line, the text.
fn show_text(v: &MessageView) -> String {
    let mut out = String::new();
    let mut line = |label: &str, value: &str| {
        if !value.is_empty() {
            out.push_str(&format!("{label}: {value}\n"));
        }
    };
    line("From", &addresses(&v.from));
    line("To", &addresses(&v.to));
    line("Cc", &addresses(&v.cc));
    line("Reply-To", &addresses(&v.reply_to));
    line("Date", v.date.as_deref().unwrap_or(""));
    line("Subject", &v.subject);
    for a in &v.attachments {
        out.push_str(&format!("Attachment: {} ({}, {})\n", a.name, a.mime, size(a.size)));
    }
    out.push('\n');
    if v.text.is_empty() && v.html.is_some() {
        out.push_str("(This message has no text; open it in your mail program to see it.)\n");
    } else {
        out.push_str(&v.text);
        out.push('\n');
    }
    if v.truncated {
        out.push_str(&format!(
            "\n[Only the first {} of this message was fetched: open it in your mail program for the rest.]\n",
            size(BODY_BYTES.into())
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use mailbell_sync::Attachment;

    #[test]
    fn a_message_reads_as_headers_attachments_and_text() {
        let v = MessageView {
            account: "a1".into(),
            folder: "INBOX".into(),
            uidvalidity: 7,
            uid: 3,
            subject: "Plans".into(),
            from: vec![Address { name: Some("Bob".into()), address: "bob@example.org".into() }],
            to: vec![Address { name: None, address: "alice@example.org".into() }],
            cc: vec![],
            reply_to: vec![],
            date: Some("2024-01-01T10:00:00+01:00".into()),
            message_id: None,
            list_id: None,
            seen: false,
            size: 5000,
            text: "Hello\nthere".into(),
            html: None,
            remote_images: 0,
            attachments: vec![Attachment { name: "a.pdf".into(), mime: "application/pdf".into(), size: 2048 }],
            truncated: true,
        };
        let text = show_text(&v);
        assert!(
            text.starts_with("From: Bob <bob@example.org>\nTo: alice@example.org\nDate: 2024-01-01T10:00:00+01:00\nSubject: Plans\n"),
            "{text}"
        );
        assert!(text.contains("Attachment: a.pdf (application/pdf, 2 KB)\n\nHello\nthere\n"), "{text}");
        assert!(text.contains("Only the first 1.0 MB"), "{text}");
        assert!(!text.contains("Cc:"), "{text}");
    }
}
