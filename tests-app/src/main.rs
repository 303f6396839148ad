//! `mailbell-testserver`: a private Dovecot (the e2e harness's) for the app's WebDriver tests,
//! which are written in JavaScript and cannot link the Rust harness.
//!
//! With `--oauth`, it also starts the harness's OAuth2 authorization server (for the Dovecot
//! user) and Dovecot accepts that server's tokens (XOAUTH2/OAUTHBEARER, checked by
//! introspection) besides the password.
//!
//! With `--without-archive`, no folder is marked `\Archive` (a server where Archive cannot work).
//!
//! On start it prints one JSON line: `{"host","tls_port","plain_port","ca_file","user","password"}`,
//! plus with `--oauth` an `"oauth"` object: `{"authorize_url","token_url","revoke_url",
//! "introspect_url","client_id"}`.
//! Then it reads one JSON command per line on stdin and answers each with one JSON line:
//! - `{"cmd":"append","folder":"INBOX","subject":"…","from":"Name <a@b>","message_id":"<id@x>"}` →
//!   `{"ok":true,"uid":N}` (`from`, `body`, `message_id` and `list_id` optional: the same
//!   `message_id` appended to two folders makes two copies of one message; `list_id` adds a
//!   `List-Id: <…>` header, as a mailing list's mail has)
//! - `{"cmd":"append_raw","folder":"INBOX","raw":"From: …\r\n…"}` → `{"ok":true,"uid":N}`: a whole
//!   message as given (an HTML mail, a hostile one)
//! - `{"cmd":"burst","folder":"Work","subjects":["…",…]}` → `{"ok":true}`: several messages from Bob
//!   Sender in ONE IMAP MULTIAPPEND (RFC 3502), which the server commits at once, so a client
//!   hears them as one change however slow the machine (`append` after `append` may be seen one
//!   by one)
//! - `{"cmd":"list_flags","folder":"INBOX"}` → `{"ok":true,"messages":[[uid,["\\Seen",…]],…]}`: every
//!   message's UID and flags, as the server has them (doveadm, not an IMAP client of the app's)
//! - `{"cmd":"create","folder":"Work"}` → `{"ok":true}`
//! - `{"cmd":"flags","folder":"INBOX","uid":N,"add":["\\Seen"],"remove":[]}` → `{"ok":true}`: another
//!   client reads a message, or marks it unread again (`add`, `remove` optional)
//! - `{"cmd":"expunge","folder":"INBOX","uid":N}` → `{"ok":true}`: another client deletes it
//! - `{"cmd":"status","folder":"INBOX"}` → `{"ok":true,"messages":N,"uidnext":N,"unseen":N}`
//! - `{"cmd":"restart"}` → `{"ok":true}`: Dovecot stops (every client connection closes) and
//!   starts again on the same ports with the same mail
//! - `{"cmd":"oauth_counters"}` → `{"ok":true,"authorizations":N,...,"revocations":N}` (the
//!   OAuth server's counters, see `mailbell_e2e::OAuthCounters`)
//! - `{"cmd":"oauth_tokens"}` → `{"ok":true,"refresh":[…],"access":[…]}`: the tokens that still work
//! - `{"cmd":"oauth_revoke_all"}` → `{"ok":true}`: every grant revoked (as when the user removes
//!   the app's access at the provider)
//!
//! Failures answer `{"ok":false,"error":"…"}`. End of input stops Dovecot and exits.

use std::io::{BufRead, Write};

use anyhow::Context;
use mailbell_e2e::imap_raw::{quote, RawImap};
use mailbell_e2e::oauth::CLIENT_ID;
use mailbell_e2e::{simple, Dovecot, DovecotOptions, MessageBuilder, OAuthServer};
use serde::Deserialize;
use serde_json::{json, Value};

#[derive(Deserialize)]
#[serde(tag = "cmd", rename_all = "snake_case")]
enum Cmd {
    Append {
        folder: String,
        subject: String,
        from: Option<String>,
        body: Option<String>,
        message_id: Option<String>,
        list_id: Option<String>,
    },
    AppendRaw {
        folder: String,
        raw: String,
    },
    Burst {
        folder: String,
        subjects: Vec<String>,
    },
    ListFlags {
        folder: String,
    },
    Create {
        folder: String,
    },
    Flags {
        folder: String,
        uid: u32,
        #[serde(default)]
        add: Vec<String>,
        #[serde(default)]
        remove: Vec<String>,
    },
    Expunge {
        folder: String,
        uid: u32,
    },
    Status {
        folder: String,
    },
    Restart,
    OauthCounters,
    OauthTokens,
    OauthRevokeAll,
}

fn main() -> anyhow::Result<()> {
    let mut oauth_wanted = false;
    let mut without_archive = false;
    for arg in std::env::args().skip(1) {
        match arg.as_str() {
            "--oauth" => oauth_wanted = true,
            "--without-archive" => without_archive = true,
            other => anyhow::bail!("unknown argument {other:?} (known: --oauth, --without-archive)"),
        }
    }
    let mut options = DovecotOptions::default();
    if without_archive {
        options = options.without_special_use("Archive");
    }
    // The OAuth server's grants belong to the Dovecot user (unless a login hint names another).
    let oauth = if oauth_wanted { Some(OAuthServer::start(&options.users[0].name).context("starting the OAuth server")?) } else { None };
    if let Some(server) = &oauth {
        options = options.oauth2(server);
    }
    let mut dovecot = Dovecot::start(options).context("starting Dovecot")?;
    let user = dovecot.user().clone();
    let mut out = std::io::stdout().lock();
    let mut hello = json!({
        "host": dovecot.host(),
        "tls_port": dovecot.tls_port(),
        "plain_port": dovecot.plain_port(),
        "ca_file": dovecot.ca_cert_path(),
        "user": user.name,
        "password": user.password,
    });
    if let Some(server) = &oauth {
        hello["oauth"] = json!({
            "authorize_url": server.authorize_url(),
            "token_url": server.token_url(),
            "revoke_url": server.revoke_url(),
            "introspect_url": server.introspect_url(),
            "client_id": CLIENT_ID,
        });
    }
    writeln!(out, "{hello}")?;
    out.flush()?;

    for line in std::io::stdin().lock().lines() {
        let line = line.context("reading stdin")?;
        if line.trim().is_empty() {
            continue;
        }
        let reply = match serde_json::from_str::<Cmd>(&line) {
            Ok(cmd) => {
                run(&mut dovecot, oauth.as_ref(), &user.name, cmd).unwrap_or_else(|e| json!({"ok": false, "error": format!("{e:#}")}))
            }
            Err(e) => json!({"ok": false, "error": format!("bad command {line:?}: {e}")}),
        };
        writeln!(out, "{reply}")?;
        out.flush()?;
    }
    Ok(())
}

/// One MULTIAPPEND (RFC 3502) of simple messages, with LITERAL+ so that the whole command goes
/// out in one write. `doveadm save` takes one message per call, and a client watching the folder
/// may hear each one apart, depending on how fast the calls follow each other.
fn append_many(dovecot: &Dovecot, folder: &str, subjects: &[String]) -> anyhow::Result<()> {
    anyhow::ensure!(!subjects.is_empty(), "append_many needs at least one subject");
    let user = dovecot.user();
    let to = format!("{}@localhost", user.name);
    let mut imap = RawImap::connect_tls(dovecot.tls_addr(), dovecot.ca_cert_path(), "localhost")?;
    imap.command_ok(&format!("LOGIN {} {}", quote(&user.name), quote(&user.password)))?;
    let mut command = format!("APPEND {}", quote(folder));
    for subject in subjects {
        let raw = String::from_utf8(simple("Bob Sender <bob@example.org>", &to, subject, "Hello there, this is the body."))
            .context("a simple message is UTF-8")?;
        command.push_str(&format!(" {{{}+}}\r\n{raw}", raw.len()));
    }
    imap.command_ok(&command)?;
    imap.command("LOGOUT")?;
    Ok(())
}

fn names(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

fn run(dovecot: &mut Dovecot, oauth: Option<&OAuthServer>, user: &str, cmd: Cmd) -> anyhow::Result<Value> {
    let oauth = || oauth.context("no OAuth server: start mailbell-testserver with --oauth");
    Ok(match cmd {
        Cmd::Append { folder, subject, from, body, message_id, list_id } => {
            let from = from.unwrap_or_else(|| "Bob Sender <bob@example.org>".into());
            let body = body.unwrap_or_else(|| "Hello there, this is the body.".into());
            let to = format!("{user}@localhost");
            let raw = if message_id.is_none() && list_id.is_none() {
                simple(&from, &to, &subject, &body)
            } else {
                let mut m = MessageBuilder::new().from(&from).to(&to).subject(&subject).text(&body);
                if let Some(id) = &message_id {
                    m = m.message_id(id);
                }
                if let Some(list) = &list_id {
                    m = m.header("List-Id", format!("Test list <{list}>"));
                }
                m.build()
            };
            let uid = dovecot.append(user, &folder, &raw, &[])?;
            json!({"ok": true, "uid": uid})
        }
        Cmd::AppendRaw { folder, raw } => {
            let uid = dovecot.append(user, &folder, raw.as_bytes(), &[])?;
            json!({"ok": true, "uid": uid})
        }
        Cmd::Burst { folder, subjects } => {
            append_many(dovecot, &folder, &subjects)?;
            json!({"ok": true})
        }
        Cmd::ListFlags { folder } => {
            let messages = dovecot.flags_of(user, &folder)?;
            json!({"ok": true, "messages": messages})
        }
        Cmd::Create { folder } => {
            dovecot.create_folder(user, &folder)?;
            json!({"ok": true})
        }
        Cmd::Flags { folder, uid, add, remove } => {
            if !add.is_empty() {
                dovecot.add_flags(user, &folder, uid, &names(&add))?;
            }
            if !remove.is_empty() {
                dovecot.remove_flags(user, &folder, uid, &names(&remove))?;
            }
            json!({"ok": true})
        }
        Cmd::Expunge { folder, uid } => {
            dovecot.expunge(user, &folder, &[uid])?;
            json!({"ok": true})
        }
        Cmd::Status { folder } => {
            let s = dovecot.status(user, &folder)?;
            json!({"ok": true, "messages": s.messages, "uidnext": s.uidnext, "unseen": s.unseen})
        }
        Cmd::Restart => {
            // Stops the running server first.
            dovecot.start_again()?;
            json!({"ok": true})
        }
        Cmd::OauthCounters => {
            let c = oauth()?.counters();
            json!({
                "ok": true,
                "authorizations": c.authorizations,
                "denied_authorizations": c.denied_authorizations,
                "invalid_authorizations": c.invalid_authorizations,
                "token_requests_authorization_code": c.token_requests_authorization_code,
                "token_requests_refresh_token": c.token_requests_refresh_token,
                "token_errors": c.token_errors,
                "introspections": c.introspections,
                "active_introspections": c.active_introspections,
                "revocations": c.revocations,
            })
        }
        Cmd::OauthTokens => {
            let server = oauth()?;
            json!({"ok": true, "refresh": server.live_refresh_tokens(), "access": server.live_access_tokens()})
        }
        Cmd::OauthRevokeAll => {
            oauth()?.revoke_all();
            json!({"ok": true})
        }
    })
}
