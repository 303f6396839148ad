//! What every CLI end-to-end test needs: a private Dovecot, a private data dir, and a way to
//! run the real `mailbell-cli` binary against them and read its JSON events.

#![allow(dead_code)] // each test binary uses a different subset

pub mod watch;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use mailbell_e2e::{cli_bin, require_secret_service, Dovecot, DovecotOptions};
use serde_json::Value;

pub const ALICE: &str = "alice";
pub const ALICE_PW: &str = "alice-secret-pw";

pub struct Out {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl Out {
    /// The JSON lines printed by `sync --json` / `watch --json`.
    pub fn events(&self) -> Vec<Value> {
        self.stdout
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not a JSON line ({e}): {l}")))
            .collect()
    }

    pub fn new_messages(&self) -> Vec<Value> {
        self.events().into_iter().filter(|e| e["event"] == "new_message").collect()
    }

    pub fn subjects(&self) -> Vec<String> {
        let mut s: Vec<String> = self.new_messages().iter().map(|e| e["subject"].as_str().unwrap_or("").to_string()).collect();
        s.sort();
        s
    }

    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.stdout))
    }

    #[track_caller]
    pub fn assert_ok(&self) -> &Self {
        assert_eq!(self.code, Some(0), "expected success\nstdout:\n{}\nstderr:\n{}", self.stdout, self.stderr);
        self
    }
}

/// Runs the real `mailbell-cli` on `data_dir` to completion, with `stdin` piped in if given
/// (for tests whose server is not the private Dovecot of an [`Env`]).
pub fn cli_in(data_dir: &Path, args: &[&str], stdin: Option<&str>, envs: &[(&str, &str)]) -> Out {
    let mut cmd = Command::new(cli_bin().expect("mailbell-cli binary"));
    cmd.arg("--data-dir").arg(data_dir).args(args);
    cmd.env_remove("MAILBELL_DATA_DIR");
    for (k, v) in envs {
        cmd.env(k, v);
    }
    cmd.stdin(if stdin.is_some() { Stdio::piped() } else { Stdio::null() });
    cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("spawn mailbell-cli");
    if let Some(input) = stdin {
        let mut pipe = child.stdin.take().expect("stdin");
        // The CLI may exit (e.g. on bad usage) before reading stdin: a broken pipe here
        // is its answer, not a test failure.
        if let Err(e) = pipe.write_all(input.as_bytes()) {
            assert_eq!(e.kind(), std::io::ErrorKind::BrokenPipe, "write stdin: {e}");
        }
    }
    let out = child.wait_with_output().expect("wait for mailbell-cli");
    Out {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

pub struct Env {
    pub dovecot: Dovecot,
    pub data: tempfile::TempDir,
}

impl Env {
    pub fn start() -> Env {
        Env::with(DovecotOptions::default())
    }

    pub fn with(opts: DovecotOptions) -> Env {
        require_secret_service().expect("the real Secret Service must be running (run through scripts/test.sh)");
        let dovecot = Dovecot::start(opts).expect("start dovecot");
        Env { dovecot, data: tempfile::tempdir().expect("tempdir") }
    }

    pub fn data_dir(&self) -> &Path {
        self.data.path()
    }

    pub fn ca(&self) -> PathBuf {
        self.dovecot.ca_cert_path().to_path_buf()
    }

    pub fn cli_with(&self, args: &[&str], stdin: Option<&str>, envs: &[(&str, &str)]) -> Out {
        cli_in(self.data_dir(), args, stdin, envs)
    }

    pub fn cli(&self, args: &[&str]) -> Out {
        self.cli_with(args, None, &[])
    }

    /// Adds an account for `user` on the TLS port with the test CA; returns its id.
    pub fn add_user(&self, user: &str, password: &str, extra: &[&str]) -> String {
        self.add_user_at(user, password, self.dovecot.tls_port(), extra)
    }

    /// Adds an account for `user` with implicit TLS on `port` (e.g. a proxy in front of the
    /// server's TLS port) and the test CA; returns its id.
    pub fn add_user_at(&self, user: &str, password: &str, port: u16, extra: &[&str]) -> String {
        let ca = self.ca();
        let mut with_ca = vec!["--ca-file", ca.to_str().expect("utf-8 path")];
        with_ca.extend_from_slice(extra);
        self.add_user_without_ca(user, password, port, &with_ca)
    }

    /// Adds an account for `user` with implicit TLS on `port` and no CA file: the test
    /// server's certificate is then not trusted unless `extra` says otherwise.
    pub fn add_user_without_ca(&self, user: &str, password: &str, port: u16, extra: &[&str]) -> String {
        let port = port.to_string();
        let email = format!("{user}@localhost");
        let mut args = vec![
            "account",
            "add",
            "--email",
            &email,
            "--host",
            "127.0.0.1",
            "--port",
            &port,
            "--security",
            "tls",
            "--username",
            user,
            "--password-stdin",
        ];
        args.extend_from_slice(extra);
        let out = self.cli_with(&args, Some(password), &[]);
        out.assert_ok();
        let id = out.stdout.trim().to_string();
        assert!(!id.is_empty() && !id.contains(char::is_whitespace), "account add printed {id:?}");
        id
    }

    /// Alice's account for the engine API, with implicit TLS on `port` (the server's TLS
    /// port or a proxy in front of it), the test CA and an hour between timer passes.
    pub fn new_account_at(&self, port: u16) -> mailbell_sync::NewAccount {
        mailbell_sync::NewAccount {
            display_name: String::new(),
            email: "alice@localhost".into(),
            host: "127.0.0.1".into(),
            port,
            security: mailbell_sync::Security::Tls,
            username: ALICE.into(),
            ca_file: Some(self.ca().display().to_string()),
            folders: None,
            interval_secs: 3600,
        }
    }

    /// An engine on this data dir and the session's keyring, no worker started yet.
    pub fn engine(&self, opts: mailbell_sync::EngineOptions) -> mailbell_sync::Engine {
        let store = mailbell_sync::Store::open_dir(self.data_dir()).expect("store");
        let secrets = std::sync::Arc::new(mailbell_sync::Secrets::open().expect("keyring"));
        mailbell_sync::Engine::new(store, secrets, opts, None)
    }

    pub fn add_alice(&self) -> String {
        self.add_user(ALICE, ALICE_PW, &[])
    }

    pub fn sync(&self) -> Out {
        self.cli(&["sync", "--once", "--json"])
    }

    pub fn status(&self) -> Vec<Value> {
        let out = self.cli(&["status", "--json"]);
        out.assert_ok();
        out.json().as_array().cloned().unwrap_or_default()
    }

    pub fn folder_status(&self, folder: &str) -> Value {
        self.status().into_iter().find(|f| f["folder"] == folder).unwrap_or_else(|| panic!("no status row for {folder}"))
    }

    pub fn messages(&self) -> Vec<Value> {
        let out = self.cli(&["messages", "--limit", "100000", "--json"]);
        out.assert_ok();
        out.json().as_array().cloned().unwrap_or_default()
    }

    pub fn append(&self, folder: &str, subject: &str) -> u32 {
        let raw = mailbell_e2e::simple("Bob Sender <bob@example.org>", "alice@localhost", subject, "Hello there, this is the body.");
        self.dovecot.append(ALICE, folder, &raw, &[]).expect("append")
    }
}
