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
use super::options::Certificate;
use crate::process::run_ok;

const OPENSSL_TIMEOUT: Duration = Duration::from_secs(20);

pub(super) fn generate(layout: &Layout, kind: Certificate) -> anyhow::Result<()> {
    let dir = layout.ca_cert.parent().context("CA path has no parent")?;
    fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let ca_key = dir.join("ca.key");
    let csr = dir.join("server.csr");

    run_ok(
        Command::new("openssl")
            .args(["req", "-x509", "-new", "-nodes", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"])
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
            .args(["req", "-new", "-nodes", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"])
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
    let names = match kind {
        Certificate::Valid | Certificate::Expired => "DNS:localhost, IP:127.0.0.1",
        Certificate::WrongHost => "DNS:mail.example.org",
    };
    let ext = dir.join("server.ext");
    fs::write(
        &ext,
        format!(
            "subjectAltName = {names}\n\
             basicConstraints = critical, CA:FALSE\n\
             keyUsage = critical, digitalSignature, keyEncipherment\n\
             extendedKeyUsage = serverAuth\n"
        ),
    )
    .with_context(|| format!("writing {}", ext.display()))?;

    if kind == Certificate::Expired {
        return sign_expired(layout, dir, &ca_key, &csr, &ext);
    }

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

/// Signs the server certificate with a validity window that ended long ago (2020), which
/// `x509 -req` cannot do in OpenSSL 3.0; `openssl ca` can, given a minimal CA config.
fn sign_expired(
    layout: &Layout,
    dir: &std::path::Path,
    ca_key: &std::path::Path,
    csr: &std::path::Path,
    ext: &std::path::Path,
) -> anyhow::Result<()> {
    let db = dir.join("ca-index.txt");
    fs::write(&db, "").context("writing the CA index")?;
    fs::write(dir.join("ca-serial"), "03\n").context("writing the CA serial")?;
    let cnf = dir.join("ca.cnf");
    fs::write(
        &cnf,
        format!(
            "[ca]\ndefault_ca = test_ca\n\
             [test_ca]\ndatabase = {db}\nnew_certs_dir = {dir}\nserial = {serial}\n\
             default_md = sha256\npolicy = any\nunique_subject = no\ncopy_extensions = none\n\
             [any]\ncommonName = supplied\n",
            db = db.display(),
            dir = dir.display(),
            serial = dir.join("ca-serial").display(),
        ),
    )
    .context("writing the CA config")?;
    run_ok(
        Command::new("openssl")
            .args(["ca", "-batch", "-notext", "-config"])
            .arg(&cnf)
            .arg("-cert")
            .arg(&layout.ca_cert)
            .arg("-keyfile")
            .arg(ca_key)
            .arg("-in")
            .arg(csr)
            .arg("-extfile")
            .arg(ext)
            .args(["-startdate", "20200101000000Z", "-enddate", "20200201000000Z"])
            .arg("-out")
            .arg(&layout.server_cert),
        None,
        OPENSSL_TIMEOUT,
    )
    .context("signing the expired server certificate")?;
    Ok(())
}
