//! The authorization-code flow with PKCE for a native app (RFC 8252): [`start`] binds a
//! listener on 127.0.0.1 with a random port and builds the consent URL; the caller opens it in
//! the system browser (or prints it); [`Authorization::finish`] waits for the browser's
//! redirect, checks `state`, answers the browser with a short text page and exchanges the code.
//!
//! The listener is on the loopback interface only, answers only what carries our `state`, and
//! reads at most a small request head per connection with a deadline: other local programs
//! can knock, but cannot make it hang or accept a code of theirs.

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use super::token::{exchange_code, Tokens};
use super::{form, pkce, OAuthConfig, OAuthError};

/// How long a person gets to sign in in the browser.
pub const REDIRECT_WAIT: Duration = Duration::from_secs(300);
/// Per browser connection: the request head must arrive within this.
const REQUEST_WAIT: Duration = Duration::from_secs(10);
const MAX_REQUEST_HEAD: usize = 16 * 1024;

/// A sign-in in progress: open [`url`](Authorization::url) in a browser, then [`finish`].
pub struct Authorization {
    config: OAuthConfig,
    listener: TcpListener,
    url: String,
    redirect_uri: String,
    verifier: String,
    state: String,
}

/// Starts a sign-in: the listener is up before the URL is shown, so the browser can never be
/// faster than it. `login_hint` pre-fills the account at providers that read it.
pub async fn start(config: &OAuthConfig, login_hint: Option<&str>) -> Result<Authorization, OAuthError> {
    config.validate()?;
    let listener = TcpListener::bind(("127.0.0.1", 0)).await.map_err(|e| OAuthError::Listener(e.to_string()))?;
    let port = listener.local_addr().map_err(|e| OAuthError::Listener(e.to_string()))?.port();
    let redirect_uri = format!("http://127.0.0.1:{port}/");
    let verifier = pkce::verifier();
    let state = pkce::state();
    let challenge = pkce::challenge(&verifier);
    let scope = config.scopes.join(" ");
    let mut fields = vec![
        ("response_type", "code"),
        ("client_id", config.client_id.as_str()),
        ("redirect_uri", redirect_uri.as_str()),
        ("scope", scope.as_str()),
        ("state", state.as_str()),
        ("code_challenge", challenge.as_str()),
        ("code_challenge_method", "S256"),
    ];
    if let Some(hint) = login_hint.filter(|h| !h.is_empty()) {
        fields.push(("login_hint", hint));
    }
    // Google hands out a refresh token only when asked for offline access.
    if config.provider == "gmail" {
        fields.push(("access_type", "offline"));
        fields.push(("prompt", "consent"));
    }
    let sep = if config.authorize_url.contains('?') { '&' } else { '?' };
    let url = format!("{}{sep}{}", config.authorize_url, form::encode(&fields));
    Ok(Authorization { config: config.clone(), listener, url, redirect_uri, verifier, state })
}

impl Authorization {
    /// The consent page to open in the browser.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Waits (at most `wait`) for the browser to come back, then exchanges the code.
    pub async fn finish(self, wait: Duration) -> Result<Tokens, OAuthError> {
        let code = match tokio::time::timeout(wait, self.wait_for_code()).await {
            Ok(r) => r?,
            Err(_) => return Err(OAuthError::TimedOut(wait.as_secs())),
        };
        let tokens = exchange_code(&self.config, &code, &self.verifier, &self.redirect_uri).await?;
        if tokens.refresh_token.is_none() {
            return Err(OAuthError::BadAnswer("the provider gave no refresh token, so Mailbell could not stay signed in".into()));
        }
        Ok(tokens)
    }

    async fn wait_for_code(&self) -> Result<String, OAuthError> {
        loop {
            let (stream, _) = self.listener.accept().await.map_err(|e| OAuthError::Listener(e.to_string()))?;
            match tokio::time::timeout(REQUEST_WAIT, self.answer(stream)).await {
                Ok(Some(outcome)) => return outcome,
                Ok(None) | Err(_) => continue, // not our redirect (favicon, a stray knock, a slow client)
            }
        }
    }

    /// Reads one request; `Some` when it was the redirect carrying our state.
    async fn answer(&self, mut stream: TcpStream) -> Option<Result<String, OAuthError>> {
        let head = read_head(&mut stream).await?;
        let Some((path, params)) = request_target(&head) else {
            reply(&mut stream, "400 Bad Request", "Not a GET request.").await;
            return None;
        };
        let get = |k: &str| params.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
        if path != "/" || get("state").as_deref() != Some(self.state.as_str()) {
            reply(&mut stream, "404 Not Found", "Nothing here.").await;
            return None;
        }
        if let Some(error) = get("error") {
            let description = get("error_description");
            reply(&mut stream, "200 OK", "Mailbell was not signed in: the sign-in was refused or cancelled. You can close this window.")
                .await;
            return Some(Err(OAuthError::Denied { error, description }));
        }
        match get("code").filter(|c| !c.is_empty()) {
            Some(code) => {
                reply(&mut stream, "200 OK", "Mailbell is signed in. You can close this window and return to Mailbell.").await;
                Some(Ok(code))
            }
            None => {
                reply(&mut stream, "400 Bad Request", "The answer carries no code.").await;
                Some(Err(OAuthError::BadAnswer("the browser came back without a code".into())))
            }
        }
    }
}

/// The path and query parameters of a `GET` request head.
pub(crate) fn request_target(head: &str) -> Option<(String, Vec<(String, String)>)> {
    let target = head.lines().next()?.strip_prefix("GET ")?.split(' ').next()?;
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    Some((path.to_string(), form::decode(query)))
}

async fn read_head(stream: &mut TcpStream) -> Option<String> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 2048];
    while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 || buf.len() + n > MAX_REQUEST_HEAD {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    String::from_utf8(buf).ok()
}

/// A plain-text page: nothing of the request is echoed back.
async fn reply(stream: &mut TcpStream, status: &str, text: &str) {
    let response = format!(
        "HTTP/1.1 {status}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: {}\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n{text}",
        text.len()
    );
    let _ = stream.write_all(response.as_bytes()).await;
    let _ = stream.shutdown().await;
}

#[cfg(test)]
mod tests {
    use super::super::tests::config;
    use super::*;

    async fn get(url: &str) -> String {
        let rest = url.strip_prefix("http://").expect("http");
        let (authority, path) = rest.split_at(rest.find('/').expect("path"));
        let mut s = TcpStream::connect(authority).await.expect("connect");
        s.write_all(format!("GET {path} HTTP/1.1\r\nHost: {authority}\r\n\r\n").as_bytes()).await.expect("write");
        let mut out = String::new();
        s.read_to_string(&mut out).await.expect("read");
        out
    }

    fn param(url: &str, name: &str) -> String {
        let query = url.split_once('?').expect("query").1;
        form::decode(query).into_iter().find(|(k, _)| k == name).map(|(_, v)| v).expect(name)
    }

    #[tokio::test]
    async fn the_url_carries_pkce_and_state_and_the_listener_ignores_strangers() {
        let a = start(&config("http://127.0.0.1:9"), Some("alice@example.org")).await.expect("start");
        let url = a.url().to_string();
        assert!(url.starts_with("http://127.0.0.1:9/authorize?response_type=code&client_id=mailbell&"), "{url}");
        assert_eq!(param(&url, "code_challenge"), pkce::challenge(&a.verifier));
        assert_eq!(param(&url, "code_challenge_method"), "S256");
        assert_eq!(param(&url, "login_hint"), "alice@example.org");
        let redirect = param(&url, "redirect_uri");
        assert!(redirect.starts_with("http://127.0.0.1:") && redirect.ends_with('/'), "{redirect}");
        let state = param(&url, "state");

        let waiting = tokio::spawn(async move { tokio::time::timeout(Duration::from_secs(10), a.wait_for_code()).await });
        // A stranger without our state, a favicon request: answered 404, the wait goes on.
        assert!(get(&format!("{redirect}?code=evil&state=guess")).await.starts_with("HTTP/1.1 404"));
        assert!(get(&format!("{redirect}favicon.ico")).await.starts_with("HTTP/1.1 404"));
        let page = get(&format!("{redirect}?code=the-code&state={state}")).await;
        assert!(page.starts_with("HTTP/1.1 200") && page.contains("signed in"), "{page}");
        let code = waiting.await.expect("join").expect("in time").expect("code");
        assert_eq!(code, "the-code");
    }

    #[tokio::test]
    async fn a_refusal_in_the_browser_is_reported_with_its_words() {
        let a = start(&config("http://127.0.0.1:9"), None).await.expect("start");
        let (redirect, state) = (param(a.url(), "redirect_uri"), param(a.url(), "state"));
        let waiting = tokio::spawn(async move { a.wait_for_code().await });
        get(&format!("{redirect}?error=access_denied&error_description=The+user+said+no&state={state}")).await;
        let e = waiting.await.expect("join").expect_err("denied");
        assert_eq!(e.to_string(), "the sign-in was refused (access_denied): The user said no");
    }

    #[tokio::test]
    async fn nobody_coming_back_times_out() {
        let a = start(&config("http://127.0.0.1:9"), None).await.expect("start");
        let e = a.finish(Duration::from_millis(200)).await.expect_err("timeout");
        assert!(matches!(e, OAuthError::TimedOut(_)), "{e:?}");
    }
}
