//! One scenario's world: a fresh private Dovecot, a byte-counting proxy in front of it, a data
//! directory in a tempdir and one account (reached through the proxy) that watches the folders,
//! or several accounts of several users of that Dovecot (S5).

use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use mailbell_e2e::{Dovecot, DovecotOptions, Proxy, ProxyMode};

use crate::cli::{self, Events, Update};
use crate::mail::USER;
use crate::turns::TurnRelay;
use crate::watch::Watch;

const PASSWORD: &str = "alice-secret-pw";

/// What a pass must have done to count as functionally right.
#[derive(Debug, Clone)]
pub struct Expect {
    pub new_messages: u64,
    /// Watched folders, each of which must end the pass in state "ok".
    pub folders: usize,
    /// Exactly these message_update events (in any order); none by default.
    pub updates: Vec<Update>,
}

impl Expect {
    pub fn new(new_messages: u64, folders: usize) -> Expect {
        Expect { new_messages, folders, updates: Vec::new() }
    }

    pub fn with_updates(mut self, mut updates: Vec<Update>) -> Expect {
        updates.sort();
        self.updates = updates;
        self
    }
}

/// One measured `sync --once --json`.
#[derive(Debug, Clone)]
pub struct Pass {
    pub wall: Duration,
    pub cpu: Duration,
    pub max_rss_kib: u64,
    pub bytes_to_client: u64,
    pub bytes_to_server: u64,
    pub connections: u64,
    /// Client turns (round trips the client waited for, TLS handshake included), when the env
    /// counts them ([`BenchEnv::count_turns`]).
    pub turns: Option<u64>,
    pub new_messages: u64,
    /// The message_update events of the pass.
    pub updates: Vec<Update>,
    /// Everything functionally wrong with this pass; empty when it is right.
    pub problems: Vec<String>,
}

pub struct BenchEnv {
    pub dovecot: Dovecot,
    pub proxy: Proxy,
    cli: PathBuf,
    data: tempfile::TempDir,
    /// The first account of the data directory (the one `pass` checks exist).
    pub account: String,
    /// Every account of the data directory, in the order added.
    pub accounts: Vec<String>,
    /// In front of the proxy when round trips are counted.
    turns: Option<TurnRelay>,
}

impl BenchEnv {
    /// Starts Dovecot and the proxy (passthrough); the account is added by [`Self::new_account`].
    pub fn start() -> anyhow::Result<BenchEnv> {
        BenchEnv::start_with(DovecotOptions::default())
    }

    /// Like [`Self::start`] with a server of these options (more users, hidden capabilities).
    pub fn start_with(opts: DovecotOptions) -> anyhow::Result<BenchEnv> {
        let cli = mailbell_e2e::cli_bin()?;
        let dovecot = Dovecot::start(opts).context("starting Dovecot")?;
        let proxy = Proxy::start(dovecot.tls_addr(), ProxyMode::Passthrough).context("starting the proxy")?;
        let data = tempfile::Builder::new().prefix("mailbell-bench-data-").tempdir().context("data tempdir")?;
        Ok(BenchEnv { dovecot, proxy, cli, data, account: String::new(), accounts: Vec::new(), turns: None })
    }

    /// A new data directory with one freshly added account (implicit TLS through the proxy,
    /// the test CA, the default watch rule: INBOX plus ordinary folders). The previous data
    /// directory is deleted. Used once per scenario, and again to repeat a first pass.
    pub fn new_account(&mut self) -> anyhow::Result<()> {
        self.new_account_with(&[])
    }

    /// [`Self::new_account`] with further `account add` options, e.g. `--interval 3600` or
    /// `--quirks broken-qresync`.
    pub fn new_account_with(&mut self, extra: &[&str]) -> anyhow::Result<()> {
        self.data = tempfile::Builder::new().prefix("mailbell-bench-data-").tempdir().context("data tempdir")?;
        self.account.clear();
        self.accounts.clear();
        self.add_account(USER, PASSWORD, extra)?;
        Ok(())
    }

    /// Adds one more account (of `user` on this Dovecot, through the proxy) to the current data
    /// directory and returns its id.
    pub fn add_account(&mut self, user: &str, password: &str, extra: &[&str]) -> anyhow::Result<String> {
        let port = self.turns.as_ref().map_or(self.proxy.port(), TurnRelay::port).to_string();
        let ca = self.dovecot.ca_cert_path().to_str().context("CA path is not UTF-8")?.to_string();
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
            "--ca-file",
            &ca,
        ];
        args.extend_from_slice(extra);
        let run = cli::run(&self.cli, self.data.path(), &args, Some(password))?;
        if let Some(f) = run.failure() {
            bail!("account add ({user}): {f}");
        }
        let id = run.stdout_text().trim().to_string();
        if id.is_empty() || id.contains(char::is_whitespace) {
            bail!("account add printed {id:?} instead of an account id");
        }
        if self.account.is_empty() {
            self.account = id.clone();
        }
        self.accounts.push(id.clone());
        Ok(id)
    }

    /// The current data directory (S9 opens its store).
    pub fn data_dir(&self) -> &std::path::Path {
        self.data.path()
    }

    /// Starts `mailbell-cli watch --json` on the current data directory.
    pub fn watch(&self) -> anyhow::Result<Watch> {
        if self.accounts.is_empty() {
            bail!("no account yet: call new_account first");
        }
        Watch::spawn(&self.cli, self.data.path())
    }

    /// From now on, accounts added connect through a relay that counts round trips (client
    /// turns) in front of the proxy; passes report them.
    pub fn count_turns(&mut self) -> anyhow::Result<()> {
        if self.turns.is_none() {
            self.turns = Some(TurnRelay::start(self.proxy.addr())?);
        }
        Ok(())
    }

    /// Client turns counted so far (None when not counting).
    pub fn turns(&self) -> Option<u64> {
        self.turns.as_ref().map(TurnRelay::client_turns)
    }

    /// Loopback (None) or an added delay each way.
    pub fn set_delay(&self, one_way: Option<Duration>) {
        self.proxy.set_mode(match one_way {
            Some(d) => ProxyMode::Delay(d),
            None => ProxyMode::Passthrough,
        });
    }

    /// Runs `sync --once --json` and measures it. Functional problems are in `Pass::problems`;
    /// an Err means the bench itself could not run the pass.
    pub fn pass(&self, expect: &Expect) -> anyhow::Result<Pass> {
        if self.account.is_empty() {
            bail!("no account yet: call new_account first");
        }
        self.wait_proxy_idle();
        let (c0, s0, n0) = (self.proxy.bytes_to_client(), self.proxy.bytes_to_server(), self.proxy.connections());
        let t0 = self.turns.as_ref().map(TurnRelay::client_turns);
        let run = cli::run(&self.cli, self.data.path(), &["sync", "--once", "--json"], None)?;
        // The proxy may still be forwarding the LOGOUT exchange (more so with a delay).
        self.wait_proxy_idle();
        let (c1, s1, n1) = (self.proxy.bytes_to_client(), self.proxy.bytes_to_server(), self.proxy.connections());
        let turns = self.turns.as_ref().map(TurnRelay::client_turns).zip(t0).map(|(t1, t0)| t1 - t0);

        let events = Events::parse(&run.stdout);
        let mut problems = Vec::new();
        if let Some(f) = run.failure() {
            problems.push(f);
        }
        if events.new_messages != expect.new_messages {
            problems
                .push(format!("EVENT COUNT MISMATCH: expected {} new_message events, got {}", expect.new_messages, events.new_messages));
        }
        if events.duplicates > 0 {
            problems.push(format!("{} new_message events repeat a (folder, uidvalidity, uid) of this pass", events.duplicates));
        }
        if let Some(n) = events.account_new_messages {
            if n != events.new_messages {
                problems.push(format!("account_status says {n} new messages, but {} new_message events were printed", events.new_messages));
            }
        } else if run.success() {
            problems.push("no account_status event".to_string());
        }
        for (folder, err) in &events.folder_errors {
            problems.push(format!("folder {folder:?} reported an error: {err}"));
        }
        if events.folders_ok() != expect.folders {
            problems.push(format!(
                "expected {} watched folders to end in state ok, got {} ({:?})",
                expect.folders,
                events.folders_ok(),
                events.folder_final_state
            ));
        }
        let mut updates = events.updates.clone();
        updates.sort();
        if updates != expect.updates {
            let seen = updates.iter().filter(|u| u.seen && !u.expunged).count();
            problems.push(format!(
                "MESSAGE_UPDATE MISMATCH: expected {} (all seen=true), got {} ({} with seen=true, not expunged); \
                 missing {:?}, unexpected {:?}",
                expect.updates.len(),
                updates.len(),
                seen,
                expect.updates.iter().filter(|u| !updates.contains(u)).take(5).collect::<Vec<_>>(),
                updates.iter().filter(|u| !expect.updates.contains(u)).take(5).collect::<Vec<_>>(),
            ));
        }
        if !events.bad_lines.is_empty() {
            problems.push(format!("stdout lines that are not JSON: {:?}", events.bad_lines));
        }
        Ok(Pass {
            wall: run.wall,
            cpu: run.cpu,
            max_rss_kib: run.max_rss_kib,
            bytes_to_client: c1 - c0,
            bytes_to_server: s1 - s0,
            connections: n1 - n0,
            turns,
            new_messages: events.new_messages,
            updates: events.updates,
            problems,
        })
    }

    /// Waits (up to 5 s) until the proxy has no open connection.
    pub fn wait_proxy_idle(&self) {
        let deadline = Instant::now() + Duration::from_secs(5);
        while self.proxy.active_connections() > 0 && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(1));
        }
    }
}
