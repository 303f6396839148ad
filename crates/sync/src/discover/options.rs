//! What discovery may ask and how long it may take; injectable for tests and administrators.

use std::net::SocketAddr;
use std::time::Duration;

use crate::model::Security;

/// Mozilla's two well-known places on the domain itself.
pub const DEFAULT_AUTOCONFIG_URLS: &[&str] = &[
    "https://autoconfig.{domain}/mail/config-v1.1.xml?emailaddress={email}",
    "https://{domain}/.well-known/autoconfig/mail/config-v1.1.xml",
];
/// Thunderbird's database of providers.
pub const DEFAULT_ISPDB_URL: &str = "https://autoconfig.thunderbird.net/v1.1/{domain}";

/// The environment variables [`DiscoveryOptions::from_env`] reads.
pub const ENV_AUTOCONFIG_URL: &str = "MAILBELL_AUTOCONFIG_URL";
pub const ENV_ISPDB_URL: &str = "MAILBELL_ISPDB_URL";
pub const ENV_DNS_SERVER: &str = "MAILBELL_DNS_SERVER";
pub const ENV_GUESS_PORTS: &str = "MAILBELL_GUESS_PORTS";

#[derive(Debug, Clone)]
pub struct DiscoveryOptions {
    /// Look the domain up in the built-in provider table first.
    pub builtin: bool,
    /// Autoconfig URL templates, tried in this order; `{domain}`, `{email}` (percent-encoded)
    /// and `{localpart}` are filled in. Empty: no autoconfig.
    pub autoconfig_urls: Vec<String>,
    /// ISPDB URL template (`{domain}`); `None`: no ISPDB.
    pub ispdb_url: Option<String>,
    /// Ask DNS for RFC 6186 SRV records.
    pub srv: bool,
    /// A nameserver to ask instead of the system's (SRV records and, for guesses and HTTP,
    /// host addresses).
    pub nameserver: Option<SocketAddr>,
    /// Ports and modes each guessed host is probed on, in order. Empty: no guessing.
    pub guess_ports: Vec<(u16, Security)>,
    /// An extra CA certificate (PEM) trusted by probes and by HTTPS fetches.
    pub ca_file: Option<String>,
    /// Per HTTP request, redirects included.
    pub http_timeout: Duration,
    /// Per DNS lookup.
    pub dns_timeout: Duration,
    /// Per probe of a guessed server.
    pub probe_timeout: Duration,
    /// For the whole discovery.
    pub total_timeout: Duration,
}

impl Default for DiscoveryOptions {
    fn default() -> Self {
        DiscoveryOptions {
            builtin: true,
            autoconfig_urls: DEFAULT_AUTOCONFIG_URLS.iter().map(|s| s.to_string()).collect(),
            ispdb_url: Some(DEFAULT_ISPDB_URL.to_string()),
            srv: true,
            nameserver: None,
            guess_ports: vec![(993, Security::Tls), (143, Security::Starttls)],
            ca_file: None,
            http_timeout: Duration::from_secs(5),
            dns_timeout: Duration::from_secs(5),
            probe_timeout: Duration::from_secs(3),
            total_timeout: Duration::from_secs(30),
        }
    }
}

impl DiscoveryOptions {
    /// The defaults, with what the environment overrides (for administrators and tests):
    /// - `MAILBELL_AUTOCONFIG_URL`: autoconfig URL templates, separated by spaces, with
    ///   `{domain}`, `{email}` and `{localpart}`; empty switches autoconfig off;
    /// - `MAILBELL_ISPDB_URL`: the ISPDB template (`{domain}`; without it the domain is
    ///   appended); empty switches the ISPDB off;
    /// - `MAILBELL_DNS_SERVER`: `ip[:port]` of the nameserver to ask instead of the system's;
    /// - `MAILBELL_GUESS_PORTS`: e.g. `993:tls,143:starttls`; empty switches guessing off.
    pub fn from_env() -> Result<DiscoveryOptions, String> {
        let mut o = DiscoveryOptions::default();
        let var = |name: &str| std::env::var(name).ok();
        if let Some(v) = var(ENV_AUTOCONFIG_URL) {
            o.autoconfig_urls = v.split_whitespace().map(str::to_string).collect();
        }
        if let Some(v) = var(ENV_ISPDB_URL) {
            let v = v.trim();
            o.ispdb_url = if v.is_empty() {
                None
            } else if v.contains("{domain}") {
                Some(v.to_string())
            } else {
                Some(format!("{}/{{domain}}", v.trim_end_matches('/')))
            };
        }
        if let Some(v) = var(ENV_DNS_SERVER) {
            o.nameserver = Some(parse_nameserver(&v).map_err(|e| format!("{ENV_DNS_SERVER}: {e}"))?);
        }
        if let Some(v) = var(ENV_GUESS_PORTS) {
            o.guess_ports = parse_guess_ports(&v).map_err(|e| format!("{ENV_GUESS_PORTS}: {e}"))?;
        }
        Ok(o)
    }
}

/// `ip:port`, `[v6]:port` or a bare IP (port 53).
pub fn parse_nameserver(s: &str) -> Result<SocketAddr, String> {
    let s = s.trim();
    if let Ok(a) = s.parse::<SocketAddr>() {
        return Ok(a);
    }
    s.trim_start_matches('[')
        .trim_end_matches(']')
        .parse::<std::net::IpAddr>()
        .map(|ip| SocketAddr::new(ip, 53))
        .map_err(|_| format!("{s:?} is not an IP address with an optional port (e.g. 127.0.0.1:5353)"))
}

/// `993:tls,143:starttls` (a port alone means tls for 993, starttls otherwise).
pub fn parse_guess_ports(s: &str) -> Result<Vec<(u16, Security)>, String> {
    let mut out = Vec::new();
    for item in s.split([',', ' ']).map(str::trim).filter(|i| !i.is_empty()) {
        let (port, mode) = match item.split_once(':') {
            Some((p, m)) => (p, Some(m)),
            None => (item, None),
        };
        let port: u16 = port.parse().ok().filter(|p| *p != 0).ok_or_else(|| format!("{item:?}: {port:?} is not a port"))?;
        let security = match mode {
            Some(m) => m.parse::<Security>().map_err(|e| format!("{item:?}: {e}"))?,
            None if port == 993 => Security::Tls,
            None => Security::Starttls,
        };
        out.push((port, security));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guess_ports_and_nameservers_parse() {
        assert_eq!(parse_guess_ports("993:tls, 143:starttls").unwrap(), vec![(993, Security::Tls), (143, Security::Starttls)]);
        assert_eq!(parse_guess_ports("993 1143").unwrap(), vec![(993, Security::Tls), (1143, Security::Starttls)]);
        assert_eq!(parse_guess_ports("").unwrap(), vec![]);
        assert!(parse_guess_ports("0:tls").is_err());
        assert!(parse_guess_ports("993:quantum").is_err());
        assert_eq!(parse_nameserver("127.0.0.1:5353").unwrap(), "127.0.0.1:5353".parse().unwrap());
        assert_eq!(parse_nameserver("::1").unwrap(), "[::1]:53".parse().unwrap());
        assert!(parse_nameserver("dns.example.org").is_err());
    }

    #[test]
    fn defaults_are_https_only() {
        let o = DiscoveryOptions::default();
        assert!(o.autoconfig_urls.iter().all(|u| u.starts_with("https://")));
        assert!(o.ispdb_url.as_deref().unwrap().starts_with("https://"));
    }
}
