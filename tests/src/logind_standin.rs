//! A private system bus and a scripted logind on it, for resume-from-suspend tests.
//!
//! [`SystemBus`] is a real `dbus-daemon` with a private configuration, listening on a unix
//! socket with a path (which works from any network namespace); a test hands its address to
//! the program under test as `DBUS_SYSTEM_BUS_ADDRESS`. [`LogindStandin`] owns
//! `org.freedesktop.login1` there, answers the `PreparingForSleep` property (counting who
//! asks, so that a test knows a listener is in place) and emits
//! `org.freedesktop.login1.Manager.PrepareForSleep(b)` on demand, as logind does around a
//! suspend.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};

/// A private `dbus-daemon`, stopped on drop.
pub struct SystemBus {
    child: Child,
    address: String,
    _dir: tempfile::TempDir,
}

impl SystemBus {
    pub fn start() -> anyhow::Result<SystemBus> {
        let dir = tempfile::tempdir()?;
        let socket = dir.path().join("system_bus_socket");
        let config = dir.path().join("bus.conf");
        std::fs::write(
            &config,
            format!(
                r#"<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path={}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <allow own="*"/>
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
  </policy>
</busconfig>
"#,
                socket.display()
            ),
        )?;
        let mut child = Command::new("dbus-daemon")
            .arg(format!("--config-file={}", config.display()))
            .args(["--nofork", "--nopidfile", "--print-address=1"])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .context("starting dbus-daemon (package dbus-daemon)")?;
        let stdout = child.stdout.take().context("dbus-daemon stdout")?;
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line).context("reading the bus address")?;
        let address = line.trim().to_string();
        if address.is_empty() {
            let _ = child.kill();
            let _ = child.wait();
            bail!("dbus-daemon printed no address: it did not start");
        }
        Ok(SystemBus { child, address, _dir: dir })
    }

    /// The bus address, for `DBUS_SYSTEM_BUS_ADDRESS`.
    pub fn address(&self) -> &str {
        &self.address
    }
}

impl Drop for SystemBus {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

struct Manager {
    reads: Arc<AtomicU64>,
}

#[zbus::interface(name = "org.freedesktop.login1.Manager")]
impl Manager {
    #[zbus(property)]
    fn preparing_for_sleep(&self) -> bool {
        self.reads.fetch_add(1, Ordering::SeqCst);
        false
    }
}

/// `org.freedesktop.login1` on a [`SystemBus`], scripted by the test.
pub struct LogindStandin {
    conn: Option<zbus::Connection>,
    reads: Arc<AtomicU64>,
    rt: tokio::runtime::Runtime,
}

const PATH: &str = "/org/freedesktop/login1";

impl LogindStandin {
    pub fn start(bus: &SystemBus) -> anyhow::Result<LogindStandin> {
        let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build()?;
        let reads = Arc::new(AtomicU64::new(0));
        let manager = Manager { reads: Arc::clone(&reads) };
        let address = bus.address().to_string();
        let conn = rt
            .block_on(async move {
                zbus::connection::Builder::address(address.as_str())?.name("org.freedesktop.login1")?.serve_at(PATH, manager)?.build().await
            })
            .context("the logind stand-in cannot take its name on the private system bus")?;
        Ok(LogindStandin { conn: Some(conn), reads, rt })
    }

    /// How many times the `PreparingForSleep` property was read (the engine reads it once,
    /// right after subscribing to the signal).
    pub fn property_reads(&self) -> u64 {
        self.reads.load(Ordering::SeqCst)
    }

    /// Waits until the property was read `n` times in all; false on timeout.
    pub fn wait_property_reads(&self, n: u64, within: Duration) -> bool {
        let deadline = Instant::now() + within;
        while self.property_reads() < n {
            if Instant::now() >= deadline {
                return false;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        true
    }

    /// Emits `PrepareForSleep(start)`: `true` as the machine goes to sleep, `false` as it
    /// resumes.
    pub fn prepare_for_sleep(&self, start: bool) -> anyhow::Result<()> {
        let conn = self.conn.as_ref().context("the stand-in has stopped")?;
        self.rt
            .block_on(conn.emit_signal(
                None::<zbus::names::BusName<'_>>,
                PATH,
                "org.freedesktop.login1.Manager",
                "PrepareForSleep",
                &(start,),
            ))
            .context("emitting PrepareForSleep")
    }
}

impl Drop for LogindStandin {
    fn drop(&mut self) {
        let _guard = self.rt.enter();
        self.conn.take();
    }
}
