//! `--on-new-mail`: runs the user's command once per new message, one at a time, off the
//! engine's path. Mail text is hostile: it reaches the command only through environment
//! variables, so quoting "$MAILBELL_SUBJECT" in the command is all a user needs to stay safe.

use std::process::Stdio;
use std::time::Duration;

use mailbell_sync::NewMessageEvent;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

/// A command that hangs must not hold the queue forever.
const HOOK_TIMEOUT: Duration = Duration::from_secs(60);

pub struct Hook {
    tx: mpsc::UnboundedSender<NewMessageEvent>,
    task: JoinHandle<()>,
}

impl Hook {
    pub fn spawn(command: String) -> Hook {
        let (tx, mut rx) = mpsc::unbounded_channel::<NewMessageEvent>();
        let task = tokio::spawn(async move {
            while let Some(m) = rx.recv().await {
                run_one(&command, &m).await;
            }
        });
        Hook { tx, task }
    }

    pub fn sender(&self) -> mpsc::UnboundedSender<NewMessageEvent> {
        self.tx.clone()
    }

    /// Lets queued invocations finish, within `grace`.
    pub async fn finish(self, grace: Duration) {
        drop(self.tx);
        let _ = tokio::time::timeout(grace, self.task).await;
    }
}

pub fn env_of(m: &NewMessageEvent) -> Vec<(&'static str, String)> {
    vec![
        ("MAILBELL_ACCOUNT", m.account.clone()),
        ("MAILBELL_FOLDER", m.folder.clone()),
        ("MAILBELL_UID", m.uid.to_string()),
        ("MAILBELL_UIDVALIDITY", m.uidvalidity.to_string()),
        ("MAILBELL_FROM", m.from.clone()),
        ("MAILBELL_FROM_NAME", m.from_name.clone().unwrap_or_default()),
        ("MAILBELL_FROM_ADDR", m.from_addr.clone().unwrap_or_default()),
        ("MAILBELL_SUBJECT", m.subject.clone()),
        ("MAILBELL_DATE", m.date.clone()),
        ("MAILBELL_PREVIEW", m.preview.clone()),
        ("MAILBELL_MESSAGE_ID", m.message_id.clone().unwrap_or_default()),
    ]
}

async fn run_one(command: &str, m: &NewMessageEvent) {
    let mut cmd = tokio::process::Command::new("/bin/sh");
    cmd.arg("-c").arg(command).stdin(Stdio::null()).kill_on_drop(true);
    for (k, v) in env_of(m) {
        // An environment value cannot hold NUL; the engine strips control characters, but a
        // hook must never be the thing that fails on hostile text.
        cmd.env(k, v.replace('\0', ""));
    }
    match cmd.spawn() {
        Err(e) => eprintln!("mailbell-cli: --on-new-mail could not start: {e}"),
        Ok(mut child) => match tokio::time::timeout(HOOK_TIMEOUT, child.wait()).await {
            Err(_) => eprintln!("mailbell-cli: --on-new-mail took over {}s and was stopped", HOOK_TIMEOUT.as_secs()),
            Ok(Err(e)) => eprintln!("mailbell-cli: --on-new-mail failed: {e}"),
            Ok(Ok(status)) if !status.success() => eprintln!("mailbell-cli: --on-new-mail exited with {status}"),
            Ok(Ok(_)) => {}
        },
    }
}
