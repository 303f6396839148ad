//! Server discovery against real local servers: an HTTP(S) server (the harness's
//! `mailbell_e2e::http`) serving autoconfig documents (the real HTTP protocol over loopback),
//! dnsmasq answering SRV and A records, and the test Dovecot answering probes of guessed names. Nothing leaves the machine:
//! every URL template, the nameserver and the guess ports are injected.

mod common;

use std::net::{SocketAddr, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::{Env, ALICE, ALICE_PW};
use mailbell_e2e::http::{HttpServer, Reply};
use mailbell_e2e::{cli_bin, Certificate, Dovecot, DovecotOptions, Proxy, ProxyMode};
use mailbell_sync::discover::{discover, discover_detailed, Candidate, DiscoveryError, DiscoveryOptions, Source, SourceKind};
use mailbell_sync::Security;
use serde_json::Value;

// ---------------------------------------------------------------------------------------
// dnsmasq as the nameserver.

struct Dnsmasq {
    child: Child,
    addr: SocketAddr,
    log: PathBuf,
    _dir: tempfile::TempDir,
}

impl Dnsmasq {
    /// Starts dnsmasq on a free loopback port with these extra options (e.g.
    /// `--srv-host=...`, `--address=/name/127.0.0.1`). Panics, with its log, if it cannot.
    fn start(extra: &[String]) -> Dnsmasq {
        let bin = ["/usr/sbin/dnsmasq", "/usr/bin/dnsmasq"]
            .into_iter()
            .map(PathBuf::from)
            .find(|p| p.is_file())
            .expect("dnsmasq is not installed: install the Debian package dnsmasq-base (scripts/test.sh does)");
        let dir = tempfile::tempdir().expect("tempdir");
        let log = dir.path().join("dnsmasq.log");
        let mut last_log = String::new();
        for _ in 0..5 {
            let port = UdpSocket::bind("127.0.0.1:0").and_then(|s| s.local_addr()).expect("free port").port();
            let log_file = std::fs::File::create(&log).expect("log file");
            let mut child = Command::new(&bin)
                .args([
                    "--keep-in-foreground",
                    "--no-daemon",
                    &format!("--port={port}"),
                    "--listen-address=127.0.0.1",
                    "--bind-interfaces",
                    "--no-resolv",
                    "--no-hosts",
                    "--no-poll",
                    "--conf-file=/dev/null",
                    "--log-queries",
                    "--log-facility=-",
                    "--user=root",
                ])
                .args(extra)
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(log_file)
                .spawn()
                .expect("spawn dnsmasq");
            let deadline = Instant::now() + Duration::from_secs(10);
            loop {
                if let Ok(Some(status)) = child.try_wait() {
                    last_log = std::fs::read_to_string(&log).unwrap_or_default();
                    if last_log.contains("Address already in use") {
                        break;
                    }
                    panic!("dnsmasq exited ({status}) at start:\n{last_log}");
                }
                // Bound means ready: our own bind of the port then fails.
                if UdpSocket::bind(("127.0.0.1", port)).is_err() {
                    return Dnsmasq { child, addr: SocketAddr::from(([127, 0, 0, 1], port)), log, _dir: dir };
                }
                if Instant::now() > deadline {
                    let _ = child.kill();
                    panic!("dnsmasq did not bind port {port} within 10 s:\n{}", std::fs::read_to_string(&log).unwrap_or_default());
                }
                std::thread::sleep(Duration::from_millis(20));
            }
        }
        panic!("dnsmasq could not find a free port:\n{last_log}");
    }

    fn addr(&self) -> SocketAddr {
        self.addr
    }

    fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Dnsmasq {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

// ---------------------------------------------------------------------------------------
// Helpers.

/// Nothing from the network unless a test asks: no autoconfig, ISPDB, SRV or guesses.
fn offline() -> DiscoveryOptions {
    DiscoveryOptions {
        builtin: true,
        autoconfig_urls: vec![],
        ispdb_url: None,
        srv: false,
        nameserver: None,
        guess_ports: vec![],
        ca_file: None,
        http_timeout: Duration::from_secs(3),
        dns_timeout: Duration::from_secs(2),
        probe_timeout: Duration::from_secs(2),
        total_timeout: Duration::from_secs(20),
    }
}

fn autoconfig_doc(servers: &[(&str, u16, &str)], username: &str) -> String {
    let mut doc = String::from(
        "<?xml version=\"1.0\"?>\n<clientConfig version=\"1.1\">\n <emailProvider id=\"example.test\">\n  <domain>example.test</domain>\n",
    );
    for (host, port, socket) in servers {
        doc.push_str(&format!(
            "  <incomingServer type=\"imap\">\n   <hostname>{host}</hostname>\n   <port>{port}</port>\n   <socketType>{socket}</socketType>\n   <username>{username}</username>\n   <authentication>password-cleartext</authentication>\n  </incomingServer>\n"
        ));
    }
    doc.push_str("  <documentation url=\"https://help.example.test/imap\"/>\n </emailProvider>\n</clientConfig>\n");
    doc
}

fn hpt(c: &Candidate) -> (&str, u16, Security) {
    (c.host.as_str(), c.port, c.security)
}

fn not_found(r: Result<Vec<Candidate>, DiscoveryError>) -> Vec<mailbell_sync::discover::Attempt> {
    match r {
        Err(DiscoveryError::NotFound { attempts, .. }) => attempts,
        other => panic!("expected NotFound, got {other:?}"),
    }
}

// ---------------------------------------------------------------------------------------
// The built-in table and the order of sources.

#[tokio::test]
async fn the_builtin_table_answers_before_any_network_source() {
    let http = HttpServer::start().expect("HTTP test server");
    let opts = DiscoveryOptions { autoconfig_urls: vec![http.url("/mail/config-v1.1.xml")], ..offline() };
    let c = discover("someone@icloud.com", &opts).await.expect("discover");
    assert_eq!(hpt(&c[0]), ("imap.mail.me.com", 993, Security::Tls));
    assert_eq!(c[0].source, Source::Builtin { provider: "icloud".into() });
    assert_eq!(c[0].quirks, vec!["broken-qresync".to_string()]);
    assert!(c[0].note.as_deref().unwrap_or("").contains("app-specific password"));
    assert!(http.requests().is_empty(), "autoconfig asked although the table answered: {:?}", http.requests());
}

#[tokio::test]
async fn autoconfig_from_the_domain_wins_and_later_sources_are_not_asked() {
    let http = HttpServer::start().expect("HTTP test server");
    let dns = Dnsmasq::start(&["--srv-host=_imaps._tcp.example.test,srv.example.test,993".into()]);
    http.route(
        "/mail/config-v1.1.xml",
        Reply::Xml(autoconfig_doc(&[("imap.%EMAILDOMAIN%", 143, "STARTTLS"), ("secure.example.test", 993, "SSL")], "%EMAILLOCALPART%")),
    );
    let opts = DiscoveryOptions {
        autoconfig_urls: vec![
            http.url("/mail/config-v1.1.xml?emailaddress={email}"),
            http.url("/.well-known/autoconfig/mail/config-v1.1.xml"),
        ],
        ispdb_url: Some(http.url("/ispdb/{domain}")),
        srv: true,
        nameserver: Some(dns.addr()),
        ..offline()
    };
    let d = discover_detailed("Alice.Smith@Example.TEST", &opts).await.expect("discover");
    let c = &d.candidates;
    assert_eq!(c.len(), 2, "{c:?}");
    assert_eq!(hpt(&c[0]), ("secure.example.test", 993, Security::Tls), "SSL before STARTTLS");
    assert_eq!(hpt(&c[1]), ("imap.example.test", 143, Security::Starttls));
    assert_eq!(c[0].username_hint.as_deref(), Some("Alice.Smith"));
    assert_eq!(c[0].help_url.as_deref(), Some("https://help.example.test/imap"));
    let url = http.url("/mail/config-v1.1.xml?emailaddress=Alice.Smith%40Example.TEST");
    assert_eq!(c[0].source, Source::Autoconfig { url });
    let asked = http.requests();
    assert!(asked.contains(&"/mail/config-v1.1.xml?emailaddress=Alice.Smith%40Example.TEST".to_string()), "{asked:?}");
    assert!(!asked.iter().any(|r| r.starts_with("/ispdb")), "ISPDB asked after autoconfig answered: {asked:?}");
    assert!(!dns.log().contains("_imaps"), "SRV asked after autoconfig answered:\n{}", dns.log());
    assert!(d.attempts.iter().all(|a| a.source != SourceKind::Srv && a.source != SourceKind::Ispdb));
}

#[tokio::test]
async fn the_well_known_url_then_the_ispdb_are_the_fallbacks() {
    let http = HttpServer::start().expect("HTTP test server");
    http.route("/broken.xml", Reply::Xml("<clientConfig><emailProvider><oops></clientConfig>".into()));
    http.route("/ispdb/example.test", Reply::Chunked(autoconfig_doc(&[("imap.example.test", 993, "SSL")], "%EMAILADDRESS%")));
    let opts = DiscoveryOptions {
        autoconfig_urls: vec![http.url("/missing.xml"), http.url("/broken.xml")],
        ispdb_url: Some(http.url("/ispdb/{domain}")),
        ..offline()
    };
    let d = discover_detailed("bob@example.test", &opts).await.expect("discover");
    assert_eq!(hpt(&d.candidates[0]), ("imap.example.test", 993, Security::Tls));
    assert_eq!(d.candidates[0].source, Source::Ispdb { url: http.url("/ispdb/example.test") });
    assert_eq!(d.candidates[0].username_hint.as_deref(), Some("bob@example.test"));
    let why: Vec<&str> = d.attempts.iter().filter(|a| a.source == SourceKind::Autoconfig).map(|a| a.result.as_str()).collect();
    assert!(why[0].contains("404"), "{why:?}");
    assert!(why[1].contains("not well-formed"), "{why:?}");
}

// ---------------------------------------------------------------------------------------
// Hostile and broken documents.

#[tokio::test]
async fn hostile_documents_are_refused_one_by_one() {
    let laughs = r#"<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;"><!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<clientConfig><emailProvider id="x"><incomingServer type="imap"><hostname>&lol3;</hostname><socketType>SSL</socketType></incomingServer></emailProvider></clientConfig>"#;
    let mut huge = String::from("<clientConfig><emailProvider id=\"x\">");
    while huge.len() < 400 * 1024 {
        huge.push_str("<displayName>aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa</displayName>");
    }
    huge.push_str("</emailProvider></clientConfig>");
    let scripts = autoconfig_doc(
        &[("<script>alert(1)</script>", 993, "SSL"), ("javascript:alert(1)", 993, "SSL"), ("a b.example.test", 143, "STARTTLS")],
        "x",
    )
    .replace("<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;");
    let wrong_types = autoconfig_doc(&[("imap.example.test", 993, "SSL")], "x").replace("<port>993</port>", "<port>nine-nine-three</port>");
    let pop_only = autoconfig_doc(&[], "x").replace(
        "</domain>",
        "</domain><incomingServer type=\"pop3\"><hostname>pop.example.test</hostname><socketType>SSL</socketType></incomingServer>",
    );
    let cases: Vec<(&str, Reply, &str)> = vec![
        ("billion laughs", Reply::Xml(laughs.into()), "DOCTYPE"),
        ("huge document with a length", Reply::Xml(huge.clone()), "larger than"),
        ("huge document, chunked", Reply::Chunked(huge.clone()), "larger than"),
        ("huge document until close", Reply::UntilClose(huge.into_bytes()), "larger than"),
        ("script in host names", Reply::Xml(scripts), "not a host name"),
        ("a word for a port", Reply::Xml(wrong_types), "not a port number"),
        ("only POP3", Reply::Xml(pop_only), "no IMAP server"),
        ("an HTML page", Reply::Xml("<html><body><h1>Welcome</h1></body></html>".into()), "not an autoconfig document"),
        ("binary garbage", Reply::UntilClose((0..5000u32).map(|i| (i.wrapping_mul(2654435761) >> 11) as u8).collect()), "document"),
        ("an empty answer", Reply::Xml(String::new()), "not well-formed"),
    ];
    for (what, reply, expected) in cases {
        let http = HttpServer::start().expect("HTTP test server");
        http.route("/config.xml", reply);
        let opts = DiscoveryOptions { autoconfig_urls: vec![http.url("/config.xml")], ..offline() };
        let started = Instant::now();
        let attempts = not_found(discover("eve@example.test", &opts).await);
        let a = attempts.iter().find(|a| a.source == SourceKind::Autoconfig).unwrap_or_else(|| panic!("{what}: {attempts:?}"));
        assert!(a.result.contains(expected), "{what}: {:?} does not say {expected:?}", a.result);
        assert!(started.elapsed() < Duration::from_secs(3), "{what}: took {:?}", started.elapsed());
    }
}

#[tokio::test]
async fn redirects_are_followed_only_to_https() {
    let dovecot = Dovecot::start(DovecotOptions::default()).expect("dovecot (for its certificate)");
    let https = HttpServer::start_tls(&dovecot).expect("HTTPS test server");
    https.route("/good.xml", Reply::Xml(autoconfig_doc(&[("imap.example.test", 993, "SSL")], "%EMAILADDRESS%")));
    let http = HttpServer::start().expect("HTTP test server");
    http.route("/to-http", Reply::Redirect(http.url("/good.xml")));
    http.route("/good.xml", Reply::Xml(autoconfig_doc(&[("insecure.example.test", 993, "SSL")], "%EMAILADDRESS%")));
    http.route("/to-https", Reply::Redirect(https.url("/good.xml")));
    http.route("/loop", Reply::Redirect(http.url("/loop")));
    let ca = dovecot.ca_cert_path().display().to_string();

    // A redirect to http is never followed.
    let opts = DiscoveryOptions { autoconfig_urls: vec![http.url("/to-http")], ca_file: Some(ca.clone()), ..offline() };
    let attempts = not_found(discover("a@example.test", &opts).await);
    assert!(attempts[1].result.contains("not https"), "{attempts:?}");
    assert!(!http.requests().contains(&"/good.xml".to_string()), "followed a redirect to http");

    // A redirect to https is, with the certificate verified against the given CA.
    let opts = DiscoveryOptions { autoconfig_urls: vec![http.url("/to-https")], ca_file: Some(ca), ..offline() };
    let c = discover("a@example.test", &opts).await.expect("discover over https");
    assert_eq!(c[0].host, "imap.example.test");
    assert_eq!(https.requests(), vec!["/good.xml".to_string()]);

    // Without that CA the HTTPS server is not trusted, and nothing is taken from it.
    let opts = DiscoveryOptions { autoconfig_urls: vec![https.url("/good.xml")], ..offline() };
    let attempts = not_found(discover("a@example.test", &opts).await);
    assert!(attempts[1].result.contains("TLS") && attempts[1].result.contains("not trusted"), "{attempts:?}");

    // A redirect loop ends.
    let opts = DiscoveryOptions { autoconfig_urls: vec![http.url("/loop")], ..offline() };
    let attempts = not_found(discover("a@example.test", &opts).await);
    assert!(attempts[1].result.contains("not https") || attempts[1].result.contains("redirects"), "{attempts:?}");
}

// ---------------------------------------------------------------------------------------
// RFC 6186 SRV records.

#[tokio::test]
async fn srv_records_are_read_in_priority_order_imaps_first() {
    let dns = Dnsmasq::start(&[
        "--srv-host=_imaps._tcp.example.test,backup.example.test,1993,20,0".into(),
        "--srv-host=_imaps._tcp.example.test,imap.example.test,993,10,5".into(),
        "--srv-host=_imap._tcp.example.test,imap.example.test,143,0,0".into(),
    ]);
    let opts = DiscoveryOptions { srv: true, nameserver: Some(dns.addr()), ..offline() };
    let c = discover("carol@example.test", &opts).await.expect("discover");
    let got: Vec<_> = c.iter().map(hpt).collect();
    assert_eq!(
        got,
        vec![
            ("imap.example.test", 993, Security::Tls),
            ("backup.example.test", 1993, Security::Tls),
            ("imap.example.test", 143, Security::Starttls),
        ]
    );
    assert_eq!(c[0].source, Source::Srv { record: "_imaps._tcp.example.test".into() });
    assert_eq!(c[2].source, Source::Srv { record: "_imap._tcp.example.test".into() });
    assert_eq!(c[0].username_hint.as_deref(), Some("carol@example.test"));
}

#[tokio::test]
async fn an_srv_target_of_dot_means_no_service() {
    let dns = Dnsmasq::start(&[
        "--srv-host=_imaps._tcp.none.test".into(),
        "--srv-host=_imap._tcp.none.test".into(),
        "--srv-host=_imaps._tcp.half.test".into(),
        "--srv-host=_imap._tcp.half.test,imap.half.test,143".into(),
    ]);
    let opts = DiscoveryOptions { srv: true, nameserver: Some(dns.addr()), guess_ports: vec![(993, Security::Tls)], ..offline() };
    match discover("dan@none.test", &opts).await {
        Err(e @ DiscoveryError::NoService { .. }) => assert!(e.to_string().contains("offers no IMAP service"), "{e}"),
        other => panic!("expected NoService, got {other:?}"),
    }
    let c = discover("dan@half.test", &opts).await.expect("the STARTTLS record still counts");
    assert_eq!(c.iter().map(hpt).collect::<Vec<_>>(), vec![("imap.half.test", 143, Security::Starttls)]);
}

// ---------------------------------------------------------------------------------------
// Guesses, probed against the test Dovecot.

#[tokio::test]
async fn guesses_find_the_test_dovecot_by_its_name() {
    // The certificate is for mail.example.org only: a probe of that name verifies.
    let dovecot = Dovecot::start(DovecotOptions::default().certificate(Certificate::WrongHost)).expect("dovecot");
    let dns = Dnsmasq::start(&["--address=/mail.example.org/127.0.0.1".into()]);
    let opts = DiscoveryOptions {
        srv: true,
        nameserver: Some(dns.addr()),
        guess_ports: vec![(dovecot.tls_port(), Security::Tls), (dovecot.plain_port(), Security::Starttls)],
        ca_file: Some(dovecot.ca_cert_path().display().to_string()),
        ..offline()
    };
    let d = discover_detailed("alice@example.org", &opts).await.expect("discover");
    let got: Vec<_> = d.candidates.iter().map(hpt).collect();
    assert_eq!(
        got,
        vec![("mail.example.org", dovecot.tls_port(), Security::Tls), ("mail.example.org", dovecot.plain_port(), Security::Starttls),]
    );
    assert!(d.candidates.iter().all(|c| c.source == Source::Guess && c.note.is_none()), "{:?}", d.candidates);
    let tried: Vec<&str> = d.attempts.iter().map(|a| a.target.as_str()).collect();
    assert!(tried.contains(&"imap.example.org"), "imap. was tried first: {tried:?}");
    assert!(d.attempts.iter().any(|a| a.source == SourceKind::Srv), "SRV was asked before guessing");
    assert_eq!(dovecot.login_count(ALICE), 0, "a probe never logs in");
}

#[tokio::test]
async fn guesses_with_an_untrusted_certificate_come_last_with_a_note() {
    let dovecot = Dovecot::start(DovecotOptions::default()).expect("dovecot");
    // Every *.localhost name points at Dovecot, whose certificate names only localhost.
    let dns = Dnsmasq::start(&["--address=/localhost/127.0.0.1".into()]);
    let opts = DiscoveryOptions {
        nameserver: Some(dns.addr()),
        guess_ports: vec![(dovecot.tls_port(), Security::Tls)],
        ca_file: Some(dovecot.ca_cert_path().display().to_string()),
        ..offline()
    };
    let c = discover("alice@localhost", &opts).await.expect("discover");
    assert_eq!(c[0].host, "localhost", "the verified one first: {c:?}");
    assert_eq!(c[0].note, None);
    let rest: Vec<&str> = c[1..].iter().map(|c| c.host.as_str()).collect();
    assert_eq!(rest, vec!["imap.localhost", "mail.localhost"]);
    for u in &c[1..] {
        let note = u.note.as_deref().unwrap_or("");
        assert!(note.contains("not trusted"), "{note}");
    }
}

// ---------------------------------------------------------------------------------------
// Time bounds.

#[tokio::test]
async fn a_silent_server_costs_one_timeout_and_no_more() {
    let dovecot = Dovecot::start(DovecotOptions::default()).expect("dovecot");
    let stalled = Proxy::start(dovecot.tls_addr(), ProxyMode::Stall).expect("proxy");
    let dns = Dnsmasq::start(&["--address=/imap.slow.test/127.0.0.1".into()]);
    let http = HttpServer::start().expect("HTTP test server");
    http.route("/stall", Reply::Stall);
    let opts = DiscoveryOptions {
        autoconfig_urls: vec![http.url("/stall")],
        ispdb_url: Some(http.url("/stall")),
        nameserver: Some(dns.addr()),
        guess_ports: vec![(stalled.port(), Security::Tls)],
        http_timeout: Duration::from_secs(1),
        probe_timeout: Duration::from_secs(1),
        ..offline()
    };
    let started = Instant::now();
    let attempts = not_found(discover("x@slow.test", &opts).await);
    let took = started.elapsed();
    // Autoconfig (1 s), ISPDB (1 s), the probe (1 s), plus DNS answers from loopback.
    assert!(took < Duration::from_secs(6), "took {took:?}: {attempts:?}");
    assert!(took >= Duration::from_secs(3), "the timeouts were not waited for? {took:?}");
    let probe = attempts.iter().find(|a| a.source == SourceKind::Guess && a.target.starts_with("imap.slow.test")).expect("probe attempt");
    assert!(probe.result.contains("within 1 s"), "{probe:?}");
    assert!(attempts.iter().filter(|a| a.result.contains("no complete answer")).count() >= 2, "{attempts:?}");

    // The whole discovery has its own bound, whatever the steps' timeouts.
    let opts = DiscoveryOptions { http_timeout: Duration::from_secs(20), total_timeout: Duration::from_secs(2), ..opts };
    let started = Instant::now();
    match discover("x@slow.test", &opts).await {
        Err(DiscoveryError::TimedOut { .. }) => {}
        other => panic!("expected TimedOut, got {other:?}"),
    }
    assert!(started.elapsed() < Duration::from_secs(4), "took {:?}", started.elapsed());
}

// ---------------------------------------------------------------------------------------
// The CLI.

fn cli_offline_env(http: Option<&HttpServer>, dns: &Dnsmasq) -> Vec<(String, String)> {
    vec![
        ("MAILBELL_AUTOCONFIG_URL".into(), http.map(|h| h.url("/autoconfig/{domain}?address={email}")).unwrap_or_default()),
        ("MAILBELL_ISPDB_URL".into(), String::new()),
        ("MAILBELL_DNS_SERVER".into(), dns.addr().to_string()),
        ("MAILBELL_GUESS_PORTS".into(), String::new()),
    ]
}

fn run_cli(data: &Path, args: &[&str], envs: &[(String, String)]) -> (Option<i32>, String, String) {
    let out = Command::new(cli_bin().expect("mailbell-cli"))
        .arg("--data-dir")
        .arg(data)
        .args(args)
        .env_remove("MAILBELL_DATA_DIR")
        .envs(envs.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .stdin(Stdio::null())
        .output()
        .expect("run mailbell-cli");
    (out.status.code(), String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned())
}

#[test]
fn cli_discover_prints_candidates_with_their_source() {
    let http = HttpServer::start().expect("HTTP test server");
    http.route(
        "/autoconfig/example.test",
        Reply::Xml(autoconfig_doc(&[("imap.example.test", 143, "STARTTLS"), ("imap.example.test", 993, "SSL")], "%EMAILADDRESS%")),
    );
    let dns = Dnsmasq::start(&[]);
    let env = cli_offline_env(Some(&http), &dns);
    let data = tempfile::tempdir().expect("tempdir");

    let (code, stdout, stderr) = run_cli(data.path(), &["account", "discover", "erin@example.test", "--json"], &env);
    assert_eq!(code, Some(0), "{stderr}");
    let v: Value = serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {stdout}"));
    let list = v.as_array().expect("an array");
    assert_eq!(list.len(), 2);
    assert_eq!(list[0]["host"], "imap.example.test");
    assert_eq!(list[0]["port"], 993);
    assert_eq!(list[0]["security"], "tls");
    assert_eq!(list[0]["source"], "autoconfig");
    assert_eq!(list[0]["source_url"], http.url("/autoconfig/example.test?address=erin%40example.test"));
    assert_eq!(list[1]["security"], "starttls");
    assert_eq!(http.requests(), vec!["/autoconfig/example.test?address=erin%40example.test".to_string()]);

    let (code, stdout, _) = run_cli(data.path(), &["account", "discover", "erin@example.test"], &env);
    assert_eq!(code, Some(0));
    assert!(stdout.contains("imap.example.test:993 (tls)  from autoconfig http://"), "{stdout}");

    let (code, stdout, stderr) = run_cli(data.path(), &["account", "discover", "erin@gmail.com", "--json"], &env);
    assert_eq!(code, Some(0), "{stderr}");
    let v: Value = serde_json::from_str(&stdout).expect("JSON");
    assert_eq!(
        (v[0]["host"].as_str(), v[0]["source"].as_str(), v[0]["provider"].as_str()),
        (Some("imap.gmail.com"), Some("builtin"), Some("gmail"))
    );

    // Nothing found: an empty array, exit 1, and what was tried on stderr.
    let (code, stdout, stderr) = run_cli(data.path(), &["account", "discover", "erin@nothing.test", "--json"], &env);
    assert_eq!(code, Some(1), "{stderr}");
    assert_eq!(serde_json::from_str::<Value>(&stdout).expect("JSON"), serde_json::json!([]));
    assert!(stderr.contains("could not find the IMAP server for nothing.test") && stderr.contains("tried:"), "{stderr}");

    // A bad address or a bad setting is a usage error.
    let (code, _, stderr) = run_cli(data.path(), &["account", "discover", "not-an-address"], &env);
    assert_eq!(code, Some(2), "{stderr}");
    let mut bad = env.clone();
    bad.push(("MAILBELL_GUESS_PORTS".into(), "993:carrier-pigeon".into()));
    let (code, _, stderr) = run_cli(data.path(), &["account", "discover", "erin@example.test"], &bad);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("MAILBELL_GUESS_PORTS"), "{stderr}");
}

#[test]
fn cli_add_without_host_uses_discovery_and_the_account_syncs() {
    let env = Env::start();
    let port = env.dovecot.tls_port();
    let http = HttpServer::start().expect("HTTP test server");
    http.route("/autoconfig/example.test", Reply::Xml(autoconfig_doc(&[("localhost", port, "SSL")], "%EMAILLOCALPART%")));
    let dns = Dnsmasq::start(&[]);
    let vars = cli_offline_env(Some(&http), &dns);
    let vars: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let ca = env.ca();
    let out = env.cli_with(
        &["account", "add", "--email", "alice@example.test", "--password-stdin", "--ca-file", ca.to_str().expect("utf-8")],
        Some(ALICE_PW),
        &vars,
    );
    out.assert_ok();
    assert!(out.stderr.contains(&format!("using localhost:{port} (tls) from autoconfig http://")), "{}", out.stderr);
    let id = out.stdout.trim().to_string();
    let accounts = env.cli(&["account", "list", "--json"]);
    accounts.assert_ok();
    let a = &accounts.json()[0];
    assert_eq!(
        (a["id"].as_str(), a["host"].as_str(), a["port"].as_u64(), a["security"].as_str()),
        (Some(id.as_str()), Some("localhost"), Some(u64::from(port)), Some("tls"))
    );
    assert_eq!(a["username"], ALICE, "the autoconfig username template was used");
    env.append("INBOX", "after discovery");
    env.sync().assert_ok();
    env.append("INBOX", "found by discovery");
    let out = env.sync();
    out.assert_ok();
    assert_eq!(out.subjects(), vec!["found by discovery".to_string()]);
}

#[test]
fn cli_add_without_host_says_so_when_nothing_is_found() {
    let env = Env::start();
    let dns = Dnsmasq::start(&[]);
    let vars = cli_offline_env(None, &dns);
    let vars: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let out = env.cli_with(&["account", "add", "--email", "frank@example.org", "--password-stdin"], Some("pw-frank-1"), &vars);
    assert_eq!(out.code, Some(2), "{}", out.stderr);
    assert!(out.stderr.contains("could not find the IMAP server for example.org: pass --host"), "{}", out.stderr);
    let accounts = env.cli(&["account", "list", "--json"]);
    assert_eq!(accounts.json(), serde_json::json!([]), "nothing saved");
    // --port and --security only make sense with --host (refused before stdin is read, so
    // give none: writing to a CLI that has already exited would fail).
    let out = env.cli_with(&["account", "add", "--email", "frank@example.org", "--port", "993", "--password-stdin"], None, &vars);
    assert_eq!(out.code, Some(2), "{}", out.stderr);
}
