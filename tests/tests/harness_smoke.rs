//! Tests of the harness itself: if these fail, no end-to-end result means anything.
//!
//! Run through scripts/test.sh (or the dbus-run-session line in it): the keyring test needs the
//! Secret Service that session provides.

use std::fs;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::thread;
use std::time::{Duration, Instant};

use mailbell_e2e::{
    cli_bin, keyring_clear, keyring_has, keyring_lookup, keyring_store, mailgen, require_secret_service, Dovecot, DovecotOptions,
    MessageBuilder, Proxy, ProxyMode, RawImap,
};

type TlsImap = RawImap<native_tls::TlsStream<TcpStream>>;

fn start() -> Dovecot {
    Dovecot::start(DovecotOptions::default()).expect("Dovecot should start")
}

fn tls_connector(dovecot: &Dovecot) -> native_tls::TlsConnector {
    let pem = fs::read(dovecot.ca_cert_path()).expect("read CA");
    let ca = native_tls::Certificate::from_pem(&pem).expect("parse CA");
    native_tls::TlsConnector::builder().add_root_certificate(ca).build().expect("TLS connector")
}

fn imaps(dovecot: &Dovecot, server_name: &str) -> TlsImap {
    let tcp = TcpStream::connect(dovecot.tls_addr()).expect("connect to the TLS port");
    tcp.set_read_timeout(Some(Duration::from_secs(10))).expect("read timeout");
    let tls = tls_connector(dovecot).connect(server_name, tcp).expect("TLS handshake verifies with the test CA");
    RawImap::new(tls).expect("greeting")
}

fn plain(addr: SocketAddr) -> RawImap<TcpStream> {
    RawImap::connect(addr).expect("connect to the plain port")
}

#[test]
fn dovecot_starts_fast_and_imaps_verifies_with_the_ca() {
    let started = Instant::now();
    let dovecot = start();
    println!("Dovecot start-up (certs, config, ready for logins): {:?}", started.elapsed());

    for server_name in ["localhost", "127.0.0.1"] {
        let mut imap = imaps(&dovecot, server_name);
        assert!(imap.login("alice", "alice-secret-pw").expect("login").is_ok());
        let caps = imap.capabilities().expect("capabilities");
        for cap in ["IDLE", "CONDSTORE", "QRESYNC", "LIST-STATUS", "SPECIAL-USE", "UIDPLUS"] {
            assert!(caps.iter().any(|c| c == cap), "{cap} missing from {caps:?}");
        }
        let list = imap.command_ok(r#"LIST "" "*" RETURN (SPECIAL-USE)"#).expect("LIST");
        for expected in [r"(\Drafts)", r"(\Sent)", r"(\Trash)", r"(\Junk)", r"(\Archive)"] {
            assert!(list.untagged.iter().any(|l| l.contains(expected)), "{expected} not in {:?}", list.untagged);
        }
    }
    // Dovecot writes the login lines asynchronously: give its log a moment.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    while dovecot.login_count("alice") < 2 && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    assert_eq!(dovecot.settled_count(|d| d.login_count("alice"), 2), 2);
}

#[test]
fn tls_without_the_test_ca_is_rejected() {
    let dovecot = start();
    let tcp = TcpStream::connect(dovecot.tls_addr()).expect("connect");
    let connector = native_tls::TlsConnector::new().expect("default connector");
    assert!(connector.connect("localhost", tcp).is_err(), "a self-made CA must not verify against system roots");
}

#[test]
fn starttls_is_offered_and_upgrades() {
    let dovecot = start();
    let mut imap = plain(dovecot.plain_addr());
    let caps = imap.capabilities().expect("capabilities");
    assert!(caps.iter().any(|c| c == "STARTTLS"), "STARTTLS missing from {caps:?}");
    imap.command_ok("STARTTLS").expect("STARTTLS");
    let tls = tls_connector(&dovecot).connect("localhost", imap.into_inner()).expect("TLS after STARTTLS");
    // No second greeting after STARTTLS.
    let mut imap = RawImap::without_greeting(tls);
    assert!(imap.login("alice", "alice-secret-pw").expect("login").is_ok());
    assert!(imap.capabilities().expect("capabilities").iter().any(|c| c == "IDLE"));
}

#[test]
fn variant_without_starttls_does_not_offer_it() {
    let dovecot = Dovecot::start(DovecotOptions::default().starttls(false)).expect("start");
    let mut imap = plain(dovecot.plain_addr());
    let caps = imap.capabilities().expect("capabilities");
    assert!(!caps.iter().any(|c| c == "STARTTLS"), "STARTTLS offered: {caps:?}");
    assert!(imap.command("STARTTLS").expect("STARTTLS answer").status.starts_with("BAD"));
    // Plain login still works when a test chooses it.
    assert!(imap.login("alice", "alice-secret-pw").expect("login").is_ok());
}

#[test]
fn variant_without_list_status_does_not_announce_it() {
    let dovecot = Dovecot::start(DovecotOptions::default().list_status(false)).expect("start");
    let mut imap = imaps(&dovecot, "localhost");
    assert!(imap.login("alice", "alice-secret-pw").expect("login").is_ok());
    let caps = imap.capabilities().expect("capabilities");
    assert!(!caps.iter().any(|c| c == "LIST-STATUS"), "LIST-STATUS announced: {caps:?}");
    for cap in ["IDLE", "CONDSTORE", "SPECIAL-USE", "LIST-EXTENDED"] {
        assert!(caps.iter().any(|c| c == cap), "{cap} missing from {caps:?}");
    }
}

#[test]
fn fill_folder_loads_2000_messages_in_uid_order() {
    let dovecot = start();
    dovecot.create_folder("alice", "Bulk").expect("create");
    let started = Instant::now();
    dovecot
        .fill_folder("alice", "Bulk", 2000, |i| mailgen::simple("a@example.com", "alice@example.com", &format!("bulk {i}"), "x"))
        .expect("fill");
    println!("fill_folder 2,000: {:?}", started.elapsed());
    let status = dovecot.status("alice", "Bulk").expect("status");
    assert_eq!(status.messages, 2000);
    assert_eq!(status.unseen, 2000);
    assert_eq!(status.uidnext, 2001);

    // UIDs follow generator order: UID n holds message n-1.
    let mut imap = imaps(&dovecot, "localhost");
    imap.login("alice", "alice-secret-pw").expect("login");
    imap.command_ok("EXAMINE Bulk").expect("EXAMINE");
    let fetch = imap.command_ok("UID FETCH 1,11,2000 (BODY.PEEK[HEADER.FIELDS (SUBJECT)])").expect("fetch");
    // RawImap does not parse literals: each header literal arrives as the line after its FETCH.
    for (uid, n) in [(1, 0), (11, 10), (2000, 1999)] {
        let at = fetch.untagged.iter().position(|l| l.contains(&format!("(UID {uid} "))).expect("FETCH line");
        assert_eq!(fetch.untagged[at + 1], format!("Subject: bulk {n}"), "UID {uid}");
    }
    let flags = dovecot.flags_of("alice", "Bulk").expect("flags");
    assert_eq!(flags.len(), 2000);
    assert!(flags.iter().all(|(_, f)| !f.iter().any(|f| f == "\\Seen")));
}

#[test]
fn fill_folder_10k_timing() {
    let dovecot = start();
    let started = Instant::now();
    dovecot
        .fill_folder("alice", "INBOX", 10_000, |i| {
            MessageBuilder::new().subject(&format!("Nachricht {i} für dich")).text("Hallo\n").build()
        })
        .expect("fill");
    let elapsed = started.elapsed();
    println!("fill_folder 10,000: {elapsed:?}");
    assert_eq!(dovecot.status("alice", "INBOX").expect("status").messages, 10_000);
}

#[test]
fn append_sets_only_the_flags_asked_for() {
    let dovecot = start();
    let raw = mailgen::simple("Bob <bob@example.com>", "alice@example.com", "Hi", "Hello Alice");
    let first = dovecot.append("alice", "INBOX", &raw, &[]).expect("append");
    let second = dovecot.append("alice", "INBOX", &raw, &["\\Seen", "\\Flagged"]).expect("append");
    assert_eq!((first, second), (1, 2));
    let flags = dovecot.flags_of("alice", "INBOX").expect("flags");
    assert_eq!(flags, vec![(1, vec![]), (2, vec!["\\Flagged".to_string(), "\\Seen".to_string()])]);
    let status = dovecot.status("alice", "INBOX").expect("status");
    assert_eq!((status.messages, status.unseen, status.uidnext), (2, 1, 3));

    dovecot.expunge("alice", "INBOX", &[1]).expect("expunge");
    assert_eq!(dovecot.flags_of("alice", "INBOX").expect("flags").len(), 1);
}

#[test]
fn set_uidvalidity_changes_status() {
    let dovecot = start();
    let before = dovecot.status("alice", "INBOX").expect("status");
    let new = before.uidvalidity.wrapping_add(1000);
    dovecot.set_uidvalidity("alice", "INBOX", new).expect("update");
    let after = dovecot.status("alice", "INBOX").expect("status");
    assert_eq!(after.uidvalidity, new);
    assert_ne!(after.uidvalidity, before.uidvalidity);
}

#[test]
fn folders_with_spaces_and_umlauts() {
    let dovecot = start();
    for name in ["Projekte/Übersicht", "My Stuff"] {
        dovecot.create_folder("alice", name).expect("create");
        dovecot.append("alice", name, &mailgen::simple("a@b.example", "alice@example.com", name, "x"), &[]).expect("append");
        dovecot.fill_folder("alice", name, 3, |i| mailgen::simple("a@b.example", "c@d.example", &format!("{i}"), "x")).expect("fill");
        assert_eq!(dovecot.status("alice", name).expect("status").messages, 4, "{name}");
    }
    let folders = dovecot.list_folders("alice").expect("list");
    assert!(folders.contains(&"Projekte/Übersicht".to_string()), "{folders:?}");
    // On the wire the name is modified UTF-7 (RFC 3501 5.1.3).
    let mut imap = imaps(&dovecot, "localhost");
    imap.login("alice", "alice-secret-pw").expect("login");
    let list = imap.command_ok(r#"LIST "" "*""#).expect("LIST");
    assert!(list.untagged.iter().any(|l| l.contains("Projekte/&ANw-bersicht")), "{:?}", list.untagged);
    assert!(list.untagged.iter().any(|l| l.contains("\"My Stuff\"")), "{:?}", list.untagged);

    dovecot.rename_folder("alice", "My Stuff", "Meine Sachen ü").expect("rename");
    assert_eq!(dovecot.status("alice", "Meine Sachen ü").expect("status").messages, 4);
    dovecot.delete_folder("alice", "Meine Sachen ü").expect("delete");
    assert!(!dovecot.list_folders("alice").expect("list").iter().any(|f| f.starts_with("Meine")));
}

#[test]
fn stop_and_start_again_keep_data_and_ports() {
    let mut dovecot = start();
    dovecot.append("alice", "INBOX", &mailgen::simple("a@b.example", "alice@example.com", "keep me", "x"), &[]).expect("append");
    let before = dovecot.status("alice", "INBOX").expect("status");
    let (tls, plain_port) = (dovecot.tls_port(), dovecot.plain_port());

    let mut open = imaps(&dovecot, "localhost");
    open.login("alice", "alice-secret-pw").expect("login");
    dovecot.stop().expect("stop");
    assert!(TcpStream::connect(dovecot.plain_addr()).is_err(), "stopped server still accepts");
    assert!(open.command("NOOP").is_err(), "open session survived the stop");

    let started = Instant::now();
    dovecot.start_again().expect("start again");
    println!("restart: {:?}", started.elapsed());
    assert_eq!((dovecot.tls_port(), dovecot.plain_port()), (tls, plain_port));
    assert_eq!(dovecot.status("alice", "INBOX").expect("status"), before);
    let mut imap = imaps(&dovecot, "localhost");
    assert!(imap.login("alice", "alice-secret-pw").expect("login").is_ok());
}

#[test]
fn start_again_fails_loudly_with_the_log_when_its_port_is_taken() {
    let mut dovecot = start();
    dovecot.stop().expect("stop");
    let _squatter = TcpListener::bind(dovecot.plain_addr()).expect("take the plain port");
    let err = dovecot.start_again().expect_err("port is taken");
    let text = format!("{err:#}");
    assert!(text.contains("Dovecot did not start"), "{text}");
    assert!(text.contains("Address already in use"), "the error should carry Dovecot's log: {text}");
}

#[test]
fn appends_and_bulk_loads_wake_an_idle_session() {
    let dovecot = start();
    let mut imap = imaps(&dovecot, "localhost");
    imap.login("alice", "alice-secret-pw").expect("login");
    imap.command_ok("SELECT INBOX").expect("SELECT");
    imap.write_line("i1 IDLE").expect("IDLE");
    assert!(imap.read_line().expect("continuation").starts_with('+'));

    let started = Instant::now();
    dovecot.append("alice", "INBOX", &mailgen::simple("a@b.example", "alice@example.com", "ping", "x"), &[]).expect("append");
    wait_for_line(&mut imap, "* 1 EXISTS");
    println!("append -> EXISTS in IDLE: {:?}", started.elapsed());

    let started = Instant::now();
    dovecot.fill_folder("alice", "INBOX", 5, |i| mailgen::simple("a@b.example", "c@d.example", &format!("{i}"), "x")).expect("fill");
    wait_for_line(&mut imap, "* 6 EXISTS");
    println!("fill_folder -> EXISTS in IDLE: {:?}", started.elapsed());

    imap.write_line("DONE").expect("DONE");
    wait_for_line(&mut imap, "i1 OK");
}

/// Reads lines until one starts with `prefix` (RawImap's 10 s read timeout bounds the wait).
fn wait_for_line(imap: &mut TlsImap, prefix: &str) {
    loop {
        let line = imap.read_line().unwrap_or_else(|err| panic!("waiting for {prefix:?}: {err:#}"));
        if line.starts_with(prefix) {
            return;
        }
    }
}

#[test]
fn multipart_messages_have_the_structure_asked_for() {
    let dovecot = start();
    let raw = MessageBuilder::new()
        .subject("Grüße")
        .text("Hallo Welt\n")
        .html("<p>Hallo <b>Welt</b></p>")
        .attachment("notes.txt", "text/plain", b"some notes\n".to_vec())
        .with_attachment_bytes(1000)
        .build();
    dovecot.append("alice", "INBOX", &raw, &[]).expect("append");
    let mut imap = imaps(&dovecot, "localhost");
    imap.login("alice", "alice-secret-pw").expect("login");
    imap.command_ok("EXAMINE INBOX").expect("EXAMINE");
    let fetch = imap.command_ok("FETCH 1 (BODYSTRUCTURE ENVELOPE)").expect("FETCH");
    let text = fetch.untagged.join("\n").to_ascii_lowercase();
    for part in [
        r#"("text" "plain""#,
        r#"("text" "html""#,
        r#""alternative""#,
        r#""application" "octet-stream""#,
        r#""mixed""#,
        r#""=?utf-8?b?r3ldvmofzq==?=""#,
    ] {
        assert!(text.contains(part), "{part} not in {text}");
    }
}

#[test]
fn wrong_passwords_fail_fast_and_are_logged() {
    let dovecot = start();
    let started = Instant::now();
    for _ in 0..3 {
        let mut imap = plain(dovecot.plain_addr());
        assert!(imap.login("alice", "wrong").expect("answer").status.starts_with("NO"));
    }
    let mut imap = plain(dovecot.plain_addr());
    assert!(imap.login("alice", "alice-secret-pw").expect("login").is_ok());
    let elapsed = started.elapsed();
    println!("3 failed + 1 good login: {elapsed:?}");
    // Dovecot's anvil penalty would make this take 2 + 4 + 8 s.
    assert!(elapsed < Duration::from_secs(5), "auth penalty still active: {elapsed:?}");
    assert_eq!(dovecot.settled_count(|d| d.auth_failure_count("alice"), 3), 3);
    assert_eq!(dovecot.settled_count(|d| d.login_count("alice"), 1), 1);
}

#[test]
fn large_generated_message_is_stored_whole() {
    let dovecot = start();
    let started = Instant::now();
    let raw = MessageBuilder::new().subject("big").with_attachment_bytes(20 << 20).build();
    println!("built a {} byte message in {:?}", raw.len(), started.elapsed());
    assert!(raw.len() > 27_000_000);
    dovecot.append("alice", "INBOX", &raw, &[]).expect("append");
    assert_eq!(dovecot.status("alice", "INBOX").expect("status").messages, 1);
    println!("built and appended in {:?}", started.elapsed());
}

#[test]
fn proxy_forwards_and_counts_bytes() {
    let dovecot = start();
    let proxy = Proxy::start(dovecot.plain_addr(), ProxyMode::Passthrough).expect("proxy");
    let mut imap = plain(proxy.addr());
    let greeting_len = imap.greeting().len() as u64 + 2;
    imap.login("alice", "alice-secret-pw").expect("login");
    imap.command_ok("NOOP").expect("NOOP");
    imap.command_ok("LOGOUT").expect("LOGOUT");
    drop(imap);

    let sent = ["t1 LOGIN \"alice\" \"alice-secret-pw\"\r\n", "t2 NOOP\r\n", "t3 LOGOUT\r\n"].iter().map(|s| s.len() as u64).sum::<u64>();
    wait_until(|| proxy.active_connections() == 0);
    assert_eq!(proxy.bytes_to_server(), sent);
    assert!(proxy.bytes_to_client() > greeting_len, "{} <= {greeting_len}", proxy.bytes_to_client());
    assert_eq!(proxy.connections(), 1);
    assert_eq!(dovecot.settled_count(|d| d.login_count("alice"), 1), 1);
}

#[test]
fn proxy_delay_adds_round_trip_time() {
    let dovecot = start();
    let proxy = Proxy::start(dovecot.plain_addr(), ProxyMode::Passthrough).expect("proxy");
    let mut imap = plain(proxy.addr());
    let rtt = |imap: &mut RawImap<TcpStream>| {
        let started = Instant::now();
        imap.command_ok("CAPABILITY").expect("CAPABILITY");
        started.elapsed()
    };
    let direct = rtt(&mut imap);
    let delay = Duration::from_millis(25);
    proxy.set_mode(ProxyMode::Delay(delay));
    let delayed = rtt(&mut imap);
    println!("CAPABILITY round trip: {direct:?} passthrough, {delayed:?} with {delay:?} each way");
    assert!(delayed >= delay * 2, "{delayed:?} < 2 x {delay:?}");
}

#[test]
fn proxy_delay_does_not_cap_throughput() {
    // A sink that reads everything and answers with the byte count.
    let sink = TcpListener::bind("127.0.0.1:0").expect("bind sink");
    let sink_addr = sink.local_addr().expect("addr");
    thread::spawn(move || {
        if let Ok((mut conn, _)) = sink.accept() {
            let mut total = 0u64;
            let mut buf = vec![0u8; 64 * 1024];
            while let Ok(n) = conn.read(&mut buf) {
                if n == 0 {
                    break;
                }
                total += n as u64;
            }
            let _ = conn.write_all(total.to_string().as_bytes());
        }
    });
    let delay = Duration::from_millis(20);
    let proxy = Proxy::start(sink_addr, ProxyMode::Delay(delay)).expect("proxy");
    let mut conn = TcpStream::connect(proxy.addr()).expect("connect");
    let payload = vec![7u8; 16 << 20];
    let started = Instant::now();
    conn.write_all(&payload).expect("write");
    conn.shutdown(std::net::Shutdown::Write).expect("half-close");
    let mut answer = String::new();
    conn.read_to_string(&mut answer).expect("read answer");
    let elapsed = started.elapsed();
    println!("16 MiB through a {delay:?} one-way delay: {elapsed:?}");
    assert_eq!(answer, (16u64 << 20).to_string());
    // One chunk per delay would be 1024 chunks x 20 ms = 20 s.
    assert!(elapsed < Duration::from_secs(5), "{elapsed:?}");
}

#[test]
fn proxy_stall_reset_and_cut() {
    let dovecot = start();
    let proxy = Proxy::start(dovecot.plain_addr(), ProxyMode::Stall).expect("proxy");

    // Stall: the connection opens but nothing comes back.
    let mut stalled = TcpStream::connect(proxy.addr()).expect("connect");
    stalled.set_read_timeout(Some(Duration::from_millis(300))).expect("timeout");
    let mut buf = [0u8; 64];
    let err = stalled.read(&mut buf).expect_err("no greeting while stalled");
    assert!(matches!(err.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut), "{err}");
    stalled.write_all(b"a NOOP\r\n").expect("writes are swallowed");

    // Reset: the stalled connection dies.
    proxy.reset_all();
    stalled.set_read_timeout(Some(Duration::from_secs(5))).expect("timeout");
    match stalled.read(&mut buf) {
        Ok(0) | Err(_) => {}
        Ok(n) => panic!("read {n} bytes after reset_all"),
    }
    wait_until(|| proxy.active_connections() == 0);

    // Cut: exactly 10 bytes of the greeting arrive, then the connection closes.
    proxy.set_mode(ProxyMode::Passthrough);
    proxy.cut_after_bytes(10);
    let mut cut = TcpStream::connect(proxy.addr()).expect("connect");
    cut.set_read_timeout(Some(Duration::from_secs(5))).expect("timeout");
    let mut received = Vec::new();
    let _ = cut.read_to_end(&mut received);
    assert_eq!(received, b"* OK [CAPA");

    proxy.clear_cut();
    let mut imap = plain(proxy.addr());
    assert!(imap.login("alice", "alice-secret-pw").expect("login").is_ok());
}

#[test]
fn keyring_round_trip() {
    require_secret_service().expect("Secret Service");
    let (service, user) = ("mailbell-e2e-smoke", format!("acct-{}", std::process::id()));
    assert!(!keyring_has(service, &user).expect("has"));
    keyring_store(service, &user, "pa ss:wörd").expect("store");
    assert_eq!(keyring_lookup(service, &user).expect("lookup").as_deref(), Some("pa ss:wörd"));
    keyring_clear(service, &user).expect("clear");
    assert_eq!(keyring_lookup(service, &user).expect("lookup"), None);
}

#[test]
fn cli_bin_is_found_or_explains_how_to_build_it() {
    match cli_bin() {
        Ok(path) => assert!(path.is_file()),
        Err(err) => assert!(err.to_string().contains("cargo build -p mailbell-cli"), "{err}"),
    }
}

fn wait_until(mut condition: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(5);
    while !condition() {
        assert!(Instant::now() < deadline, "condition not reached within 5 s");
        thread::sleep(Duration::from_millis(5));
    }
}
