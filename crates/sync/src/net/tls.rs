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
    fn reason_takes_the_parenthesised_tail() {
        let d = "error:0A000086:SSL routines:tls_post_process_server_certificate:certificate verify failed:../ssl/statem/statem_clnt.c:1889: (self-signed certificate in certificate chain)";
        assert_eq!(reason(d), "self-signed certificate in certificate chain");
        assert_eq!(reason("plain"), "plain");
    }
}
