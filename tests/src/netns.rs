//! Two network namespaces joined by a veth pair, for liveness tests: a "server" side and a
//! "client" side whose address a test can change (the client's TCP connections then die
//! silently) while the machine's own interfaces stay untouched.
//!
//! The design (see tests/tests/liveness.rs):
//! - the namespaces hold the only addresses of the test, 10.77.K.1 (server) and 10.77.K.2
//!   (client), K taken from the process id; nothing routes out of them;
//! - Dovecot stays on the host's 127.0.0.1. A [`Relay`] bridges to it: its listening socket is
//!   created by a thread that entered the server namespace (a socket belongs to the namespace
//!   it was made in, whichever thread uses it later), and its connections to Dovecot are made
//!   from the host's namespace. So the relay is on the server side of the veth, and its only
//!   way out of it is the loopback connection to Dovecot;
//! - the CLI under test runs inside the client namespace (`setns` in the child before exec,
//!   [`NetPair::enter_client`]), so it hears that namespace's rtnetlink events. The session
//!   bus (keyring) and the private system bus are unix sockets with a path, which work across
//!   network namespaces.
//!
//! Both namespaces are deleted when the [`NetPair`] drops, also on a panic; deleting a
//! namespace deletes its end of the veth, and with it the other end.

use std::fs::File;
use std::io::{Read, Write};
use std::net::{Ipv4Addr, Shutdown, SocketAddr, TcpListener, TcpStream};
use std::os::fd::AsRawFd;
use std::os::unix::process::CommandExt;
use std::process::Command;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::{bail, Context};

static NEXT: AtomicU32 = AtomicU32::new(0);

/// Two namespaces, `srv` and `cli`, joined by a veth pair, deleted on drop.
pub struct NetPair {
    pub srv: String,
    pub cli: String,
    /// 10.77.K: the subnet of the pair.
    net: [u8; 3],
    cli_host: u8,
}

fn ip(args: &[&str]) -> anyhow::Result<()> {
    let out = Command::new("ip").args(args).output().context("running ip (iproute2)")?;
    if !out.status.success() {
        bail!("ip {} failed: {}", args.join(" "), String::from_utf8_lossy(&out.stderr).trim());
    }
    Ok(())
}

impl NetPair {
    /// Creates the namespaces and the link; fails loudly (never skips) when it cannot.
    pub fn create() -> anyhow::Result<NetPair> {
        // SAFETY: geteuid has no preconditions.
        if unsafe { libc::geteuid() } != 0 {
            bail!("network namespaces need root");
        }
        let n = NEXT.fetch_add(1, Ordering::SeqCst);
        let pid = std::process::id();
        let tag = format!("{}{}", pid % 100_000, n);
        let pair = NetPair {
            srv: format!("mbl-s{tag}"),
            cli: format!("mbl-c{tag}"),
            net: [10, 77, ((pid as u8) ^ (n as u8).wrapping_mul(37)).max(1)],
            cli_host: 2,
        };
        ip(&["netns", "add", &pair.srv])?;
        // From here on, Drop cleans up whatever exists.
        ip(&["netns", "add", &pair.cli])?;
        let (vs, vc) = (format!("vs{tag}"), format!("vc{tag}"));
        ip(&["link", "add", &vs, "netns", &pair.srv, "type", "veth", "peer", "name", &vc, "netns", &pair.cli])?;
        for (ns, dev, host) in [(&pair.srv, &vs, 1u8), (&pair.cli, &vc, pair.cli_host)] {
            ip(&["-n", ns, "link", "set", "lo", "up"])?;
            ip(&["-n", ns, "addr", "add", &format!("{}/24", pair.addr(host)), "dev", dev])?;
            ip(&["-n", ns, "link", "set", dev, "up"])?;
        }
        // Wait for the link (and duplicate address detection, which is IPv6 only) to settle:
        // the client must be able to reach the server side.
        pair.wait_reachable(Duration::from_secs(20))?;
        Ok(pair)
    }

    fn addr(&self, host: u8) -> Ipv4Addr {
        Ipv4Addr::new(self.net[0], self.net[1], self.net[2], host)
    }

    /// The server side's address.
    pub fn server_ip(&self) -> Ipv4Addr {
        self.addr(1)
    }

    /// The client's current address.
    pub fn client_ip(&self) -> Ipv4Addr {
        self.addr(self.cli_host)
    }

    fn veth_cli(&self) -> String {
        format!("vc{}", &self.cli["mbl-c".len()..])
    }

    /// Removes the client's address: its connections die without a word, and with the subnet
    /// route gone, connecting fails with "network unreachable".
    pub fn drop_client_address(&self) -> anyhow::Result<()> {
        ip(&["-n", &self.cli, "addr", "del", &format!("{}/24", self.client_ip()), "dev", &self.veth_cli()])
    }

    /// Gives the client a new address (after [`NetPair::drop_client_address`]).
    pub fn new_client_address(&mut self) -> anyhow::Result<Ipv4Addr> {
        self.cli_host = self.cli_host.wrapping_add(1).max(2);
        ip(&["-n", &self.cli, "addr", "add", &format!("{}/24", self.client_ip()), "dev", &self.veth_cli()])?;
        Ok(self.client_ip())
    }

    /// Makes `cmd` start inside the client namespace.
    pub fn enter_client(&self, cmd: &mut Command) -> anyhow::Result<()> {
        let ns = File::open(format!("/run/netns/{}", self.cli)).context("opening the client namespace")?;
        // SAFETY: setns is async-signal-safe; the closure owns the file, whose descriptor is
        // still open in the child between fork and exec (close-on-exec closes it at exec).
        unsafe {
            cmd.pre_exec(move || {
                if libc::setns(ns.as_raw_fd(), libc::CLONE_NEWNET) != 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
        Ok(())
    }

    /// Runs `f` on a thread inside the server namespace: sockets it creates stay there.
    pub fn in_server<T: Send + 'static>(&self, f: impl FnOnce() -> T + Send + 'static) -> anyhow::Result<T> {
        in_netns(&self.srv, f)
    }

    fn wait_reachable(&self, within: Duration) -> anyhow::Result<()> {
        let ip = self.server_ip();
        let listener = self.in_server(move || TcpListener::bind((ip, 0)))?.context("binding a probe listener in the server namespace")?;
        let target = listener.local_addr()?;
        let deadline = std::time::Instant::now() + within;
        loop {
            let tried = in_netns(&self.cli, move || TcpStream::connect_timeout(&target, Duration::from_secs(1)))?;
            match tried {
                Ok(_) => return Ok(()),
                Err(_) if std::time::Instant::now() < deadline => std::thread::sleep(Duration::from_millis(100)),
                Err(e) => bail!("the client namespace cannot reach the server side: {e}"),
            }
        }
    }
}

impl Drop for NetPair {
    fn drop(&mut self) {
        for ns in [&self.cli, &self.srv] {
            let _ = Command::new("ip").args(["netns", "del", ns]).output();
        }
    }
}

/// Runs `f` on a new thread that first moved into the named namespace.
pub fn in_netns<T: Send + 'static>(name: &str, f: impl FnOnce() -> T + Send + 'static) -> anyhow::Result<T> {
    let ns = File::open(format!("/run/netns/{name}")).with_context(|| format!("opening namespace {name}"))?;
    std::thread::spawn(move || {
        // SAFETY: setns on this thread only, with a descriptor we hold open.
        if unsafe { libc::setns(ns.as_raw_fd(), libc::CLONE_NEWNET) } != 0 {
            bail!("setns: {}", std::io::Error::last_os_error());
        }
        Ok(f())
    })
    .join()
    .map_err(|_| anyhow::anyhow!("the namespace thread panicked"))?
}

/// A TCP relay listening inside the server namespace, forwarding to a target on the host's
/// loopback. [`Relay::black_hole`] makes every connection open at that moment stop forwarding
/// without closing (what arrives is read and dropped): a NAT box or relay that silently lost
/// its state, which no TCP error ever reports. Later connections are forwarded as before.
pub struct Relay {
    addr: SocketAddr,
    conns: Arc<Mutex<Vec<Conn>>>,
    accepted: Arc<AtomicU64>,
    idling: Arc<AtomicU64>,
    closing: Arc<AtomicBool>,
}

impl Relay {
    pub fn start(pair: &NetPair, target: SocketAddr) -> anyhow::Result<Relay> {
        let ip = pair.server_ip();
        let listener = pair.in_server(move || TcpListener::bind((ip, 0)))?.context("binding the relay in the server namespace")?;
        let addr = listener.local_addr()?;
        listener.set_nonblocking(true)?;
        let conns: Arc<Mutex<Vec<Conn>>> = Arc::default();
        let accepted = Arc::new(AtomicU64::new(0));
        let closing = Arc::new(AtomicBool::new(false));
        let idling = Arc::new(AtomicU64::new(0));
        let (c, a, stop, idl) = (Arc::clone(&conns), Arc::clone(&accepted), Arc::clone(&closing), Arc::clone(&idling));
        std::thread::spawn(move || {
            while !stop.load(Ordering::SeqCst) {
                let client = match listener.accept() {
                    Ok((client, _)) => client,
                    Err(_) => {
                        std::thread::sleep(Duration::from_millis(20));
                        continue;
                    }
                };
                let _ = client.set_nonblocking(false);
                a.fetch_add(1, Ordering::SeqCst);
                // Made on this thread, which is in the host's namespace: reaches 127.0.0.1.
                let Ok(server) = TcpStream::connect(target) else { continue };
                let dead = Arc::new(AtomicBool::new(false));
                if let (Ok(c1), Ok(s1)) = (client.try_clone(), server.try_clone()) {
                    c.lock().unwrap_or_else(|p| p.into_inner()).push(Conn { dead: Arc::clone(&dead), ends: [c1, s1] });
                }
                pump(&client, &server, Arc::clone(&dead), None);
                pump(&server, &client, dead, Some(Arc::clone(&idl)));
            }
        });
        Ok(Relay { addr, conns, accepted, idling, closing })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Connections accepted so far.
    pub fn accepted(&self) -> u64 {
        self.accepted.load(Ordering::SeqCst)
    }

    /// How many times the server said `+ idling` (Dovecot accepting an IDLE) through the relay.
    pub fn idle_starts(&self) -> u64 {
        self.idling.load(Ordering::SeqCst)
    }

    /// Every connection open now stops forwarding, silently, in both directions.
    pub fn black_hole(&self) {
        for c in self.conns.lock().unwrap_or_else(|p| p.into_inner()).iter() {
            c.dead.store(true, Ordering::SeqCst);
        }
    }
}

impl Drop for Relay {
    fn drop(&mut self) {
        // Every socket goes, so that nothing keeps the namespaces alive after their names.
        self.closing.store(true, Ordering::SeqCst);
        for c in self.conns.lock().unwrap_or_else(|p| p.into_inner()).drain(..) {
            for end in &c.ends {
                let _ = end.shutdown(Shutdown::Both);
            }
        }
    }
}

/// One relayed connection: its black-hole switch and both its sockets.
struct Conn {
    dead: Arc<AtomicBool>,
    ends: [TcpStream; 2],
}

/// Copies `from` to `to` on a thread until either side closes; once `dead`, drops what it reads.
/// `idling` counts the chunks forwarded that hold Dovecot's `+ idling`.
fn pump(from: &TcpStream, to: &TcpStream, dead: Arc<AtomicBool>, idling: Option<Arc<AtomicU64>>) {
    let (Ok(mut from), Ok(mut to)) = (from.try_clone(), to.try_clone()) else { return };
    std::thread::spawn(move || {
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            let n = match from.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => n,
            };
            if dead.load(Ordering::SeqCst) {
                continue;
            }
            if to.write_all(&buf[..n]).is_err() {
                break;
            }
            if let Some(idling) = &idling {
                if buf[..n].windows(8).any(|w| w == b"+ idling") {
                    idling.fetch_add(1, Ordering::SeqCst);
                }
            }
        }
        if !dead.load(Ordering::SeqCst) {
            let _ = to.shutdown(Shutdown::Write);
        }
    });
}
