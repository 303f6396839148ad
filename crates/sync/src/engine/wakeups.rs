//! Wake-ups: system events that make every worker drop its connections and look at once,
//! instead of waiting for its timer or its backoff.
//!
//! Two sources, both optional at run time (a machine without them logs once, at debug, and the
//! engine carries on with its clock-jump detection and its watchdogs):
//! - rtnetlink: an address appearing or going (IPv4 or IPv6), or an IPv4 default route
//!   changing. A raw `NETLINK_ROUTE` socket subscribed to the address and route groups; the
//!   addresses are dumped once at start, so that a refresh of an address already there (IPv6
//!   router advertisements repeat them every few minutes) wakes nobody. A burst of changes
//!   (an address removed, its route with it, a new one added) is one wake-up, once the burst
//!   has been quiet for [`DEBOUNCE`].
//! - logind on the system bus: `org.freedesktop.login1.Manager.PrepareForSleep(false)`, sent
//!   as the machine resumes. zbus finds the bus through `DBUS_SYSTEM_BUS_ADDRESS`, else the
//!   standard path.

use std::collections::BTreeSet;
use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::time::Duration;

use futures::StreamExt;
use tokio::io::unix::AsyncFd;
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;
use tokio::time::Instant;

/// Why a worker is told to start afresh.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum WakeReason {
    /// An address or the default route changed: the old connections may be dead, and a
    /// network that just came back should be used now.
    NetworkChanged,
    /// The machine resumed from suspend (logind).
    Resumed,
    /// A push companion's watchdog (an IDLE connection's or the NOTIFY one's) found the path
    /// dead: silence, then no answer to the probe.
    ConnectionDead,
}

/// How long a burst of network changes must be quiet before the wake-up goes out.
pub(crate) const DEBOUNCE: Duration = Duration::from_secs(1);

#[derive(Debug, Clone, Copy)]
enum Signal {
    Network,
    Resumed,
}

/// Starts the watcher: `fan_out` hears every wake-up until `closing` turns true.
pub(crate) fn spawn(mut closing: watch::Receiver<bool>, fan_out: impl Fn(WakeReason) + Send + 'static) -> JoinHandle<()> {
    tokio::spawn(async move {
        let (tx, mut rx) = mpsc::unbounded_channel();
        let routes = tokio::spawn(watch_routes(tx.clone()));
        let sleep = tokio::spawn(watch_logind(tx));
        let mut open = true;
        let mut due: Option<Instant> = None;
        loop {
            tokio::select! {
                _ = closing.wait_for(|c| *c) => break,
                signal = rx.recv(), if open => match signal {
                    Some(Signal::Network) => due = Some(Instant::now() + DEBOUNCE),
                    Some(Signal::Resumed) => {
                        tracing::info!("resumed from suspend: fresh connections for every account");
                        fan_out(WakeReason::Resumed);
                    }
                    None => open = false,
                },
                () = sleep_until(due), if due.is_some() => {
                    due = None;
                    tracing::info!("the network changed: fresh connections for every account");
                    fan_out(WakeReason::NetworkChanged);
                }
            }
        }
        routes.abort();
        sleep.abort();
    })
}

async fn sleep_until(due: Option<Instant>) {
    match due {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

// ---- rtnetlink ----------------------------------------------------------------------------

async fn watch_routes(tx: mpsc::UnboundedSender<Signal>) {
    let socket = match RouteSocket::open() {
        Ok(s) => s,
        Err(e) => {
            tracing::debug!(error = %e, "no rtnetlink: network changes are not heard");
            return;
        }
    };
    let mut state = Addresses::default();
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        match socket.recv(&mut buf).await {
            Ok(n) => {
                if state.absorb(&buf[..n]) && tx.send(Signal::Network).is_err() {
                    return;
                }
            }
            // The kernel dropped messages for us: something changed, we cannot tell what.
            Err(e) if e.raw_os_error() == Some(libc::ENOBUFS) => {
                if tx.send(Signal::Network).is_err() {
                    return;
                }
            }
            Err(e) => {
                tracing::debug!(error = %e, "rtnetlink socket failed: network changes are no longer heard");
                return;
            }
        }
    }
}

/// A `NETLINK_ROUTE` socket subscribed to address and route changes, with a dump of the
/// current addresses requested.
struct RouteSocket {
    fd: AsyncFd<OwnedFd>,
}

/// Sequence number of our address dump: its answers carry it, notifications carry 0.
const DUMP_SEQ: u32 = 1;
const NLMSG_HDRLEN: usize = 16;

impl RouteSocket {
    fn open() -> io::Result<RouteSocket> {
        // SAFETY: plain system calls on a descriptor this function owns; the address passed to
        // bind is a fully initialised sockaddr_nl of the size given.
        let fd = unsafe { libc::socket(libc::AF_NETLINK, libc::SOCK_RAW | libc::SOCK_NONBLOCK | libc::SOCK_CLOEXEC, libc::NETLINK_ROUTE) };
        if fd < 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: `fd` was just returned by socket() and is owned by nobody else.
        let fd = unsafe { OwnedFd::from_raw_fd(fd) };
        // SAFETY: sockaddr_nl is plain old data; all zeroes is a valid value.
        let mut addr: libc::sockaddr_nl = unsafe { std::mem::zeroed() };
        addr.nl_family = libc::AF_NETLINK as libc::sa_family_t;
        addr.nl_groups = (libc::RTMGRP_IPV4_IFADDR | libc::RTMGRP_IPV6_IFADDR | libc::RTMGRP_IPV4_ROUTE) as u32;
        let len = std::mem::size_of::<libc::sockaddr_nl>() as libc::socklen_t;
        // SAFETY: see above.
        if unsafe { libc::bind(fd.as_raw_fd(), std::ptr::addr_of!(addr).cast::<libc::sockaddr>(), len) } < 0 {
            return Err(io::Error::last_os_error());
        }
        // RTM_GETADDR, dump, for every family: a header and an ifaddrmsg of zeroes.
        let mut req = Vec::with_capacity(NLMSG_HDRLEN + 8);
        req.extend_from_slice(&((NLMSG_HDRLEN + 8) as u32).to_ne_bytes());
        req.extend_from_slice(&libc::RTM_GETADDR.to_ne_bytes());
        req.extend_from_slice(&((libc::NLM_F_REQUEST | libc::NLM_F_DUMP) as u16).to_ne_bytes());
        req.extend_from_slice(&DUMP_SEQ.to_ne_bytes());
        req.extend_from_slice(&0u32.to_ne_bytes());
        req.extend_from_slice(&[0u8; 8]);
        // SAFETY: `req` is a live buffer of the length given.
        if unsafe { libc::send(fd.as_raw_fd(), req.as_ptr().cast(), req.len(), 0) } < 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: an OwnedFd is a valid open descriptor that stays the same until dropped,
        // which happens only with the AsyncFd.
        let fd = unsafe { AsyncFd::register_with_interest(fd, tokio::io::Interest::READABLE) }.map_err(|e| e.into_parts().1)?;
        Ok(RouteSocket { fd })
    }

    async fn recv(&self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            let mut ready = self.fd.readable().await?;
            // SAFETY: `buf` is a live, writable buffer of the length given.
            let got = ready.try_io(|fd| match unsafe { libc::recv(fd.as_raw_fd(), buf.as_mut_ptr().cast(), buf.len(), 0) } {
                n if n < 0 => Err(io::Error::last_os_error()),
                n => Ok(n as usize),
            });
            if let Ok(result) = got {
                return result;
            }
        }
    }
}

/// The addresses the machine has, as netlink described them: (interface, family, prefix
/// length, address bytes).
#[derive(Debug, Default)]
struct Addresses {
    known: BTreeSet<AddressKey>,
}

/// (interface, family, prefix length, IFA_ADDRESS and IFA_LOCAL bytes).
type AddressKey = (u32, u8, u8, Vec<u8>);

impl Addresses {
    /// Reads one datagram of netlink messages; true when it changed something that matters:
    /// an address appeared or went, or an IPv4 default route in the main table changed.
    fn absorb(&mut self, datagram: &[u8]) -> bool {
        let mut changed = false;
        let mut off = 0;
        while off + NLMSG_HDRLEN <= datagram.len() {
            let len = u32_at(datagram, off) as usize;
            if len < NLMSG_HDRLEN || off + len > datagram.len() {
                break;
            }
            let kind = u16::from_ne_bytes([datagram[off + 4], datagram[off + 5]]);
            let seq = u32_at(datagram, off + 8);
            let body = &datagram[off + NLMSG_HDRLEN..off + len];
            let notification = seq != DUMP_SEQ;
            match kind {
                libc::RTM_NEWADDR | libc::RTM_DELADDR => {
                    if let Some((key, usable)) = address_key(body) {
                        // A tentative address (IPv6 duplicate detection still running) is not
                        // there yet: its arrival is the message that clears the flag.
                        let moved = if kind == libc::RTM_NEWADDR && usable { self.known.insert(key) } else { self.known.remove(&key) };
                        changed |= moved && notification;
                    }
                }
                libc::RTM_NEWROUTE | libc::RTM_DELROUTE => {
                    // rtmsg: family, dst_len, src_len, tos, table, ...
                    changed |= notification && body.len() >= 12 && body[1] == 0 && body[4] == libc::RT_TABLE_MAIN;
                }
                _ => {}
            }
            off += (len + 3) & !3;
        }
        changed
    }
}

fn u32_at(b: &[u8], at: usize) -> u32 {
    u32::from_ne_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

/// (interface, family, prefix length, IFA_ADDRESS and IFA_LOCAL bytes) of an ifaddrmsg, and
/// whether the address can be used (not tentative). `None` for what cannot carry mail: an
/// address of scope link or host (IPv6 link-local, loopback), or a malformed message.
fn address_key(body: &[u8]) -> Option<(AddressKey, bool)> {
    // ifaddrmsg: family u8, prefixlen u8, flags u8, scope u8, index u32; then attributes.
    if body.len() < 8 || body[3] >= libc::RT_SCOPE_LINK {
        return None;
    }
    let usable = u32::from(body[2]) & libc::IFA_F_TENTATIVE == 0;
    let (family, prefix, index) = (body[0], body[1], u32_at(body, 4));
    let mut bytes = Vec::new();
    let mut off = 8;
    while off + 4 <= body.len() {
        let len = usize::from(u16::from_ne_bytes([body[off], body[off + 1]]));
        let kind = u16::from_ne_bytes([body[off + 2], body[off + 3]]);
        if len < 4 || off + len > body.len() {
            break;
        }
        if kind == libc::IFA_ADDRESS || kind == libc::IFA_LOCAL {
            bytes.extend_from_slice(&body[off + 4..off + len]);
        }
        off += (len + 3) & !3;
    }
    Some(((index, family, prefix, bytes), usable))
}

// ---- logind -------------------------------------------------------------------------------

async fn watch_logind(tx: mpsc::UnboundedSender<Signal>) {
    if let Err(e) = listen_logind(&tx).await {
        tracing::debug!(error = %e, "no system bus or no logind: resume from suspend is noticed by the clock check only");
    }
}

const LOGIN1: &str = "org.freedesktop.login1";
const LOGIN1_PATH: &str = "/org/freedesktop/login1";
const LOGIN1_MANAGER: &str = "org.freedesktop.login1.Manager";

async fn listen_logind(tx: &mpsc::UnboundedSender<Signal>) -> zbus::Result<()> {
    let conn = zbus::Connection::system().await?;
    let rule = zbus::MatchRule::builder()
        .msg_type(zbus::message::Type::Signal)
        .path(LOGIN1_PATH)?
        .interface(LOGIN1_MANAGER)?
        .member("PrepareForSleep")?
        .build();
    let mut signals = zbus::MessageStream::for_match_rule(rule, &conn, Some(16)).await?;
    // Is logind there at all? Asked after subscribing, so that an answer also means no
    // signal from now on can be missed.
    let asked = conn
        .call_method(Some(LOGIN1), LOGIN1_PATH, Some("org.freedesktop.DBus.Properties"), "Get", &(LOGIN1_MANAGER, "PreparingForSleep"))
        .await;
    match asked {
        Ok(_) => tracing::debug!("listening to logind for resume from suspend"),
        Err(e) => tracing::debug!(error = %e, "logind does not answer (yet): listening for its resume signal anyway"),
    }
    while let Some(msg) = signals.next().await {
        let msg = msg?;
        match msg.body().deserialize::<bool>() {
            Ok(false) => {
                if tx.send(Signal::Resumed).is_err() {
                    return Ok(());
                }
            }
            Ok(true) => tracing::debug!("the machine is about to sleep"),
            Err(e) => tracing::debug!(error = %e, "PrepareForSleep without its boolean: ignored"),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(kind: u16, seq: u32, body: &[u8]) -> Vec<u8> {
        let mut m = Vec::new();
        m.extend_from_slice(&((NLMSG_HDRLEN + body.len()) as u32).to_ne_bytes());
        m.extend_from_slice(&kind.to_ne_bytes());
        m.extend_from_slice(&0u16.to_ne_bytes());
        m.extend_from_slice(&seq.to_ne_bytes());
        m.extend_from_slice(&0u32.to_ne_bytes());
        m.extend_from_slice(body);
        while m.len() % 4 != 0 {
            m.push(0);
        }
        m
    }

    fn ifaddr(index: u32, addr: [u8; 4]) -> Vec<u8> {
        let mut b = vec![libc::AF_INET as u8, 24, 0, 0];
        b.extend_from_slice(&index.to_ne_bytes());
        b.extend_from_slice(&8u16.to_ne_bytes());
        b.extend_from_slice(&libc::IFA_ADDRESS.to_ne_bytes());
        b.extend_from_slice(&addr);
        b
    }

    #[test]
    fn only_real_changes_wake() {
        let mut a = Addresses::default();
        // The start-up dump: learnt, wakes nobody.
        assert!(!a.absorb(&message(libc::RTM_NEWADDR, DUMP_SEQ, &ifaddr(2, [10, 0, 0, 2]))));
        // The same address announced again (a refresh): nothing.
        assert!(!a.absorb(&message(libc::RTM_NEWADDR, 0, &ifaddr(2, [10, 0, 0, 2]))));
        // Removed, then a new one, in one datagram: a change.
        let mut burst = message(libc::RTM_DELADDR, 0, &ifaddr(2, [10, 0, 0, 2]));
        burst.extend(message(libc::RTM_NEWADDR, 0, &ifaddr(2, [10, 0, 0, 3])));
        assert!(a.absorb(&burst));
        // A subnet route is no news; a default route in the main table is.
        let route = |dst_len: u8| vec![libc::AF_INET as u8, dst_len, 0, 0, libc::RT_TABLE_MAIN, 0, 0, 0, 0, 0, 0, 0];
        assert!(!a.absorb(&message(libc::RTM_NEWROUTE, 0, &route(24))));
        assert!(a.absorb(&message(libc::RTM_DELROUTE, 0, &route(0))));
        // A link-local or loopback address is no news.
        let mut link_local = ifaddr(2, [169, 254, 0, 1]);
        link_local[3] = libc::RT_SCOPE_LINK;
        assert!(!a.absorb(&message(libc::RTM_NEWADDR, 0, &link_local)));
        // A tentative address counts only once usable.
        let mut tentative = ifaddr(3, [10, 0, 1, 2]);
        tentative[2] = libc::IFA_F_TENTATIVE as u8;
        assert!(!a.absorb(&message(libc::RTM_NEWADDR, 0, &tentative)));
        assert!(a.absorb(&message(libc::RTM_NEWADDR, 0, &ifaddr(3, [10, 0, 1, 2]))));
        // Garbage is ignored.
        assert!(!a.absorb(&[1, 2, 3]));
        assert!(!a.absorb(&message(libc::RTM_NEWADDR, 0, &[1])));
    }
}
