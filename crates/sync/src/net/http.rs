//! The smallest HTTP/1.1 client discovery and OAuth2 need: one GET of a small document, or one
//! form POST to a token endpoint, over the engine's own TLS set-up (system roots plus the
//! optional extra CA, TLS 1.2 or later). POSTs follow no redirect and return any status with
//! its (capped) body: a token endpoint explains its refusals in a 400's JSON.
//!
//! Why not an HTTP crate: everything here is untrusted and the rules are few and strict, so
//! they are easiest to see and test in one page. The body is capped (it never grows past the
//! cap in memory), the whole request including redirects has one deadline, redirects are
//! followed only to https (never to http, whatever the first URL was), at most
//! [`MAX_REDIRECTS`] of them, and only status 200 yields a document. Response heads are parsed
//! with `httparse`, URLs with `url` under the stricter rules of [`Url`]. `Connection: close`
//! and `Accept-Encoding: identity` keep the rest simple: a body is delimited by
//! Content-Length, by chunked encoding, or by the end of the stream.

use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;

use super::dns::Dns;
use super::names::valid_host;
use super::tcp::connect_any;

pub(crate) const MAX_REDIRECTS: usize = 3;
/// Longest response head accepted.
const MAX_HEAD: usize = 32 * 1024;
/// Longest chunk-size line accepted.
const MAX_CHUNK_LINE: usize = 1024;

/// An http(s) URL that passed the project's rules: parsed and joined by the `url` crate (the
/// WHATWG URL standard, as browsers read URLs), then checked for what an untrusted document
/// may name: http or https only, no user info, a host that [`valid_host`] accepts, a port from
/// 1 to 65535, a path and query of at most [`MAX_PATH`] printable ASCII bytes. The fragment
/// is dropped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Url {
    pub https: bool,
    pub host: String,
    pub port: u16,
    /// Path and query, starting with `/`; no fragment.
    pub path: String,
    /// What `url` read, the base for [`Url::join`].
    parsed: url::Url,
}

/// Longest path and query accepted.
const MAX_PATH: usize = 4096;

impl Url {
    pub(crate) fn parse(s: &str) -> Option<Url> {
        let s = as_written(s)?;
        let rest = strip_ci(s, "https://").or_else(|| strip_ci(s, "http://"))?;
        Url::checked(url::Url::parse(s).ok()?, Some(rest))
    }

    /// Resolves a Location header against this URL.
    fn join(&self, location: &str) -> Option<Url> {
        let loc = as_written(location)?;
        // Where the Location names a host (`https://host/..`, `//host/..`), that spelling is
        // checked; a relative one keeps this URL's host, which `checked` makes sure of.
        let rest = strip_ci(loc, "https://").or_else(|| strip_ci(loc, "http://")).or_else(|| loc.strip_prefix("//"));
        let joined = self.parsed.join(loc).ok()?;
        if rest.is_none() && (joined.host_str() != self.parsed.host_str() || joined.port_or_known_default() != Some(self.port)) {
            return None; // `http:x` and the like: a new host without `//`
        }
        Url::checked(joined, rest)
    }

    /// Applies the rules to what `url` read; `written` is the text after `scheme://` (or `//`)
    /// where the URL spelled its host.
    fn checked(parsed: url::Url, written: Option<&str>) -> Option<Url> {
        let https = match parsed.scheme() {
            "https" => true,
            "http" => false,
            _ => return None,
        };
        if !parsed.username().is_empty() || parsed.password().is_some() {
            return None;
        }
        if let Some(rest) = written {
            let authority = &rest[..rest.find(['/', '?', '#']).unwrap_or(rest.len())];
            if !spelled_as_read(authority, &parsed) {
                return None;
            }
        }
        let host = valid_host(parsed.host_str()?)?;
        let port = parsed.port_or_known_default().filter(|p| *p != 0)?;
        let path = match parsed.query() {
            Some(q) => format!("{}?{q}", parsed.path()),
            None => parsed.path().to_string(),
        };
        if !path.starts_with('/') || !path.bytes().all(|b| b.is_ascii_graphic()) || path.len() > MAX_PATH {
            return None;
        }
        Some(Url { https, host, port, path, parsed })
    }

    /// The Host header's value.
    fn host_header(&self) -> String {
        let host = if self.host.contains(':') { format!("[{}]", self.host) } else { self.host.clone() };
        let default = if self.https { 443 } else { 80 };
        if self.port == default {
            host
        } else {
            format!("{host}:{}", self.port)
        }
    }
}

/// The URL text that `url` is given: trimmed, without its fragment, and refused unless it is
/// printable ASCII with no backslash before the query.
///
/// Hand-written because `url` reads such text as a browser does, not as it was written: it
/// drops tabs and line breaks anywhere, percent-encodes spaces and non-ASCII, and takes a
/// backslash for a slash. A URL from an untrusted document that needs any of that is refused
/// (as before `url` was used) rather than fetched under another spelling than the one logged.
fn as_written(s: &str) -> Option<&str> {
    let s = s.trim();
    let s = s.split('#').next().unwrap_or("");
    let before_query = s.split('?').next().unwrap_or("");
    (s.bytes().all(|b| b.is_ascii_graphic()) && !before_query.contains('\\')).then_some(s)
}

/// Whether the authority as written (`host`, `host:port`, `[v6]:port`) is what `url` read.
///
/// Hand-written because `url` rewrites hosts the way browsers do: it decodes percent escapes
/// (`x%2Eorg`), expands IPv4 shorthands (`127.1`, `0x7f.1`, `2130706433`), skips extra
/// slashes (`https:///x.org`) and takes an empty user info (`https://@x.org`). A host from an
/// untrusted document must be spelled plainly: the one connected to is the one shown.
fn spelled_as_read(authority: &str, parsed: &url::Url) -> bool {
    if authority.contains('@') {
        return false; // user info, even empty
    }
    let (host_ok, after_host) = match (parsed.host(), authority.strip_prefix('[')) {
        (Some(url::Host::Ipv6(ip)), Some(rest)) => match rest.split_once(']') {
            Some((v6, after)) => (v6.parse::<std::net::Ipv6Addr>() == Ok(ip), after),
            None => (false, ""),
        },
        (Some(url::Host::Domain(_) | url::Host::Ipv4(_)), None) => {
            let (h, after) = authority.split_at(authority.find(':').unwrap_or(authority.len()));
            (parsed.host_str().is_some_and(|read| h.eq_ignore_ascii_case(read)), after)
        }
        _ => (false, ""),
    };
    let port_ok = match after_host {
        "" => true,
        p => p.strip_prefix(':').and_then(super::names::valid_port).is_some_and(|p| parsed.port_or_known_default() == Some(p)),
    };
    host_ok && port_ok
}

impl std::fmt::Display for Url {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}://{}{}", if self.https { "https" } else { "http" }, self.host_header(), self.path)
    }
}

fn strip_ci<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    (s.len() >= prefix.len() && s.is_char_boundary(prefix.len()) && s[..prefix.len()].eq_ignore_ascii_case(prefix))
        .then(|| &s[prefix.len()..])
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum HttpError {
    #[error("not an http(s) URL: {0}")]
    BadUrl(String),
    #[error("{0}")]
    Connect(String),
    #[error("TLS: {0}")]
    Tls(String),
    #[error("no complete answer within {} s", .0.as_secs_f32())]
    Timeout(Duration),
    #[error("the answer is larger than {} KiB", .0 / 1024)]
    TooLarge(usize),
    #[error("not a valid HTTP answer: {0}")]
    Protocol(String),
    #[error("HTTP status {0}")]
    Status(u16),
    #[error("redirected to {0}, which is not https: not followed")]
    InsecureRedirect(String),
    #[error("more than {MAX_REDIRECTS} redirects")]
    TooManyRedirects,
}

/// How to fetch: the deadline for the whole request, the body cap, the extra CA.
pub(crate) struct Fetch<'a> {
    pub timeout: Duration,
    pub max_body: usize,
    pub ca_file: Option<String>,
    pub dns: &'a Dns,
}

/// GETs `url` and returns the body of its 200 answer.
pub(crate) async fn get(url: &str, how: &Fetch<'_>) -> Result<Vec<u8>, HttpError> {
    let first = Url::parse(url).ok_or_else(|| HttpError::BadUrl(url.to_string()))?;
    match tokio::time::timeout(how.timeout, get_following(first, how)).await {
        Ok(r) => r,
        Err(_) => Err(HttpError::Timeout(how.timeout)),
    }
}

async fn get_following(mut url: Url, how: &Fetch<'_>) -> Result<Vec<u8>, HttpError> {
    for _ in 0..=MAX_REDIRECTS {
        match get_once(&url, how).await? {
            Answer::Body(b) => return Ok(b),
            Answer::Redirect(location) => {
                let next = url.join(&location).ok_or_else(|| HttpError::Protocol(format!("bad redirect target {location:?}")))?;
                if !next.https {
                    return Err(HttpError::InsecureRedirect(next.to_string()));
                }
                url = next;
            }
        }
    }
    Err(HttpError::TooManyRedirects)
}

enum Answer {
    Body(Vec<u8>),
    Redirect(String),
}

/// POSTs `body` as `application/x-www-form-urlencoded` and returns the status and body of
/// the answer, whatever the status. No redirect is followed.
pub(crate) async fn post_form(url: &str, body: &str, how: &Fetch<'_>) -> Result<(u16, Vec<u8>), HttpError> {
    let url = Url::parse(url).ok_or_else(|| HttpError::BadUrl(url.to_string()))?;
    let request = format!(
        "POST {} HTTP/1.1\r\nHost: {}\r\nUser-Agent: Mailbell/{}\r\nAccept: application/json\r\nAccept-Encoding: identity\r\n\
         Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        url.path,
        url.host_header(),
        env!("CARGO_PKG_VERSION"),
        body.len(),
    );
    let max_body = how.max_body;
    let exchange = async {
        let mut r = send(&url, how, request).await?;
        let head = read_head(&mut r).await?;
        let body = read_body(&mut r, &head, max_body).await?;
        Ok((head.status, body))
    };
    match tokio::time::timeout(how.timeout, exchange).await {
        Ok(r) => r,
        Err(_) => Err(HttpError::Timeout(how.timeout)),
    }
}

/// Connects (TLS for https), sends `request` and returns the reader of the answer.
async fn send(url: &Url, how: &Fetch<'_>, request: String) -> Result<Reader<Box<dyn Stream>>, HttpError> {
    let addrs = how.dns.addresses(&url.host, url.port).await.map_err(HttpError::Connect)?;
    let tcp: TcpStream = connect_any(&addrs, how.timeout).await.map_err(|e| HttpError::Connect(format!("{}: {e}", url.host)))?;
    let mut s: Box<dyn Stream> = if url.https {
        Box::new(
            super::tls::handshake(&url.host, how.ca_file.as_deref(), how.timeout, tcp).await.map_err(|e| HttpError::Tls(e.to_string()))?,
        )
    } else {
        Box::new(tcp)
    };
    s.write_all(request.as_bytes()).await.map_err(io)?;
    s.flush().await.map_err(io)?;
    Ok(Reader { s, buf: Vec::new(), pos: 0 })
}

trait Stream: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Stream for T {}

async fn get_once(url: &Url, how: &Fetch<'_>) -> Result<Answer, HttpError> {
    let request = format!(
        "GET {} HTTP/1.1\r\nHost: {}\r\nUser-Agent: Mailbell/{}\r\nAccept: application/xml, text/xml;q=0.9, */*;q=0.1\r\nAccept-Encoding: identity\r\nConnection: close\r\n\r\n",
        url.path,
        url.host_header(),
        env!("CARGO_PKG_VERSION"),
    );
    let mut r = send(url, how, request).await?;
    read_response(&mut r, how.max_body).await
}

fn io(e: std::io::Error) -> HttpError {
    HttpError::Protocol(format!("connection failed: {e}"))
}

/// A stream with a read-ahead buffer: the head is parsed from it, the body read after it.
struct Reader<S> {
    s: S,
    buf: Vec<u8>,
    pos: usize,
}

impl<S: AsyncRead + Unpin> Reader<S> {
    /// Reads more; returns false at the end of the stream.
    async fn fill(&mut self) -> Result<bool, HttpError> {
        if self.pos > 0 {
            self.buf.drain(..self.pos);
            self.pos = 0;
        }
        let mut chunk = [0u8; 8192];
        let n = self.s.read(&mut chunk).await.map_err(io)?;
        self.buf.extend_from_slice(&chunk[..n]);
        Ok(n > 0)
    }

    fn available(&self) -> &[u8] {
        &self.buf[self.pos..]
    }

    /// Reads a CRLF- (or LF-) terminated line of at most `max` bytes, without the ending.
    async fn line(&mut self, max: usize) -> Result<Vec<u8>, HttpError> {
        loop {
            if let Some(i) = self.available().iter().position(|b| *b == b'\n') {
                let mut line = self.available()[..i].to_vec();
                self.pos += i + 1;
                if line.last() == Some(&b'\r') {
                    line.pop();
                }
                return Ok(line);
            }
            if self.available().len() > max {
                return Err(HttpError::Protocol("over-long line in a chunked body".into()));
            }
            if !self.fill().await? {
                return Err(HttpError::Protocol("the body ended early".into()));
            }
        }
    }

    /// Appends exactly `n` bytes to `out`.
    async fn exact(&mut self, mut n: usize, out: &mut Vec<u8>) -> Result<(), HttpError> {
        while n > 0 {
            if self.available().is_empty() && !self.fill().await? {
                return Err(HttpError::Protocol("the body ended early".into()));
            }
            let take = n.min(self.available().len());
            out.extend_from_slice(&self.available()[..take]);
            self.pos += take;
            n -= take;
        }
        Ok(())
    }
}

struct Head {
    status: u16,
    location: Option<String>,
    chunked: bool,
    length: Option<usize>,
}

async fn read_head<S: AsyncRead + Unpin>(r: &mut Reader<S>) -> Result<Head, HttpError> {
    loop {
        let mut headers = [httparse::EMPTY_HEADER; 64];
        let mut resp = httparse::Response::new(&mut headers);
        match resp.parse(r.available()) {
            Ok(httparse::Status::Complete(len)) => {
                let status = resp.code.unwrap_or(0);
                let mut head = Head { status, location: None, chunked: false, length: None };
                for h in resp.headers.iter() {
                    let value = String::from_utf8_lossy(h.value).trim().to_string();
                    if h.name.eq_ignore_ascii_case("location") {
                        head.location = Some(value);
                    } else if h.name.eq_ignore_ascii_case("transfer-encoding") {
                        head.chunked = value.rsplit(',').next().is_some_and(|t| t.trim().eq_ignore_ascii_case("chunked"));
                    } else if h.name.eq_ignore_ascii_case("content-length") {
                        let n = value.parse::<usize>().map_err(|_| HttpError::Protocol(format!("bad Content-Length {value:?}")))?;
                        if head.length.is_some_and(|m| m != n) {
                            return Err(HttpError::Protocol("conflicting Content-Length headers".into()));
                        }
                        head.length = Some(n);
                    }
                }
                r.pos += len;
                if (100..200).contains(&status) {
                    continue; // an interim answer: the real one follows
                }
                return Ok(head);
            }
            Ok(httparse::Status::Partial) => {
                if r.available().len() > MAX_HEAD {
                    return Err(HttpError::Protocol(format!("response head larger than {} KiB", MAX_HEAD / 1024)));
                }
                if !r.fill().await? {
                    return Err(HttpError::Protocol(if r.available().is_empty() {
                        "the server closed the connection without answering".into()
                    } else {
                        "the answer ended inside its head".into()
                    }));
                }
            }
            Err(e) => return Err(HttpError::Protocol(e.to_string())),
        }
    }
}

async fn read_response<S: AsyncRead + Unpin>(r: &mut Reader<S>, max_body: usize) -> Result<Answer, HttpError> {
    let head = read_head(r).await?;
    match head.status {
        200 => {}
        301 | 302 | 303 | 307 | 308 => {
            return match head.location {
                Some(l) => Ok(Answer::Redirect(l)),
                None => Err(HttpError::Protocol(format!("redirect {} without a Location", head.status))),
            }
        }
        other => return Err(HttpError::Status(other)),
    }
    read_body(r, &head, max_body).await.map(Answer::Body)
}

async fn read_body<S: AsyncRead + Unpin>(r: &mut Reader<S>, head: &Head, max_body: usize) -> Result<Vec<u8>, HttpError> {
    let mut body = Vec::new();
    if head.chunked {
        loop {
            let line = r.line(MAX_CHUNK_LINE).await?;
            let text = String::from_utf8_lossy(&line);
            let size_text = text.split(';').next().unwrap_or("").trim();
            let size = usize::from_str_radix(size_text, 16).map_err(|_| HttpError::Protocol(format!("bad chunk size {size_text:?}")))?;
            if size == 0 {
                break; // trailers, if any, are not needed
            }
            if body.len().saturating_add(size) > max_body {
                return Err(HttpError::TooLarge(max_body));
            }
            r.exact(size, &mut body).await?;
            if !r.line(2).await?.is_empty() {
                return Err(HttpError::Protocol("chunk not followed by CRLF".into()));
            }
        }
    } else if let Some(n) = head.length {
        if n > max_body {
            return Err(HttpError::TooLarge(max_body));
        }
        r.exact(n, &mut body).await?;
    } else {
        loop {
            let avail = r.available().len();
            if body.len() + avail > max_body {
                return Err(HttpError::TooLarge(max_body));
            }
            body.extend_from_slice(r.available());
            r.pos += avail;
            if !r.fill().await? {
                break;
            }
        }
    }
    Ok(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_parse_strictly() {
        let u = Url::parse("https://autoconfig.example.org/mail/config-v1.1.xml?emailaddress=a%40b#frag").unwrap();
        assert_eq!((u.https, u.host.as_str(), u.port), (true, "autoconfig.example.org", 443));
        assert_eq!(u.path, "/mail/config-v1.1.xml?emailaddress=a%40b");
        let u = Url::parse("http://127.0.0.1:8080").unwrap();
        assert_eq!((u.https, u.host.as_str(), u.port, u.path.as_str()), (false, "127.0.0.1", 8080, "/"));
        let u = Url::parse("HTTPS://[::1]:8443/x").unwrap();
        assert_eq!((u.host.as_str(), u.port), ("::1", 8443));
        assert_eq!(u.to_string(), "https://[::1]:8443/x");
        for bad in [
            "ftp://x.org/",
            "https://",
            "https://user@x.org/",
            "https://x.org:0/",
            "https://x.org:99999/",
            "https://x y.org/",
            "https://x.org/a b",
            "javascript:alert(1)",
            "https://<script>/",
            "//x.org/",
        ] {
            assert_eq!(Url::parse(bad), None, "{bad:?} accepted");
        }
    }

    #[test]
    fn redirects_resolve_against_the_current_url() {
        let base = Url::parse("https://a.example.org/mail/config.xml?x=1").unwrap();
        assert_eq!(base.join("/other").unwrap().to_string(), "https://a.example.org/other");
        assert_eq!(base.join("next.xml").unwrap().to_string(), "https://a.example.org/mail/next.xml");
        assert_eq!(base.join("//b.example.org/x").unwrap().to_string(), "https://b.example.org/x");
        assert!(!base.join("http://b.example.org/x").unwrap().https);
        let plain = Url::parse("http://127.0.0.1:8080/a").unwrap();
        assert!(!plain.join("/b").unwrap().https, "relative on http stays http (and is then refused)");
    }

    #[test]
    fn hosts_and_paths_are_taken_as_written() {
        // What `url` would rewrite like a browser is refused (as before `url` was used, except
        // `0x7f.0.0.1`, which was then taken for a DNS name).
        for bad in [
            "http://127.1/",
            "http://0x7f.0.0.1/",
            "http://2130706433/",
            "http://0/",
            "https://x%2Eorg/",
            "https://@x.org/",
            "https://:pw@x.org/",
            "https:///x.org/",
            "https:x.org/",
            "https://x.org\\@evil.org/",
            "https://x.org/a\\b",
            "https://x.org/a\tb",
            "https://x.org/\u{e9}",
            "https://x.org:/",
            "https://x.org:0443x/",
            "https://[::1/",
            &format!("https://x.org/{}", "a".repeat(MAX_PATH)),
        ] {
            assert_eq!(Url::parse(bad), None, "{bad:?} accepted");
        }
        let u = Url::parse(" https://Mail.Example.ORG.:0443/a?q=\\#frag ").unwrap();
        assert_eq!((u.host.as_str(), u.port, u.path.as_str()), ("mail.example.org", 443, "/a?q=\\"));
        let u = Url::parse("https://[0:0::1]/").unwrap();
        assert_eq!(u.to_string(), "https://[::1]/");
        // Dot segments are resolved (RFC 3986), so a path never climbs above the root.
        assert_eq!(Url::parse("http://EXAMPLE.org/a/../b").unwrap().to_string(), "http://example.org/b");
        assert_eq!(Url::parse("https://x.org/../../etc/passwd").unwrap().path, "/etc/passwd");
    }

    #[test]
    fn redirects_name_their_host_plainly() {
        let base = Url::parse("https://a.example.org/mail/config.xml?x=1").unwrap();
        assert_eq!(base.join("?y=2").unwrap().to_string(), "https://a.example.org/mail/config.xml?y=2");
        assert_eq!(base.join("../up.xml#f").unwrap().to_string(), "https://a.example.org/up.xml");
        assert_eq!(base.join("HTTPS://B.example.org:8443").unwrap().to_string(), "https://b.example.org:8443/");
        for bad in [
            "http:b.example.org/x",
            "https:///b.example.org/",
            "////b.example.org/",
            "//127.1/",
            "ftp://x.org/",
            "javascript:alert(1)",
            "/a b",
            "\\\\evil.org/",
        ] {
            assert_eq!(base.join(bad), None, "{bad:?} followed");
        }
    }

    async fn answer(raw: &[u8], max: usize) -> Result<Answer, HttpError> {
        let mut r = Reader { s: raw, buf: Vec::new(), pos: 0 };
        read_response(&mut r, max).await
    }

    fn body(a: Result<Answer, HttpError>) -> Result<Vec<u8>, HttpError> {
        a.map(|a| match a {
            Answer::Body(b) => b,
            Answer::Redirect(l) => panic!("redirect to {l}"),
        })
    }

    #[tokio::test]
    async fn bodies_by_length_chunks_and_close() {
        let r = answer(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhelloEXTRA", 100).await;
        assert_eq!(body(r).unwrap(), b"hello");
        let r = answer(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\n\r\n", 100).await;
        assert_eq!(body(r).unwrap(), b"hello world");
        let r = answer(b"HTTP/1.0 200 OK\r\n\r\nuntil the end", 100).await;
        assert_eq!(body(r).unwrap(), b"until the end");
        let r = answer(b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", 100).await;
        assert_eq!(body(r).unwrap(), b"ok");
    }

    #[tokio::test]
    async fn caps_and_errors() {
        assert_eq!(body(answer(b"HTTP/1.1 200 OK\r\nContent-Length: 500\r\n\r\n", 100).await), Err(HttpError::TooLarge(100)));
        let big = [b"HTTP/1.1 200 OK\r\n\r\n".as_slice(), &[b'x'; 300]].concat();
        assert_eq!(body(answer(&big, 100).await), Err(HttpError::TooLarge(100)));
        let chunks = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nFFFFFFFF\r\n";
        assert_eq!(body(answer(chunks, 100).await), Err(HttpError::TooLarge(100)));
        assert!(matches!(
            body(answer(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 100).await),
            Err(HttpError::Protocol(_))
        ));
        assert_eq!(body(answer(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n", 100).await), Err(HttpError::Status(404)));
        assert!(matches!(body(answer(b"HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nshort", 100).await), Err(HttpError::Protocol(_))));
        assert!(matches!(body(answer(b"SSH-2.0-OpenSSH\r\n", 100).await), Err(HttpError::Protocol(_))));
        assert!(matches!(body(answer(b"", 100).await), Err(HttpError::Protocol(_))));
        let huge_head = [b"HTTP/1.1 200 OK\r\nX: ".as_slice(), &vec![b'a'; MAX_HEAD + 10]].concat();
        assert!(matches!(body(answer(&huge_head, 100).await), Err(HttpError::Protocol(_))));
        match answer(b"HTTP/1.1 302 Found\r\nLocation: https://x.example.org/\r\n\r\n", 100).await {
            Ok(Answer::Redirect(l)) => assert_eq!(l, "https://x.example.org/"),
            _ => panic!("no redirect"),
        }
    }
}
