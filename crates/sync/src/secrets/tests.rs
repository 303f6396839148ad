//! Tests against the real Secret Service. Run them inside a session bus with an
//! unlocked gnome-keyring (scripts/test.sh does this); they fail, not skip, without one.
//!
//! The failure modes (no bus, no provider, locked keyring, no default keyring, hung
//! keyring) run in a child process: this test binary again, filtered to the ignored
//! `child` test, with its own HOME, XDG_RUNTIME_DIR and a private bus that it starts
//! itself. The private bus has no activatable services, so no unlock prompt
//! (gcr-prompter) can ever open.

use super::*;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

const CHILD_ENV: &str = "MAILBELL_SECRETS_TEST_CHILD";
const CHILD_DIR_ENV: &str = "MAILBELL_SECRETS_TEST_DIR";
const CHILD_OK: &str = "SECRETS-CHILD-OK";
const KEYRING_PASSWORD: &str = "test-pass";

fn unique_account(tag: &str) -> String {
    static N: AtomicU32 = AtomicU32::new(0);
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().subsec_nanos();
    format!("test-{tag}-{}-{nanos}-{}", std::process::id(), N.fetch_add(1, Ordering::Relaxed))
}

fn open() -> Secrets {
    Secrets::open().unwrap_or_else(|e| {
        panic!(
            "these tests need a session bus with an unlocked gnome-keyring \
             (run them through scripts/test.sh): {e}"
        )
    })
}

/// Items `secret-tool` sees for this account, as (label, secret) pairs.
fn secret_tool_items(account: &str) -> Vec<(String, String)> {
    let out = Command::new("secret-tool")
        .args(["search", "--all", "service", SERVICE, "username", account])
        .output()
        .expect("secret-tool (package libsecret-tools) is needed by the tests");
    let text = String::from_utf8_lossy(&out.stdout);
    let mut items = Vec::new();
    for line in text.lines() {
        if line.starts_with('[') {
            items.push((String::new(), String::new()));
        } else if let Some(item) = items.last_mut() {
            if let Some(v) = line.strip_prefix("label = ") {
                item.0 = v.to_string();
            } else if let Some(v) = line.strip_prefix("secret = ") {
                item.1 = v.to_string();
            }
        }
    }
    items
}

fn secret_tool_store(account: &str, extra: &str, secret: &[u8]) {
    let mut child = Command::new("secret-tool")
        .args(["store", "--label=by secret-tool", "service", SERVICE, "username", account])
        .args(["extra", extra])
        .stdin(Stdio::piped())
        .spawn()
        .expect("secret-tool (package libsecret-tools) is needed by the tests");
    child.stdin.take().unwrap().write_all(secret).unwrap();
    assert!(child.wait().unwrap().success(), "secret-tool store failed");
}

fn assert_no_leak(err: &SecretsError, password: &str) {
    let shown = format!("{err} / {err:?}");
    assert!(!shown.contains(password), "password leaked in error: {shown}");
}

// ---------------------------------------------------------------- normal operation

#[test]
fn keyring_is_reachable_and_unlocked() {
    let s = open();
    assert_eq!(default_collection_state(), CollectionState::Unlocked, "the test session's default keyring must exist and be unlocked");
    let dbg = format!("{s:?}");
    assert!(dbg.contains("mailbell"), "{dbg}");
}

#[test]
fn set_get_delete_round_trip() {
    let s = open();
    let id = unique_account("roundtrip");
    s.set(&id, "hunter2-roundtrip").unwrap();
    assert_eq!(s.get(&id).unwrap(), "hunter2-roundtrip");
    let items = secret_tool_items(&id);
    assert_eq!(items.len(), 1, "{items:?}");
    assert_eq!(items[0].0, format!("Mailbell IMAP password ({id})"));
    s.delete(&id).unwrap();
    assert!(matches!(s.get(&id), Err(SecretsError::NotFound { .. })));
    assert!(secret_tool_items(&id).is_empty());
}

#[test]
fn get_missing_is_not_found() {
    let s = open();
    let id = unique_account("missing");
    match s.get(&id) {
        Err(e @ SecretsError::NotFound { .. }) => {
            let msg = e.to_string();
            assert!(msg.contains(&id) && msg.contains("mailbell-cli account add"), "{msg}");
        }
        other => panic!("expected NotFound, got {other:?}"),
    }
}

#[test]
fn delete_missing_is_ok() {
    let s = open();
    let id = unique_account("delmissing");
    s.delete(&id).unwrap();
    s.delete(&id).unwrap();
}

#[test]
fn set_twice_overwrites_single_item() {
    let s = open();
    let id = unique_account("twice");
    s.set(&id, "first-password").unwrap();
    s.set(&id, "second-password").unwrap();
    assert_eq!(s.get(&id).unwrap(), "second-password");
    let items = secret_tool_items(&id);
    assert_eq!(items.len(), 1, "expected one item, secret-tool sees {items:?}");
    assert_eq!(items[0].1, "second-password");
    s.delete(&id).unwrap();
}

#[test]
fn awkward_passwords_round_trip() {
    let s = open();
    let id = unique_account("awkward");
    for pw in [" pä\"ss'wörd\n\tline2\r\n🔑 \\ back`tick`$HOME; ", "\"", "\n", &"x".repeat(4096)] {
        s.set(&id, pw).unwrap();
        assert_eq!(s.get(&id).unwrap(), pw);
    }
    s.delete(&id).unwrap();
}

#[test]
fn unicode_account_ids_work() {
    let s = open();
    let id = format!("{} ünï \"quoted\" @example.org", unique_account("id"));
    s.set(&id, "pw-unicode-id").unwrap();
    assert_eq!(s.get(&id).unwrap(), "pw-unicode-id");
    s.delete(&id).unwrap();
    assert!(matches!(s.get(&id), Err(SecretsError::NotFound { .. })));
}

#[test]
fn works_on_a_plain_thread_without_runtime() {
    std::thread::spawn(|| {
        assert!(tokio::runtime::Handle::try_current().is_err());
        let s = open();
        let id = unique_account("thread");
        s.set(&id, "pw-thread").unwrap();
        assert_eq!(s.get(&id).unwrap(), "pw-thread");
        s.delete(&id).unwrap();
    })
    .join()
    .unwrap();
}

#[test]
fn works_from_tokio_spawn_blocking() {
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    rt.block_on(async {
        let id = unique_account("spawnblocking");
        let s = tokio::task::spawn_blocking(open).await.unwrap();
        let (s, id) = tokio::task::spawn_blocking(move || {
            s.set(&id, "pw-blocking").unwrap();
            assert_eq!(s.get(&id).unwrap(), "pw-blocking");
            (s, id)
        })
        .await
        .unwrap();
        // Several concurrent callers sharing one handle.
        let mut tasks = Vec::new();
        for _ in 0..4 {
            let (s, id) = (s.clone(), id.clone());
            tasks.push(tokio::task::spawn_blocking(move || s.get(&id).unwrap()));
        }
        for t in tasks {
            assert_eq!(t.await.unwrap(), "pw-blocking");
        }
        tokio::task::spawn_blocking(move || s.delete(&id).unwrap()).await.unwrap();
        // A handle opened on the blocking pool and dropped on a worker thread.
        let s = tokio::task::spawn_blocking(open).await.unwrap();
        drop(s);
    });
}

#[test]
fn called_directly_from_async_code_does_not_panic() {
    // Not the intended use (it blocks a worker), but it must not hit zbus'
    // "Cannot start a runtime from within a runtime" panic.
    for multi_thread in [true, false] {
        let rt = if multi_thread {
            tokio::runtime::Builder::new_multi_thread().enable_all().build()
        } else {
            tokio::runtime::Builder::new_current_thread().enable_all().build()
        }
        .unwrap();
        rt.block_on(async {
            let s = Secrets::open().expect("open from async code");
            let id = unique_account("async");
            s.set(&id, "pw-async").unwrap();
            assert_eq!(s.get(&id).unwrap(), "pw-async");
            s.delete(&id).unwrap();
            drop(s); // dropping the connection inside the runtime is fine too
        });
    }
}

#[test]
fn duplicate_items_are_replaced_by_set_and_removed_by_delete() {
    let s = open();
    let id = unique_account("dups");
    secret_tool_store(&id, "1", b"dup-one");
    secret_tool_store(&id, "2", b"dup-two");
    assert_eq!(secret_tool_items(&id).len(), 2);
    match s.get(&id) {
        Err(e @ SecretsError::Other { .. }) => {
            assert!(e.to_string().contains("2 passwords are saved"), "{e}");
            assert_no_leak(&e, "dup-one");
            assert_no_leak(&e, "dup-two");
        }
        other => panic!("expected Other for duplicates, got {other:?}"),
    }
    s.set(&id, "after-dups").unwrap();
    assert_eq!(s.get(&id).unwrap(), "after-dups");
    assert_eq!(secret_tool_items(&id).len(), 1);

    secret_tool_store(&id, "3", b"dup-three");
    s.delete(&id).unwrap();
    assert!(secret_tool_items(&id).is_empty());
}

#[test]
fn non_utf8_secret_is_reported_without_its_bytes() {
    let s = open();
    let id = unique_account("bytes");
    secret_tool_store(&id, "1", b"\xff\xfeRAWSECRET");
    let e = s.get(&id).expect_err("non-UTF-8 secret must be an error");
    assert!(matches!(e, SecretsError::Other { .. }), "{e:?}");
    let shown = format!("{e} / {e:?}");
    assert!(shown.contains("not valid UTF-8"), "{shown}");
    assert!(!shown.contains("RAWSECRET") && !shown.contains("82, 65, 87"), "{shown}");
    s.set(&id, "fixed").unwrap();
    assert_eq!(s.get(&id).unwrap(), "fixed");
    s.delete(&id).unwrap();
}

#[test]
fn errors_and_debug_never_show_the_password() {
    let s = open();
    let pw = "pw-must-not-leak-123";
    let e = s.set("", pw).unwrap_err();
    assert!(matches!(e, SecretsError::Other { .. }));
    assert_no_leak(&e, pw);
    let id = unique_account("leak");
    s.set(&id, pw).unwrap();
    assert!(!format!("{s:?}").contains(pw));
    s.delete(&id).unwrap();
    // A lower layer echoing the password is scrubbed.
    let e = redact(SecretsError::Other { detail: format!("boom {pw} boom") }, pw);
    assert_no_leak(&e, pw);
    // Every variant's text is actionable.
    for (e, hint) in [
        (SecretsError::NoSessionBus { detail: "d".into() }, "dbus-run-session"),
        (SecretsError::NoProvider { detail: "d".into() }, "gnome-keyring"),
        (SecretsError::Locked, "unlock"),
        (SecretsError::NotFound { account: "a".into() }, "mailbell-cli account add"),
    ] {
        assert!(e.to_string().contains(hint), "{e}");
    }
}

#[test]
fn lock_probe_works_from_any_thread() {
    // The probe runs its own runtime: it must hop off runtime threads, not panic.
    assert_eq!(default_collection_state(), CollectionState::Unlocked, "plain thread");
    for multi_thread in [true, false] {
        let rt = if multi_thread {
            tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()
        } else {
            tokio::runtime::Builder::new_current_thread().enable_all().build()
        }
        .unwrap();
        rt.block_on(async {
            assert_eq!(default_collection_state(), CollectionState::Unlocked, "async code, multi_thread={multi_thread}");
            let state = tokio::task::spawn_blocking(default_collection_state).await.unwrap();
            assert_eq!(state, CollectionState::Unlocked, "spawn_blocking, multi_thread={multi_thread}");
        });
    }
}

// ---------------------------------------------------------------- failure modes (child processes)

#[test]
fn no_session_bus_when_address_points_nowhere() {
    run_child("no-bus", |_cmd, _dir| {});
}

#[test]
fn no_session_bus_when_address_unset() {
    // zbus then falls back to $XDG_RUNTIME_DIR/bus, which does not exist either.
    run_child("no-bus-unset", |cmd, _dir| {
        cmd.env_remove("DBUS_SESSION_BUS_ADDRESS");
    });
}

#[test]
fn no_provider_then_retry_succeeds_once_keyring_starts() {
    run_child("retry", |_cmd, _dir| {});
}

#[test]
fn locked_keyring_is_never_reported_as_not_found() {
    run_child("locked", |_cmd, _dir| {});
}

#[test]
fn keyring_without_default_collection() {
    run_child("no-default", |_cmd, _dir| {});
}

#[test]
fn hung_keyring_makes_the_lock_probe_give_up() {
    run_child("hung", |_cmd, _dir| {});
}

/// Runs `child` below in a fresh process; DBUS_SESSION_BUS_ADDRESS points at
/// `<dir>/bus`, where no bus runs until the child starts one.
fn run_child(mode: &str, configure: impl FnOnce(&mut Command, &Path)) -> String {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let (home, run) = (dir.join("home"), dir.join("run"));
    std::fs::create_dir_all(&home).unwrap();
    std::fs::create_dir_all(&run).unwrap();
    std::fs::set_permissions(&run, std::os::unix::fs::PermissionsExt::from_mode(0o700)).unwrap();
    let (out_path, err_path) = (dir.join("child.out"), dir.join("child.err"));
    let mut cmd = Command::new(std::env::current_exe().unwrap());
    cmd.args(["secrets::tests::child", "--exact", "--ignored", "--nocapture", "--test-threads=1"])
        .env(CHILD_ENV, mode)
        .env(CHILD_DIR_ENV, dir)
        .env("HOME", &home)
        .env("XDG_RUNTIME_DIR", &run)
        .env("DBUS_SESSION_BUS_ADDRESS", format!("unix:path={}", dir.join("bus").display()))
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .env_remove("GNOME_KEYRING_CONTROL")
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&out_path).unwrap())
        .stderr(std::fs::File::create(&err_path).unwrap());
    configure(&mut cmd, dir);
    let mut child = cmd.spawn().unwrap();
    let deadline = Instant::now() + Duration::from_secs(120);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break Some(status);
        }
        if Instant::now() > deadline {
            child.kill().ok();
            child.wait().ok();
            break None;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let out = std::fs::read_to_string(&out_path).unwrap_or_default();
    let err = std::fs::read_to_string(&err_path).unwrap_or_default();
    let all = format!("--- stdout\n{out}\n--- stderr\n{err}");
    let ok = status.is_some_and(|s| s.success()) && out.contains(&format!("{CHILD_OK} {mode}"));
    assert!(ok, "child `{mode}` failed (status {status:?}):\n{all}");
    println!("{all}");
    all
}

#[test]
#[ignore = "helper: started as a subprocess by the failure-mode tests"]
fn child() {
    let Ok(mode) = std::env::var(CHILD_ENV) else {
        println!("nothing to do: this test only runs as a child of the failure-mode tests");
        return;
    };
    let dir = PathBuf::from(std::env::var_os(CHILD_DIR_ENV).expect("child dir"));
    match mode.as_str() {
        "no-bus" => child_no_bus(&dir),
        "no-bus-unset" => expect_no_bus("DBUS_SESSION_BUS_ADDRESS unset"),
        "retry" => child_retry(&dir),
        "locked" => child_locked(&dir),
        "no-default" => child_no_default(&dir),
        "hung" => child_hung(&dir),
        other => panic!("unknown child mode {other}"),
    }
    println!("{CHILD_OK} {mode}");
}

fn expect_no_bus(case: &str) {
    match Secrets::open() {
        Err(e @ SecretsError::NoSessionBus { .. }) => {
            println!("{case}: {e}\n  {e:?}");
            assert!(e.to_string().starts_with("no D-Bus session bus: start one (dbus-run-session)"));
        }
        other => panic!("{case}: expected NoSessionBus, got {other:?}"),
    }
    match default_collection_state() {
        CollectionState::Unknown(why) => {
            println!("{case}, lock probe: {why}");
            assert!(why.starts_with("connecting to the session bus: "), "{case}: {why}");
        }
        other => panic!("{case}: expected the lock probe to fail, got {other:?}"),
    }
}

fn child_no_bus(dir: &Path) {
    expect_no_bus("no socket at the address");
    // A socket file nobody listens on: connection refused.
    drop(std::os::unix::net::UnixListener::bind(dir.join("bus")).unwrap());
    expect_no_bus("dead socket");
    expect_no_bus("retry on the dead socket"); // nothing cached, same answer
}

fn child_retry(dir: &Path) {
    expect_no_bus("before the bus starts");
    let _bus = PrivateBus::start(dir);
    match Secrets::open() {
        Err(e @ SecretsError::NoProvider { .. }) => {
            println!("bus without keyring: {e}\n  {e:?}");
            assert!(e.to_string().contains("install and start gnome-keyring"));
            assert!(e.to_string().contains("ServiceUnknown"), "{e}");
        }
        other => panic!("expected NoProvider, got {other:?}"),
    }
    match default_collection_state() {
        CollectionState::Unknown(why) => {
            println!("bus without keyring, lock probe: {why}");
            assert!(why.starts_with("ReadAlias(\"default\") on the Secret Service: "), "{why}");
            assert!(why.contains("ServiceUnknown"), "{why}");
        }
        other => panic!("bus without keyring: expected the lock probe to fail, got {other:?}"),
    }
    start_keyring(true, false);
    let s = wait_open(CollectionState::Unlocked);
    let id = unique_account("retry");
    s.set(&id, "pw-after-retry").unwrap();
    assert_eq!(s.get(&id).unwrap(), "pw-after-retry");
    s.delete(&id).unwrap();
}

fn child_locked(dir: &Path) {
    let _bus = PrivateBus::start(dir);
    start_keyring(true, false);
    let s = wait_open(CollectionState::Unlocked);
    let (stored, missing) = (unique_account("locked"), unique_account("locked-missing"));
    let pw = "pw-in-locked-keyring";
    s.set(&stored, pw).unwrap();
    lock_login_collection();
    assert_eq!(default_collection_state(), CollectionState::Locked);

    // Every path that may end in "not found" asks the lock probe (zbus, the real
    // gnome-keyring's answer), and no path may say NotFound.
    let results: Vec<(&str, Result<String, SecretsError>)> = vec![
        ("get stored", s.get(&stored)),
        ("get missing", s.get(&missing)),
        ("set stored", s.set(&stored, pw).map(|_| String::new())),
        ("set missing", s.set(&missing, pw).map(|_| String::new())),
        ("delete missing", s.delete(&missing).map(|_| String::new())),
        ("delete stored", s.delete(&stored).map(|_| String::new())),
    ];
    for (what, r) in results {
        match r {
            Err(e @ SecretsError::Locked) => {
                println!("locked, {what}: {e}");
                assert_no_leak(&e, pw);
            }
            other => panic!("locked keyring, {what}: expected Locked, got {other:?}"),
        }
    }
    // Still locked: the calls above did not unlock it behind the probe's back.
    assert_eq!(default_collection_state(), CollectionState::Locked);

    // The advice in the message works: a replacing daemon started with --unlock.
    start_keyring(true, true);
    let s2 = wait_open(CollectionState::Unlocked);
    assert_eq!(s2.get(&stored).unwrap(), pw, "item still there after unlock");
    // The handle opened before the daemon was replaced lost its Secret Service
    // session (org.freedesktop.Secret.Error.NoSession); it reconnects by itself.
    assert_eq!(s.get(&stored).unwrap(), pw, "old handle after daemon replacement");
    s2.delete(&stored).unwrap();
    assert!(matches!(s.get(&stored), Err(SecretsError::NotFound { .. })));
}

fn child_no_default(dir: &Path) {
    let _bus = PrivateBus::start(dir);
    start_keyring(false, false);
    let s = wait_open(CollectionState::Missing);
    assert_eq!(default_collection_state(), CollectionState::Missing);
    let id = unique_account("nodefault");
    assert!(matches!(s.get(&id), Err(SecretsError::NotFound { .. })));
    s.delete(&id).unwrap();
    match s.set(&id, "pw-nowhere") {
        Err(e @ SecretsError::Other { .. }) => {
            println!("no default keyring, set: {e}");
            assert!(e.to_string().contains("no default keyring"), "{e}");
            assert_no_leak(&e, "pw-nowhere");
        }
        other => panic!("expected Other(no default keyring), got {other:?}"),
    }
    // The advice works.
    start_keyring(true, true);
    let s = wait_open(CollectionState::Unlocked);
    s.set(&id, "pw-somewhere").unwrap();
    assert_eq!(s.get(&id).unwrap(), "pw-somewhere");
}

fn child_hung(dir: &Path) {
    let _bus = PrivateBus::start(dir);
    start_keyring(true, false);
    let _s = wait_open(CollectionState::Unlocked);
    let pid = secret_service_pid();
    let stopped = Stopped::new(pid);
    // The reason names the 300 ms deadline: that is the proof the probe gave up by itself
    // (no timed assertion, which a loaded machine would make flaky).
    match collection_state_within(Duration::from_millis(300)) {
        CollectionState::Unknown(why) => {
            println!("stopped keyring, lock probe: {why}");
            assert!(why.starts_with("ReadAlias(\"default\") on the Secret Service: no answer within 300ms"), "{why}");
        }
        other => panic!("stopped keyring: expected the lock probe to give up, got {other:?}"),
    }
    drop(stopped);
    assert_eq!(default_collection_state(), CollectionState::Unlocked, "after SIGCONT");
}

/// Process id of the Secret Service provider on the session bus.
fn secret_service_pid() -> u32 {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    rt.block_on(async {
        let conn = zbus::Connection::session().await.unwrap();
        let dbus = zbus::fdo::DBusProxy::new(&conn).await.unwrap();
        let name = zbus::names::BusName::try_from(SECRET_SERVICE).unwrap();
        dbus.get_connection_unix_process_id(name).await.unwrap()
    })
}

/// A process stopped with SIGSTOP until dropped (SIGCONT), so that a failing assertion
/// leaves no stopped daemon behind.
struct Stopped(u32);

impl Stopped {
    fn new(pid: u32) -> Stopped {
        assert!(Command::new("kill").args(["-STOP", &pid.to_string()]).status().unwrap().success());
        Stopped(pid)
    }
}

impl Drop for Stopped {
    fn drop(&mut self) {
        Command::new("kill").args(["-CONT", &self.0.to_string()]).status().ok();
    }
}

/// A session bus with no activatable services, listening on `<dir>/bus`
/// (the child's DBUS_SESSION_BUS_ADDRESS). Killed on drop; gnome-keyring exits with it.
struct PrivateBus(Child);

impl PrivateBus {
    fn start(dir: &Path) -> PrivateBus {
        let services = dir.join("services");
        std::fs::create_dir_all(&services).unwrap();
        let bus = dir.join("bus");
        std::fs::remove_file(&bus).ok();
        let config = dir.join("bus.conf");
        std::fs::write(
            &config,
            format!(
                r#"<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path={}</listen>
  <auth>EXTERNAL</auth>
  <servicedir>{}</servicedir>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
"#,
                bus.display(),
                services.display()
            ),
        )
        .unwrap();
        let mut child = Command::new("dbus-daemon")
            .arg(format!("--config-file={}", config.display()))
            .args(["--nofork", "--print-address=1"])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("dbus-daemon (package dbus) is needed by the tests");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
        assert!(line.starts_with("unix:path="), "dbus-daemon did not start: {line:?}");
        PrivateBus(child)
    }
}

impl Drop for PrivateBus {
    fn drop(&mut self) {
        self.0.kill().ok();
        self.0.wait().ok();
    }
}

/// Starts gnome-keyring's Secret Service on the child's bus, as the project's test
/// script does. `unlock` creates/unlocks the login keyring with KEYRING_PASSWORD;
/// `replace` takes over from a running daemon.
fn start_keyring(unlock: bool, replace: bool) {
    let mut cmd = Command::new("gnome-keyring-daemon");
    if replace {
        cmd.arg("--replace");
    }
    if unlock {
        cmd.arg("--unlock");
    } else {
        cmd.arg("--start");
    }
    let mut child = cmd
        .arg("--components=secrets")
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("gnome-keyring-daemon (package gnome-keyring) is needed by the tests");
    let mut stdin = child.stdin.take().unwrap();
    if unlock {
        stdin.write_all(KEYRING_PASSWORD.as_bytes()).unwrap();
    }
    drop(stdin);
    assert!(child.wait().unwrap().success(), "gnome-keyring-daemon failed");
}

/// Retries `Secrets::open` until the keyring answers and its default collection is
/// in the `expect`ed state.
fn wait_open(expect: CollectionState) -> Secrets {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let last = match Secrets::open() {
            Ok(s) => match default_collection_state() {
                state if state == expect => return s,
                state => format!("{state:?}"),
            },
            Err(e) => e.to_string(),
        };
        assert!(Instant::now() < deadline, "keyring did not come up: {last}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn lock_login_collection() {
    let out = Command::new("dbus-send")
        .args(["--session", "--print-reply", "--dest=org.freedesktop.secrets"])
        .args(["/org/freedesktop/secrets", "org.freedesktop.Secret.Service.Lock"])
        .arg("array:objpath:/org/freedesktop/secrets/collection/login")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}
