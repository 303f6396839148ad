//! TCP connections with a deadline.

use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use tokio::net::TcpStream;

/// Connects to `host:port` (resolved by the system) within `timeout`. Each command goes out as
/// one segment, so Nagle's delay only costs round trips: it is switched off.
pub(crate) async fn connect(host: &str, port: u16, timeout: Duration) -> Result<TcpStream, ConnectError> {
    let tcp = tokio::time::timeout(timeout, TcpStream::connect((host, port)))
        .await
        .map_err(|_| ConnectError::Timeout)?
        .map_err(ConnectError::Io)?;
    let _ = tcp.set_nodelay(true);
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
                Ok(s) => return Ok(s),
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
