//! A loopback relay that counts round trips exactly, whatever the machine's load: a "client
//! turn" is the client sending after the server has sent (or sending first) on a connection.
//! Under TLS the bytes are opaque but the turns are not: a request the client waits for costs
//! one turn, and pipelined commands written together cost one. It sits in front of the
//! harness's counting/delay proxy (client -> relay -> proxy -> Dovecot), so latency and byte
//! counts stay where they were. Threads, blocking I/O; only for the scenarios that ask for it.

use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicU8, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::Duration;

use anyhow::Context;

const NONE: u8 = 0;
const FROM_CLIENT: u8 = 1;
const FROM_SERVER: u8 = 2;

#[derive(Default)]
struct Counters {
    client_turns: AtomicU64,
    stop: AtomicBool,
}

pub struct TurnRelay {
    addr: SocketAddr,
    counters: Arc<Counters>,
}

impl TurnRelay {
    pub fn start(target: SocketAddr) -> anyhow::Result<TurnRelay> {
        let listener = TcpListener::bind("127.0.0.1:0").context("binding the turn relay")?;
        let addr = listener.local_addr().context("turn relay address")?;
        let counters = Arc::new(Counters::default());
        let c = Arc::clone(&counters);
        thread::Builder::new()
            .name("turn-relay".into())
            .spawn(move || {
                for conn in listener.incoming() {
                    if c.stop.load(Ordering::SeqCst) {
                        return;
                    }
                    let Ok(client) = conn else { continue };
                    let c = Arc::clone(&c);
                    let _ = thread::Builder::new().name("turn-relay-conn".into()).spawn(move || relay(client, target, c));
                }
            })
            .context("spawning the turn relay")?;
        Ok(TurnRelay { addr, counters })
    }

    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// Client turns over every connection so far.
    pub fn client_turns(&self) -> u64 {
        self.counters.client_turns.load(Ordering::SeqCst)
    }
}

impl Drop for TurnRelay {
    fn drop(&mut self) {
        self.counters.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop so it sees the flag.
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_secs(1));
    }
}

fn relay(client: TcpStream, target: SocketAddr, counters: Arc<Counters>) {
    let Ok(server) = TcpStream::connect(target) else { return };
    let _ = client.set_nodelay(true);
    let _ = server.set_nodelay(true);
    let last = Arc::new(AtomicU8::new(NONE));
    let (Ok(c2), Ok(s2)) = (client.try_clone(), server.try_clone()) else { return };
    let up = {
        let last = Arc::clone(&last);
        let counters = Arc::clone(&counters);
        thread::spawn(move || pump(client, server, &last, FROM_CLIENT, Some(&counters)))
    };
    pump(s2, c2, &last, FROM_SERVER, None);
    let _ = up.join();
}

/// Copies `from` to `to` until EOF; marks the direction, counting a turn when it flips to the
/// client's.
fn pump(mut from: TcpStream, mut to: TcpStream, last: &AtomicU8, dir: u8, turns: Option<&Counters>) {
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = match from.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        if last.swap(dir, Ordering::SeqCst) != dir {
            if let Some(c) = turns {
                c.client_turns.fetch_add(1, Ordering::SeqCst);
            }
        }
        if to.write_all(&buf[..n]).is_err() {
            break;
        }
    }
    let _ = to.shutdown(Shutdown::Write);
    let _ = from.shutdown(Shutdown::Read);
}
