//! `--on-new-mail`: runs the user's command for each new message that rings, and once for the
//! digest at the end of the quiet hours, one at a time, off the engine's path. Mail text is
//! hostile: it reaches the command only through environment variables, so quoting
//! "$MAILBELL_SUBJECT" in the command is all a user needs to stay safe.

use std::process::Stdio;
use std::time::Duration;

use mailbell_sync::{DigestEvent, Event, NewMessageEvent, Ring};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

/// A command that hangs must not hold the queue forever.
const HOOK_TIMEOUT: Duration = Duration::from_secs(60);

/// What the command runs for.
#[derive(Debug, Clone)]
pub enum Job {
    Message(Box<NewMessageEvent>),
    Digest(DigestEvent),
}

/// Which events run the command. By the rules: a message that rings, and a digest. With
/// `--ignore-rules`: every message not already read, and no digest (its messages ran it
/// already, when they came).
pub fn job_for(e: &Event, ignore_rules: bool) -> Option<Job> {
    match e {
        Event::NewMessage(m) if ignore_rules && !m.seen => Some(Job::Message(Box::new(m.clone()))),
        Event::NewMessage(m) if !ignore_rules && m.ring == Ring::Ring => Some(Job::Message(Box::new(m.clone()))),
        Event::Digest(d) if !ignore_rules => Some(Job::Digest(d.clone())),
        _ => None,
    }
}

pub struct Hook {
    tx: mpsc::UnboundedSender<Job>,
    task: JoinHandle<()>,
}

impl Hook {
    pub fn spawn(command: String) -> Hook {
        let (tx, mut rx) = mpsc::unbounded_channel::<Job>();
        let task = tokio::spawn(async move {
            while let Some(job) = rx.recv().await {
                run_one(&command, &job).await;
            }
        });
        Hook { tx, task }
    }

    pub fn sender(&self) -> mpsc::UnboundedSender<Job> {
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
        ("MAILBELL_RING_REASON", m.ring_reason.clone().unwrap_or_default()),
    ]
}

/// A job's environment: `MAILBELL_EVENT` says which (`new_message` or `digest`). A digest
/// gives its count and span, and the newest message it sums up in the usual variables, so a
/// hook written for single messages still shows something true.
pub fn job_env(job: &Job) -> Vec<(&'static str, String)> {
    match job {
        Job::Message(m) => {
            let mut env = vec![("MAILBELL_EVENT", "new_message".to_string())];
            env.extend(env_of(m));
            env
        }
        Job::Digest(d) => {
            let mut env = vec![
                ("MAILBELL_EVENT", "digest".to_string()),
                ("MAILBELL_DIGEST_COUNT", d.count.to_string()),
                ("MAILBELL_DIGEST_SINCE", d.since.clone()),
                ("MAILBELL_DIGEST_UNTIL", d.until.clone()),
            ];
            env.extend(d.messages.first().map(env_of).unwrap_or_default());
            env
        }
    }
}

async fn run_one(command: &str, job: &Job) {
    let mut cmd = tokio::process::Command::new("/bin/sh");
    cmd.arg("-c").arg(command).stdin(Stdio::null()).kill_on_drop(true);
    for (k, v) in job_env(job) {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn msg(subject: &str, ring: Ring, seen: bool) -> NewMessageEvent {
        NewMessageEvent {
            account: "a1".into(),
            folder: "INBOX".into(),
            uidvalidity: 1,
            uid: 1,
            from: "Bob <bob@example.org>".into(),
            subject: subject.into(),
            date: "2026-12-07T23:00:00Z".into(),
            preview: String::new(),
            from_name: Some("Bob".into()),
            from_addr: Some("bob@example.org".into()),
            message_id: None,
            seen,
            identity: "row:1".into(),
            folders: vec!["INBOX".into()],
            late: false,
            ring,
            ring_reason: (ring != Ring::Ring).then(|| "muted_sender".into()),
            list_id: None,
        }
    }

    fn digest() -> Event {
        Event::Digest(DigestEvent {
            count: 3,
            messages: vec![msg("newest", Ring::Quiet, false)],
            since: "2026-12-07T22:00:00Z".into(),
            until: "2026-12-08T07:00:00+01:00".into(),
        })
    }

    #[test]
    fn the_hook_runs_for_what_rings_and_for_the_digest() {
        assert!(job_for(&Event::NewMessage(msg("a", Ring::Ring, false)), false).is_some());
        assert!(job_for(&Event::NewMessage(msg("a", Ring::Silent, false)), false).is_none());
        assert!(job_for(&Event::NewMessage(msg("a", Ring::Quiet, false)), false).is_none());
        let env = job_env(&job_for(&digest(), false).expect("digest runs the hook"));
        let get = |k: &str| env.iter().find(|(n, _)| *n == k).map(|(_, v)| v.as_str());
        assert_eq!(get("MAILBELL_EVENT"), Some("digest"));
        assert_eq!(get("MAILBELL_DIGEST_COUNT"), Some("3"));
        assert_eq!(get("MAILBELL_SUBJECT"), Some("newest"));
    }

    #[test]
    fn ignoring_the_rules_rings_every_unread_message_and_no_digest() {
        assert!(job_for(&Event::NewMessage(msg("a", Ring::Silent, false)), true).is_some());
        assert!(job_for(&Event::NewMessage(msg("a", Ring::Quiet, false)), true).is_some());
        assert!(job_for(&Event::NewMessage(msg("a", Ring::Silent, true)), true).is_none(), "read mail is not news");
        assert!(job_for(&digest(), true).is_none());
        let env = job_env(&job_for(&Event::NewMessage(msg("a", Ring::Silent, false)), true).expect("runs"));
        assert_eq!(env[0], ("MAILBELL_EVENT", "new_message".to_string()));
    }
}
