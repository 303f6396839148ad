//! Describing a certificate for a person: whose it is, who vouches for it, its validity and
//! fingerprint. Used for a refused certificate (so the user can decide whether to trust it)
//! and for the verified one the live test reports.

use openssl::hash::MessageDigest;
use openssl::nid::Nid;
use openssl::x509::{X509NameRef, X509};
use serde::Serialize;

/// Who a certificate says it belongs to and who vouches for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct CertificateInfo {
    /// e.g. `CN=imap.example.org, O=Example`
    pub subject: String,
    pub issuer: String,
    /// RFC 3339.
    pub not_before: String,
    pub not_after: String,
    /// SHA-256 of the DER certificate, as colon-separated upper-case hex.
    pub sha256_fingerprint: String,
    /// DNS names and IP addresses it is valid for (subject alternative names).
    pub names: Vec<String>,
    pub self_signed: bool,
    pub expired: bool,
    pub not_yet_valid: bool,
    /// Why verification failed, in OpenSSL's words (e.g. "self-signed certificate in
    /// certificate chain", "Hostname mismatch").
    pub reason: String,
    /// The same reason as a kind, for a sentence in the user's language (`reason` then goes
    /// under "Details").
    pub reason_kind: CertReason,
    /// The certificate itself (PEM). For a self-signed certificate, saving this as the CA file
    /// makes Mailbell trust exactly this server.
    pub pem: String,
}

/// Why a certificate was not trusted, read from OpenSSL's verify result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub enum CertReason {
    /// The certificate signs itself and is not among the trusted ones.
    SelfSigned,
    /// No trusted CA signed it: the chain ends at an unknown (e.g. a private) CA, or an
    /// intermediate certificate is missing.
    UnknownIssuer,
    Expired,
    NotYetValid,
    /// It is for other names than the server's.
    NameMismatch,
    Revoked,
    /// Not the certificate the user trusted (pinned) for this account.
    NotPinned,
    /// Something else: only `reason` says what.
    Other,
}

impl CertReason {
    /// The kind of OpenSSL's verify result (`X509_verify_cert_error_string`, with or without
    /// the handshake's wrapping), or of a certificate's own flags when the text says nothing
    /// known. OpenSSL 1.1 writes "self signed", 3.x "self-signed".
    pub fn of(reason: &str, self_signed: bool, expired: bool, not_yet_valid: bool) -> CertReason {
        let r = reason.to_ascii_lowercase().replace("self signed", "self-signed");
        if r.contains("self-signed certificate in certificate chain")
            || r.contains("unable to get local issuer certificate")
            || r.contains("unable to get issuer certificate")
            || r.contains("unable to verify the first certificate")
        {
            CertReason::UnknownIssuer
        } else if r.contains("self-signed certificate") {
            CertReason::SelfSigned
        } else if r.contains("certificate has expired") {
            CertReason::Expired
        } else if r.contains("certificate is not yet valid") {
            CertReason::NotYetValid
        } else if r.contains("hostname mismatch") || r.contains("ip address mismatch") || r.contains("email address mismatch") {
            CertReason::NameMismatch
        } else if r.contains("certificate revoked") {
            CertReason::Revoked
        } else if r.contains("not the pinned certificate") {
            CertReason::NotPinned
        } else if expired {
            CertReason::Expired
        } else if not_yet_valid {
            CertReason::NotYetValid
        } else if self_signed {
            CertReason::SelfSigned
        } else {
            CertReason::Other
        }
    }
}

/// Describes a DER certificate; `reason` is why it was refused.
pub(crate) fn describe(der: &[u8], reason: &str) -> Option<CertificateInfo> {
    let x = X509::from_der(der).ok()?;
    let now = chrono::Utc::now().timestamp();
    let not_before = unix_time(x.not_before());
    let not_after = unix_time(x.not_after());
    let names = x
        .subject_alt_names()
        .map(|sans| {
            sans.iter().filter_map(|g| g.dnsname().map(str::to_string).or_else(|| g.ipaddress().and_then(ip_text))).take(50).collect()
        })
        .unwrap_or_default();
    let self_signed = x.subject_name().try_cmp(x.issuer_name()).is_ok_and(|o| o.is_eq())
        && x.public_key().ok().is_some_and(|k| x.verify(&k).unwrap_or(false));
    let (expired, not_yet_valid) = (not_after.is_some_and(|t| t < now), not_before.is_some_and(|t| t > now));
    Some(CertificateInfo {
        subject: name_text(x.subject_name()),
        issuer: name_text(x.issuer_name()),
        not_before: not_before.map(rfc3339).unwrap_or_else(|| x.not_before().to_string()),
        not_after: not_after.map(rfc3339).unwrap_or_else(|| x.not_after().to_string()),
        sha256_fingerprint: x.digest(MessageDigest::sha256()).ok().map(|d| hex_colons(&d)).unwrap_or_default(),
        names,
        self_signed,
        expired,
        not_yet_valid,
        reason: reason.to_string(),
        reason_kind: CertReason::of(reason, self_signed, expired, not_yet_valid),
        pem: x.to_pem().ok().map(|p| String::from_utf8_lossy(&p).into_owned()).unwrap_or_default(),
    })
}

/// SHA-256 of a DER certificate as colon-separated upper-case hex (the form pins are kept in).
pub(crate) fn sha256_fingerprint(der: &[u8]) -> String {
    hex_colons(&openssl::sha::sha256(der))
}

/// A SHA-256 fingerprint as a user may type or paste it (any case, with or without colons,
/// spaces or a `sha256:` prefix) in the form pins are kept in; `None` unless it is 32 bytes.
pub fn normalise_sha256(text: &str) -> Option<String> {
    let text = text.trim();
    let text = text.strip_prefix("sha256:").or_else(|| text.strip_prefix("SHA256:")).unwrap_or(text);
    let hex: String = text.chars().filter(|c| !matches!(c, ':' | ' ' | '-')).collect();
    if hex.len() != 64 || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
        return None;
    }
    let upper = hex.to_ascii_uppercase();
    let pairs: Vec<&str> = (0..32).filter_map(|i| upper.get(i * 2..i * 2 + 2)).collect();
    Some(pairs.join(":"))
}

/// A certificate time as seconds since 1970.
fn unix_time(t: &openssl::asn1::Asn1TimeRef) -> Option<i64> {
    let epoch = openssl::asn1::Asn1Time::from_unix(0).ok()?;
    let d = epoch.diff(t).ok()?;
    Some(i64::from(d.days) * 86_400 + i64::from(d.secs))
}

fn rfc3339(t: i64) -> String {
    chrono::DateTime::from_timestamp(t, 0).map(|d| d.to_rfc3339()).unwrap_or_else(|| t.to_string())
}

fn name_text(name: &X509NameRef) -> String {
    let parts: Vec<String> = name
        .entries()
        .map(|e| {
            let key = match e.object().nid() {
                Nid::COMMONNAME => "CN".to_string(),
                Nid::ORGANIZATIONNAME => "O".to_string(),
                Nid::ORGANIZATIONALUNITNAME => "OU".to_string(),
                Nid::COUNTRYNAME => "C".to_string(),
                Nid::LOCALITYNAME => "L".to_string(),
                Nid::STATEORPROVINCENAME => "ST".to_string(),
                nid => nid.short_name().map(str::to_string).unwrap_or_else(|_| e.object().to_string()),
            };
            let value = e.data().to_string().unwrap_or_else(|_| "?".into());
            format!("{key}={}", value.chars().filter(|c| !c.is_control()).collect::<String>())
        })
        .collect();
    parts.join(", ")
}

fn ip_text(bytes: &[u8]) -> Option<String> {
    match bytes.len() {
        4 => Some(std::net::Ipv4Addr::from(<[u8; 4]>::try_from(bytes).ok()?).to_string()),
        16 => Some(std::net::Ipv6Addr::from(<[u8; 16]>::try_from(bytes).ok()?).to_string()),
        _ => None,
    }
}

fn hex_colons(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02X}")).collect::<Vec<_>>().join(":")
}

/// A self-signed certificate for `cn` (and 127.0.0.1) valid for `days`, with its key: the
/// unit tests' server certificate.
#[cfg(test)]
pub(crate) fn test_certificate(cn: &str, days: u32) -> (openssl::pkey::PKey<openssl::pkey::Private>, X509) {
    use openssl::asn1::Asn1Time;
    use openssl::bn::{BigNum, MsbOption};
    use openssl::pkey::PKey;
    use openssl::rsa::Rsa;
    use openssl::x509::extension::SubjectAlternativeName;
    use openssl::x509::X509NameBuilder;
    let key = PKey::from_rsa(Rsa::generate(2048).unwrap()).unwrap();
    let mut name = X509NameBuilder::new().unwrap();
    name.append_entry_by_nid(Nid::COMMONNAME, cn).unwrap();
    name.append_entry_by_nid(Nid::ORGANIZATIONNAME, "Example").unwrap();
    let name = name.build();
    let mut b = X509::builder().unwrap();
    b.set_version(2).unwrap();
    let mut serial = BigNum::new().unwrap();
    serial.rand(64, MsbOption::MAYBE_ZERO, false).unwrap();
    b.set_serial_number(&serial.to_asn1_integer().unwrap()).unwrap();
    b.set_subject_name(&name).unwrap();
    b.set_issuer_name(&name).unwrap();
    b.set_pubkey(&key).unwrap();
    b.set_not_before(&Asn1Time::days_from_now(0).unwrap()).unwrap();
    b.set_not_after(&Asn1Time::days_from_now(days).unwrap()).unwrap();
    let san = SubjectAlternativeName::new().dns(cn).ip("127.0.0.1").build(&b.x509v3_context(None, None)).unwrap();
    b.append_extension(san).unwrap();
    b.sign(&key, MessageDigest::sha256()).unwrap();
    (key, b.build())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn self_signed(cn: &str, days: u32) -> Vec<u8> {
        test_certificate(cn, days).1.to_der().unwrap()
    }

    #[test]
    fn a_certificate_is_described() {
        let der = self_signed("imap.example.org", 30);
        let info = describe(&der, "self-signed certificate").unwrap();
        assert_eq!(info.subject, "CN=imap.example.org, O=Example");
        assert_eq!(info.issuer, info.subject);
        assert!(info.self_signed && !info.expired && !info.not_yet_valid);
        assert_eq!(info.names, vec!["imap.example.org".to_string(), "127.0.0.1".to_string()]);
        assert_eq!(info.sha256_fingerprint.len(), 32 * 3 - 1);
        let expected = openssl::sha::sha256(&der);
        assert_eq!(info.sha256_fingerprint, hex_colons(&expected));
        assert!(info.pem.starts_with("-----BEGIN CERTIFICATE-----"));
        assert!(chrono::DateTime::parse_from_rfc3339(&info.not_after).is_ok(), "{}", info.not_after);
        assert_eq!(describe(b"not a certificate", "x"), None);
        assert_eq!(sha256_fingerprint(&der), info.sha256_fingerprint);
    }

    #[test]
    fn openssl_verify_results_are_read_as_kinds() {
        use CertReason as K;
        let wrapped = "error:0A000086:SSL routines:tls_post_process_server_certificate:certificate verify failed:../ssl/statem/statem_clnt.c:1889: (self-signed certificate in certificate chain)";
        for (reason, kind) in [
            (wrapped, K::UnknownIssuer),
            ("self-signed certificate in certificate chain", K::UnknownIssuer),
            ("self signed certificate in certificate chain", K::UnknownIssuer),
            ("unable to get local issuer certificate", K::UnknownIssuer),
            ("unable to get issuer certificate", K::UnknownIssuer),
            ("unable to verify the first certificate", K::UnknownIssuer),
            ("self-signed certificate", K::SelfSigned),
            ("self signed certificate", K::SelfSigned),
            ("certificate has expired", K::Expired),
            ("certificate is not yet valid", K::NotYetValid),
            ("Hostname mismatch", K::NameMismatch),
            ("IP address mismatch", K::NameMismatch),
            ("certificate revoked", K::Revoked),
            ("not the pinned certificate", K::NotPinned),
            ("certificate signature failure", K::Other),
            ("", K::Other),
        ] {
            assert_eq!(CertReason::of(reason, false, false, false), kind, "{reason}");
        }
        // Words OpenSSL may say otherwise fall back on the certificate's own flags.
        assert_eq!(CertReason::of("format error in certificate's notAfter field", false, true, false), K::Expired);
        assert_eq!(CertReason::of("?", false, false, true), K::NotYetValid);
        assert_eq!(CertReason::of("?", true, false, false), K::SelfSigned);
        // The text wins over the flags: an expired certificate whose host name is wrong too.
        assert_eq!(CertReason::of("Hostname mismatch", false, true, false), K::NameMismatch);
        let info = describe(&self_signed("imap.example.org", 30), "self-signed certificate").unwrap();
        assert_eq!(info.reason_kind, K::SelfSigned);
        assert_eq!(serde_json::to_value(info).unwrap()["reason_kind"], "self_signed");
    }

    #[test]
    fn fingerprints_are_normalised_as_typed() {
        let pin = "AB:".repeat(31) + "CD";
        assert_eq!(normalise_sha256(&pin.to_lowercase().replace(':', "")), Some(pin.clone()));
        assert_eq!(normalise_sha256(&format!(" sha256:{} ", pin.to_lowercase())), Some(pin.clone()));
        assert_eq!(normalise_sha256("AB:CD"), None);
        assert_eq!(normalise_sha256(&"zz".repeat(32)), None);
    }
}
