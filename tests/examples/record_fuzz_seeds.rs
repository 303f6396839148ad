//! Records seed scripts for the `imap_dialogue` fuzz target: the engine's fuzz clients
//! (`mailbell_sync::fuzzing::run_client`) against a real Dovecot, through a relay that writes
//! down what the server said to each client line, in the script format the target replays
//! (`mailbell_sync::fuzzing`). Re-run it when the engine's dialogue changes:
//!
//! ```sh
//! bash scripts/fuzz.sh --record-seeds      # or, inside a keyring session:
//! cargo run -p mailbell-e2e --example record_fuzz_seeds -- fuzz/seeds/imap_dialogue
//! ```

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use mailbell_e2e::{Dovecot, DovecotOptions, COMPRESS_DEFLATE};
use mailbell_sync::fuzzing::{run_client, Client, SEPARATOR};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

/// What the relay saw: the server's greeting, then per client line the server's bytes.
#[derive(Default)]
struct Transcript {
    greeting: Vec<u8>,
    chunks: Vec<(Vec<u8>, Vec<u8>)>,
}

impl Transcript {
    fn server_bytes(&mut self, bytes: &[u8]) {
        match self.chunks.last_mut() {
            Some((_, reply)) => reply.extend_from_slice(bytes),
            None => self.greeting.extend_from_slice(bytes),
        }
    }

    /// The script: tags of each reply replaced by `$T`.
    fn script(&self, client: u8) -> Vec<u8> {
        let mut out = vec![client];
        out.extend_from_slice(&self.greeting);
        for (line, reply) in &self.chunks {
            out.extend_from_slice(SEPARATOR);
            let tag = line.split(|&b| b == b' ').next().unwrap_or_default();
            out.extend_from_slice(&retag(reply, tag));
        }
        out
    }
}

fn retag(reply: &[u8], tag: &[u8]) -> Vec<u8> {
    if tag.is_empty() || tag == b"*" || tag == b"+" {
        return reply.to_vec();
    }
    let mut out = Vec::with_capacity(reply.len());
    let mut at_line_start = true;
    let mut i = 0;
    while i < reply.len() {
        if at_line_start && reply[i..].starts_with(tag) && reply.get(i + tag.len()) == Some(&b' ') {
            out.extend_from_slice(b"$T");
            i += tag.len();
            at_line_start = false;
            continue;
        }
        at_line_start = reply[i] == b'\n';
        out.push(reply[i]);
        i += 1;
    }
    out
}

/// Relays one connection from `listener` to `upstream`, writing down both sides.
async fn relay(listener: TcpListener, upstream: std::net::SocketAddr, t: Arc<Mutex<Transcript>>) {
    let Ok((client, _)) = listener.accept().await else { return };
    let Ok(server) = TcpStream::connect(upstream).await else { return };
    let (cr, mut cw) = client.into_split();
    let (mut sr, mut sw) = server.into_split();
    let mut cr = BufReader::new(cr);
    let t2 = Arc::clone(&t);
    let down = async move {
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            let n = match sr.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => n,
            };
            t2.lock().expect("lock").server_bytes(&buf[..n]);
            if cw.write_all(&buf[..n]).await.is_err() {
                break;
            }
        }
    };
    let up = async move {
        let mut line = Vec::new();
        loop {
            line.clear();
            match cr.read_until(b'\n', &mut line).await {
                Ok(0) | Err(_) => break,
                Ok(_) => {}
            }
            t.lock().expect("lock").chunks.push((line.clone(), Vec::new()));
            if sw.write_all(&line).await.is_err() {
                break;
            }
        }
    };
    tokio::join!(down, up);
}

async fn record(
    dovecot: &Dovecot,
    client: Client,
    byte: u8,
    between: impl std::future::Future<Output = ()>,
    out: &Path,
) -> anyhow::Result<()> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let port = listener.local_addr()?.port();
    let t = Arc::new(Mutex::new(Transcript::default()));
    let relay = tokio::spawn(relay(listener, dovecot.plain_addr(), Arc::clone(&t)));
    let outcome = run_client(client, port, between).await;
    let _ = tokio::time::timeout(std::time::Duration::from_secs(2), relay).await;
    let script = t.lock().expect("lock").script(byte);
    std::fs::write(out, &script)?;
    println!("{}: {} bytes, {} replies, {outcome:?}", out.display(), script.len(), t.lock().expect("lock").chunks.len());
    Ok(())
}

fn msg(subject: &str) -> Vec<u8> {
    mailbell_e2e::MessageBuilder::new()
        .from("=?utf-8?Q?J=C3=BCrgen?= <j@example.org>")
        .subject(subject)
        .text("Hallo,\n\nein kurzer Text.\n")
        .html("<p>Hallo, <b>ein</b> kurzer Text.</p>")
        .build()
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> anyhow::Result<()> {
    let out_dir = PathBuf::from(std::env::args().nth(1).unwrap_or_else(|| "fuzz/seeds/imap_dialogue".into()));
    std::fs::create_dir_all(&out_dir)?;
    for (name, list_status) in [("list_status", true), ("pipelined_status", false)] {
        let dovecot = Arc::new(Dovecot::start(DovecotOptions::default().list_status(list_status).hide_capability(COMPRESS_DEFLATE))?);
        for f in ["Work", "Entwürfe", "Lists/rust"] {
            dovecot.create_folder("alice", f)?;
        }
        dovecot.fill_folder("alice", "INBOX", 3, |i| msg(&format!("history {i}")))?;
        let d = Arc::clone(&dovecot);
        let between = async move {
            let _ = tokio::task::spawn_blocking(move || -> anyhow::Result<()> {
                for i in 0..4 {
                    d.append("alice", "INBOX", &msg(&format!("neu {i} – Grüße")), &[])?;
                }
                d.append("alice", "Entwürfe", &msg("im Entwurf"), &[])?;
                d.append("alice", "Work", &mailbell_e2e::simple("a@b.example", "c@d.example", "plain", "plain text"), &[])?;
                Ok(())
            })
            .await;
        };
        record(&dovecot, Client::SyncPass, 2, between, &out_dir.join(format!("sync_pass_{name}.script"))).await?;
        if list_status {
            let d = Arc::clone(&dovecot);
            let between = async move {
                let _ = tokio::task::spawn_blocking(move || -> anyhow::Result<()> {
                    d.set_uidvalidity("alice", "INBOX", 4242)?;
                    d.append("alice", "INBOX", &msg("after the reset"), &[])?;
                    let uid = d.append("alice", "Work", &msg("expunged soon"), &[])?;
                    d.expunge("alice", "Work", &[uid])?;
                    Ok(())
                })
                .await;
            };
            record(&dovecot, Client::SyncPass, 2, between, &out_dir.join("sync_pass_uidvalidity_reset.script")).await?;
            record(&dovecot, Client::OpenPlain, 0, async {}, &out_dir.join("open_plain.script")).await?;
            record(&dovecot, Client::OpenStarttls, 1, async {}, &out_dir.join("open_starttls.script")).await?;
            record(&dovecot, Client::LiveTest, 3, async {}, &out_dir.join("live_test.script")).await?;
        }
    }
    Ok(())
}
