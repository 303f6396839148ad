//! The token endpoint (RFC 6749 §4.1.3 code exchange, §6 refresh) and revocation (RFC 7009).
//! Answers are untrusted: bodies are capped, and only the fields used are read.

use std::time::{Duration, Instant};

use serde::Deserialize;

use super::{form, OAuthConfig, OAuthError};
use crate::net::dns::Dns;
use crate::net::http::{post_form, Fetch, HttpError};

/// Per request to the provider.
const HTTP_TIMEOUT: Duration = Duration::from_secs(20);
/// A token answer is a few KiB at most.
const MAX_ANSWER: usize = 64 * 1024;

/// What the token endpoint gave. Debug never shows the tokens.
#[derive(Clone)]
pub struct Tokens {
    pub access_token: String,
    /// A new refresh token, when the provider issued (or rotated) one.
    pub refresh_token: Option<String>,
    /// When the access token stops working, by the provider's word (`expires_in`).
    pub expires_at: Option<Instant>,
}

impl std::fmt::Debug for Tokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tokens")
            .field("refresh_token", &self.refresh_token.as_ref().map(|_| "…"))
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

#[derive(Deserialize)]
struct TokenAnswer {
    access_token: String,
    #[serde(default)]
    token_type: Option<String>,
    #[serde(default)]
    expires_in: Option<serde_json::Value>,
    #[serde(default)]
    refresh_token: Option<String>,
}

#[derive(Deserialize)]
struct ErrorAnswer {
    error: String,
    #[serde(default)]
    error_description: Option<String>,
}

/// Exchanges the code the browser brought back for tokens.
pub(crate) async fn exchange_code(cfg: &OAuthConfig, code: &str, verifier: &str, redirect_uri: &str) -> Result<Tokens, OAuthError> {
    let mut fields = vec![
        ("grant_type", "authorization_code"),
        ("code", code),
        ("redirect_uri", redirect_uri),
        ("client_id", cfg.client_id.as_str()),
        ("code_verifier", verifier),
    ];
    if let Some(secret) = cfg.client_secret.as_deref() {
        fields.push(("client_secret", secret));
    }
    token_request(cfg, &fields, false).await
}

/// A fresh access token from the refresh token. `invalid_grant` (expired, revoked, password
/// changed) is [`OAuthError::SignInAgain`]: only the user can fix it.
pub async fn refresh(cfg: &OAuthConfig, refresh_token: &str) -> Result<Tokens, OAuthError> {
    cfg.validate()?;
    let scope = cfg.scopes.join(" ");
    let mut fields = vec![("grant_type", "refresh_token"), ("refresh_token", refresh_token), ("client_id", cfg.client_id.as_str())];
    if !scope.is_empty() {
        fields.push(("scope", scope.as_str()));
    }
    if let Some(secret) = cfg.client_secret.as_deref() {
        fields.push(("client_secret", secret));
    }
    token_request(cfg, &fields, true).await
}

/// Revokes a token where the provider has a revocation endpoint (RFC 7009). Returns whether
/// a revocation was asked for.
pub async fn revoke(cfg: &OAuthConfig, token: &str) -> Result<bool, OAuthError> {
    let Some(url) = cfg.revoke_url.as_deref() else { return Ok(false) };
    cfg.validate()?;
    let mut fields = vec![("token", token), ("token_type_hint", "refresh_token"), ("client_id", cfg.client_id.as_str())];
    if let Some(secret) = cfg.client_secret.as_deref() {
        fields.push(("client_secret", secret));
    }
    let (status, body) = post(url, &form::encode(&fields)).await?;
    match status {
        200..=299 => Ok(true),
        _ => Err(error_of(status, &body, false)),
    }
}

async fn post(url: &str, body: &str) -> Result<(u16, Vec<u8>), OAuthError> {
    let dns = Dns::new(None, HTTP_TIMEOUT).map_err(|e| OAuthError::Unreachable { url: url.to_string(), detail: e })?;
    let how = Fetch { timeout: HTTP_TIMEOUT, max_body: MAX_ANSWER, ca_file: None, dns: &dns };
    post_form(url, body, &how).await.map_err(|e: HttpError| OAuthError::Unreachable { url: url.to_string(), detail: e.to_string() })
}

async fn token_request(cfg: &OAuthConfig, fields: &[(&str, &str)], refreshing: bool) -> Result<Tokens, OAuthError> {
    let (status, body) = post(&cfg.token_url, &form::encode(fields)).await?;
    read_answer(status, &body, refreshing)
}

/// The tokens of a token endpoint's answer, or why there are none.
pub(crate) fn read_answer(status: u16, body: &[u8], refreshing: bool) -> Result<Tokens, OAuthError> {
    if !(200..300).contains(&status) {
        return Err(error_of(status, body, refreshing));
    }
    let answer: TokenAnswer =
        serde_json::from_slice(body).map_err(|e| OAuthError::BadAnswer(format!("the token answer is not the expected JSON ({e})")))?;
    if answer.access_token.is_empty() {
        return Err(OAuthError::BadAnswer("the token answer has an empty access_token".into()));
    }
    if let Some(t) = answer.token_type.as_deref() {
        if !t.eq_ignore_ascii_case("bearer") {
            return Err(OAuthError::BadAnswer(format!("token type {:?} is not Bearer", t.chars().take(40).collect::<String>())));
        }
    }
    // Some providers send the number as a string.
    let expires_in = match &answer.expires_in {
        Some(serde_json::Value::Number(n)) => n.as_u64(),
        Some(serde_json::Value::String(s)) => s.trim().parse().ok(),
        _ => None,
    };
    Ok(Tokens {
        access_token: answer.access_token,
        refresh_token: answer.refresh_token.filter(|t| !t.is_empty()),
        expires_at: expires_in.map(|s| Instant::now() + Duration::from_secs(s.min(366 * 24 * 3600))),
    })
}

/// The RFC 6749 §5.2 error of a refused request, or the status when the body says nothing.
fn error_of(status: u16, body: &[u8], refreshing: bool) -> OAuthError {
    let (error, description) = match serde_json::from_slice::<ErrorAnswer>(body) {
        Ok(e) => (e.error, e.error_description.map(|d| d.chars().filter(|c| !c.is_control()).take(300).collect())),
        Err(_) => (format!("HTTP status {status}"), None),
    };
    if refreshing && error == "invalid_grant" {
        OAuthError::SignInAgain { error, description }
    } else {
        OAuthError::Refused { error, description }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_are_read_from_the_json_and_invalid_grant_on_refresh_means_sign_in_again() {
        let body = br#"{"error":"invalid_grant","error_description":"Token has been expired or revoked."}"#;
        let e = error_of(400, body, true);
        assert!(e.needs_sign_in(), "{e:?}");
        assert_eq!(
            e.to_string(),
            "the sign-in has expired or was revoked (invalid_grant: Token has been expired or revoked.): sign in again"
        );
        assert!(!error_of(400, body, false).needs_sign_in(), "a bad code is not a reason to sign in again later");
        assert_eq!(error_of(502, b"<html>", true).to_string(), "the sign-in server refused the request (HTTP status 502)");
    }

    #[test]
    fn answers_are_read_strictly() {
        let t =
            read_answer(200, br#"{"access_token":"a","token_type":"bearer","expires_in":"3600","refresh_token":""}"#, false).expect("ok");
        assert!(t.expires_at.is_some() && t.refresh_token.is_none(), "an empty refresh token is none");
        assert!(read_answer(200, br#"{"access_token":"a","token_type":"mac"}"#, false).is_err());
        assert!(read_answer(200, br#"{"access_token":""}"#, false).is_err());
        assert!(read_answer(200, b"<html>", false).is_err());
        let t = read_answer(200, br#"{"access_token":"a","expires_in":1e300}"#, false).expect("odd number");
        assert!(t.expires_at.is_none(), "a number that is not a u64 means no known expiry");
    }

    #[test]
    fn tokens_never_show_in_debug() {
        let t = Tokens { access_token: "ya29.secret".into(), refresh_token: Some("1//refresh".into()), expires_at: None };
        let s = format!("{t:?}");
        assert!(!s.contains("secret") && !s.contains("refresh\""), "{s}");
        assert!(!s.contains("1//refresh"), "{s}");
    }
}
