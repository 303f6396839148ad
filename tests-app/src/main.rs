//! `mailbell-testserver`: a private Dovecot (the e2e harness's) for the app's WebDriver tests,
//! which are written in JavaScript and cannot link the Rust harness.
//!
//! On start it prints one JSON line: `{"host","tls_port","plain_port","ca_file","user","password"}`.
//! Then it reads one JSON command per line on stdin and answers each with one JSON line:
//! - `{"cmd":"append","folder":"INBOX","subject":"…","from":"Name <a@b>"}` → `{"ok":true,"uid":N}`
//! - `{"cmd":"create","folder":"Work"}` → `{"ok":true}`
//! - `{"cmd":"status","folder":"INBOX"}` → `{"ok":true,"messages":N,"uidnext":N,"unseen":N}`
//!
//! Failures answer `{"ok":false,"error":"…"}`. End of input stops Dovecot and exits.

use std::io::{BufRead, Write};

use anyhow::Context;
use mailbell_e2e::{simple, Dovecot, DovecotOptions};
use serde::Deserialize;
use serde_json::{json, Value};

#[derive(Deserialize)]
#[serde(tag = "cmd", rename_all = "snake_case")]
enum Cmd {
    Append { folder: String, subject: String, from: Option<String>, body: Option<String> },
    Create { folder: String },
    Status { folder: String },
}

fn main() -> anyhow::Result<()> {
    let dovecot = Dovecot::start(DovecotOptions::default()).context("starting Dovecot")?;
    let user = dovecot.user().clone();
    let mut out = std::io::stdout().lock();
    let hello = json!({
        "host": dovecot.host(),
        "tls_port": dovecot.tls_port(),
        "plain_port": dovecot.plain_port(),
        "ca_file": dovecot.ca_cert_path(),
        "user": user.name,
        "password": user.password,
    });
    writeln!(out, "{hello}")?;
    out.flush()?;

    for line in std::io::stdin().lock().lines() {
        let line = line.context("reading stdin")?;
        if line.trim().is_empty() {
            continue;
        }
        let reply = match serde_json::from_str::<Cmd>(&line) {
            Ok(cmd) => run(&dovecot, &user.name, cmd).unwrap_or_else(|e| json!({"ok": false, "error": format!("{e:#}")})),
            Err(e) => json!({"ok": false, "error": format!("bad command {line:?}: {e}")}),
        };
        writeln!(out, "{reply}")?;
        out.flush()?;
    }
    Ok(())
}

fn run(dovecot: &Dovecot, user: &str, cmd: Cmd) -> anyhow::Result<Value> {
    Ok(match cmd {
        Cmd::Append { folder, subject, from, body } => {
            let from = from.unwrap_or_else(|| "Bob Sender <bob@example.org>".into());
            let body = body.unwrap_or_else(|| "Hello there, this is the body.".into());
            let raw = simple(&from, &format!("{user}@localhost"), &subject, &body);
            let uid = dovecot.append(user, &folder, &raw, &[])?;
            json!({"ok": true, "uid": uid})
        }
        Cmd::Create { folder } => {
            dovecot.create_folder(user, &folder)?;
            json!({"ok": true})
        }
        Cmd::Status { folder } => {
            let s = dovecot.status(user, &folder)?;
            json!({"ok": true, "messages": s.messages, "uidnext": s.uidnext, "unseen": s.unseen})
        }
    })
}
