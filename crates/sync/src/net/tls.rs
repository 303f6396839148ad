//! TLS: the verifying connector every connection uses (system roots plus an optional extra CA,
//! TLS 1.2 or later), built once per CA file; and the one connector that does not verify,
//! used only to read a refused certificate or an untrusted server's greeting for the user.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::net::TcpStream;
use tokio::sync::OnceCell;
use tokio_native_tls::TlsStream;

/// What went wrong securing a connection.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TlsError {
    #[error("cannot use the CA file {path}: {detail}")]
    CaFile { path: String, detail: String },
    /// The chain or the host name did not verify; `detail` is OpenSSL's reason.
    #[error("certificate not trusted ({detail})")]
    Untrusted { detail: String },
    #[error("{detail}")]
    Failed { detail: String },
    #[error("no TLS handshake within {} s", .0.as_secs())]
    Timeout(Duration),
    /// The account pins a certificate and the server presented another (its DER here).
    #[error("the server presents a certificate other than the pinned one")]
    Changed { der: Vec<u8> },
}

/// Built connectors by extra CA file. Building one loads the system's whole CA bundle, tens
/// of milliseconds of CPU and about a MiB of parsed certificates that the connector (and every
/// connection made with it) keeps: do it once per process and CA file, and off the async
/// reactor. Each CA file has one cell that its first caller fills while the others wait:
/// accounts that start together (every account at the app's start) would otherwise each build
/// a connector of their own, and each connection keeps the one it was made with (seen: three
/// copies of the bundle, 3.6 MiB, in an app with five accounts).
static CONNECTORS: Mutex<BTreeMap<Option<String>, Arc<OnceCell<native_tls::TlsConnector>>>> = Mutex::new(BTreeMap::new());

/// How many connectors were built for each CA file: the tests check that callers at the same
/// time share one.
#[cfg(test)]
static BUILDS: Mutex<BTreeMap<Option<String>, usize>> = Mutex::new(BTreeMap::new());

async fn connector(ca_file: Option<&str>) -> Result<tokio_native_tls::TlsConnector, TlsError> {
    let key = ca_file.map(str::to_string);
    let cell = Arc::clone(CONNECTORS.lock().unwrap_or_else(|p| p.into_inner()).entry(key.clone()).or_default());
    // A failed build leaves the cell empty: the next caller tries again (the CA file may have
    // been fixed meanwhile).
    let built = cell
        .get_or_try_init(|| async move {
            #[cfg(test)]
            {
                *BUILDS.lock().unwrap_or_else(|p| p.into_inner()).entry(key.clone()).or_default() += 1;
            }
            tokio::task::spawn_blocking(move || {
                let mut builder = native_tls::TlsConnector::builder();
                builder.min_protocol_version(Some(native_tls::Protocol::Tlsv12));
                if let Some(path) = &key {
                    builder.add_root_certificate(load_ca(Path::new(path))?);
                }
                builder.build().map_err(|e| TlsError::Failed { detail: e.to_string() })
            })
            .await
            .map_err(|e| TlsError::Failed { detail: format!("TLS set-up task failed: {e}") })?
        })
        .await?;
    Ok(built.clone().into())
}

/// Builds the connector for `ca_file` ahead of a handshake (at the same time as the TCP
/// connect). A failure is not reported here: the handshake builds it again and says why.
pub(crate) async fn prepare(ca_file: Option<&str>) {
    let _ = connector(ca_file).await;
}

/// Where the system's CA certificates are, one file per certificate named by its subject
/// hash (what `update-ca-certificates` and `trust extract-compat` maintain).
const HASHED_CA_DIR: &str = "/etc/ssl/certs";
/// The bundle made from the same certificates (Debian's `update-ca-certificates`).
const SYSTEM_BUNDLE: &str = "/etc/ssl/certs/ca-certificates.crt";

/// For a short-lived process (`sync --once`): OpenSSL looks the system's root certificates up
/// one at a time in the hashed CA directory, when a chain needs one, instead of parsing the
/// whole CA bundle up front. Building a connector otherwise parses the bundle twice (the
/// openssl crate's default paths, then native-tls's probe), 140 certificates each time: most
/// of a one-shot check's CPU. Verification is unchanged: the same system roots, found by
/// subject, plus the account's CA file.
///
/// It works by pointing `SSL_CERT_FILE` at an empty file (`/dev/null`); the hashed directory
/// stays in use. Only when `SSL_CERT_FILE` and `SSL_CERT_DIR` are unset or name the system
/// store itself (the bundle and the hashed directory), and only
/// where the directory is really hashed (Debian, Ubuntu, Arch; not Fedora's, which holds
/// bundles only): elsewhere nothing changes. It changes the process environment, so call it
/// before any thread starts, and not in a process that runs other programs (their TLS would
/// lose the bundle). Returns whether it applied.
pub fn lazy_system_roots() -> bool {
    // Variables that name the system store itself (some environments set them so) are no
    // choice of the user's; any other file or directory is, and is left alone.
    let names = |var: &str, system: &str| {
        std::env::var_os(var).is_none_or(|v| {
            let canonical = |p: &Path| std::fs::canonicalize(p).ok();
            canonical(Path::new(&v)).is_some_and(|c| Some(c) == canonical(Path::new(system)))
        })
    };
    if !names("SSL_CERT_FILE", SYSTEM_BUNDLE) || !names("SSL_CERT_DIR", HASHED_CA_DIR) {
        return false;
    }
    if !is_hashed_dir(Path::new(HASHED_CA_DIR)) || !Path::new("/dev/null").exists() {
        return false;
    }
    std::env::set_var("SSL_CERT_FILE", "/dev/null");
    true
}

/// Whether `dir` holds subject-hash links (`3513523f.0`): enough of them to be a maintained
/// store, not a stray file.
fn is_hashed_dir(dir: &Path) -> bool {
    let Ok(entries) = std::fs::read_dir(dir) else { return false };
    let is_hash_name = |n: &str| {
        n.split_once('.').is_some_and(|(h, i)| h.len() == 8 && h.bytes().all(|b| b.is_ascii_hexdigit()) && i.parse::<u32>().is_ok())
    };
    entries.filter_map(Result::ok).filter(|e| e.file_name().to_str().is_some_and(is_hash_name)).take(20).count() >= 20
}

/// Reads and parses a PEM CA certificate, so that a wrong file is reported when it is given.
pub fn load_ca(path: &Path) -> Result<native_tls::Certificate, TlsError> {
    let ca_err = |detail: String| TlsError::CaFile { path: path.display().to_string(), detail };
    let pem = std::fs::read(path).map_err(|e| ca_err(e.to_string()))?;
    native_tls::Certificate::from_pem(&pem).map_err(|e| ca_err(format!("not a PEM certificate ({e})")))
}

/// The TLS handshake on `tcp`, verifying the certificate for `host` against the system roots
/// and `ca_file`.
pub(crate) async fn handshake(
    host: &str,
    ca_file: Option<&str>,
    timeout: Duration,
    tcp: TcpStream,
) -> Result<TlsStream<TcpStream>, TlsError> {
    let connector = connector(ca_file).await?;
    match tokio::time::timeout(timeout, connector.connect(host, tcp)).await {
        Err(_) => Err(TlsError::Timeout(timeout)),
        Ok(Ok(s)) => Ok(s),
        Ok(Err(e)) => {
            let detail = e.to_string();
            // OpenSSL words every chain and host name failure as "certificate verify failed".
            if detail.contains("certificate") {
                Err(TlsError::Untrusted { detail: reason(&detail) })
            } else {
                Err(TlsError::Failed { detail })
            }
        }
    }
}

/// The handshake of an account that pins its server's certificate (`pin`: SHA-256 as
/// colon-separated upper-case hex, see `cert::normalise_sha256`): the server must present
/// exactly that leaf certificate. Neither the chain nor the name is checked: the pin names
/// the one certificate the user reviewed for this account's host, and the handshake proves
/// the server holds its private key, which a name or a CA could not add to. A different
/// certificate is [`TlsError::Changed`], never accepted.
pub(crate) async fn handshake_pinned(host: &str, pin: &str, timeout: Duration, tcp: TcpStream) -> Result<TlsStream<TcpStream>, TlsError> {
    let connector = unverified_connector().await?;
    let tls = match tokio::time::timeout(timeout, connector.connect(host, tcp)).await {
        Err(_) => return Err(TlsError::Timeout(timeout)),
        Ok(Err(e)) => return Err(TlsError::Failed { detail: e.to_string() }),
        Ok(Ok(s)) => s,
    };
    let der = peer_der(&tls).ok_or_else(|| TlsError::Failed { detail: "the server presented no certificate".into() })?;
    if super::cert::sha256_fingerprint(&der) == pin {
        Ok(tls)
    } else {
        Err(TlsError::Changed { der })
    }
}

/// The connector that does not verify, built once (building loads the system's CA bundle;
/// callers at the same time wait for the one build, as with [`CONNECTORS`]).
static UNVERIFIED: OnceCell<native_tls::TlsConnector> = OnceCell::const_new();

async fn unverified_connector() -> Result<tokio_native_tls::TlsConnector, TlsError> {
    let built = UNVERIFIED
        .get_or_try_init(|| async {
            tokio::task::spawn_blocking(|| {
                native_tls::TlsConnector::builder()
                    .min_protocol_version(Some(native_tls::Protocol::Tlsv12))
                    .danger_accept_invalid_certs(true)
                    .danger_accept_invalid_hostnames(true)
                    .build()
            })
            .await
            .map_err(|e| TlsError::Failed { detail: format!("TLS set-up task failed: {e}") })?
            .map_err(|e| TlsError::Failed { detail: e.to_string() })
        })
        .await?;
    Ok(built.clone().into())
}

/// A handshake with verification off. Only for showing the user what a refused server
/// presents (its certificate, whether it greets like IMAP): callers send nothing over it but
/// what it takes to see that, and never a credential.
pub(crate) async fn handshake_unverified(host: &str, timeout: Duration, tcp: TcpStream) -> Option<TlsStream<TcpStream>> {
    let connector = unverified_connector().await.ok()?;
    tokio::time::timeout(timeout, connector.connect(host, tcp)).await.ok()?.ok()
}

/// The DER certificate the peer presented.
pub(crate) fn peer_der(tls: &TlsStream<TcpStream>) -> Option<Vec<u8>> {
    tls.get_ref().peer_certificate().ok().flatten().and_then(|c| c.to_der().ok())
}

/// OpenSSL's message ends with the useful part in parentheses, e.g. "(self-signed certificate
/// in certificate chain)" or "(Hostname mismatch)".
fn reason(detail: &str) -> String {
    match (detail.rfind('('), detail.rfind(')')) {
        (Some(a), Some(b)) if a < b => detail[a + 1..b].to_string(),
        _ => detail.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::net::cert::{sha256_fingerprint, test_certificate};

    /// A TLS server on loopback presenting a fresh self-signed certificate; returns its port
    /// and the certificate's DER. It serves one handshake.
    async fn server() -> (u16, Vec<u8>) {
        let (key, cert) = test_certificate("imap.example.org", 30);
        let der = cert.to_der().unwrap();
        let identity = native_tls::Identity::from_pkcs8(&cert.to_pem().unwrap(), &key.private_key_to_pem_pkcs8().unwrap()).unwrap();
        let acceptor = tokio_native_tls::TlsAcceptor::from(native_tls::TlsAcceptor::new(identity).unwrap());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        tokio::spawn(async move {
            let (tcp, _) = listener.accept().await.unwrap();
            // The client may refuse the certificate: the server's side of that is an error.
            if let Ok(mut tls) = acceptor.accept(tcp).await {
                use tokio::io::AsyncWriteExt;
                let _ = tls.write_all(b"* OK hello\r\n").await;
            }
        });
        (port, der)
    }

    async fn tcp(port: u16) -> TcpStream {
        TcpStream::connect(("127.0.0.1", port)).await.unwrap()
    }

    const T: Duration = Duration::from_secs(10);

    /// Accounts that start together (all of them, when the app starts) share one connector per
    /// CA file: one build, one copy of the system's CA bundle in memory.
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn callers_at_the_same_time_share_one_connector() {
        let dir = tempfile::tempdir().unwrap();
        let ca = dir.path().join("ca.pem");
        std::fs::write(&ca, test_certificate("ca.example.org", 30).1.to_pem().unwrap()).unwrap();
        let ca = ca.to_str().unwrap().to_string();
        let calls: Vec<_> = (0..8)
            .map(|_| {
                let ca = ca.clone();
                tokio::spawn(async move { connector(Some(&ca)).await.map(drop) })
            })
            .collect();
        for call in calls {
            call.await.unwrap().unwrap();
        }
        connector(Some(&ca)).await.unwrap();
        assert_eq!(BUILDS.lock().unwrap().get(&Some(ca)), Some(&1));
    }

    /// A CA file that cannot be used is reported each time, and once fixed, it is used: a
    /// failed build is not kept.
    #[tokio::test]
    async fn a_failed_build_is_tried_again() {
        let dir = tempfile::tempdir().unwrap();
        let ca = dir.path().join("ca.pem");
        let key = ca.to_str().unwrap().to_string();
        assert!(matches!(connector(Some(&key)).await, Err(TlsError::CaFile { .. })));
        assert!(matches!(connector(Some(&key)).await, Err(TlsError::CaFile { .. })));
        std::fs::write(&ca, test_certificate("ca.example.org", 30).1.to_pem().unwrap()).unwrap();
        connector(Some(&key)).await.expect("the fixed CA file is used");
    }

    #[tokio::test]
    async fn a_pinned_certificate_is_accepted_exactly() {
        // Unpinned, the self-signed certificate does not verify.
        let (port, _) = server().await;
        let e = handshake("imap.example.org", None, T, tcp(port).await).await.expect_err("untrusted");
        assert!(matches!(e, TlsError::Untrusted { .. }), "{e:?}");
        // Pinned to its fingerprint, it is accepted, though the name (127.0.0.1 connected as
        // another name) and the chain are not checked.
        let (port, der) = server().await;
        let tls = handshake_pinned("mail.elsewhere.example", &sha256_fingerprint(&der), T, tcp(port).await).await.expect("pinned");
        assert_eq!(peer_der(&tls), Some(der));
        // Another certificate than the pinned one is refused, and shown.
        let (port, der) = server().await;
        let (_, other) = test_certificate("imap.example.org", 30);
        let pin = sha256_fingerprint(&other.to_der().unwrap());
        let e = handshake_pinned("imap.example.org", &pin, T, tcp(port).await).await.expect_err("changed");
        assert_eq!(e, TlsError::Changed { der });
    }

    #[test]
    fn a_hashed_ca_directory_is_recognised() {
        let dir = tempfile::tempdir().expect("tempdir");
        assert!(!is_hashed_dir(dir.path()));
        for i in 0..25 {
            std::fs::write(dir.path().join(format!("{:08x}.0", 0x1000 + i)), b"").expect("write");
        }
        std::fs::write(dir.path().join("ca-certificates.crt"), b"").expect("write");
        assert!(is_hashed_dir(dir.path()));
        assert!(!is_hashed_dir(&dir.path().join("missing")));
    }

    #[test]
    fn reason_takes_the_parenthesised_tail() {
        let d = "error:0A000086:SSL routines:tls_post_process_server_certificate:certificate verify failed:../ssl/statem/statem_clnt.c:1889: (self-signed certificate in certificate chain)";
        assert_eq!(reason(d), "self-signed certificate in certificate chain");
        assert_eq!(reason("plain"), "plain");
    }
}
