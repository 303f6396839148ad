//! A loopback TCP proxy for network-failure tests: put it between the client and Dovecot, then
//! add latency, stall, cut or reset connections while the test runs.
//!
//! Besides the proxy-wide modes, a one-shot [`Trigger`] hits one connection at a precise point of
//! the protocol: when the client sends a given command (e.g. `UID FETCH`, `IDLE`) and the server
//! has answered a given number of bytes since, the connection is reset, closed or stalled. That
//! needs the command in clear text, so use it with plain IMAP (the code under test behaves the
//! same above the TLS layer); with TLS, use the modes and [`Proxy::reset_all`] on a timer.
//!
//! It runs on its own thread with its own current-thread tokio runtime, so synchronous tests and
//! tests with their own runtime (of any flavour) use it the same way. Dropping the proxy stops
//! the thread and closes every connection.

use std::net::{IpAddr, SocketAddr};
use std::pin::pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::Duration;

use anyhow::{bail, Context};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::{ReadHalf, WriteHalf};
use tokio::net::{TcpListener, TcpSocket, TcpStream};
use tokio::sync::{mpsc, oneshot, watch};
use tokio::time::Instant;

/// How the proxy treats bytes; can be changed while connections are open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProxyMode {
    /// Forward everything at once.
    Passthrough,
    /// Forward everything, each chunk released `d` after it arrived, in order, in both
    /// directions: `Delay(10ms)` gives ~20 ms more round-trip time. Like a real link, throughput
    /// is not limited by the delay.
    Delay(Duration),
    /// Keep connections open, read and discard what arrives, forward nothing: a hung server or
    /// a black-holed route. Connections accepted in this mode never reach the target at all.
    Stall,
}

/// What a [`Trigger`] does to the connection it hits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// TCP reset on both sides, like a dropped route.
    Reset,
    /// Orderly close (FIN) on both sides, mid-response: a server or middlebox cutting off.
    Close,
    /// The connection stays open but nothing more gets through in either direction: a hung
    /// server or a black hole.
    Stall,
    /// These bytes are slipped into the server's answer at that point (the connection then
    /// goes on as before): a server that says something malformed, or a tampering middlebox.
    Inject(&'static [u8]),
}

/// A one-shot fault: the first connection whose client sends `command` (bytes, matched
/// anywhere in the client-to-server stream, also across reads) gets `fault` once the server has
/// delivered `after_server_bytes` more bytes to the client, cut exactly there. With 0 it fires
/// before the matching bytes are forwarded, so the server never sees the command. `connections`
/// (default 1) hits that many matching connections, one after the other: e.g. 2 defeats an
/// immediate reconnect-and-retry, so the client's backoff has to do the recovery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Trigger {
    pub command: Vec<u8>,
    pub after_server_bytes: u64,
    pub fault: Fault,
    pub connections: u32,
}

impl Trigger {
    pub fn new(command: impl AsRef<[u8]>, after_server_bytes: u64, fault: Fault) -> Trigger {
        Trigger { command: command.as_ref().to_vec(), after_server_bytes, fault, connections: 1 }
    }

    /// Hits this many matching connections instead of one.
    pub fn connections(mut self, n: u32) -> Trigger {
        self.connections = n.max(1);
        self
    }
}

/// Bytes read per chunk; one chunk is the unit of delay.
const CHUNK: usize = 16 * 1024;
/// Chunks in flight per direction (bounds memory at 4 MiB per direction and connection).
const QUEUE_CHUNKS: usize = 256;
const NO_CUT: u64 = u64::MAX;

pub struct Proxy {
    addr: SocketAddr,
    shared: Arc<Shared>,
    shutdown: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

struct Shared {
    target: SocketAddr,
    /// Source address of the connections to the target (None: the system's choice).
    source: Option<IpAddr>,
    /// Armed one-shot trigger, taken by the first connection that matches it.
    trigger: Mutex<Option<Trigger>>,
    faults_fired: AtomicU64,
    mode: Mutex<ProxyMode>,
    bytes_to_client: AtomicU64,
    bytes_to_server: AtomicU64,
    connections: AtomicU64,
    active: AtomicU64,
    /// The most connections open at once so far.
    peak: AtomicU64,
    /// Per-connection limit of bytes to the client; NO_CUT when off.
    cut_after: AtomicU64,
    /// Bytes per second read from the server, per connection; 0 when unlimited.
    rate: AtomicU64,
    /// Bumped by reset_all; every connection watches it.
    reset: watch::Sender<u64>,
}

impl Shared {
    fn mode(&self) -> ProxyMode {
        *self.mode.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn trigger_pattern(&self) -> Option<Vec<u8>> {
        self.trigger.lock().unwrap_or_else(PoisonError::into_inner).as_ref().map(|t| t.command.clone())
    }

    /// Claims the armed trigger for one connection (it stays armed for the next while it has
    /// connections left).
    fn take_trigger(&self) -> Option<Trigger> {
        let mut slot = self.trigger.lock().unwrap_or_else(PoisonError::into_inner);
        let t = slot.as_mut()?;
        t.connections = t.connections.saturating_sub(1);
        if t.connections == 0 {
            slot.take()
        } else {
            Some(t.clone())
        }
    }
}

/// Per-connection fault state, shared by its two directions.
#[derive(Default)]
struct ConnFault {
    /// Armed on this connection: the fault and the server bytes still to deliver before it.
    pending: Mutex<Option<(Fault, u64)>>,
    /// A Stall fired: both directions discard everything.
    stalled: std::sync::atomic::AtomicBool,
}

impl ConnFault {
    fn is_stalled(&self) -> bool {
        self.stalled.load(Ordering::SeqCst)
    }
}

impl Proxy {
    /// Listens on a random port of 127.0.0.1 and forwards to `target`, which must be loopback.
    pub fn start(target: SocketAddr, mode: ProxyMode) -> anyhow::Result<Proxy> {
        Proxy::start_inner(target, mode, None)
    }

    /// Like [`Proxy::start`], but connects to the target from `source` (a loopback address such
    /// as 127.0.0.2), so the server sees a client that is not itself. Dovecot treats a
    /// connection from its own address as secure and, for example, would not announce
    /// LOGINDISABLED to it.
    pub fn start_from(target: SocketAddr, mode: ProxyMode, source: IpAddr) -> anyhow::Result<Proxy> {
        if !source.is_loopback() {
            bail!("the test proxy only connects from loopback addresses, not {source}");
        }
        Proxy::start_inner(target, mode, Some(source))
    }

    fn start_inner(target: SocketAddr, mode: ProxyMode, source: Option<IpAddr>) -> anyhow::Result<Proxy> {
        if !target.ip().is_loopback() {
            bail!("the test proxy only forwards to loopback addresses, not {target}");
        }
        // Bind here, not on the proxy thread, so errors and the address come back synchronously.
        let listener = std::net::TcpListener::bind("127.0.0.1:0").context("binding the proxy port")?;
        listener.set_nonblocking(true).context("making the proxy listener non-blocking")?;
        let addr = listener.local_addr().context("proxy listener address")?;
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().context("building the proxy's tokio runtime")?;

        let (reset, _) = watch::channel(0);
        let shared = Arc::new(Shared {
            target,
            source,
            trigger: Mutex::new(None),
            faults_fired: AtomicU64::new(0),
            mode: Mutex::new(mode),
            bytes_to_client: AtomicU64::new(0),
            bytes_to_server: AtomicU64::new(0),
            connections: AtomicU64::new(0),
            active: AtomicU64::new(0),
            peak: AtomicU64::new(0),
            cut_after: AtomicU64::new(NO_CUT),
            rate: AtomicU64::new(0),
            reset,
        });
        let (shutdown, shutdown_rx) = oneshot::channel();
        let thread_shared = Arc::clone(&shared);
        let thread = std::thread::Builder::new()
            .name(format!("test-proxy-{}", addr.port()))
            .spawn(move || {
                // Dropping the runtime at the end of this closure cancels every connection task,
                // which closes their sockets.
                runtime.block_on(accept_loop(listener, thread_shared, shutdown_rx));
            })
            .context("spawning the proxy thread")?;
        Ok(Proxy { addr, shared, shutdown: Some(shutdown), thread: Some(thread) })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    pub fn mode(&self) -> ProxyMode {
        self.shared.mode()
    }

    /// Applies to bytes read from now on, on open and new connections alike.
    pub fn set_mode(&self, mode: ProxyMode) {
        *self.shared.mode.lock().unwrap_or_else(PoisonError::into_inner) = mode;
    }

    /// Kills every open connection with a TCP reset (both sides), like a NAT or link drop.
    /// New connections are accepted as usual.
    pub fn reset_all(&self) {
        self.shared.reset.send_modify(|generation| *generation += 1);
    }

    /// Closes each connection once it has delivered `n` bytes to the client (applies to open
    /// connections too, counting what they already sent).
    pub fn cut_after_bytes(&self, n: u64) {
        self.shared.cut_after.store(n.min(NO_CUT - 1), Ordering::SeqCst);
    }

    /// Reads from the server at most `bytes_per_sec` per connection (None: unlimited). The
    /// server feels it: its socket fills and it waits, as behind a slow link, so a long answer
    /// (a big FETCH) stays in progress on the server for a while.
    pub fn limit_rate(&self, bytes_per_sec: Option<u64>) {
        self.shared.rate.store(bytes_per_sec.unwrap_or(0), Ordering::SeqCst);
    }

    /// Undoes [`Proxy::cut_after_bytes`].
    pub fn clear_cut(&self) {
        self.shared.cut_after.store(NO_CUT, Ordering::SeqCst);
    }

    /// Arms a one-shot [`Trigger`], replacing one not fired yet.
    pub fn arm(&self, trigger: Trigger) {
        *self.shared.trigger.lock().unwrap_or_else(PoisonError::into_inner) = Some(trigger);
    }

    /// Disarms a trigger that has not fired (or not on all its connections yet).
    pub fn disarm(&self) {
        self.shared.trigger.lock().unwrap_or_else(PoisonError::into_inner).take();
    }

    /// Whether an armed trigger is still waiting for its command.
    pub fn is_armed(&self) -> bool {
        self.shared.trigger_pattern().is_some()
    }

    /// Triggered faults that have fired so far.
    pub fn faults_fired(&self) -> u64 {
        self.shared.faults_fired.load(Ordering::SeqCst)
    }

    /// Bytes delivered to clients, over all connections.
    pub fn bytes_to_client(&self) -> u64 {
        self.shared.bytes_to_client.load(Ordering::SeqCst)
    }

    /// Bytes delivered to the target, over all connections.
    pub fn bytes_to_server(&self) -> u64 {
        self.shared.bytes_to_server.load(Ordering::SeqCst)
    }

    /// Connections accepted so far.
    pub fn connections(&self) -> u64 {
        self.shared.connections.load(Ordering::SeqCst)
    }

    /// Connections currently open.
    pub fn active_connections(&self) -> u64 {
        self.shared.active.load(Ordering::SeqCst)
    }

    /// The most connections that were open at once so far (a client's connection budget).
    pub fn peak_connections(&self) -> u64 {
        self.shared.peak.load(Ordering::SeqCst)
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            // Err means the thread already ended; nothing to stop.
            let _ = shutdown.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

async fn accept_loop(listener: std::net::TcpListener, shared: Arc<Shared>, mut shutdown: oneshot::Receiver<()>) {
    let listener = match TcpListener::from_std(listener) {
        Ok(listener) => listener,
        Err(err) => {
            eprintln!("test proxy: cannot register the listener with tokio: {err}");
            return;
        }
    };
    loop {
        tokio::select! {
            _ = &mut shutdown => return,
            accepted = listener.accept() => match accepted {
                Ok((client, _)) => {
                    shared.connections.fetch_add(1, Ordering::SeqCst);
                    tokio::spawn(serve(client, Arc::clone(&shared)));
                }
                // E.g. EMFILE: back off instead of spinning.
                Err(_) => tokio::time::sleep(Duration::from_millis(10)).await,
            },
        }
    }
}

/// Counts a connection as active for as long as it lives.
struct ActiveGuard(Arc<Shared>);

impl ActiveGuard {
    fn new(shared: &Arc<Shared>) -> Self {
        let now = shared.active.fetch_add(1, Ordering::SeqCst) + 1;
        shared.peak.fetch_max(now, Ordering::SeqCst);
        ActiveGuard(Arc::clone(shared))
    }
}

impl Drop for ActiveGuard {
    fn drop(&mut self) {
        self.0.active.fetch_sub(1, Ordering::SeqCst);
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Direction {
    ToServer,
    ToClient,
}

/// How one direction of a connection ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PipeEnd {
    /// The sender closed cleanly and everything was delivered.
    Eof,
    /// A read or write failed.
    Error,
    /// cut_after_bytes was reached, or a Close fault fired.
    Cut,
    /// A Reset fault fired.
    Reset,
}

async fn serve(mut client: TcpStream, shared: Arc<Shared>) {
    let _active = ActiveGuard::new(&shared);
    let mut reset = shared.reset.subscribe();

    if shared.mode() == ProxyMode::Stall {
        tokio::select! {
            _ = swallow(&mut client) => {}
            _ = reset.changed() => {
                let _ = client.set_zero_linger();
            }
        }
        return;
    }

    let Ok(mut upstream) = connect_upstream(&shared).await else {
        // Target down (e.g. Dovecot stopped): the client sees its connection close at once.
        return;
    };
    let conn = ConnFault::default();
    // Latency is what the proxy adds on purpose; Nagle would add more at random.
    let _ = client.set_nodelay(true);
    let _ = upstream.set_nodelay(true);

    let was_reset = {
        let (client_read, client_write) = client.split();
        let (upstream_read, upstream_write) = upstream.split();
        let mut to_server = pin!(pipe(client_read, upstream_write, &shared, &conn, Direction::ToServer));
        let mut to_client = pin!(pipe(upstream_read, client_write, &shared, &conn, Direction::ToClient));
        let (mut server_done, mut client_done) = (false, false);
        loop {
            tokio::select! {
                end = &mut to_server, if !server_done => {
                    if end != PipeEnd::Eof { break end == PipeEnd::Reset; }
                    server_done = true;
                }
                end = &mut to_client, if !client_done => {
                    if end != PipeEnd::Eof { break end == PipeEnd::Reset; }
                    client_done = true;
                }
                _ = reset.changed() => break true,
            }
            if server_done && client_done {
                break false;
            }
        }
    };
    if was_reset {
        // Zero linger turns the close into an RST, which is what a dropped route looks like.
        let _ = client.set_zero_linger();
        let _ = upstream.set_zero_linger();
    }
}

async fn connect_upstream(shared: &Shared) -> std::io::Result<TcpStream> {
    let Some(source) = shared.source else {
        return TcpStream::connect(shared.target).await;
    };
    let socket = if shared.target.is_ipv4() { TcpSocket::new_v4()? } else { TcpSocket::new_v6()? };
    socket.bind(SocketAddr::new(source, 0))?;
    socket.connect(shared.target).await
}

/// Finds `pattern` in `chunk`, also when it started in the previous chunk (whose tail is kept in
/// `carry`).
fn scan(carry: &mut Vec<u8>, chunk: &[u8], pattern: &[u8]) -> bool {
    if pattern.is_empty() {
        return false;
    }
    carry.extend_from_slice(chunk);
    let found = carry.windows(pattern.len()).any(|w| w == pattern);
    let keep = pattern.len() - 1;
    if carry.len() > keep {
        carry.drain(..carry.len() - keep);
    }
    found
}

/// Reads and discards until the peer closes.
async fn swallow(stream: &mut TcpStream) {
    let mut buf = vec![0u8; CHUNK];
    while let Ok(n) = stream.read(&mut buf).await {
        if n == 0 {
            break;
        }
    }
}

/// One direction: a reader that timestamps chunks into a queue, and a writer that releases each
/// chunk at its time. Decoupling the two is what keeps a delay from capping throughput.
async fn pipe(mut from: ReadHalf<'_>, mut to: WriteHalf<'_>, shared: &Shared, conn: &ConnFault, direction: Direction) -> PipeEnd {
    let (queue, mut released) = mpsc::channel::<(Instant, Vec<u8>)>(QUEUE_CHUNKS);

    let reader = async move {
        let mut buf = vec![0u8; CHUNK];
        let mut carry = Vec::new();
        loop {
            let rate = shared.rate.load(Ordering::SeqCst);
            // Small reads when slowed down, so the pace is even.
            let want = if direction == Direction::ToClient && rate > 0 { (rate as usize / 20).clamp(256, CHUNK) } else { CHUNK };
            let n = match from.read(&mut buf[..want]).await {
                Ok(0) => return PipeEnd::Eof,
                Ok(n) => n,
                Err(_) => return PipeEnd::Error,
            };
            if direction == Direction::ToClient && rate > 0 {
                tokio::time::sleep(Duration::from_secs_f64(n as f64 / rate as f64)).await;
            }
            if conn.is_stalled() {
                continue;
            }
            if direction == Direction::ToServer {
                if let Some(pattern) = shared.trigger_pattern() {
                    if scan(&mut carry, &buf[..n], &pattern) {
                        if let Some(t) = shared.take_trigger() {
                            if t.after_server_bytes == 0 && !matches!(t.fault, Fault::Inject(_)) {
                                shared.faults_fired.fetch_add(1, Ordering::SeqCst);
                                match t.fault {
                                    Fault::Reset => return PipeEnd::Reset,
                                    Fault::Close => return PipeEnd::Cut,
                                    Fault::Stall | Fault::Inject(_) => {
                                        conn.stalled.store(true, Ordering::SeqCst);
                                        continue;
                                    }
                                }
                            }
                            *conn.pending.lock().unwrap_or_else(PoisonError::into_inner) = Some((t.fault, t.after_server_bytes));
                        }
                    }
                }
            }
            let release_at = match shared.mode() {
                ProxyMode::Stall => continue,
                ProxyMode::Passthrough => Instant::now(),
                ProxyMode::Delay(delay) => Instant::now() + delay,
            };
            if queue.send((release_at, buf[..n].to_vec())).await.is_err() {
                return PipeEnd::Error;
            }
        }
        // `queue` is dropped when this block returns, which tells the writer the stream ended.
    };

    let writer = async move {
        let mut sent: u64 = 0;
        while let Some((release_at, chunk)) = released.recv().await {
            tokio::time::sleep_until(release_at).await;
            if conn.is_stalled() {
                continue;
            }
            let whole = chunk;
            let mut chunk = whole.as_slice();
            let mut rest_of_chunk: Vec<u8> = Vec::new();
            let mut cut = false;
            let mut fire = None;
            if direction == Direction::ToClient {
                // Armed with 0 bytes to wait, an injection goes before the server's answer.
                let inject_now = {
                    let mut pending = conn.pending.lock().unwrap_or_else(PoisonError::into_inner);
                    match pending.as_ref() {
                        Some((Fault::Inject(bytes), 0)) => {
                            let bytes = *bytes;
                            *pending = None;
                            Some(bytes)
                        }
                        _ => None,
                    }
                };
                if let Some(bytes) = inject_now {
                    if to.write_all(bytes).await.is_err() {
                        return PipeEnd::Error;
                    }
                    shared.faults_fired.fetch_add(1, Ordering::SeqCst);
                }
                let mut pending = conn.pending.lock().unwrap_or_else(PoisonError::into_inner);
                if let Some((fault, left)) = pending.as_mut() {
                    if chunk.len() as u64 >= *left {
                        let at = usize::try_from(*left).unwrap_or(0);
                        if matches!(fault, Fault::Inject(_)) {
                            rest_of_chunk = chunk[at..].to_vec();
                        }
                        chunk = &chunk[..at];
                        fire = Some(*fault);
                        *pending = None;
                    } else {
                        *left -= chunk.len() as u64;
                    }
                }
            }
            if direction == Direction::ToClient {
                let limit = shared.cut_after.load(Ordering::SeqCst);
                let room = limit.saturating_sub(sent);
                if limit != NO_CUT && chunk.len() as u64 >= room {
                    // `room` < chunk.len() here, so it fits in usize.
                    chunk = &chunk[..usize::try_from(room).unwrap_or(0)];
                    cut = true;
                }
            }
            if to.write_all(chunk).await.is_err() {
                return PipeEnd::Error;
            }
            sent += chunk.len() as u64;
            let counter = match direction {
                Direction::ToClient => &shared.bytes_to_client,
                Direction::ToServer => &shared.bytes_to_server,
            };
            counter.fetch_add(chunk.len() as u64, Ordering::SeqCst);
            if let Some(fault) = fire {
                let _ = to.flush().await;
                shared.faults_fired.fetch_add(1, Ordering::SeqCst);
                match fault {
                    Fault::Reset => return PipeEnd::Reset,
                    Fault::Close => return PipeEnd::Cut,
                    Fault::Stall => conn.stalled.store(true, Ordering::SeqCst),
                    Fault::Inject(bytes) => {
                        if to.write_all(bytes).await.is_err() {
                            return PipeEnd::Error;
                        }
                        // The rest of the chunk the injection cut into.
                        if to.write_all(&rest_of_chunk).await.is_err() {
                            return PipeEnd::Error;
                        }
                    }
                }
            }
            if cut {
                return PipeEnd::Cut;
            }
        }
        // Pass the half-close on, so request/response protocols still see EOF.
        let _ = to.shutdown().await;
        PipeEnd::Eof
    };

    let mut reader = pin!(reader);
    let mut writer = pin!(writer);
    let mut reader_done = false;
    loop {
        tokio::select! {
            end = &mut reader, if !reader_done => {
                if end != PipeEnd::Eof {
                    return end;
                }
                reader_done = true;
            }
            end = &mut writer => return end,
        }
    }
}
