//! A loopback TCP proxy for network-failure tests: put it between the client and Dovecot, then
//! add latency, stall, cut or reset connections while the test runs.
//!
//! It runs on its own thread with its own current-thread tokio runtime, so synchronous tests and
//! tests with their own runtime (of any flavour) use it the same way. Dropping the proxy stops
//! the thread and closes every connection.

use std::net::SocketAddr;
use std::pin::pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::Duration;

use anyhow::{bail, Context};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::{ReadHalf, WriteHalf};
use tokio::net::{TcpListener, TcpStream};
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
    mode: Mutex<ProxyMode>,
    bytes_to_client: AtomicU64,
    bytes_to_server: AtomicU64,
    connections: AtomicU64,
    active: AtomicU64,
    /// Per-connection limit of bytes to the client; NO_CUT when off.
    cut_after: AtomicU64,
    /// Bumped by reset_all; every connection watches it.
    reset: watch::Sender<u64>,
}

impl Shared {
    fn mode(&self) -> ProxyMode {
        *self.mode.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Proxy {
    /// Listens on a random port of 127.0.0.1 and forwards to `target`, which must be loopback.
    pub fn start(target: SocketAddr, mode: ProxyMode) -> anyhow::Result<Proxy> {
        if !target.ip().is_loopback() {
            bail!("the test proxy only forwards to loopback addresses, not {target}");
        }
        // Bind here, not on the proxy thread, so errors and the address come back synchronously.
        let listener =
            std::net::TcpListener::bind("127.0.0.1:0").context("binding the proxy port")?;
        listener
            .set_nonblocking(true)
            .context("making the proxy listener non-blocking")?;
        let addr = listener.local_addr().context("proxy listener address")?;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .context("building the proxy's tokio runtime")?;

        let (reset, _) = watch::channel(0);
        let shared = Arc::new(Shared {
            target,
            mode: Mutex::new(mode),
            bytes_to_client: AtomicU64::new(0),
            bytes_to_server: AtomicU64::new(0),
            connections: AtomicU64::new(0),
            active: AtomicU64::new(0),
            cut_after: AtomicU64::new(NO_CUT),
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
        Ok(Proxy {
            addr,
            shared,
            shutdown: Some(shutdown),
            thread: Some(thread),
        })
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
        *self
            .shared
            .mode
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = mode;
    }

    /// Kills every open connection with a TCP reset (both sides), like a NAT or link drop.
    /// New connections are accepted as usual.
    pub fn reset_all(&self) {
        self.shared.reset.send_modify(|generation| *generation += 1);
    }

    /// Closes each connection once it has delivered `n` bytes to the client (applies to open
    /// connections too, counting what they already sent).
    pub fn cut_after_bytes(&self, n: u64) {
        self.shared
            .cut_after
            .store(n.min(NO_CUT - 1), Ordering::SeqCst);
    }

    /// Undoes [`Proxy::cut_after_bytes`].
    pub fn clear_cut(&self) {
        self.shared.cut_after.store(NO_CUT, Ordering::SeqCst);
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

async fn accept_loop(
    listener: std::net::TcpListener,
    shared: Arc<Shared>,
    mut shutdown: oneshot::Receiver<()>,
) {
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
        shared.active.fetch_add(1, Ordering::SeqCst);
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
    /// cut_after_bytes was reached.
    Cut,
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

    let Ok(mut upstream) = TcpStream::connect(shared.target).await else {
        // Target down (e.g. Dovecot stopped): the client sees its connection close at once.
        return;
    };
    // Latency is what the proxy adds on purpose; Nagle would add more at random.
    let _ = client.set_nodelay(true);
    let _ = upstream.set_nodelay(true);

    let was_reset = {
        let (client_read, client_write) = client.split();
        let (upstream_read, upstream_write) = upstream.split();
        let mut to_server = pin!(pipe(
            client_read,
            upstream_write,
            &shared,
            Direction::ToServer
        ));
        let mut to_client = pin!(pipe(
            upstream_read,
            client_write,
            &shared,
            Direction::ToClient
        ));
        let (mut server_done, mut client_done) = (false, false);
        loop {
            tokio::select! {
                end = &mut to_server, if !server_done => {
                    if end != PipeEnd::Eof { break false; }
                    server_done = true;
                }
                end = &mut to_client, if !client_done => {
                    if end != PipeEnd::Eof { break false; }
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
async fn pipe(
    mut from: ReadHalf<'_>,
    mut to: WriteHalf<'_>,
    shared: &Shared,
    direction: Direction,
) -> PipeEnd {
    let (queue, mut released) = mpsc::channel::<(Instant, Vec<u8>)>(QUEUE_CHUNKS);

    let reader = async move {
        let mut buf = vec![0u8; CHUNK];
        loop {
            let n = match from.read(&mut buf).await {
                Ok(0) => return PipeEnd::Eof,
                Ok(n) => n,
                Err(_) => return PipeEnd::Error,
            };
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
            let mut chunk = chunk.as_slice();
            let mut cut = false;
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
