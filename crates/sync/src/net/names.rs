//! Host names and ports from users and from untrusted documents, checked before anything
//! connects to them.

use std::net::IpAddr;

/// A DNS host name (letters, digits, hyphens; labels of 1-63; at most 253 in all), in lower
/// case and without a trailing dot. Underscores, spaces, markup, URLs: all refused.
pub(crate) fn is_dns_name(name: &str) -> bool {
    if name.is_empty() || name.len() > 253 {
        return false;
    }
    name.split('.').all(|label| {
        !label.is_empty()
            && label.len() <= 63
            && !label.starts_with('-')
            && !label.ends_with('-')
            && label.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
    })
}

/// A domain in its ASCII form, lower case: an internationalised name (`bücher.de`) becomes its
/// `xn--` form by UTS #46, as DNS needs it. `None` for what no mapping makes a domain.
pub(crate) fn domain_to_ascii(domain: &str) -> Option<String> {
    idna::domain_to_ascii(domain).ok().filter(|d| !d.is_empty()).map(|d| d.to_ascii_lowercase())
}

/// A domain as people write it: the `xn--` labels of an internationalised name shown in their
/// own letters again (`xn--bcher-kva.de` → `bücher.de`), for messages only.
pub(crate) fn domain_to_unicode(domain: &str) -> String {
    idna::domain_to_unicode(domain).0
}

/// Checks a host name or IP address from an untrusted source and returns its normal form
/// (lower case, no trailing dot), or `None` when it is not one.
pub(crate) fn valid_host(raw: &str) -> Option<String> {
    let trimmed = raw.trim();
    if let Ok(ip) = trimmed.trim_start_matches('[').trim_end_matches(']').parse::<IpAddr>() {
        if ip.is_unspecified() || ip.is_multicast() {
            return None;
        }
        return Some(ip.to_string());
    }
    let name = trimmed.strip_suffix('.').unwrap_or(trimmed).to_ascii_lowercase();
    // A name made only of digits and dots that did not parse as an address is not a host.
    if name.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
        return None;
    }
    is_dns_name(&name).then_some(name)
}

/// A port from an untrusted document: a decimal number from 1 to 65535, nothing else.
pub(crate) fn valid_port(raw: &str) -> Option<u16> {
    let t = raw.trim();
    if t.is_empty() || t.len() > 5 || !t.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    t.parse::<u16>().ok().filter(|p| *p != 0)
}

/// Everything but RFC 3986's unreserved characters (`A-Z a-z 0-9 - . _ ~`).
const NOT_UNRESERVED: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~');

/// Percent-encodes everything but RFC 3986's unreserved characters, for a URL's query.
pub(crate) fn percent_encode(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, NOT_UNRESERVED).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_from_documents_are_checked() {
        assert_eq!(valid_host("IMAP.Example.org."), Some("imap.example.org".into()));
        assert_eq!(valid_host("127.0.0.1"), Some("127.0.0.1".into()));
        assert_eq!(valid_host("[::1]"), Some("::1".into()));
        for bad in [
            "",
            ".",
            "a..b",
            "<script>alert(1)</script>",
            "imap.example.org/path",
            "http://x",
            "x y",
            "_imaps._tcp.example.org",
            "-a.org",
            "a-.org",
            "0.0.0.0",
            "999.1.1.1",
            "1.2.3",
            &"a".repeat(64),
            &format!("{}.org", ["abc"; 70].join(".")),
            "imap.exämple.org",
            "x\u{0}y",
        ] {
            assert_eq!(valid_host(bad), None, "{bad:?} accepted");
        }
    }

    #[test]
    fn internationalised_domains_become_ascii() {
        assert_eq!(domain_to_ascii("Bücher.de").as_deref(), Some("xn--bcher-kva.de"));
        assert_eq!(domain_to_ascii("example.org").as_deref(), Some("example.org"));
        assert_eq!(domain_to_ascii(""), None);
        assert_eq!(domain_to_unicode("xn--bcher-kva.de"), "bücher.de");
        assert_eq!(domain_to_unicode("example.org"), "example.org");
    }

    #[test]
    fn ports_are_plain_decimal() {
        assert_eq!(valid_port(" 993 "), Some(993));
        for bad in ["0", "65536", "-1", "99x", "", "1e3", "0x10", "+993", "000000993"] {
            assert_eq!(valid_port(bad), None, "{bad:?} accepted");
        }
    }

    #[test]
    fn percent_encoding_keeps_only_unreserved() {
        assert_eq!(percent_encode("a.b+c@x.org"), "a.b%2Bc%40x.org");
        assert_eq!(percent_encode("ü"), "%C3%BC");
    }
}
