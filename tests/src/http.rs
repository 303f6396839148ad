//! A small HTTP/1.1 server (plain or TLS) and client for loopback tests, on std threads.
//!
//! The server answers each request either from canned routes ([`HttpServer::route`]) or from a
//! handler function ([`HttpServer::with_handler`]); routes win. It reads a request head and a
//! `Content-Length` body (no chunked request bodies: they get `411`), answers
//! `Expect: 100-continue`, and closes the connection after every answer (`Connection: close`),
//! which every client must accept. One thread per connection; Drop stops accepting and waits
//! for the accept loop to end, so the port is closed when Drop returns.
//!
//! The client ([`get`], [`post_form`]) speaks plain `http://` only, one request per connection,
//! and reads `Content-Length`, chunked, or until-close bodies. Both sides are for tests: no
//! limits beyond a 64 KiB head and 10 s read timeouts.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};

use crate::Dovecot;

const MAX_HEAD: usize = 64 * 1024;
const READ_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a [`Reply::Stall`] holds its connection at most (Drop ends it sooner).
const STALL_FOR: Duration = Duration::from_secs(30);

/// One request as the server received it.
#[derive(Debug, Clone)]
pub struct HttpRequest {
    pub method: String,
    /// Path and query, as sent (`/authorize?client_id=..`).
    pub target: String,
    /// Header names as sent; look them up with [`HttpRequest::header`].
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl HttpRequest {
    /// The target without its query.
    pub fn path(&self) -> &str {
        self.target.split('?').next().unwrap_or("/")
    }

    /// The decoded query parameters, in order.
    pub fn query(&self) -> Vec<(String, String)> {
        match self.target.split_once('?') {
            Some((_, q)) => decode_form(q.as_bytes()),
            None => Vec::new(),
        }
    }

    /// The decoded `application/x-www-form-urlencoded` body, in order.
    pub fn form(&self) -> Vec<(String, String)> {
        decode_form(&self.body)
    }

    /// The first header of that name (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        header(&self.headers, name)
    }
}

/// What the server answers.
#[derive(Debug, Clone)]
pub enum Reply {
    /// 200, `text/xml`, with Content-Length.
    Xml(String),
    /// 200, `text/xml`, chunked transfer encoding in 1000-byte chunks.
    Chunked(String),
    /// 200 without a length, the body delimited by closing the connection.
    UntilClose(Vec<u8>),
    /// That status with an empty body.
    Status(u16),
    /// 302 to that location.
    Redirect(String),
    /// Read the request, never answer (until Drop or 30 s).
    Stall,
    /// Any status, extra headers, and a body (Content-Length and Connection are added).
    Full { status: u16, headers: Vec<(String, String)>, body: Vec<u8> },
}

impl Reply {
    /// `text/plain; charset=utf-8`.
    pub fn text(status: u16, body: impl Into<String>) -> Reply {
        Reply::Full { status, headers: vec![("Content-Type".into(), "text/plain; charset=utf-8".into())], body: body.into().into_bytes() }
    }

    /// `application/json`, not cacheable (as RFC 6749 wants for token answers).
    pub fn json(status: u16, value: &serde_json::Value) -> Reply {
        Reply::Full {
            status,
            headers: vec![
                ("Content-Type".into(), "application/json".into()),
                ("Cache-Control".into(), "no-store".into()),
                ("Pragma".into(), "no-cache".into()),
            ],
            body: value.to_string().into_bytes(),
        }
    }
}

type Handler = dyn Fn(&HttpRequest) -> Reply + Send + Sync;
type Routes = Mutex<Vec<(String, Reply)>>;

struct Shared {
    routes: Routes,
    handler: Option<Box<Handler>>,
    requests: Mutex<Vec<String>>,
    stop: AtomicBool,
}

/// A running server on 127.0.0.1 and a random port.
pub struct HttpServer {
    addr: SocketAddr,
    https: bool,
    shared: Arc<Shared>,
    accept_thread: Option<JoinHandle<()>>,
}

impl HttpServer {
    /// Plain HTTP with routes only (everything else is 404).
    pub fn start() -> anyhow::Result<HttpServer> {
        HttpServer::start_inner(None, None)
    }

    /// HTTPS with the test Dovecot's identity (certificate for localhost and 127.0.0.1, signed
    /// by [`Dovecot::ca_cert_path`]); routes only.
    pub fn start_tls(dovecot: &Dovecot) -> anyhow::Result<HttpServer> {
        let cert = std::fs::read(dovecot.server_cert_path()).context("reading the server cert")?;
        let key = std::fs::read(dovecot.server_key_path()).context("reading the server key")?;
        let identity = native_tls::Identity::from_pkcs8(&cert, &key).context("building the TLS identity")?;
        let acceptor = native_tls::TlsAcceptor::new(identity).context("TLS acceptor")?;
        HttpServer::start_inner(Some(Arc::new(acceptor)), None)
    }

    /// Plain HTTP answering every request without a matching route through `handler`.
    pub fn with_handler(handler: impl Fn(&HttpRequest) -> Reply + Send + Sync + 'static) -> anyhow::Result<HttpServer> {
        HttpServer::start_inner(None, Some(Box::new(handler)))
    }

    fn start_inner(tls: Option<Arc<native_tls::TlsAcceptor>>, handler: Option<Box<Handler>>) -> anyhow::Result<HttpServer> {
        let listener = TcpListener::bind("127.0.0.1:0").context("binding the HTTP test server")?;
        let addr = listener.local_addr().context("address of the HTTP test server")?;
        let shared = Arc::new(Shared { routes: Mutex::default(), handler, requests: Mutex::default(), stop: AtomicBool::new(false) });
        let https = tls.is_some();
        let accept_shared = Arc::clone(&shared);
        let accept_thread = std::thread::Builder::new()
            .name(format!("http-test-{}", addr.port()))
            .spawn(move || accept_loop(&listener, &accept_shared, tls))
            .context("spawning the HTTP accept thread")?;
        Ok(HttpServer { addr, https, shared, accept_thread: Some(accept_thread) })
    }

    /// Answers requests for exactly this path (query ignored) with `reply`; the first route
    /// added for a path wins.
    pub fn route(&self, path: &str, reply: Reply) {
        lock(&self.shared.routes).push((path.to_string(), reply));
    }

    /// `http://127.0.0.1:<port><path>`, or `https://localhost:<port><path>` for TLS (the
    /// certificate's name).
    pub fn url(&self, path: &str) -> String {
        if self.https {
            format!("https://localhost:{}{path}", self.addr.port())
        } else {
            format!("http://127.0.0.1:{}{path}", self.addr.port())
        }
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Request targets (path and query) received so far, in order.
    pub fn requests(&self) -> Vec<String> {
        lock(&self.shared.requests).clone()
    }
}

impl Drop for HttpServer {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        // Wakes the accept loop, which then sees the flag and drops the listener.
        let _ = TcpStream::connect(self.addr);
        if let Some(thread) = self.accept_thread.take() {
            let _ = thread.join();
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // A handler that panicked must not take every later request down with it.
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn accept_loop(listener: &TcpListener, shared: &Arc<Shared>, tls: Option<Arc<native_tls::TlsAcceptor>>) {
    for conn in listener.incoming() {
        if shared.stop.load(Ordering::SeqCst) {
            break;
        }
        let Ok(conn) = conn else { continue };
        let (shared, tls) = (Arc::clone(shared), tls.clone());
        std::thread::spawn(move || {
            let _ = conn.set_read_timeout(Some(READ_TIMEOUT));
            match tls {
                Some(acceptor) => {
                    if let Ok(stream) = acceptor.accept(conn) {
                        serve(stream, &shared);
                    }
                }
                None => serve(conn, &shared),
            }
        });
    }
}

fn serve<S: Read + Write>(mut s: S, shared: &Shared) {
    let Some(request) = read_request(&mut s) else {
        return;
    };
    lock(&shared.requests).push(request.target.clone());
    let route = lock(&shared.routes).iter().find(|(p, _)| p == request.path()).map(|(_, r)| r.clone());
    let reply = match (route, &shared.handler) {
        (Some(reply), _) => reply,
        (None, Some(handler)) => handler(&request),
        (None, None) => Reply::Status(404),
    };
    let out = match reply {
        Reply::Xml(body) => full(200, &[("Content-Type".into(), "text/xml".into())], body.as_bytes()),
        Reply::Chunked(body) => {
            let mut o = b"HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n".to_vec();
            for chunk in body.as_bytes().chunks(1000) {
                o.extend_from_slice(format!("{:x}\r\n", chunk.len()).as_bytes());
                o.extend_from_slice(chunk);
                o.extend_from_slice(b"\r\n");
            }
            o.extend_from_slice(b"0\r\n\r\n");
            o
        }
        Reply::UntilClose(body) => [b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n".as_slice(), &body].concat(),
        Reply::Status(code) => full(code, &[], b""),
        Reply::Redirect(to) => full(302, &[("Location".into(), to)], b""),
        Reply::Full { status, headers, body } => full(status, &headers, &body),
        Reply::Stall => {
            let until = Instant::now() + STALL_FOR;
            while !shared.stop.load(Ordering::SeqCst) && Instant::now() < until {
                std::thread::sleep(Duration::from_millis(20));
            }
            return;
        }
    };
    let _ = s.write_all(&out);
    let _ = s.flush();
}

fn full(status: u16, headers: &[(String, String)], body: &[u8]) -> Vec<u8> {
    let mut head = format!("HTTP/1.1 {status} {}\r\n", reason(status));
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str(&format!("Content-Length: {}\r\nConnection: close\r\n\r\n", body.len()));
    [head.as_bytes(), body].concat()
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        302 => "Found",
        400 => "Bad Request",
        401 => "Unauthorized",
        404 => "Not Found",
        405 => "Method Not Allowed",
        411 => "Length Required",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        _ => "Whatever",
    }
}

/// Reads a request head and its Content-Length body; `None` on EOF, garbage or a timeout.
/// Chunked bodies are answered with 411 here.
fn read_request<S: Read + Write>(s: &mut S) -> Option<HttpRequest> {
    let (head, mut rest) = read_head(s)?;
    let text = String::from_utf8_lossy(&head).into_owned();
    let mut lines = text.split("\r\n");
    let mut first = lines.next()?.split_whitespace();
    let (method, target) = (first.next()?.to_string(), first.next()?.to_string());
    let headers = parse_headers(lines);
    if header(&headers, "transfer-encoding").is_some() {
        let _ = s.write_all(&full(411, &[], b""));
        return None;
    }
    let length: usize = match header(&headers, "content-length") {
        Some(v) => v.trim().parse().ok()?,
        None => 0,
    };
    if length > 0 && rest.is_empty() && header(&headers, "expect").is_some_and(|v| v.eq_ignore_ascii_case("100-continue")) {
        s.write_all(b"HTTP/1.1 100 Continue\r\n\r\n").ok()?;
    }
    let mut buf = [0u8; 4096];
    while rest.len() < length {
        match s.read(&mut buf) {
            Ok(0) | Err(_) => return None,
            Ok(n) => rest.extend_from_slice(&buf[..n]),
        }
    }
    rest.truncate(length);
    Some(HttpRequest { method, target, headers, body: rest })
}

/// Reads up to the blank line ending a head; returns the head (without the blank line) and
/// whatever was read after it.
fn read_head<S: Read>(s: &mut S) -> Option<(Vec<u8>, Vec<u8>)> {
    let mut data = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        if let Some(end) = data.windows(4).position(|w| w == b"\r\n\r\n") {
            let rest = data.split_off(end + 4);
            data.truncate(end);
            return Some((data, rest));
        }
        if data.len() > MAX_HEAD {
            return None;
        }
        match s.read(&mut buf) {
            Ok(0) | Err(_) => return None,
            Ok(n) => data.extend_from_slice(&buf[..n]),
        }
    }
}

fn parse_headers<'a>(lines: impl Iterator<Item = &'a str>) -> Vec<(String, String)> {
    lines.filter_map(|l| l.split_once(':')).map(|(n, v)| (n.trim().to_string(), v.trim().to_string())).collect()
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
}

fn decode_form(bytes: &[u8]) -> Vec<(String, String)> {
    form_urlencoded::parse(bytes).into_owned().collect()
}

/// `application/x-www-form-urlencoded` of these pairs (also right for a URL query).
pub fn encode_form(pairs: &[(&str, &str)]) -> String {
    form_urlencoded::Serializer::new(String::new()).extend_pairs(pairs).finish()
}

/// The value of the first query parameter `name` of a URL (decoded).
pub fn query_param(url: &str, name: &str) -> Option<String> {
    let query = url.split_once('?')?.1;
    let query = query.split('#').next().unwrap_or(query);
    decode_form(query.as_bytes()).into_iter().find(|(k, _)| k == name).map(|(_, v)| v)
}

// ---------------------------------------------------------------------------------------
// Client.

/// A response as the client read it.
#[derive(Debug, Clone)]
pub struct HttpResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl HttpResponse {
    /// The first header of that name (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        header(&self.headers, name)
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The body as JSON; an error (with the body) if it is not.
    pub fn json(&self) -> anyhow::Result<serde_json::Value> {
        serde_json::from_slice(&self.body).with_context(|| format!("HTTP {} body is not JSON: {}", self.status, self.text()))
    }
}

/// `GET url` (plain `http://` only); does not follow redirects.
pub fn get(url: &str) -> anyhow::Result<HttpResponse> {
    request("GET", url, None)
}

/// `POST url` with an `application/x-www-form-urlencoded` body of `pairs`.
pub fn post_form(url: &str, pairs: &[(&str, &str)]) -> anyhow::Result<HttpResponse> {
    request("POST", url, Some(encode_form(pairs)))
}

fn request(method: &str, url: &str, form: Option<String>) -> anyhow::Result<HttpResponse> {
    let Some(rest) = url.strip_prefix("http://") else {
        bail!("the test HTTP client speaks plain http:// only, not {url}");
    };
    let (authority, target) = match rest.find(['/', '?']) {
        Some(i) => (&rest[..i], rest[i..].to_string()),
        None => (rest, "/".to_string()),
    };
    let target = if target.starts_with('?') { format!("/{target}") } else { target };
    let target = target.split('#').next().unwrap_or("/").to_string();
    let addr = if authority.contains(':') { authority.to_string() } else { format!("{authority}:80") };
    let mut stream = TcpStream::connect(&addr).with_context(|| format!("connecting to {addr}"))?;
    stream.set_read_timeout(Some(READ_TIMEOUT))?;
    let mut out = format!("{method} {target} HTTP/1.1\r\nHost: {authority}\r\nConnection: close\r\n");
    let body = form.unwrap_or_default();
    if method == "POST" {
        out.push_str("Content-Type: application/x-www-form-urlencoded\r\n");
        out.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    out.push_str("\r\n");
    out.push_str(&body);
    stream.write_all(out.as_bytes()).with_context(|| format!("sending {method} {url}"))?;
    read_response(&mut stream).with_context(|| format!("reading the answer to {method} {url}"))
}

fn read_response<S: Read>(s: &mut S) -> anyhow::Result<HttpResponse> {
    let (head, mut body) = read_head(s).context("no complete response head")?;
    let text = String::from_utf8_lossy(&head).into_owned();
    let mut lines = text.split("\r\n");
    let status_line = lines.next().unwrap_or_default();
    let status: u16 =
        status_line.split_whitespace().nth(1).and_then(|c| c.parse().ok()).with_context(|| format!("bad status line {status_line:?}"))?;
    let headers = parse_headers(lines);
    let length = header(&headers, "content-length").and_then(|v| v.trim().parse::<usize>().ok());
    let mut buf = [0u8; 4096];
    loop {
        if length.is_some_and(|n| body.len() >= n) {
            break;
        }
        match s.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => body.extend_from_slice(&buf[..n]),
            Err(err) => return Err(err).context("reading the response body"),
        }
    }
    if let Some(n) = length {
        if body.len() < n {
            bail!("response body ended after {} of {n} bytes", body.len());
        }
        body.truncate(n);
    } else if header(&headers, "transfer-encoding").is_some_and(|v| v.contains("chunked")) {
        body = dechunk(&body).context("bad chunked body")?;
    }
    Ok(HttpResponse { status, headers, body })
}

fn dechunk(mut data: &[u8]) -> anyhow::Result<Vec<u8>> {
    let mut out = Vec::new();
    loop {
        let line_end = data.windows(2).position(|w| w == b"\r\n").context("chunk size line")?;
        let size_text = String::from_utf8_lossy(&data[..line_end]);
        let size_text = size_text.split(';').next().unwrap_or_default().trim();
        let size = usize::from_str_radix(size_text, 16).context("chunk size")?;
        data = &data[line_end + 2..];
        if size == 0 {
            return Ok(out);
        }
        if data.len() < size + 2 {
            bail!("chunk of {size} bytes is cut short");
        }
        out.extend_from_slice(&data[..size]);
        data = &data[size + 2..];
    }
}
