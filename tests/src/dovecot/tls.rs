//! A throwaway CA and server certificate per instance, made with the openssl CLI.
//!
//! A real chain (CA -> leaf), not a lone self-signed leaf, so clients exercise the same
//! "extra trusted CA file" path a self-hosted server needs. P-256 keys: generating them is
//! near-instant, unlike RSA.

use std::fs;
use std::process::Command;
use std::time::Duration;

use anyhow::Context;

use super::config::Layout;
use crate::process::run_ok;

const OPENSSL_TIMEOUT: Duration = Duration::from_secs(20);

pub(super) fn generate(layout: &Layout) -> anyhow::Result<()> {
    let dir = layout.ca_cert.parent().context("CA path has no parent")?;
    fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let ca_key = dir.join("ca.key");
    let csr = dir.join("server.csr");

    run_ok(
        Command::new("openssl")
            .args([
                "req",
                "-x509",
                "-new",
                "-nodes",
                "-newkey",
                "ec",
                "-pkeyopt",
                "ec_paramgen_curve:P-256",
            ])
            .arg("-keyout")
            .arg(&ca_key)
            .arg("-out")
            .arg(&layout.ca_cert)
            .args(["-days", "30", "-subj", "/CN=Mailbell Test CA"])
            .args(["-addext", "basicConstraints=critical,CA:TRUE"])
            .args(["-addext", "keyUsage=critical,keyCertSign,cRLSign"]),
        None,
        OPENSSL_TIMEOUT,
    )
    .context("creating the test CA")?;

    run_ok(
        Command::new("openssl")
            .args([
                "req",
                "-new",
                "-nodes",
                "-newkey",
                "ec",
                "-pkeyopt",
                "ec_paramgen_curve:P-256",
            ])
            .arg("-keyout")
            .arg(&layout.server_key)
            .arg("-out")
            .arg(&csr)
            .args(["-subj", "/CN=localhost"]),
        None,
        OPENSSL_TIMEOUT,
    )
    .context("creating the server key")?;

    // Extensions go through a file because `x509 -req` has no -addext in OpenSSL 3.0.
    let ext = dir.join("server.ext");
    fs::write(
        &ext,
        "subjectAltName = DNS:localhost, IP:127.0.0.1\n\
         basicConstraints = critical, CA:FALSE\n\
         keyUsage = critical, digitalSignature, keyEncipherment\n\
         extendedKeyUsage = serverAuth\n",
    )
    .with_context(|| format!("writing {}", ext.display()))?;

    run_ok(
        Command::new("openssl")
            .args(["x509", "-req", "-days", "30", "-set_serial", "2"])
            .arg("-in")
            .arg(&csr)
            .arg("-CA")
            .arg(&layout.ca_cert)
            .arg("-CAkey")
            .arg(&ca_key)
            .arg("-extfile")
            .arg(&ext)
            .arg("-out")
            .arg(&layout.server_cert),
        None,
        OPENSSL_TIMEOUT,
    )
    .context("signing the server certificate")?;
    Ok(())
}
