//! TLS: the verifying connector every connection uses (system roots plus an optional extra CA,
//! TLS 1.2 or later), built once per CA file; and the one connector that does not verify,
//! used only to read a refused certificate or an untrusted server's greeting for the user.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Mutex;
use std::time::Duration;

use tokio::net::TcpStream;
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
}

/// Built connectors by extra CA file. Building one loads the system's whole CA bundle, tens
/// of milliseconds of CPU: do it once per process and CA file, and off the async reactor.
static CONNECTORS: Mutex<BTreeMap<Option<String>, native_tls::TlsConnector>> = Mutex::new(BTreeMap::new());

async fn connector(ca_file: Option<&str>) -> Result<tokio_native_tls::TlsConnector, TlsError> {
    let key = ca_file.map(str::to_string);
    let cached = CONNECTORS.lock().unwrap_or_else(|p| p.into_inner()).get(&key).cloned();
    if let Some(c) = cached {
        return Ok(c.into());
    }
    let ca = key.clone();
    let built = tokio::task::spawn_blocking(move || {
        let mut builder = native_tls::TlsConnector::builder();
        builder.min_protocol_version(Some(native_tls::Protocol::Tlsv12));
        if let Some(path) = &ca {
            builder.add_root_certificate(load_ca(Path::new(path))?);
        }
        builder.build().map_err(|e| TlsError::Failed { detail: e.to_string() })
    })
    .await
    .map_err(|e| TlsError::Failed { detail: format!("TLS set-up task failed: {e}") })??;
    CONNECTORS.lock().unwrap_or_else(|p| p.into_inner()).insert(key, built.clone());
    Ok(built.into())
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

/// A handshake with verification off. Only for showing the user what a refused server
/// presents (its certificate, whether it greets like IMAP): callers send nothing over it but
/// what it takes to see that, and never a credential.
pub(crate) async fn handshake_unverified(host: &str, timeout: Duration, tcp: TcpStream) -> Option<TlsStream<TcpStream>> {
    let connector = tokio::task::spawn_blocking(|| {
        native_tls::TlsConnector::builder().danger_accept_invalid_certs(true).danger_accept_invalid_hostnames(true).build()
    })
    .await
    .ok()?
    .ok()?;
    let connector = tokio_native_tls::TlsConnector::from(connector);
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
