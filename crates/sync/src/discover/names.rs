//! Email addresses as users type them: split and checked before discovery looks anything up.

use super::DiscoveryError;
use crate::net::names::{domain_to_ascii, is_dns_name};

/// The parts of an email address discovery needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Address {
    /// The address as given, trimmed.
    pub email: String,
    pub local: String,
    /// Lower case, without a trailing dot, checked with `net::names::valid_host`.
    pub domain: String,
}

/// Splits an address at its last `@` and checks the domain, which comes back in its ASCII
/// (`xn--`) form when it is internationalised.
pub(crate) fn parse_email(email: &str) -> Result<Address, DiscoveryError> {
    let email = email.trim();
    let invalid = |why: &str| DiscoveryError::InvalidEmail { email: email.to_string(), reason: why.to_string() };
    let (local, domain) = email.rsplit_once('@').ok_or_else(|| invalid("it has no @"))?;
    if local.is_empty() {
        return Err(invalid("nothing before the @"));
    }
    if local.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return Err(invalid("spaces or control characters before the @"));
    }
    let domain = domain.trim_end_matches('.');
    if domain.is_empty() {
        return Err(invalid("nothing after the @"));
    }
    // DNS knows only the ASCII form of an internationalised domain.
    let domain = domain_to_ascii(domain).ok_or_else(|| invalid("the part after the @ is not a domain name"))?;
    if !is_dns_name(&domain) {
        return Err(invalid("the part after the @ is not a domain name"));
    }
    Ok(Address { email: email.to_string(), local: local.to_string(), domain })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_split_at_the_last_at() {
        let a = parse_email("  \"a@b\"@Example.ORG. ").unwrap();
        assert_eq!(a.local, "\"a@b\"");
        assert_eq!(a.domain, "example.org");
        for bad in ["nobody", "@example.org", "me@", "me@exa mple.org", "me@-x.org", "me@a..b", "a b@x.org"] {
            assert!(parse_email(bad).is_err(), "{bad:?} accepted");
        }
        assert_eq!(parse_email("me@localhost").unwrap().domain, "localhost");
        assert_eq!(parse_email("me@Bücher.de").unwrap().domain, "xn--bcher-kva.de");
    }
}
