//! "Open in…": where a message opens outside Mailbell, chosen per account (ARCHITECTURE.md §
//! Crates, the app's reading pane). The desktop's mail program, the provider's webmail, or a
//! command of the user's.
//!
//! Only the pure part lives here: the choice as it is stored (JSON in the store's settings
//! table, one key per account), the webmail URL of a message, the command line split into argv
//! without a shell, the environment that carries the message to a command, and the reading of a
//! desktop entry's `Exec`. No I/O: the app finds the desktop files and starts the programs.
//!
//! Mail is hostile input: nothing from a message is ever spliced into a command line. A user's
//! command gets the message only in environment variables; the mail program gets at most a
//! `mid:` argument built from a checked Message-ID; a webmail URL gets it percent-encoded.

use serde::{Deserialize, Serialize};

use crate::providers::Provider;

/// Where an account's messages open.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub enum OpenIn {
    /// The desktop's default mail program (the `x-scheme-handler/mailto` handler).
    #[default]
    MailProgram,
    /// The provider's webmail in the browser (only for providers of the table that have one).
    Webmail,
    /// A command of the user's, split into argv without a shell; the message in `MAILBELL_*`
    /// environment variables.
    Command { command: String },
}

/// What can go wrong with an "Open in" choice. Each message says what to do.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OpenInError {
    #[error("the command is empty: type the program to run, e.g. `mutt -f imaps://…`")]
    EmptyCommand,
    #[error("the command has a {0} quote that is never closed")]
    UnclosedQuote(char),
    #[error("the command ends with a lone backslash")]
    TrailingBackslash,
    #[error("the mail program's desktop entry has no command to run")]
    NoExec,
}

/// The store setting that holds an account's choice.
pub fn setting_key(account_id: &str) -> String {
    format!("open_in.{account_id}")
}

/// The stored choice; an absent or unreadable value is the default (the mail program), so a
/// setting written by a newer version never locks the user out of opening mail.
pub fn from_setting(value: Option<&str>) -> OpenIn {
    value.and_then(|v| serde_json::from_str(v).ok()).unwrap_or_default()
}

/// The choice as it is stored.
pub fn to_setting(choice: &OpenIn) -> String {
    // Serialising this enum cannot fail (strings and unit variants only).
    serde_json::to_string(choice).unwrap_or_default()
}

/// Checks a choice before it is stored: a command must split into at least a program.
pub fn validate(choice: &OpenIn) -> Result<(), OpenInError> {
    match choice {
        OpenIn::Command { command } => split_command(command).map(|_| ()),
        OpenIn::MailProgram | OpenIn::Webmail => Ok(()),
    }
}

/// The facts of one message that a program it opens in may receive.
#[derive(Debug, Clone, Copy)]
pub struct MessageFacts<'a> {
    pub account: &'a str,
    pub folder: &'a str,
    pub uidvalidity: Option<u32>,
    pub uid: u32,
    pub message_id: Option<&'a str>,
    pub subject: &'a str,
    pub from: &'a str,
}

/// The Message-ID without its angle brackets, if it is one a URL or an argument may carry:
/// printable, no spaces, not empty, at most RFC 5322's line length.
pub fn bare_message_id(raw: &str) -> Option<String> {
    let t = raw.trim();
    let t = t.strip_prefix('<').unwrap_or(t);
    let t = t.strip_suffix('>').unwrap_or(t);
    let ok = !t.is_empty() && t.len() <= 998 && t.chars().all(|c| c.is_ascii_graphic() && c != '<' && c != '>');
    ok.then(|| t.to_string())
}

/// Percent-encodes everything but RFC 3986's unreserved characters.
fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 3);
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The provider's webmail page for a message: the page of that message where the provider has
/// one and the Message-ID is usable, else its inbox. `None`: the provider has no webmail.
pub fn webmail_url(provider: &Provider, message_id: Option<&str>) -> Option<String> {
    let w = provider.webmail?;
    let page = w.message.zip(message_id.and_then(bare_message_id)).map(|(t, id)| t.replace("{message_id}", &percent_encode(&id)));
    Some(page.unwrap_or_else(|| w.inbox.to_string()))
}

/// Splits a command line into argv the way a POSIX shell splits words, without anything else a
/// shell does (no variables, globs, pipes or redirections: those characters are ordinary).
/// Single quotes keep everything; double quotes keep everything but `\"`, `\\`, `\$` and `` \` ``;
/// outside quotes a backslash keeps the next character.
pub fn split_command(line: &str) -> Result<Vec<String>, OpenInError> {
    let mut args = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            c if c.is_whitespace() => {
                if in_word {
                    args.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            '\'' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('\'') => break,
                        Some(c) => word.push(c),
                        None => return Err(OpenInError::UnclosedQuote('\'')),
                    }
                }
            }
            '"' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('"') => break,
                        Some('\\') => match chars.next() {
                            Some(c @ ('"' | '\\' | '$' | '`')) => word.push(c),
                            Some('\n') => {}
                            Some(c) => {
                                word.push('\\');
                                word.push(c);
                            }
                            None => return Err(OpenInError::UnclosedQuote('"')),
                        },
                        Some(c) => word.push(c),
                        None => return Err(OpenInError::UnclosedQuote('"')),
                    }
                }
            }
            '\\' => match chars.next() {
                Some('\n') => {}
                Some(c) => {
                    in_word = true;
                    word.push(c);
                }
                None => return Err(OpenInError::TrailingBackslash),
            },
            c => {
                in_word = true;
                word.push(c);
            }
        }
    }
    if in_word {
        args.push(word);
    }
    if args.first().is_none_or(|p| p.is_empty()) {
        return Err(OpenInError::EmptyCommand);
    }
    Ok(args)
}

/// The environment a user's command gets: the message's address and headers, as text. NUL,
/// which no environment can hold, is dropped.
pub fn command_env(m: &MessageFacts) -> Vec<(&'static str, String)> {
    let clean = |s: &str| s.replace('\0', "");
    vec![
        ("MAILBELL_ACCOUNT", clean(m.account)),
        ("MAILBELL_FOLDER", clean(m.folder)),
        ("MAILBELL_UID", m.uid.to_string()),
        ("MAILBELL_UIDVALIDITY", m.uidvalidity.map(|v| v.to_string()).unwrap_or_default()),
        ("MAILBELL_MESSAGE_ID", m.message_id.map(clean).unwrap_or_default()),
        ("MAILBELL_SUBJECT", clean(m.subject)),
        ("MAILBELL_FROM", clean(m.from)),
    ]
}

/// The parts of a desktop entry "Open in" needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DesktopEntry {
    /// `Name`, as shown in "Open in <name>".
    pub name: String,
    /// `Exec`, with the entry format's escapes (`\s`, `\\`, ...) undone.
    pub exec: String,
}

/// Reads the `[Desktop Entry]` group of a desktop file: its untranslated `Name` and `Exec`.
/// `None` when either is missing, or the entry is hidden.
pub fn parse_desktop_entry(text: &str) -> Option<DesktopEntry> {
    let mut in_group = false;
    let (mut name, mut exec, mut hidden) = (None, None, false);
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            in_group = line == "[Desktop Entry]";
            continue;
        }
        if !in_group || line.starts_with('#') {
            continue;
        }
        let Some((key, value)) = line.split_once('=') else { continue };
        match key.trim() {
            "Name" => name = Some(unescape_value(value.trim())),
            "Exec" => exec = Some(unescape_value(value.trim())),
            "Hidden" => hidden = value.trim() == "true",
            _ => {}
        }
    }
    if hidden {
        return None;
    }
    Some(DesktopEntry { name: name.filter(|n| !n.is_empty())?, exec: exec.filter(|e| !e.is_empty())? })
}

/// Undoes the desktop entry format's string escapes (`\s`, `\n`, `\t`, `\r`, `\\`).
fn unescape_value(v: &str) -> String {
    let mut out = String::with_capacity(v.len());
    let mut chars = v.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('s') => out.push(' '),
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('r') => out.push('\r'),
            Some(c) => {
                // Kept for the Exec quoting rules, which have escapes of their own.
                out.push('\\');
                out.push(c);
            }
            None => out.push('\\'),
        }
    }
    out
}

/// Whether a desktop entry id (e.g. `org.mozilla.Thunderbird.desktop`) is Thunderbird, which
/// opens one message given `mid:<Message-ID>`.
pub fn is_thunderbird(desktop_id: &str) -> bool {
    desktop_id.to_ascii_lowercase().contains("thunderbird")
}

/// The argv that starts the mail program of desktop entry `desktop_id` whose `Exec` is `exec`.
/// Thunderbird gets `mid:<Message-ID>` in place of its URL field code (or after the command
/// when it has none); any other program just starts. Field codes are dropped, `%%` is `%`.
pub fn mail_program_argv(desktop_id: &str, exec: &str, message_id: Option<&str>) -> Result<Vec<String>, OpenInError> {
    let words = split_command(exec).map_err(|_| OpenInError::NoExec)?;
    let mid = if is_thunderbird(desktop_id) { message_id.and_then(bare_message_id).map(|id| format!("mid:{id}")) } else { None };
    let mut placed = false;
    let mut argv = Vec::with_capacity(words.len() + 1);
    for w in words {
        match w.as_str() {
            "%u" | "%U" | "%f" | "%F" => {
                if let Some(m) = mid.as_ref().filter(|_| !placed) {
                    argv.push(m.clone());
                    placed = true;
                }
            }
            "%i" | "%c" | "%k" => {}
            _ => {
                let expanded = expand_field_codes(&w);
                if !expanded.is_empty() {
                    argv.push(expanded);
                }
            }
        }
    }
    if argv.is_empty() {
        return Err(OpenInError::NoExec);
    }
    if let (Some(m), false) = (mid, placed) {
        argv.push(m);
    }
    Ok(argv)
}

/// `%%` becomes `%`; every other field code inside a word is dropped.
fn expand_field_codes(word: &str) -> String {
    let mut out = String::with_capacity(word.len());
    let mut chars = word.chars();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        if let Some('%') = chars.next() {
            out.push('%');
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::by_id;

    #[test]
    fn the_choice_round_trips_and_unreadable_is_the_default() {
        for c in [OpenIn::MailProgram, OpenIn::Webmail, OpenIn::Command { command: "mutt -f 'x y'".into() }] {
            assert_eq!(from_setting(Some(&to_setting(&c))), c);
        }
        assert_eq!(to_setting(&OpenIn::Webmail), r#"{"kind":"webmail"}"#);
        assert_eq!(from_setting(None), OpenIn::MailProgram);
        assert_eq!(from_setting(Some("{\"kind\":\"carrier_pigeon\"}")), OpenIn::MailProgram);
        assert_eq!(setting_key("ab12"), "open_in.ab12");
        assert_eq!(validate(&OpenIn::Command { command: "  ".into() }), Err(OpenInError::EmptyCommand));
        assert!(validate(&OpenIn::Command { command: "x".into() }).is_ok());
    }

    #[test]
    fn commands_split_like_shell_words_and_nothing_more() {
        let s = |l: &str| split_command(l).unwrap();
        assert_eq!(s("mutt -f imaps://x"), ["mutt", "-f", "imaps://x"]);
        assert_eq!(s("  a   'b c'  \"d \\\" e\" f\\ g "), ["a", "b c", "d \" e", "f g"]);
        assert_eq!(s("a 'it''s' \"\""), ["a", "its", ""]);
        assert_eq!(s("echo $HOME; rm -rf / | x > y `z`"), ["echo", "$HOME;", "rm", "-rf", "/", "|", "x", ">", "y", "`z`"]);
        assert_eq!(s(r#""a\b""#), [r"a\b"]);
        assert_eq!(split_command("a 'b"), Err(OpenInError::UnclosedQuote('\'')));
        assert_eq!(split_command("a \"b"), Err(OpenInError::UnclosedQuote('"')));
        assert_eq!(split_command("a \\"), Err(OpenInError::TrailingBackslash));
        assert_eq!(split_command(""), Err(OpenInError::EmptyCommand));
        assert_eq!(split_command("''"), Err(OpenInError::EmptyCommand));
    }

    #[test]
    fn the_message_reaches_a_command_only_in_its_environment() {
        let facts = MessageFacts {
            account: "a1",
            folder: "INBOX/Lists",
            uidvalidity: Some(7),
            uid: 42,
            message_id: Some("<x@y>"),
            subject: "$(rm -rf ~) `boom` \0 ; x",
            from: "Eve <eve@example.org>",
        };
        let env = command_env(&facts);
        let get = |k: &str| env.iter().find(|(n, _)| *n == k).map(|(_, v)| v.as_str());
        assert_eq!(get("MAILBELL_SUBJECT"), Some("$(rm -rf ~) `boom`  ; x"));
        assert_eq!(get("MAILBELL_UID"), Some("42"));
        assert_eq!(get("MAILBELL_UIDVALIDITY"), Some("7"));
        assert_eq!(get("MAILBELL_MESSAGE_ID"), Some("<x@y>"));
        assert_eq!(get("MAILBELL_FOLDER"), Some("INBOX/Lists"));
        assert_eq!(get("MAILBELL_FROM"), Some("Eve <eve@example.org>"));
        assert_eq!(get("MAILBELL_ACCOUNT"), Some("a1"));
        let none = command_env(&MessageFacts { uidvalidity: None, message_id: None, ..facts });
        assert!(none.iter().any(|(k, v)| *k == "MAILBELL_UIDVALIDITY" && v.is_empty()));
    }

    #[test]
    fn webmail_finds_the_message_where_it_can_else_opens_the_inbox() {
        let gmail = by_id("gmail").unwrap();
        assert_eq!(
            webmail_url(gmail, Some("<CAF+a b@mail.gmail.com>")).as_deref(),
            Some("https://mail.google.com/mail/u/0/#inbox"),
            "a Message-ID with a space is not one: the inbox"
        );
        assert_eq!(
            webmail_url(gmail, Some("<CAF+ab/=&#@mail.gmail.com>")).as_deref(),
            Some("https://mail.google.com/mail/u/0/#search/rfc822msgid%3ACAF%2Bab%2F%3D%26%23%40mail.gmail.com")
        );
        assert_eq!(webmail_url(gmail, None).as_deref(), Some("https://mail.google.com/mail/u/0/#inbox"));
        assert_eq!(webmail_url(by_id("fastmail").unwrap(), Some("<a@b>")).as_deref(), Some("https://app.fastmail.com/mail/Inbox/"));
        for p in crate::providers::PROVIDERS {
            if let Some(url) = webmail_url(p, Some("<\"evil\"\n<script>@x>")) {
                assert!(url.starts_with("https://") && !url.contains(['<', '>', '"', '\n', ' ']), "{url}");
            }
        }
    }

    #[test]
    fn message_ids_are_checked_before_they_go_anywhere() {
        assert_eq!(bare_message_id(" <a.b@c> ").as_deref(), Some("a.b@c"));
        assert_eq!(bare_message_id("a@b").as_deref(), Some("a@b"));
        for bad in ["", "<>", "<a b@c>", "<a\n@c>", "<a<b@c>", "<é@c>"] {
            assert_eq!(bare_message_id(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn desktop_entries_are_read_from_their_main_group() {
        let text = "[Desktop Entry]\nName=Thunderbird\nName[de]=Donnervogel\nExec=thunderbird\\s--x %u\nType=Application\n\n[Desktop Action ComposeMessage]\nName=Write\nExec=thunderbird -compose\n";
        assert_eq!(parse_desktop_entry(text), Some(DesktopEntry { name: "Thunderbird".into(), exec: "thunderbird --x %u".into() }));
        assert_eq!(parse_desktop_entry("[Desktop Entry]\nName=X\n"), None);
        assert_eq!(parse_desktop_entry("[Desktop Entry]\nName=X\nExec=x\nHidden=true\n"), None);
    }

    #[test]
    fn thunderbird_gets_the_message_id_others_just_start() {
        let tb = mail_program_argv("org.mozilla.Thunderbird.desktop", "thunderbird %u", Some("<a@b>")).unwrap();
        assert_eq!(tb, ["thunderbird", "mid:a@b"]);
        let tb = mail_program_argv("thunderbird.desktop", "/usr/bin/thunderbird", Some("<a@b>")).unwrap();
        assert_eq!(tb, ["/usr/bin/thunderbird", "mid:a@b"]);
        let tb = mail_program_argv("thunderbird.desktop", "thunderbird %u", Some("<-a b>")).unwrap();
        assert_eq!(tb, ["thunderbird"], "an unusable Message-ID is left out");
        let other = mail_program_argv("org.gnome.Evolution.desktop", "evolution %U --name=\"My Mail\" 100%%", Some("<a@b>")).unwrap();
        assert_eq!(other, ["evolution", "--name=My Mail", "100%"]);
        assert_eq!(mail_program_argv("x.desktop", "%u", None), Err(OpenInError::NoExec));
        assert_eq!(mail_program_argv("x.desktop", "a 'b", None), Err(OpenInError::NoExec));
    }
}
