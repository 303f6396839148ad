//! Mozilla autoconfig documents (`config-v1.1.xml`, also what the Thunderbird ISPDB serves),
//! parsed as untrusted input.
//!
//! Robustness policy: the document is capped in size before parsing; a DOCTYPE, an entity
//! other than XML's five predefined ones, or any well-formedness error rejects the whole
//! document (quick-xml never expands entities, so "billion laughs" cannot grow, but nothing
//! half-parsed is used either). Inside a good document, each `incomingServer` is checked on
//! its own: a server with a bad host name, port or socket type, or of another protocol than
//! IMAP, is skipped and the others are kept. Values are capped in length; host names must be
//! DNS names or IP addresses; ports must be decimal 1-65535.

use quick_xml::escape::resolve_predefined_entity;
use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;

use super::names::Address;
use super::CandidateNote;
use crate::model::Security;
use crate::net::names::{valid_host, valid_port};

/// Largest document accepted (real ones are a few KiB).
pub(crate) const MAX_DOCUMENT: usize = 256 * 1024;
/// Longest element text kept; anything longer makes that value invalid.
const MAX_VALUE: usize = 1024;
/// Nesting deeper than this is not an autoconfig document.
const MAX_DEPTH: usize = 32;
/// More incoming servers than this are not looked at.
const MAX_SERVERS: usize = 32;

/// One usable IMAP server from a document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Server {
    pub host: String,
    pub port: u16,
    pub security: Security,
    pub username: Option<String>,
    /// Said when the document's authentication methods are a problem for Mailbell.
    pub note: Option<String>,
    /// The same as a kind.
    pub note_kind: Option<CandidateNote>,
}

/// What a document yields: its IMAP servers, best first, and its documentation link.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Parsed {
    pub servers: Vec<Server>,
    pub help_url: Option<String>,
    /// Incoming servers that were skipped, with the reason (for the discovery trace).
    pub skipped: Vec<String>,
}

/// Why a whole document was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum ParseError {
    #[error("the document is larger than {} KiB", MAX_DOCUMENT / 1024)]
    TooLarge,
    #[error("the document is not well-formed XML: {0}")]
    Malformed(String),
    #[error("the document declares a DOCTYPE, which autoconfig documents never need")]
    DocType,
    #[error("the document uses the undefined entity &{0};")]
    UnknownEntity(String),
    #[error("the document is nested deeper than {MAX_DEPTH} elements")]
    TooDeep,
    #[error("the document is not an autoconfig document (its root is <{0}>, not <clientConfig>)")]
    NotAutoconfig(String),
}

#[derive(Default)]
struct RawServer {
    kind: String,
    hostname: Option<String>,
    port: Option<String>,
    socket_type: Option<String>,
    username: Option<String>,
    auth: Vec<String>,
    /// A value was over-long or held a bad character reference.
    spoiled: Vec<&'static str>,
}

/// Parses a document for `address`. Placeholders (%EMAILADDRESS%, %EMAILLOCALPART%,
/// %EMAILDOMAIN%) are filled in from the address.
pub(crate) fn parse(doc: &[u8], address: &Address) -> Result<Parsed, ParseError> {
    if doc.len() > MAX_DOCUMENT {
        return Err(ParseError::TooLarge);
    }
    let text = String::from_utf8_lossy(doc);
    let mut reader = Reader::from_str(&text);
    reader.config_mut().check_end_names = true;

    let mut stack: Vec<String> = Vec::new();
    let mut value = String::new();
    let mut value_spoiled = false;
    let mut current: Option<RawServer> = None;
    let mut raw_servers: Vec<RawServer> = Vec::new();
    let mut help_url: Option<String> = None;
    let mut seen_root = false;

    loop {
        let event = reader.read_event().map_err(|e| ParseError::Malformed(truncate(&e.to_string(), 200)))?;
        match event {
            Event::Eof => break,
            Event::DocType(_) => return Err(ParseError::DocType),
            Event::Start(e) | Event::Empty(e) if stack.is_empty() && seen_root => {
                let _ = e;
                return Err(ParseError::Malformed("more than one root element".into()));
            }
            Event::Start(e) => {
                let name = local_name(&e);
                if stack.is_empty() {
                    check_root(&name)?;
                    seen_root = true;
                }
                if stack.len() >= MAX_DEPTH {
                    return Err(ParseError::TooDeep);
                }
                open_element(&e, &name, &stack, &mut current, &raw_servers, &mut help_url);
                stack.push(name);
                value.clear();
                value_spoiled = false;
            }
            Event::Empty(e) => {
                let name = local_name(&e);
                if stack.is_empty() {
                    check_root(&name)?;
                    seen_root = true;
                }
                open_element(&e, &name, &stack, &mut current, &raw_servers, &mut help_url);
                if name == "incomingServer" {
                    if let Some(s) = current.take() {
                        raw_servers.push(s);
                    }
                }
            }
            Event::Text(t) => push_value(&mut value, &mut value_spoiled, &t.xml10_content()),
            Event::CData(c) => {
                push_value(&mut value, &mut value_spoiled, &c.into_inner());
            }
            Event::GeneralRef(r) => {
                let resolved = match r.resolve_char_ref() {
                    Ok(Some(ch)) => ch.to_string(),
                    Ok(None) => match resolve_predefined_entity(&r) {
                        Some(s) => s.to_string(),
                        None => return Err(ParseError::UnknownEntity(truncate(&r, 40))),
                    },
                    Err(_) => {
                        value_spoiled = true;
                        String::new()
                    }
                };
                push_value(&mut value, &mut value_spoiled, &resolved);
            }
            Event::End(_) => {
                let name = stack.pop().unwrap_or_default();
                let in_server = stack.last().is_some_and(|p| p == "incomingServer");
                if name == "incomingServer" {
                    if let Some(s) = current.take() {
                        raw_servers.push(s);
                    }
                } else if in_server {
                    if let Some(s) = current.as_mut() {
                        let v = value.trim().to_string();
                        if value_spoiled {
                            s.spoiled.push(field_name(&name));
                        } else {
                            match name.as_str() {
                                "hostname" => s.hostname = Some(v),
                                "port" => s.port = Some(v),
                                "socketType" => s.socket_type = Some(v),
                                "username" => s.username = Some(v),
                                "authentication" if s.auth.len() < 16 => s.auth.push(v),
                                _ => {}
                            }
                        }
                    }
                }
                value.clear();
                value_spoiled = false;
            }
            Event::Comment(_) | Event::Decl(_) | Event::PI(_) => {}
        }
    }
    if !seen_root {
        return Err(ParseError::Malformed("no root element".into()));
    }

    let mut parsed = Parsed { help_url, ..Parsed::default() };
    for raw in raw_servers.into_iter().take(MAX_SERVERS) {
        match check_server(raw, address) {
            Ok(s) => {
                if !parsed.servers.iter().any(|x| x.host == s.host && x.port == s.port && x.security == s.security) {
                    parsed.servers.push(s);
                }
            }
            Err(Some(why)) => parsed.skipped.push(why),
            Err(None) => {}
        }
    }
    // Implicit TLS, then STARTTLS, then plain; the document's order within each.
    parsed.servers.sort_by_key(|s| security_rank(s.security));
    Ok(parsed)
}

fn check_root(name: &str) -> Result<(), ParseError> {
    if name == "clientConfig" {
        Ok(())
    } else {
        Err(ParseError::NotAutoconfig(truncate(name, 40)))
    }
}

fn open_element(
    e: &BytesStart<'_>,
    name: &str,
    stack: &[String],
    current: &mut Option<RawServer>,
    done: &[RawServer],
    help_url: &mut Option<String>,
) {
    let parent = stack.last().map(String::as_str);
    if name == "incomingServer" && parent == Some("emailProvider") && current.is_none() && done.len() < MAX_SERVERS {
        *current = Some(RawServer { kind: attribute(e, "type").unwrap_or_default(), ..RawServer::default() });
    } else if name == "documentation" && parent == Some("emailProvider") && help_url.is_none() {
        *help_url = attribute(e, "url").and_then(|u| valid_help_url(&u));
    }
}

fn attribute(e: &BytesStart<'_>, name: &str) -> Option<String> {
    e.attributes()
        .flatten()
        .find(|a| a.key.local_name().as_ref() == name)
        .and_then(|a| a.normalized_value(quick_xml::XmlVersion::Implicit1_0).ok().map(|v| v.trim().to_string()))
        .filter(|v| v.len() <= MAX_VALUE)
}

fn local_name(e: &BytesStart<'_>) -> String {
    e.local_name().as_ref().to_string()
}

fn push_value(value: &mut String, spoiled: &mut bool, s: &str) {
    if value.len() + s.len() > MAX_VALUE {
        *spoiled = true;
    } else {
        value.push_str(s);
    }
}

fn field_name(name: &str) -> &'static str {
    match name {
        "hostname" => "hostname",
        "port" => "port",
        "socketType" => "socketType",
        "username" => "username",
        _ => "a value",
    }
}

fn security_rank(s: Security) -> u8 {
    match s {
        Security::Tls => 0,
        Security::Starttls => 1,
        Security::Plain => 2,
    }
}

/// Turns a raw server into a usable one. `Err(None)`: not IMAP (skipped silently).
fn check_server(raw: RawServer, address: &Address) -> Result<Server, Option<String>> {
    if !raw.kind.eq_ignore_ascii_case("imap") {
        return Err(None);
    }
    if let Some(field) = raw.spoiled.first() {
        return Err(Some(format!("an IMAP server's {field} is too long or malformed")));
    }
    let raw_host = raw.hostname.ok_or_else(|| Some("an IMAP server has no hostname".to_string()))?;
    let host_text = raw_host.replace("%EMAILDOMAIN%", &address.domain);
    let host = valid_host(&host_text)
        .ok_or_else(|| Some(format!("an IMAP server's hostname {:?} is not a host name", truncate(&raw_host, 80))))?;
    let security = match raw.socket_type.as_deref().map(str::to_ascii_lowercase).as_deref() {
        Some("ssl") | Some("tls") => Security::Tls,
        Some("starttls") => Security::Starttls,
        Some("plain") => Security::Plain,
        Some(other) => return Err(Some(format!("{host}: unknown socketType {:?}", truncate(other, 40)))),
        None => return Err(Some(format!("{host}: no socketType"))),
    };
    let port = match raw.port.as_deref() {
        Some(p) => valid_port(p).ok_or_else(|| Some(format!("{host}: port {:?} is not a port number", truncate(p, 40))))?,
        None => security.default_port(),
    };
    let username = raw.username.as_deref().and_then(|u| fill_username(u, address));
    let (note_kind, note) = auth_note(&raw.auth).unzip();
    Ok(Server { host, port, security, username, note, note_kind })
}

/// Fills the placeholders of a username template; drops templates that still hold one, or
/// hold control characters.
fn fill_username(template: &str, address: &Address) -> Option<String> {
    let filled = template
        .replace("%EMAILADDRESS%", &address.email)
        .replace("%EMAILLOCALPART%", &address.local)
        .replace("%EMAILDOMAIN%", &address.domain);
    let ok = !filled.is_empty() && filled.len() <= 256 && !filled.contains('%') && !filled.chars().any(char::is_control);
    ok.then_some(filled)
}

/// Mailbell logs in with LOGIN (the password, over TLS). Say so when the document lists only
/// methods it cannot use.
fn auth_note(methods: &[String]) -> Option<(CandidateNote, String)> {
    if methods.is_empty() {
        return None;
    }
    let has = |m: &str| methods.iter().any(|x| x.eq_ignore_ascii_case(m));
    if has("password-cleartext") || has("plain") {
        return None;
    }
    if has("OAuth2") {
        return Some((CandidateNote::OauthOnly, "this server accepts only OAuth2 sign-in, which Mailbell does not support yet".into()));
    }
    if has("password-encrypted") || has("secure") {
        return Some((CandidateNote::EncryptedPassword, "this server asks for an encrypted password exchange (CRAM-MD5); Mailbell sends the password over TLS instead, which the server may refuse".into()));
    }
    let listed = methods.iter().map(|m| truncate(m, 30)).collect::<Vec<_>>().join(", ");
    Some((
        CandidateNote::UnusableSignIn { methods: listed.clone() },
        format!("this server lists only sign-in methods Mailbell does not use ({listed})"),
    ))
}

/// A documentation link worth showing: https, short, nothing odd in it.
pub(crate) fn valid_help_url(u: &str) -> Option<String> {
    let ok = u.len() <= 512
        && u.strip_prefix("https://").is_some_and(|rest| !rest.is_empty())
        && u.chars().all(|c| c.is_ascii_graphic())
        && !u.contains(['<', '>', '"', '\'', '\\']);
    ok.then(|| u.to_string())
}

fn truncate(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::discover::names::parse_email;

    fn addr() -> Address {
        parse_email("jane.doe@example.org").unwrap()
    }

    const GOOD: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<clientConfig version="1.1">
  <emailProvider id="example.org">
    <domain>example.org</domain>
    <displayName>Example Mail</displayName>
    <incomingServer type="pop3">
      <hostname>pop.example.org</hostname><port>995</port><socketType>SSL</socketType>
    </incomingServer>
    <incomingServer type="imap">
      <hostname>imap.%EMAILDOMAIN%</hostname>
      <port>143</port>
      <socketType>STARTTLS</socketType>
      <username>%EMAILLOCALPART%</username>
      <authentication>password-cleartext</authentication>
    </incomingServer>
    <incomingServer type="imap">
      <hostname>mail.example.org</hostname>
      <port>993</port>
      <socketType>SSL</socketType>
      <username>%EMAILADDRESS%</username>
      <authentication>password-cleartext</authentication>
    </incomingServer>
    <outgoingServer type="smtp">
      <hostname>smtp.example.org</hostname><port>465</port><socketType>SSL</socketType>
    </outgoingServer>
    <documentation url="https://help.example.org/mail?a=1&amp;b=2">
      <descr lang="en">Setup</descr>
    </documentation>
  </emailProvider>
</clientConfig>"#;

    #[test]
    fn a_good_document_gives_imap_servers_tls_first() {
        let p = parse(GOOD.as_bytes(), &addr()).unwrap();
        assert_eq!(p.servers.len(), 2, "{p:?}");
        assert_eq!(p.servers[0].host, "mail.example.org");
        assert_eq!((p.servers[0].port, p.servers[0].security), (993, Security::Tls));
        assert_eq!(p.servers[0].username.as_deref(), Some("jane.doe@example.org"));
        assert_eq!(p.servers[1].host, "imap.example.org");
        assert_eq!((p.servers[1].port, p.servers[1].security), (143, Security::Starttls));
        assert_eq!(p.servers[1].username.as_deref(), Some("jane.doe"));
        assert_eq!(p.help_url.as_deref(), Some("https://help.example.org/mail?a=1&b=2"));
        assert!(p.servers.iter().all(|s| s.note.is_none()));
    }

    #[test]
    fn plain_comes_last_and_missing_ports_default() {
        let doc = r#"<clientConfig><emailProvider id="x">
            <incomingServer type="imap"><hostname>a.example.org</hostname><socketType>plain</socketType></incomingServer>
            <incomingServer type="IMAP"><hostname>b.example.org</hostname><socketType>starttls</socketType></incomingServer>
            <incomingServer type="imap"><hostname>c.example.org</hostname><socketType>SSL</socketType></incomingServer>
        </emailProvider></clientConfig>"#;
        let p = parse(doc.as_bytes(), &addr()).unwrap();
        let got: Vec<_> = p.servers.iter().map(|s| (s.host.as_str(), s.port, s.security)).collect();
        assert_eq!(
            got,
            vec![
                ("c.example.org", 993, Security::Tls),
                ("b.example.org", 143, Security::Starttls),
                ("a.example.org", 143, Security::Plain),
            ]
        );
    }

    #[test]
    fn oauth_only_servers_carry_a_note() {
        let doc = r#"<clientConfig><emailProvider id="x"><incomingServer type="imap">
            <hostname>imap.example.org</hostname><port>993</port><socketType>SSL</socketType>
            <authentication>OAuth2</authentication></incomingServer></emailProvider></clientConfig>"#;
        let p = parse(doc.as_bytes(), &addr()).unwrap();
        assert!(p.servers[0].note.as_deref().unwrap().contains("OAuth2"));
        let doc = doc.replace(
            "<authentication>OAuth2</authentication>",
            "<authentication>OAuth2</authentication><authentication>password-cleartext</authentication>",
        );
        assert_eq!(parse(doc.as_bytes(), &addr()).unwrap().servers[0].note, None);
    }

    #[test]
    fn entity_expansion_is_refused() {
        let laughs = r#"<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<clientConfig><emailProvider id="x"><incomingServer type="imap">
<hostname>&lol3;</hostname><port>993</port><socketType>SSL</socketType>
</incomingServer></emailProvider></clientConfig>"#;
        assert_eq!(parse(laughs.as_bytes(), &addr()), Err(ParseError::DocType));
        // Without the DOCTYPE, an undeclared entity is refused as well.
        let undeclared = r#"<clientConfig><emailProvider id="x"><incomingServer type="imap">
<hostname>&lol3;</hostname><socketType>SSL</socketType></incomingServer></emailProvider></clientConfig>"#;
        assert_eq!(parse(undeclared.as_bytes(), &addr()), Err(ParseError::UnknownEntity("lol3".into())));
        // External entities (XXE) never get read.
        let xxe = r#"<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><clientConfig>&xxe;</clientConfig>"#;
        assert_eq!(parse(xxe.as_bytes(), &addr()), Err(ParseError::DocType));
    }

    #[test]
    fn oversized_and_malformed_documents_are_refused() {
        let mut huge = String::from("<clientConfig><emailProvider id=\"x\">");
        while huge.len() <= MAX_DOCUMENT {
            huge.push_str("<displayName>padding padding padding padding</displayName>");
        }
        huge.push_str("</emailProvider></clientConfig>");
        assert_eq!(parse(huge.as_bytes(), &addr()), Err(ParseError::TooLarge));
        for bad in [
            "",
            "not xml at all",
            "<clientConfig><emailProvider></clientConfig>",
            "<clientConfig><a></b></clientConfig>",
            "<html><body>Not found</body></html>",
            "<clientConfig/><clientConfig/>",
            "<clientConfig><emailProvider id=\"x\"><incomingServer type=\"imap\"",
        ] {
            assert!(parse(bad.as_bytes(), &addr()).is_err(), "{bad:?} accepted");
        }
        let deep = format!("<clientConfig>{}{}</clientConfig>", "<a>".repeat(100), "</a>".repeat(100));
        assert_eq!(parse(deep.as_bytes(), &addr()), Err(ParseError::TooDeep));
        // Binary garbage is refused, not a panic.
        let garbage: Vec<u8> = (0..4096u32).map(|i| (i.wrapping_mul(2654435761) >> 13) as u8).collect();
        assert!(parse(&garbage, &addr()).is_err());
    }

    #[test]
    fn hostile_values_skip_their_server_only() {
        let doc = r#"<clientConfig><emailProvider id="x">
  <incomingServer type="imap"><hostname>&lt;script&gt;alert(1)&lt;/script&gt;</hostname><port>993</port><socketType>SSL</socketType></incomingServer>
  <incomingServer type="imap"><hostname>evil.example.org/../x</hostname><port>993</port><socketType>SSL</socketType></incomingServer>
  <incomingServer type="imap"><hostname>ok1.example.org</hostname><port>nine-nine-three</port><socketType>SSL</socketType></incomingServer>
  <incomingServer type="imap"><hostname>ok2.example.org</hostname><port>70000</port><socketType>SSL</socketType></incomingServer>
  <incomingServer type="imap"><hostname>ok3.example.org</hostname><port>993</port><socketType>QUANTUM</socketType></incomingServer>
  <incomingServer type="imap"><hostname><![CDATA[javascript:alert(1)]]></hostname><socketType>SSL</socketType></incomingServer>
  <incomingServer type="imap"><hostname>x.example.org</hostname><port><nested>993</nested></port><socketType>SSL</socketType></incomingServer>
  <incomingServer type="imap"><port>993</port><socketType>SSL</socketType></incomingServer>
  <incomingServer type="imap"><hostname>good.example.org</hostname><port> 993 </port><socketType>SSL</socketType><username>%REALNAME%</username></incomingServer>
</emailProvider></clientConfig>"#;
        let p = parse(doc.as_bytes(), &addr()).unwrap();
        assert_eq!(p.servers.len(), 1, "{p:?}");
        assert_eq!(p.servers[0].host, "good.example.org");
        assert_eq!(p.servers[0].username, None, "an unknown placeholder is dropped");
        assert_eq!(p.skipped.len(), 8, "{:?}", p.skipped);
    }

    #[test]
    fn overlong_values_and_bad_links_are_dropped() {
        let long = "a".repeat(2000);
        let doc = format!(
            r#"<clientConfig><emailProvider id="x">
            <incomingServer type="imap"><hostname>{long}</hostname><socketType>SSL</socketType></incomingServer>
            <documentation url="javascript:alert(1)"/></emailProvider></clientConfig>"#
        );
        let p = parse(doc.as_bytes(), &addr()).unwrap();
        assert!(p.servers.is_empty());
        assert_eq!(p.help_url, None);
        assert_eq!(valid_help_url("http://x.example.org"), None);
        assert_eq!(valid_help_url("https://x.example.org/a b"), None);
    }

    #[test]
    fn many_servers_are_capped() {
        let mut doc = String::from("<clientConfig><emailProvider id=\"x\">");
        for i in 0..200 {
            doc.push_str(&format!(
                "<incomingServer type=\"imap\"><hostname>h{i}.example.org</hostname><socketType>SSL</socketType></incomingServer>"
            ));
        }
        doc.push_str("</emailProvider></clientConfig>");
        assert_eq!(parse(doc.as_bytes(), &addr()).unwrap().servers.len(), MAX_SERVERS);
    }
}
