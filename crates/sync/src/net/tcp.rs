//! TCP connections with a deadline, and with keepalive probes.
//!
//! Every connection gets SO_KEEPALIVE with short probes ([`KEEPALIVE`]): a peer that vanished
//! (a suspended laptop's NAT entry gone, a server that lost power) is noticed by the kernel
//! within about two minutes even while the application is idle, and the next read fails
//! instead of waiting forever.

use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use socket2::{SockRef, TcpKeepalive};
use tokio::net::TcpStream;

/// Keepalive timing: the first probe after 60 s of silence, then every 10 s, and the
/// connection is declared dead after 5 unanswered probes (60 + 5 × 10 = 110 s at worst).
pub(crate) const KEEPALIVE: Keepalive = Keepalive { idle: Duration::from_secs(60), interval: Duration::from_secs(10), probes: 5 };

#[derive(Debug, Clone, Copy)]
pub(crate) struct Keepalive {
    pub(crate) idle: Duration,
    pub(crate) interval: Duration,
    pub(crate) probes: u32,
}

/// Switches Nagle's delay off (each command goes out as one segment, so it only costs round
/// trips) and keepalive on. Failures are logged, never fatal: the connection still works.
fn tune(tcp: &TcpStream) {
    let _ = tcp.set_nodelay(true);
    let k = KEEPALIVE;
    let params = TcpKeepalive::new().with_time(k.idle).with_interval(k.interval).with_retries(k.probes);
    if let Err(e) = SockRef::from(tcp).set_tcp_keepalive(&params) {
        tracing::debug!(error = %e, "cannot switch TCP keepalive on");
    }
}

/// Connects to `host:port` (resolved by the system) within `timeout`, with keepalive on.
pub(crate) async fn connect(host: &str, port: u16, timeout: Duration) -> Result<TcpStream, ConnectError> {
    let tcp = tokio::time::timeout(timeout, TcpStream::connect((host, port)))
        .await
        .map_err(|_| ConnectError::Timeout)?
        .map_err(ConnectError::Io)?;
    tune(&tcp);
    Ok(tcp)
}

/// Why [`connect`] failed.
#[derive(Debug)]
pub(crate) enum ConnectError {
    Timeout,
    Io(io::Error),
}

/// Connects to the first address that accepts, within `timeout` for them all.
pub(crate) async fn connect_any(addrs: &[SocketAddr], timeout: Duration) -> io::Result<TcpStream> {
    let attempt = async {
        let mut last = io::Error::new(io::ErrorKind::NotFound, "no address to connect to");
        for addr in addrs {
            match TcpStream::connect(addr).await {
                Ok(s) => {
                    tune(&s);
                    return Ok(s);
                }
                Err(e) => last = e,
            }
        }
        Err(last)
    };
    match tokio::time::timeout(timeout, attempt).await {
        Ok(r) => r,
        Err(_) => Err(io::Error::new(io::ErrorKind::TimedOut, format!("no connection within {} s", timeout.as_secs_f32()))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn every_connection_has_short_keepalive_probes() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        for tcp in [
            connect("127.0.0.1", addr.port(), Duration::from_secs(5)).await.unwrap(),
            connect_any(&[addr], Duration::from_secs(5)).await.unwrap(),
        ] {
            let s = SockRef::from(&tcp);
            assert!(s.keepalive().unwrap());
            assert_eq!(s.tcp_keepalive_time().unwrap(), KEEPALIVE.idle);
            assert_eq!(s.tcp_keepalive_interval().unwrap(), KEEPALIVE.interval);
            assert_eq!(s.tcp_keepalive_retries().unwrap(), KEEPALIVE.probes);
            assert!(tcp.nodelay().unwrap());
        }
    }
}
