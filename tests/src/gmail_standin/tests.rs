//! The stand-in against a raw client: what it says must be what Gmail says where Mailbell
//! listens, and nothing a client sends may bring it down.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;

use super::{GmailStandin, StandinMessage, StandinMode};
use crate::RawImap;

const USER: &str = "alice@gmail.com";
const PW: &str = "app-password";
const WAIT: Duration = Duration::from_secs(10);

fn standin(mode: StandinMode) -> GmailStandin {
    GmailStandin::start(mode, USER, PW).expect("start the stand-in")
}

fn login(g: &GmailStandin) -> RawImap<TcpStream> {
    let mut c = RawImap::connect(g.addr()).expect("connect");
    c.login(USER, PW).expect("login").is_ok().then_some(()).expect("login accepted");
    c
}

fn mail(subject: &str) -> Vec<u8> {
    crate::simple("Bob <bob@example.org>", USER, subject, "Hello from the stand-in.")
}

/// All lines of an answer, untagged and tagged, for `contains` checks.
fn text(r: &crate::Response) -> String {
    format!("{}\n{}", r.untagged.join("\n"), r.status)
}

#[test]
fn greeting_capabilities_and_sign_in() {
    let g = standin(StandinMode::Gmail);
    let mut c = RawImap::connect(g.addr()).unwrap();
    assert!(c.greeting().starts_with("* OK [CAPABILITY IMAP4rev1 "), "{}", c.greeting());
    assert!(c.greeting().contains("Gimap ready"));
    let caps = c.capabilities().unwrap();
    for want in ["X-GM-EXT-1", "IDLE", "AUTH=PLAIN", "SASL-IR"] {
        assert!(caps.iter().any(|c| c == want), "{want} in {caps:?}");
    }
    assert_eq!(c.command("LIST \"\" \"*\"").unwrap().status, "BAD Command not valid before authentication");
    let wrong = c.login(USER, "nope").unwrap();
    assert_eq!(wrong.status, "NO [AUTHENTICATIONFAILED] Invalid credentials (Failure)");
    let ok = c.login(USER, PW).unwrap();
    assert!(ok.status.starts_with("OK [CAPABILITY IMAP4rev1 "), "{}", ok.status);
    let caps = c.capabilities().unwrap();
    for want in ["X-GM-EXT-1", "UIDPLUS", "MOVE", "SPECIAL-USE", "IDLE", "UNSELECT"] {
        assert!(caps.iter().any(|c| c == want), "{want} in {caps:?}");
    }
    for never in ["LIST-STATUS", "CONDSTORE", "QRESYNC", "NOTIFY", "ENABLE", "OBJECTID"] {
        assert!(!caps.iter().any(|c| c.starts_with(never)), "{never} in {caps:?}");
    }

    // AUTHENTICATE PLAIN with an initial response, and with a continuation.
    let plain = STANDARD.encode(format!("\0{USER}\0{PW}"));
    let mut c = RawImap::connect(g.addr()).unwrap();
    assert!(c.authenticate("PLAIN", &plain, "*").unwrap().response.is_ok());
    let mut c = RawImap::connect(g.addr()).unwrap();
    c.write_line("a1 AUTHENTICATE PLAIN").unwrap();
    assert_eq!(c.read_line().unwrap(), "+ ");
    c.write_line(&STANDARD.encode(format!("\0{USER}\0wrong"))).unwrap();
    assert!(c.read_line().unwrap().starts_with("a1 NO [AUTHENTICATIONFAILED]"));
    // A literal, as a client sends a password it cannot quote.
    c.write_line(&format!("a2 LOGIN {USER} {{{}}}", PW.len())).unwrap();
    assert!(c.read_line().unwrap().starts_with('+'));
    c.write_line(PW).unwrap();
    assert!(c.read_line().unwrap().starts_with("a2 OK"));
}

#[test]
fn modes_offer_their_own_identifiers() {
    let objectid = standin(StandinMode::ObjectId);
    let id = objectid.add(StandinMessage::new(mail("one")).labels(&["INBOX"]).emailid("Mfeedface01")).unwrap();
    let mut c = login(&objectid);
    let caps = c.capabilities().unwrap();
    assert!(caps.iter().any(|c| c == "OBJECTID") && !caps.iter().any(|c| c == "X-GM-EXT-1"), "{caps:?}");
    c.command_ok("EXAMINE INBOX").unwrap();
    let r = c.command_ok("UID FETCH 1:* (UID EMAILID)").unwrap();
    assert_eq!(r.untagged, vec!["* 1 FETCH (UID 1 EMAILID (Mfeedface01))"]);
    assert!(c.command("UID FETCH 1:* (X-GM-MSGID)").unwrap().status.starts_with("BAD"));
    let other = objectid.add(StandinMessage::new(mail("two")).labels(&["INBOX"]).msgid(0xabc)).unwrap();
    let r = c.command_ok("UID FETCH 2 (EMAILID)").unwrap();
    assert_eq!(r.untagged, vec!["* 2 EXISTS", "* 2 FETCH (UID 2 EMAILID (M0000000000000abc))"]);
    assert_ne!(id, other);

    let plain = standin(StandinMode::Plain);
    plain.add_message(&mail("x"), &["INBOX"]).unwrap();
    let mut c = login(&plain);
    let caps = c.capabilities().unwrap();
    assert!(!caps.iter().any(|c| c == "OBJECTID" || c == "X-GM-EXT-1"), "{caps:?}");
    c.command_ok("EXAMINE INBOX").unwrap();
    for item in ["X-GM-MSGID", "EMAILID", "X-GM-LABELS"] {
        assert!(c.command(&format!("UID FETCH 1:* ({item})")).unwrap().status.starts_with("BAD"), "{item}");
    }
}

#[test]
fn list_shows_gmails_folders_and_labels() {
    let g = standin(StandinMode::Gmail);
    g.create_label("Projekte/Übersicht").unwrap();
    g.create_label("Work").unwrap();
    let mut c = login(&g);
    for command in ["LIST \"\" \"*\"", "LIST \"\" \"*\" RETURN (SPECIAL-USE)"] {
        let r = c.command_ok(command).unwrap();
        assert_eq!(
            r.untagged,
            vec![
                "* LIST (\\HasNoChildren) \"/\" \"INBOX\"",
                "* LIST (\\HasChildren) \"/\" \"Projekte\"",
                "* LIST (\\HasNoChildren) \"/\" \"Projekte/&ANw-bersicht\"",
                "* LIST (\\HasNoChildren) \"/\" \"Work\"",
                "* LIST (\\HasChildren \\Noselect) \"/\" \"[Gmail]\"",
                "* LIST (\\HasNoChildren \\All) \"/\" \"[Gmail]/All Mail\"",
                "* LIST (\\HasNoChildren \\Drafts) \"/\" \"[Gmail]/Drafts\"",
                "* LIST (\\HasNoChildren \\Important) \"/\" \"[Gmail]/Important\"",
                "* LIST (\\HasNoChildren \\Sent) \"/\" \"[Gmail]/Sent Mail\"",
                "* LIST (\\HasNoChildren \\Junk) \"/\" \"[Gmail]/Spam\"",
                "* LIST (\\HasNoChildren \\Flagged) \"/\" \"[Gmail]/Starred\"",
                "* LIST (\\HasNoChildren \\Trash) \"/\" \"[Gmail]/Trash\"",
            ],
            "{command}"
        );
    }
    let r = c.command_ok("LIST \"\" \"[Gmail]/%\"").unwrap();
    assert_eq!(r.untagged.len(), 7);
    assert_eq!(c.command_ok("LIST \"\" \"inbox\"").unwrap().untagged.len(), 1);
    assert!(c.command("LIST \"\" \"*\" RETURN (STATUS (MESSAGES))").unwrap().status.starts_with("BAD"));
    let r = c.command("STATUS \"[Gmail]\" (MESSAGES)").unwrap();
    assert!(r.status.starts_with("NO [NONEXISTENT]"), "{}", r.status);
}

#[test]
fn one_message_is_a_copy_in_each_of_its_folders_with_shared_flags() {
    let g = standin(StandinMode::Gmail);
    g.create_label("Work").unwrap();
    let earlier = g.add_message(&mail("earlier"), &[]).unwrap();
    let id = g.add(StandinMessage::new(mail("labelled")).labels(&["INBOX", "Work"]).msgid(1_278_455_344_230_334_865)).unwrap();
    assert_ne!(earlier, id);
    let (inbox, work, all) = (g.folder("INBOX").unwrap(), g.folder("Work").unwrap(), g.folder("[Gmail]/All Mail").unwrap());
    assert_eq!(inbox.uids.len(), 1);
    assert_eq!(work.uids.len(), 1);
    assert_eq!(all.uids.len(), 2, "All Mail has everything");
    assert!(inbox.uidvalidity != work.uidvalidity && work.uidvalidity != all.uidvalidity);
    assert_ne!(g.uid_in(id, "INBOX"), g.uid_in(id, "[Gmail]/All Mail"), "each copy its own UID");

    let mut c = login(&g);
    let r = c.command_ok("STATUS INBOX (MESSAGES UIDNEXT UIDVALIDITY UNSEEN HIGHESTMODSEQ)").unwrap();
    assert_eq!(
        r.untagged,
        vec![format!("* STATUS \"INBOX\" (MESSAGES 1 UIDNEXT {} UIDVALIDITY {} UNSEEN 1)", inbox.uidnext, inbox.uidvalidity)]
    );

    // EXAMINE and a pipelined UID FETCH of Mailbell's items plus X-GM-MSGID, in one write.
    let all_uid = g.uid_in(id, "[Gmail]/All Mail").unwrap();
    c.write_line(&format!(
        "p1 EXAMINE \"[Gmail]/All Mail\"\r\np2 UID FETCH {all_uid}:* (UID FLAGS INTERNALDATE RFC822.SIZE X-GM-MSGID \
         BODY.PEEK[HEADER.FIELDS (SUBJECT)]<0.8192> BODY.PEEK[TEXT]<0.5>)"
    ))
    .unwrap();
    let mut lines = Vec::new();
    while !lines.last().is_some_and(|l: &String| l.starts_with("p2 ")) {
        lines.push(c.read_line().unwrap());
    }
    let all_text = lines.join("\n");
    assert!(all_text.contains("\n* 2 EXISTS\n"), "{all_text}");
    assert!(all_text.contains(&format!("* OK [UIDVALIDITY {}]", all.uidvalidity)), "{all_text}");
    assert!(all_text.contains("p1 OK [READ-ONLY] [Gmail]/All Mail selected. (Success)"), "{all_text}");
    let fetch = lines.iter().position(|l| l.starts_with("* 2 FETCH")).expect("a FETCH answer");
    assert!(lines[fetch].starts_with(&format!("* 2 FETCH (UID {all_uid} FLAGS () INTERNALDATE \"")), "{}", lines[fetch]);
    assert!(lines[fetch].contains(" X-GM-MSGID 1278455344230334865 BODY[HEADER.FIELDS (SUBJECT)]<0> {21}"), "{}", lines[fetch]);
    assert_eq!(lines[fetch + 1], "Subject: labelled");
    assert_eq!(lines[fetch + 2], "");
    assert_eq!(lines[fetch + 3], " BODY[TEXT]<0> {5}");
    assert_eq!(lines[fetch + 4], "Hello)");
    assert_eq!(lines.last().map(String::as_str), Some("p2 OK Success"));
    // `n:*` past the newest UID answers the newest.
    let r = c.command_ok("UID FETCH 99999:* (X-GM-MSGID)").unwrap();
    assert_eq!(r.untagged, vec![format!("* 2 FETCH (UID {all_uid} X-GM-MSGID {id})")]);
    let r = c.command_ok("UID FETCH 1:* (UID X-GM-LABELS)").unwrap();
    assert!(r.untagged[1].contains("X-GM-LABELS (\"\\\\Inbox\" \"Work\")"), "{r:?}");

    // Flags are the message's: set once, seen in every copy.
    g.set_flags(id, &["\\Seen"], &[]).unwrap();
    let r = c.command_ok("NOOP").unwrap();
    assert_eq!(r.untagged, vec![format!("* 2 FETCH (UID {all_uid} FLAGS (\\Seen))")], "unsolicited flag news");
    c.command_ok("EXAMINE Work").unwrap();
    let r = c.command_ok("UID FETCH 1:* (FLAGS)").unwrap();
    assert!(r.untagged[0].ends_with("FLAGS (\\Seen))"), "{r:?}");
    assert!(g.mutations().is_empty());
    assert!(c.command("UID STORE 1:* +FLAGS (\\Flagged)").unwrap().status.starts_with("NO"), "EXAMINE is read-only");
    assert_eq!(g.mutations().len(), 1, "a tried STORE counts");

    // Starring in one folder stars every copy, and puts the message in Starred.
    c.command_ok("SELECT INBOX").unwrap();
    let r = c.command_ok("UID STORE 1:* +FLAGS (\\Flagged)").unwrap();
    assert!(r.untagged[0].contains("FLAGS (\\Flagged \\Seen)"), "{r:?}");
    assert_eq!(g.flags(id).unwrap(), vec!["\\Flagged", "\\Seen"]);
    assert_eq!(g.folder("[Gmail]/Starred").unwrap().uids.len(), 1);
    // A FETCH of a body without PEEK in a selected folder marks it \Seen: a mutation.
    g.set_flags(id, &[], &["\\Seen"]).unwrap();
    c.command_ok("UID FETCH 1:* (BODY[TEXT])").unwrap();
    assert!(g.flags(id).unwrap().contains(&"\\Seen".to_string()));
    assert_eq!(g.mutations().len(), 3);
    assert_eq!(g.mutations()[2].name(), "UID FETCH");
}

#[test]
fn a_later_label_is_a_new_copy_with_a_new_uid() {
    let g = standin(StandinMode::Gmail);
    g.create_label("Receipts").unwrap();
    let id = g.add_message(&mail("order"), &["INBOX"]).unwrap();
    let before = g.folder("Receipts").unwrap();
    let uid = g.add_label(id, "Receipts").unwrap();
    assert_eq!(uid, before.uidnext);
    assert_eq!(g.add_label(id, "Receipts").unwrap(), uid, "labelling twice keeps the copy");
    let mut c = login(&g);
    let r = c.command_ok("STATUS Receipts (UIDNEXT MESSAGES)").unwrap();
    assert_eq!(r.untagged, vec![format!("* STATUS \"Receipts\" (UIDNEXT {} MESSAGES 1)", uid + 1)]);
    c.command_ok("EXAMINE Receipts").unwrap();
    let r = c.command_ok(&format!("UID FETCH {uid} (X-GM-MSGID)")).unwrap();
    assert_eq!(r.untagged, vec![format!("* 1 FETCH (UID {uid} X-GM-MSGID {id})")]);
    // Taking the label off again expunges that copy only.
    assert!(g.remove_label(id, "Receipts").unwrap());
    assert_eq!(c.command_ok("NOOP").unwrap().untagged, vec!["* 1 EXPUNGE"]);
    assert_eq!(g.folder("INBOX").unwrap().uids.len(), 1);
    g.delete(id).unwrap();
    assert!(g.folder("[Gmail]/All Mail").unwrap().uids.is_empty());
    // Spam stays out of All Mail.
    g.add_message(&mail("spam"), &["[Gmail]/Spam"]).unwrap();
    assert!(g.folder("[Gmail]/All Mail").unwrap().uids.is_empty());
    assert_eq!(g.folder("[Gmail]/Spam").unwrap().uids.len(), 1);
}

#[test]
fn search_since_and_all() {
    let g = standin(StandinMode::Gmail);
    let old = chrono::DateTime::parse_from_rfc3339("2020-03-01T10:00:00+00:00").unwrap();
    g.add(StandinMessage::new(mail("old")).labels(&["INBOX"]).internal_date(old)).unwrap();
    let new = g.add_message(&mail("new"), &["INBOX"]).unwrap();
    let mut c = login(&g);
    c.command_ok("EXAMINE INBOX").unwrap();
    assert_eq!(c.command_ok("UID SEARCH ALL").unwrap().untagged, vec!["* SEARCH 1 2"]);
    assert_eq!(c.command_ok("UID SEARCH SINCE 1-Jan-2021").unwrap().untagged, vec!["* SEARCH 2"]);
    assert_eq!(c.command_ok("UID SEARCH BEFORE 01-Jan-2021").unwrap().untagged, vec!["* SEARCH 1"]);
    assert_eq!(c.command_ok("UID SEARCH UID 2:5").unwrap().untagged, vec!["* SEARCH 2"]);
    assert_eq!(c.command_ok(&format!("UID SEARCH X-GM-MSGID {new}")).unwrap().untagged, vec!["* SEARCH 2"]);
    assert_eq!(c.command_ok("UID SEARCH OR SUBJECT old (SEEN)").unwrap().untagged, vec!["* SEARCH 1"]);
    assert_eq!(c.command_ok("SEARCH SINCE 1-Jan-2030").unwrap().untagged, vec!["* SEARCH"]);
    assert!(c.command("UID SEARCH SINCE yesterday").unwrap().status.starts_with("BAD"));
}

#[test]
fn idle_hears_new_mail_in_its_folder() {
    let g = standin(StandinMode::Gmail);
    g.create_label("Work").unwrap();
    let mut c = login(&g);
    c.command_ok("EXAMINE INBOX").unwrap();
    c.write_line("i1 IDLE").unwrap();
    assert_eq!(c.read_line().unwrap(), "+ idling");
    assert!(g.wait_for(WAIT, |g| g.idling() == 1), "the session is idling");
    // Mail elsewhere says nothing to this session; mail in INBOX does.
    g.add_message(&mail("work only"), &["Work"]).unwrap();
    g.add_message(&mail("news"), &["INBOX"]).unwrap();
    assert_eq!(c.read_line().unwrap(), "* 1 EXISTS");
    c.write_line("DONE").unwrap();
    assert_eq!(c.read_line().unwrap(), "i1 OK IDLE terminated (Success)");
    assert!(g.wait_for(WAIT, |g| g.idling() == 0));
    let names: Vec<String> = g.log().iter().map(|c| c.name()).collect();
    assert_eq!(names, ["LOGIN", "EXAMINE", "IDLE", "DONE"]);
    assert!(g.log().iter().all(|l| l.conn == 1));
}

#[test]
fn bad_input_is_answered_and_nothing_breaks() {
    let g = standin(StandinMode::Gmail);
    g.add_message(&mail("x"), &["INBOX"]).unwrap();
    let mut c = login(&g);
    for bad in [
        "FROB",
        "UID FROB 1",
        "EXAMINE",
        "EXAMINE \"unterminated",
        "EXAMINE (((",
        "FETCH 1 (FLAGS)",
        "STATUS INBOX (BOGUS)",
        "STATUS INBOX MESSAGES",
        "SELECT INBOX (CONDSTORE)",
        "UID FETCH x:y (FLAGS)",
        "UID FETCH 0 (FLAGS)",
        "LIST",
        "APPEND INBOX (\\Seen) x",
        "LOGIN a b",
        "AUTHENTICATE XOAUTH2 abc",
    ] {
        let r = c.command(bad).unwrap();
        assert!(r.status.starts_with("BAD"), "{bad}: {}", r.status);
    }
    c.write_line("* NOOP").unwrap();
    assert_eq!(c.read_line().unwrap(), "* BAD Invalid tag");
    c.command_ok("EXAMINE INBOX").unwrap();
    assert!(c.command("UID FETCH 1 (BODY[1])").unwrap().status.starts_with("BAD"));
    assert!(text(&c.command_ok("UID FETCH 1 (UID)").unwrap()).contains("UID 1"));

    // An endless line ends that connection only.
    let mut raw = TcpStream::connect(g.addr()).unwrap();
    raw.set_read_timeout(Some(WAIT)).unwrap();
    let _ = raw.write_all(&vec![b'a'; 200 * 1024]);
    let mut answer = Vec::new();
    let _ = raw.read_to_end(&mut answer);
    assert!(String::from_utf8_lossy(&answer).contains("* BYE Command line too long"));
    assert!(g.wait_for(WAIT, |g| g.connections_open() == 1), "closed connections are counted out");
    // Non-UTF-8 and a lone literal marker.
    let mut raw = TcpStream::connect(g.addr()).unwrap();
    raw.write_all(b"a1 LOGIN \xff\xfe {2}\r\n").unwrap();
    drop(raw);
    assert!(c.command_ok("NOOP").is_ok());
    assert!(g.wait_for(WAIT, |g| g.connections_open() == 1));
    assert_eq!(g.connections_max(), 2);
    assert_eq!(g.connections_total(), 3);
    assert!(g.mutations().iter().all(|m| m.name() == "APPEND"), "{:?}", g.mutations());
}

#[test]
fn dropping_the_standin_closes_everything() {
    let g = standin(StandinMode::Gmail);
    let addr = g.addr();
    let mut c = login(&g);
    drop(g);
    assert!(c.read_line().is_err(), "the session was closed");
    assert!(TcpStream::connect(addr).is_err(), "the listener was closed");
}
