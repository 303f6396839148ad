//! A private Dovecot instance per test: its own config, sockets, state, logs, certificates and
//! mail, all in one temporary directory, listening on random loopback ports.
//!
//! Lifecycle lives here; the mail helpers (`doveadm`, bulk Maildir writes) are in `mail.rs`.

mod config;
mod mail;
mod options;
mod reaper;
mod system;
mod tls;

use std::fs;
use std::io::{BufRead, BufReader};
use std::net::{SocketAddr, TcpStream};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};

use config::{Identity, Layout, Ports};
pub use mail::FolderStatus;
pub use options::{Certificate, DovecotOptions, User, COMPRESS_DEFLATE};
use system::{check_traversable, child_pid, chown_tree, free_port_pair, identity, signal_group};

/// Loopback address every listener binds to.
pub const HOST: &str = "127.0.0.1";

/// How long Dovecot gets to come up (or go down) before we give up and show its log.
const START_TIMEOUT: Duration = Duration::from_secs(15);
const STOP_TIMEOUT: Duration = Duration::from_secs(10);
/// Attempts at finding free ports (see `Dovecot::start`).
const PORT_ATTEMPTS: usize = 5;

/// A running (or deliberately stopped) private Dovecot. Dropping it kills the server and
/// deletes its directory.
pub struct Dovecot {
    opts: DovecotOptions,
    layout: Layout,
    ports: Ports,
    identity: Identity,
    child: Option<Child>,
    // Last, so the directory is removed only after Drop has stopped the server.
    dir: tempfile::TempDir,
}

impl Dovecot {
    /// Starts a new instance and waits until it accepts logins. On failure the error carries
    /// Dovecot's own log.
    pub fn start(opts: DovecotOptions) -> anyhow::Result<Dovecot> {
        reaper::reap_stale_instances();
        if opts.users.is_empty() {
            bail!("DovecotOptions.users is empty: a test server needs at least one user");
        }
        let parent = reaper::instance_parent_dir();
        let dir = tempfile::Builder::new()
            .prefix(reaper::DIR_PREFIX)
            .tempdir_in(&parent)
            .with_context(|| format!("creating a directory for Dovecot in {}", parent.display()))?;
        let layout = Layout::new(dir.path());
        let identity = identity()?;
        let mut dovecot = Dovecot { opts, layout, ports: Ports { tls: 0, plain: 0 }, identity, child: None, dir };
        dovecot.prepare_files()?;

        // Free ports are found by binding port 0 and releasing it, which races with other test
        // processes doing the same. A lost race shows up as EADDRINUSE: pick new ports and retry.
        for attempt in 1..=PORT_ATTEMPTS {
            let (tls, plain) = free_port_pair()?;
            dovecot.ports = Ports { tls, plain };
            dovecot.write_config()?;
            let log_offset = dovecot.log_text().len();
            match dovecot.launch() {
                Ok(()) => return Ok(dovecot),
                Err(err) => {
                    let in_use = dovecot.log_text().get(log_offset..).is_some_and(|new| new.contains("Address already in use"));
                    if !in_use || attempt == PORT_ATTEMPTS {
                        return Err(err);
                    }
                }
            }
        }
        bail!("could not find free ports for Dovecot")
    }

    /// The address every listener binds to: `127.0.0.1`.
    pub fn host(&self) -> &'static str {
        HOST
    }

    /// Implicit-TLS IMAP port.
    ///
    /// # Panics
    /// On an instance started with `starttls: false`, which has no TLS at all: that is a bug in
    /// the test, not a condition to handle.
    pub fn tls_port(&self) -> u16 {
        assert!(
            self.opts.starttls,
            "this Dovecot was started with starttls: false and has no TLS listener \
             (Dovecot offers STARTTLS on every plain port of a TLS-enabled address); use plain_port()"
        );
        self.ports.tls
    }

    /// Plain IMAP port; offers STARTTLS unless started with `starttls: false`.
    pub fn plain_port(&self) -> u16 {
        self.ports.plain
    }

    pub fn tls_addr(&self) -> SocketAddr {
        SocketAddr::from(([127, 0, 0, 1], self.tls_port()))
    }

    pub fn plain_addr(&self) -> SocketAddr {
        SocketAddr::from(([127, 0, 0, 1], self.ports.plain))
    }

    /// PEM of the CA that signed the server certificate (SAN `localhost`, `127.0.0.1`).
    pub fn ca_cert_path(&self) -> &Path {
        &self.layout.ca_cert
    }

    /// PEM of the server certificate Dovecot presents (e.g. for a fake server that must pass
    /// as this one).
    pub fn server_cert_path(&self) -> &Path {
        &self.layout.server_cert
    }

    /// The SHA-256 fingerprint of the server certificate as OpenSSL prints it (colon-separated
    /// upper-case hex), read with the `openssl` command the certificates are made with.
    pub fn server_cert_sha256(&self) -> anyhow::Result<String> {
        let out = std::process::Command::new("openssl")
            .args(["x509", "-noout", "-fingerprint", "-sha256", "-in"])
            .arg(&self.layout.server_cert)
            .output()
            .context("running openssl x509 -fingerprint")?;
        let text = String::from_utf8_lossy(&out.stdout);
        let fp = text.trim().rsplit('=').next().unwrap_or_default().to_string();
        if !out.status.success() || fp.len() != 95 {
            bail!("openssl printed no SHA-256 fingerprint: {text} {}", String::from_utf8_lossy(&out.stderr));
        }
        Ok(fp)
    }

    /// Gives the server a new certificate (from a new CA, the same kind), as a renewal or an
    /// impostor would, and restarts it on the same ports with the same mail.
    pub fn renew_certificate(&mut self) -> anyhow::Result<()> {
        self.stop()?;
        tls::generate(&self.layout, self.opts.certificate)?;
        self.start_again()
    }

    /// PEM (PKCS#8) of the server certificate's private key.
    pub fn server_key_path(&self) -> &Path {
        &self.layout.server_key
    }

    /// The first configured user (`alice` / `alice-secret-pw` by default).
    pub fn user(&self) -> &User {
        // start() refuses an empty user list.
        &self.opts.users[0]
    }

    /// The configured users; the first is the default `alice` unless the test replaced it.
    pub fn users(&self) -> &[User] {
        &self.opts.users
    }

    /// The instance's directory (config, logs, mail); handy when debugging a failed test.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// Everything Dovecot logged (its log file, then anything it printed on stderr).
    /// Never fails: an unreadable log is reported inside the text.
    pub fn log_text(&self) -> String {
        let mut text = String::new();
        for path in [&self.layout.log, &self.layout.stderr_log] {
            match fs::read(path) {
                Ok(bytes) => text.push_str(&String::from_utf8_lossy(&bytes)),
                Err(err) if err.kind() == std::io::ErrorKind::NotFound => {}
                Err(err) => text.push_str(&format!("<cannot read {}: {err}>\n", path.display())),
            }
        }
        text
    }

    /// Successful IMAP logins of `user` so far, from the log.
    pub fn login_count(&self, user: &str) -> usize {
        let needle = format!("Login: user=<{user}>");
        self.log_text().lines().filter(|l| l.contains(&needle)).count()
    }

    /// Failed password checks of `user` so far (wrong password or unknown user), from the log.
    pub fn auth_failure_count(&self, user: &str) -> usize {
        let needle = format!("passwd-file({user},");
        self.log_text().lines().filter(|l| l.contains(&needle) && (l.contains("Password mismatch") || l.contains("unknown user"))).count()
    }

    /// `count(self)` once it has reached `expected`, or after 10 s what it is then. Dovecot's log
    /// process writes a login's line a moment after the client has had its answer, so a count
    /// read right after a login can still miss it; a count that goes past `expected` is returned
    /// as soon as it is seen.
    pub fn settled_count(&self, count: impl Fn(&Self) -> usize, expected: usize) -> usize {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        loop {
            let n = count(self);
            if n >= expected || std::time::Instant::now() >= deadline {
                return n;
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
    }

    pub fn is_running(&mut self) -> bool {
        match self.child.as_mut() {
            Some(child) => matches!(child.try_wait(), Ok(None)),
            None => false,
        }
    }

    /// Stops the server (clients see their connections close) and waits until its ports refuse
    /// connections. Mail and ports are kept for [`Dovecot::start_again`].
    pub fn stop(&mut self) -> anyhow::Result<()> {
        let Some(mut child) = self.child.take() else {
            return Ok(());
        };
        let pid = child_pid(&child)?;
        // SIGTERM lets the master stop its children; SIGKILL of the whole process group is the
        // fallback so no imap process outlives the test.
        signal_group(pid, libc::SIGTERM);
        let deadline = Instant::now() + STOP_TIMEOUT;
        loop {
            if child.try_wait().context("waiting for Dovecot to exit")?.is_some() {
                break;
            }
            if Instant::now() >= deadline {
                signal_group(pid, libc::SIGKILL);
                child.wait().context("waiting for Dovecot after SIGKILL")?;
                break;
            }
            thread::sleep(Duration::from_millis(5));
        }
        // Children of the master may hold the listening sockets a moment longer.
        signal_group(pid, libc::SIGKILL);
        let deadline = Instant::now() + STOP_TIMEOUT;
        for port in self.listening_ports() {
            while TcpStream::connect((HOST, port)).is_ok() {
                if Instant::now() >= deadline {
                    bail!("Dovecot stopped but port {port} still accepts connections");
                }
                thread::sleep(Duration::from_millis(5));
            }
        }
        Ok(())
    }

    /// Starts the stopped instance again with the same config, data and ports.
    pub fn start_again(&mut self) -> anyhow::Result<()> {
        if self.is_running() {
            self.stop()?;
        }
        // The ports were ours a moment ago, but another test may bind one in between; a short
        // retry covers sockets that are still being torn down.
        let deadline = Instant::now() + Duration::from_secs(2);
        loop {
            let log_offset = self.log_text().len();
            match self.launch() {
                Ok(()) => return Ok(()),
                Err(err) => {
                    let in_use = self.log_text().get(log_offset..).is_some_and(|new| new.contains("Address already in use"));
                    if !in_use || Instant::now() >= deadline {
                        return Err(err.context("restarting Dovecot on its previous ports"));
                    }
                    thread::sleep(Duration::from_millis(100));
                }
            }
        }
    }

    fn listening_ports(&self) -> Vec<u16> {
        if self.opts.starttls {
            vec![self.ports.plain, self.ports.tls]
        } else {
            vec![self.ports.plain]
        }
    }

    /// Everything on disk except dovecot.conf, which depends on the ports.
    fn prepare_files(&self) -> anyhow::Result<()> {
        let root = self.dir.path();
        if self.identity.unprivileged_user.is_none() {
            check_traversable(root)?;
        }
        // Mail processes run as the mail uid and must be able to reach their homes.
        fs::set_permissions(root, fs::Permissions::from_mode(0o755)).context("chmod of the Dovecot directory")?;
        fs::write(root.join(reaper::OWNER_FILE), std::process::id().to_string()).context("writing the owner pid file")?;
        fs::create_dir_all(&self.layout.mail_root).context("creating the mail root")?;
        for user in &self.opts.users {
            fs::create_dir_all(self.layout.home_of(&user.name)).context("creating a mail home")?;
        }
        chown_tree(&self.layout.mail_root, &self.identity)?;
        tls::generate(&self.layout, self.opts.certificate)?;
        let users = config::users_file(&self.layout, &self.opts.users, &self.identity)?;
        fs::write(&self.layout.users_file, users).context("writing the passwd-file")?;
        if let Some(url) = &self.opts.oauth2_introspection_url {
            fs::write(&self.layout.oauth2_conf, config::oauth2_conf(url)?).context("writing the oauth2 passdb settings")?;
        }
        Ok(())
    }

    fn write_config(&self) -> anyhow::Result<()> {
        let name = format!("mailbell-test-{}", self.dir.path().file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default());
        let conf = config::dovecot_conf(&self.layout, &self.opts, &self.ports, &self.identity, &name)?;
        fs::write(&self.layout.config, conf).context("writing dovecot.conf")
    }

    /// Spawns `dovecot -F` and waits until it serves; kills it again if it does not.
    fn launch(&mut self) -> anyhow::Result<()> {
        let stderr =
            fs::OpenOptions::new().create(true).append(true).open(&self.layout.stderr_log).context("opening Dovecot's stderr log")?;
        let stdout = stderr.try_clone().context("cloning the stderr log handle")?;
        let child = Command::new("dovecot")
            .arg("-F")
            .arg("-c")
            .arg(&self.layout.config)
            .stdin(Stdio::null())
            .stdout(stdout)
            .stderr(stderr)
            // Own process group: stop() can signal every Dovecot process at once, and the
            // reaper can clean up after a test process that was killed.
            .process_group(0)
            .spawn()
            .context("cannot run `dovecot` (install dovecot-core and dovecot-imapd)")?;
        fs::write(self.dir.path().join(reaper::MASTER_FILE), child.id().to_string()).context("writing the master pid file")?;
        self.child = Some(child);

        if let Err(err) = self.wait_ready() {
            self.kill_quietly();
            return Err(err.context(format!(
                "Dovecot did not start (config {}); its log:\n{}",
                self.layout.config.display(),
                self.log_text()
            )));
        }
        Ok(())
    }

    fn wait_ready(&mut self) -> anyhow::Result<()> {
        let deadline = Instant::now() + START_TIMEOUT;
        // Dovecot's auth process keeps a per-IP penalty in anvil that slows every login after a
        // failure, for up to a minute. It skips the penalty, by design and silently, when the
        // anvil-auth-penalty socket does not exist; the master creates that socket at start-up,
        // before the (lazily started) auth process first connects to it, so we remove it here.
        let penalty_socket = self.layout.base_dir.join("anvil-auth-penalty");
        let mut penalty_pending = !self.opts.realistic_auth_delays;
        loop {
            if let Some(child) = self.child.as_mut() {
                if let Some(status) = child.try_wait().context("polling Dovecot")? {
                    bail!("dovecot exited with {status}");
                }
            }
            if Instant::now() >= deadline {
                bail!("dovecot did not become ready within {START_TIMEOUT:?}");
            }
            if penalty_pending {
                match fs::remove_file(&penalty_socket) {
                    Ok(()) => penalty_pending = false,
                    Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
                        thread::sleep(Duration::from_millis(2));
                        continue;
                    }
                    Err(err) => return Err(err).context("removing the anvil-auth-penalty socket"),
                }
            }
            // Ready means: a login process answers with its real greeting, which it only sends
            // once the auth process is up (before that it says "Waiting for authentication").
            match greeting(self.ports.plain, deadline) {
                Ok(true) => return Ok(()),
                Ok(false) | Err(_) => thread::sleep(Duration::from_millis(5)),
            }
        }
    }

    fn kill_quietly(&mut self) {
        if let Some(mut child) = self.child.take() {
            if let Ok(pid) = child_pid(&child) {
                signal_group(pid, libc::SIGKILL);
            }
            let _ = child.wait();
        }
    }

    /// `doveadm` bound to this instance's config (and so its sockets and users).
    fn doveadm(&self) -> Command {
        let mut cmd = Command::new("doveadm");
        cmd.arg("-c").arg(&self.layout.config);
        cmd
    }
}

impl Drop for Dovecot {
    fn drop(&mut self) {
        if self.stop().is_err() {
            self.kill_quietly();
        }
    }
}

/// Connects to the plain port and reads until the real greeting. `Ok(false)`: not yet.
fn greeting(port: u16, deadline: Instant) -> anyhow::Result<bool> {
    let stream = TcpStream::connect((HOST, port))?;
    // Short, so a dead master (or a stranger on our port) is noticed between attempts.
    let remaining = deadline.saturating_duration_since(Instant::now());
    stream.set_read_timeout(Some(remaining.clamp(Duration::from_millis(10), Duration::from_millis(500))))?;
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    loop {
        line.clear();
        if reader.read_line(&mut line)? == 0 {
            return Ok(false);
        }
        if line.starts_with("* OK") && line.contains("[CAPABILITY") {
            return Ok(true);
        }
        if !line.starts_with("* OK Waiting") {
            return Ok(false);
        }
    }
}
