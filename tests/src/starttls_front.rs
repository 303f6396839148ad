//! A fake STARTTLS server in front of a real Dovecot, for the one thing Dovecot cannot be made
//! to do: misbehave around the upgrade. It speaks the pre-TLS dialogue itself (greeting,
//! CAPABILITY, STARTTLS), can inject bytes before the TLS handshake (the response-injection
//! attack of RFC 3207 §6 / CVE-2011-0411, done here by the server itself, which is what a man in
//! the middle would make it look like) or refuse STARTTLS, and after the handshake relays the
//! decrypted session to Dovecot's plain port, so login, LIST and FETCH are the real server's.
//!
//! It presents Dovecot's own certificate, so a client that trusts the test CA accepts it.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use anyhow::Context;
use tokio::io::{AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;

use crate::Dovecot;

/// How the front behaves when asked for STARTTLS.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FrontBehaviour {
    /// A well-behaved upgrade.
    Honest,
    /// `OK` to STARTTLS and, in the same write (one TCP segment), these bytes: they reach the
    /// client before its handshake starts and must be thrown away.
    InjectWithOk(Vec<u8>),
    /// `OK`, a pause, then these bytes as a segment of their own, then the handshake: they
    /// land where the client expects the server's TLS hello.
    InjectAfterOk(Vec<u8>),
    /// A well-behaved upgrade, then these bytes inside TLS before anything is relayed. Not an
    /// attack (they are authenticated): the control that shows what the injected bytes would
    /// do if a client read them.
    InjectInsideTls(Vec<u8>),
    /// `NO` to STARTTLS.
    Refuse,
    /// These bytes as the answer to STARTTLS (`$T` stands for the client's tag), then the
    /// connection closes: e.g. a malformed tagged line.
    Answer(Vec<u8>),
}

/// Capabilities the front announces before TLS, like Dovecot with
/// `disable_plaintext_auth = yes`.
const PRE_TLS_CAPS: &str = "IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE LITERAL+ STARTTLS LOGINDISABLED";

#[derive(Default)]
struct Stats {
    connections: AtomicU64,
    upgrades: AtomicU64,
    relayed: AtomicU64,
    cleartext_auth: AtomicU64,
}

pub struct StarttlsFront {
    addr: SocketAddr,
    stats: Arc<Stats>,
    shutdown: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl StarttlsFront {
    /// Listens on a random loopback port; relays upgraded sessions to `dovecot`'s plain port.
    pub fn start(dovecot: &Dovecot, behaviour: FrontBehaviour) -> anyhow::Result<StarttlsFront> {
        let cert = std::fs::read(dovecot.server_cert_path()).context("reading the server certificate")?;
        let key = std::fs::read(dovecot.server_key_path()).context("reading the server key")?;
        let identity = native_tls::Identity::from_pkcs8(&cert, &key).context("loading the server identity")?;
        let acceptor = native_tls::TlsAcceptor::new(identity).context("building the TLS acceptor")?;
        let acceptor = Arc::new(tokio_native_tls::TlsAcceptor::from(acceptor));
        let upstream = dovecot.plain_addr();

        let listener = std::net::TcpListener::bind("127.0.0.1:0").context("binding the front's port")?;
        listener.set_nonblocking(true).context("non-blocking listener")?;
        let addr = listener.local_addr().context("front address")?;
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().context("building the front's runtime")?;
        let stats = Arc::new(Stats::default());
        let (shutdown, mut shutdown_rx) = oneshot::channel::<()>();
        let thread_stats = Arc::clone(&stats);
        let thread = std::thread::Builder::new()
            .name(format!("starttls-front-{}", addr.port()))
            .spawn(move || {
                runtime.block_on(async move {
                    let Ok(listener) = TcpListener::from_std(listener) else {
                        return;
                    };
                    loop {
                        tokio::select! {
                            _ = &mut shutdown_rx => return,
                            accepted = listener.accept() => {
                                let Ok((client, _)) = accepted else { continue };
                                thread_stats.connections.fetch_add(1, Ordering::SeqCst);
                                tokio::spawn(serve(
                                    client,
                                    behaviour.clone(),
                                    Arc::clone(&acceptor),
                                    upstream,
                                    Arc::clone(&thread_stats),
                                ));
                            }
                        }
                    }
                });
            })
            .context("spawning the front's thread")?;
        Ok(StarttlsFront { addr, stats, shutdown: Some(shutdown), thread: Some(thread) })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    pub fn connections(&self) -> u64 {
        self.stats.connections.load(Ordering::SeqCst)
    }

    /// TLS handshakes completed.
    pub fn upgrades(&self) -> u64 {
        self.stats.upgrades.load(Ordering::SeqCst)
    }

    /// Sessions handed on to Dovecot after a handshake.
    pub fn relayed(&self) -> u64 {
        self.stats.relayed.load(Ordering::SeqCst)
    }

    /// LOGIN or AUTHENTICATE commands received before TLS (a client that sends its password
    /// in clear text).
    pub fn cleartext_auth_attempts(&self) -> u64 {
        self.stats.cleartext_auth.load(Ordering::SeqCst)
    }
}

impl Drop for StarttlsFront {
    fn drop(&mut self) {
        if let Some(s) = self.shutdown.take() {
            let _ = s.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Reads one line byte by byte, so that nothing after it is consumed (the client's TLS hello
/// must stay in the socket for the handshake).
async fn read_line(s: &mut TcpStream) -> Option<String> {
    let mut line = Vec::new();
    loop {
        let b = tokio::time::timeout(Duration::from_secs(30), s.read_u8()).await.ok()?.ok()?;
        line.push(b);
        if b == b'\n' {
            return Some(String::from_utf8_lossy(&line).trim_end().to_string());
        }
        if line.len() > 64 * 1024 {
            return None;
        }
    }
}

async fn send<S: AsyncWrite + Unpin>(s: &mut S, bytes: &[u8]) -> Option<()> {
    s.write_all(bytes).await.ok()?;
    s.flush().await.ok()
}

async fn serve(
    mut client: TcpStream,
    behaviour: FrontBehaviour,
    acceptor: Arc<tokio_native_tls::TlsAcceptor>,
    upstream: SocketAddr,
    stats: Arc<Stats>,
) -> Option<()> {
    let _ = client.set_nodelay(true);
    send(&mut client, format!("* OK [CAPABILITY {PRE_TLS_CAPS}] Mailbell test front ready.\r\n").as_bytes()).await?;
    let tag = pre_tls_dialogue(&mut client, &stats).await?;
    let ok = format!("{tag} OK Begin TLS negotiation now.\r\n");
    match &behaviour {
        FrontBehaviour::Refuse => {
            send(&mut client, format!("{tag} NO STARTTLS is not available right now.\r\n").as_bytes()).await?;
            // Stay for whatever the client does next: it must not log in in clear text.
            pre_tls_dialogue(&mut client, &stats).await?;
            return send(&mut client, format!("{tag} NO Still not available.\r\n").as_bytes()).await;
        }
        FrontBehaviour::Answer(bytes) => {
            let mut answer = Vec::new();
            let mut rest = bytes.as_slice();
            while let Some(pos) = rest.windows(2).position(|w| w == b"$T") {
                answer.extend_from_slice(&rest[..pos]);
                answer.extend_from_slice(tag.as_bytes());
                rest = &rest[pos + 2..];
            }
            answer.extend_from_slice(rest);
            send(&mut client, &answer).await?;
            tokio::time::sleep(Duration::from_millis(200)).await;
            return Some(());
        }
        FrontBehaviour::InjectWithOk(bytes) => {
            let mut all = ok.into_bytes();
            all.extend_from_slice(bytes);
            send(&mut client, &all).await?;
        }
        FrontBehaviour::InjectAfterOk(bytes) => {
            send(&mut client, ok.as_bytes()).await?;
            tokio::time::sleep(Duration::from_millis(100)).await;
            send(&mut client, bytes).await?;
        }
        FrontBehaviour::Honest | FrontBehaviour::InjectInsideTls(_) => send(&mut client, ok.as_bytes()).await?,
    }
    let mut tls = tokio::time::timeout(Duration::from_secs(10), acceptor.accept(client)).await.ok()?.ok()?;
    stats.upgrades.fetch_add(1, Ordering::SeqCst);
    if let FrontBehaviour::InjectInsideTls(bytes) = &behaviour {
        send(&mut tls, bytes).await?;
    }
    let mut server = TcpStream::connect(upstream).await.ok()?;
    let _ = server.set_nodelay(true);
    // Dovecot greets; after STARTTLS the client expects no greeting, so swallow it.
    read_line(&mut server).await?;
    stats.relayed.fetch_add(1, Ordering::SeqCst);
    let _ = tokio::io::copy_bidirectional(&mut tls, &mut server).await;
    Some(())
}

/// Answers pre-TLS commands until the client asks for STARTTLS; returns that command's tag.
/// None when the client goes away (or logs out) first.
async fn pre_tls_dialogue(client: &mut TcpStream, stats: &Stats) -> Option<String> {
    loop {
        let line = read_line(client).await?;
        let (tag, rest) = line.split_once(' ').unwrap_or((line.as_str(), ""));
        let command = rest.split(' ').next().unwrap_or("").to_ascii_uppercase();
        let answer = match command.as_str() {
            "STARTTLS" => return Some(tag.to_string()),
            "CAPABILITY" => format!("* CAPABILITY {PRE_TLS_CAPS}\r\n{tag} OK Pre-login capabilities listed.\r\n"),
            "NOOP" => format!("{tag} OK NOOP completed.\r\n"),
            "LOGOUT" => {
                send(client, format!("* BYE Logging out\r\n{tag} OK Logout completed.\r\n").as_bytes()).await?;
                return None;
            }
            "LOGIN" | "AUTHENTICATE" => {
                stats.cleartext_auth.fetch_add(1, Ordering::SeqCst);
                format!("{tag} NO [PRIVACYREQUIRED] Plaintext authentication disallowed.\r\n")
            }
            _ => format!("{tag} BAD Not supported before STARTTLS.\r\n"),
        };
        send(client, answer.as_bytes()).await?;
    }
}
