//! DNS for discovery: RFC 6186 SRV records, and host addresses for HTTP and probes.
//!
//! With a nameserver given in the options (tests, administrators), every lookup goes to it,
//! host addresses included. Without one, SRV goes to the system's nameservers (resolv.conf)
//! and host addresses to the system resolver (getaddrinfo: /etc/hosts, nsswitch), like every
//! other connection the engine makes.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use hickory_resolver::config::{ConnectionConfig, NameServerConfig, ResolveHosts, ResolverConfig, ResolverOpts};
use hickory_resolver::net::runtime::TokioRuntimeProvider;
use hickory_resolver::proto::rr::RData;
use hickory_resolver::TokioResolver;

use super::names::valid_host;

/// One usable SRV target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SrvTarget {
    pub host: String,
    pub port: u16,
    pub priority: u16,
    pub weight: u16,
}

/// What an SRV lookup found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum SrvAnswer {
    /// No record (NXDOMAIN or no SRV data).
    None,
    /// The domain says outright that it offers no such service (target ".").
    NoService,
    /// Targets in the order to try them: priority, then weight (heaviest first).
    Targets(Vec<SrvTarget>),
}

pub(crate) struct Dns {
    /// Injected nameserver's resolver, used for everything.
    injected: Option<TokioResolver>,
    timeout: Duration,
}

impl Dns {
    pub(crate) fn new(nameserver: Option<SocketAddr>, timeout: Duration) -> Result<Dns, String> {
        let injected = nameserver.map(|ns| resolver_for(ns, timeout)).transpose()?;
        Ok(Dns { injected, timeout })
    }

    /// Looks up `name` (e.g. `_imaps._tcp.example.org`) for SRV records.
    pub(crate) async fn srv(&self, name: &str) -> Result<SrvAnswer, String> {
        let fqdn = format!("{}.", name.trim_end_matches('.'));
        let system;
        let resolver = match &self.injected {
            Some(r) => r,
            None => {
                system = system_resolver(self.timeout)?;
                &system
            }
        };
        let lookup = match tokio::time::timeout(self.timeout, resolver.srv_lookup(fqdn.as_str())).await {
            Err(_) => return Err(format!("no DNS answer within {} s", self.timeout.as_secs_f32())),
            Ok(Err(e)) if e.is_no_records_found() || e.is_nx_domain() => return Ok(SrvAnswer::None),
            Ok(Err(e)) => return Err(format!("DNS lookup failed: {e}")),
            Ok(Ok(l)) => l,
        };
        let mut targets = Vec::new();
        let mut no_service = false;
        for record in lookup.answers() {
            let RData::SRV(srv) = &record.data else { continue };
            let target = srv.target.to_ascii();
            if target == "." || target.is_empty() {
                no_service = true;
                continue;
            }
            if srv.port == 0 {
                continue;
            }
            if let Some(host) = valid_host(&target) {
                targets.push(SrvTarget { host, port: srv.port, priority: srv.priority, weight: srv.weight });
            }
        }
        if targets.is_empty() {
            return Ok(if no_service { SrvAnswer::NoService } else { SrvAnswer::None });
        }
        // RFC 2782 picks among equal priorities at random by weight; a list for a person to
        // read is better stable: heaviest first.
        targets.sort_by(|a, b| a.priority.cmp(&b.priority).then(b.weight.cmp(&a.weight)).then(a.host.cmp(&b.host)));
        targets.dedup_by(|a, b| a.host == b.host && a.port == b.port);
        Ok(SrvAnswer::Targets(targets))
    }

    /// The addresses of `host` (an IP literal is returned as it is).
    pub(crate) async fn addresses(&self, host: &str, port: u16) -> Result<Vec<SocketAddr>, String> {
        if let Ok(ip) = host.trim_start_matches('[').trim_end_matches(']').parse::<IpAddr>() {
            return Ok(vec![SocketAddr::new(ip, port)]);
        }
        let found: Vec<SocketAddr> = match &self.injected {
            Some(r) => {
                let fqdn = format!("{}.", host.trim_end_matches('.'));
                match tokio::time::timeout(self.timeout, r.lookup_ip(fqdn.as_str())).await {
                    Err(_) => return Err(format!("no DNS answer for {host} within {} s", self.timeout.as_secs_f32())),
                    Ok(Err(e)) if e.is_no_records_found() || e.is_nx_domain() => Vec::new(),
                    Ok(Err(e)) => return Err(format!("cannot look up {host}: {e}")),
                    Ok(Ok(ips)) => ips.iter().map(|ip| SocketAddr::new(ip, port)).collect(),
                }
            }
            None => match tokio::time::timeout(self.timeout, tokio::net::lookup_host((host, port))).await {
                Err(_) => return Err(format!("no DNS answer for {host} within {} s", self.timeout.as_secs_f32())),
                Ok(Err(e)) => return Err(format!("cannot find {host}: {e}")),
                Ok(Ok(addrs)) => addrs.collect(),
            },
        };
        if found.is_empty() {
            return Err(format!("{host} has no address"));
        }
        Ok(found)
    }
}

fn options(timeout: Duration, hosts: ResolveHosts) -> ResolverOpts {
    let mut opts = ResolverOpts::default();
    opts.timeout = timeout;
    opts.attempts = 1;
    opts.use_hosts_file = hosts;
    opts.cache_size = 64;
    opts
}

fn resolver_for(ns: SocketAddr, timeout: Duration) -> Result<TokioResolver, String> {
    let mut udp = ConnectionConfig::udp();
    udp.port = ns.port();
    let mut tcp = ConnectionConfig::tcp();
    tcp.port = ns.port();
    let server = NameServerConfig::new(ns.ip(), true, vec![udp, tcp]);
    let config = ResolverConfig::from_name_servers(vec![server]);
    let mut builder = TokioResolver::builder_with_config(config, TokioRuntimeProvider::default());
    *builder.options_mut() = options(timeout, ResolveHosts::Never);
    builder.build().map_err(|e| format!("cannot set up DNS with the nameserver {ns}: {e}"))
}

fn system_resolver(timeout: Duration) -> Result<TokioResolver, String> {
    let mut builder = TokioResolver::builder_tokio().map_err(|e| format!("cannot read the system's DNS settings: {e}"))?;
    let opts = builder.options_mut();
    opts.timeout = timeout;
    opts.attempts = 1;
    opts.cache_size = 64;
    builder.build().map_err(|e| format!("cannot set up DNS: {e}"))
}
