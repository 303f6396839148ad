//! The built-in table of big providers: their IMAP server, and what a user must do before a
//! mail program may log in (an app password, OAuth, switching IMAP on, a bridge).
//!
//! It depends on nothing but the engine's vocabulary (`model`): discovery, sign-in and the live
//! test all read it, so it must not read them. Quirk names are spelled out as strings; the
//! tests check each against `quirks::KNOWN`.
//!
//! The table is data, checked by the tests below; the lookup is by the address's domain (for
//! discovery) or by the server's host (for the live test's advice).

use serde::Serialize;

use crate::model::{OAuthConfig, Security};

/// The login name a provider expects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UsernameForm {
    /// The whole address.
    Address,
    /// The part before the @ (iCloud documents this; the whole address often works too).
    LocalPart,
}

/// What a user must do before a mail program may log in with a password.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub enum Access {
    /// The ordinary password works (IMAP may have to be switched on in the web settings).
    Password,
    /// An app password made in the account's security settings; the ordinary password is refused.
    AppPassword,
    /// Only OAuth2: no password is accepted at all.
    OAuth,
    /// A local bridge program translates; its own generated password is the one to use.
    Bridge,
}

#[derive(Debug, Clone, Copy)]
pub struct Provider {
    /// Stable identifier, e.g. `gmail`.
    pub id: &'static str,
    /// Name to show.
    pub name: &'static str,
    /// Address domains served (exact match).
    pub domains: &'static [&'static str],
    pub host: &'static str,
    pub port: u16,
    pub security: Security,
    pub username: UsernameForm,
    pub access: Access,
    /// What the user must know or do, in one or two sentences.
    pub note: &'static str,
    pub help_url: &'static str,
    /// Named quirks (see `quirks::KNOWN`) to switch on for accounts of this provider.
    pub quirks: &'static [&'static str],
    /// Server host names (or their suffixes) that belong to this provider, for advice after a
    /// failed login when only the host is known.
    pub host_suffixes: &'static [&'static str],
    /// The provider's OAuth2 endpoints and IMAP scope, where it signs mail programs in so.
    pub oauth: Option<ProviderOAuth>,
    /// How many simultaneous connections Mailbell may hold to this provider for one account,
    /// the pass's own included (IDLE companions fill the rest). Set below the provider's
    /// per-account limit, which the user's phone, webmail and other programs share: going
    /// over gets *their* logins refused too. `None`: [`DEFAULT_CONNECTION_BUDGET`].
    pub connection_budget: Option<u16>,
    /// The provider's webmail, for "Open in" (`open_in.rs`); `None`: it has none worth opening.
    pub webmail: Option<Webmail>,
}

/// Where a provider's webmail shows mail. Both are https; `message` holds `{message_id}`, the
/// percent-encoded Message-ID without its angle brackets (see `open_in::webmail_url`).
#[derive(Debug, Clone, Copy)]
pub struct Webmail {
    /// The inbox: what opens when no page of one message exists.
    pub inbox: &'static str,
    /// A page that finds one message by its Message-ID, where the provider has one.
    pub message: Option<&'static str>,
}

/// Connections per account on a server the table does not know: the pass's own, IDLE on
/// INBOX and IDLE on one more folder. Small, because many self-hosted and ISP servers cap
/// connections per user and address low (Dovecot's default is 10 per user and address,
/// shared by every client behind one NAT).
pub const DEFAULT_CONNECTION_BUDGET: u16 = 3;

/// A provider's OAuth2 endpoints. No client id: a client must be registered with the provider
/// for Mailbell by whoever distributes it, and is given in settings (see `oauth_config`).
#[derive(Debug, Clone, Copy)]
pub struct ProviderOAuth {
    pub authorize_url: &'static str,
    pub token_url: &'static str,
    pub revoke_url: Option<&'static str>,
    pub scopes: &'static [&'static str],
}

const GOOGLE_OAUTH: ProviderOAuth = ProviderOAuth {
    authorize_url: "https://accounts.google.com/o/oauth2/v2/auth",
    token_url: "https://oauth2.googleapis.com/token",
    revoke_url: Some("https://oauth2.googleapis.com/revoke"),
    scopes: &["https://mail.google.com/"],
};

const MICROSOFT_OAUTH: ProviderOAuth = ProviderOAuth {
    authorize_url: "https://login.microsoftonline.com/common/oauth2/v2.0/authorize",
    token_url: "https://login.microsoftonline.com/common/oauth2/v2.0/token",
    revoke_url: None,
    scopes: &["https://outlook.office.com/IMAP.AccessAsUser.All", "offline_access"],
};

impl Provider {
    /// The OAuth2 settings for this provider with `client_id`, when it signs in with OAuth2.
    pub fn oauth_config(&self, client_id: &str) -> Option<OAuthConfig> {
        let o = self.oauth?;
        Some(OAuthConfig {
            provider: self.id.to_string(),
            authorize_url: o.authorize_url.to_string(),
            token_url: o.token_url.to_string(),
            revoke_url: o.revoke_url.map(str::to_string),
            scopes: o.scopes.iter().map(|s| s.to_string()).collect(),
            client_id: client_id.to_string(),
            client_secret: None,
        })
    }
}

/// The provider of this id in the table.
pub fn by_id(id: &str) -> Option<&'static Provider> {
    PROVIDERS.iter().find(|p| p.id == id)
}

/// The providers, in no particular order: lookups are by exact domain.
pub const PROVIDERS: &[Provider] = &[
    Provider {
        id: "gmail",
        name: "Gmail",
        domains: &["gmail.com", "googlemail.com"],
        host: "imap.gmail.com",
        port: 993,
        security: Security::Tls,
        username: UsernameForm::Address,
        access: Access::AppPassword,
        note: "Google accepts mail programs only with an app password (which needs 2-Step Verification) or OAuth; Mailbell needs the app password, not your Google password.",
        help_url: "https://support.google.com/mail/answer/185833",
        quirks: &[],
        host_suffixes: &["gmail.com", "googlemail.com"],
        oauth: Some(GOOGLE_OAUTH),
        // Gmail allows 15 connections per account.
        connection_budget: Some(10),
        webmail: Some(Webmail { inbox: "https://mail.google.com/mail/u/0/#inbox", message: Some("https://mail.google.com/mail/u/0/#search/rfc822msgid%3A{message_id}") }),
    },
    Provider {
        id: "outlook",
        name: "Outlook.com / Microsoft 365",
        domains: &[
            "outlook.com", "outlook.de", "outlook.fr", "outlook.es", "outlook.it", "outlook.jp",
            "hotmail.com", "hotmail.co.uk", "hotmail.de", "hotmail.fr", "hotmail.it", "hotmail.es",
            "live.com", "live.co.uk", "live.de", "live.fr", "live.nl", "msn.com", "passport.com",
        ],
        host: "outlook.office365.com",
        port: 993,
        security: Security::Tls,
        username: UsernameForm::Address,
        access: Access::OAuth,
        note: "Microsoft accepts IMAP sign-in only through OAuth2, not with a password: Mailbell signs in through your browser.",
        help_url: "https://support.microsoft.com/office/pop-imap-and-smtp-settings-for-outlook-com-d088b986-291d-42b8-9564-9c414e2aa040",
        quirks: &[],
        host_suffixes: &["office365.com", "outlook.com"],
        oauth: Some(MICROSOFT_OAUTH),
        // Exchange Online allows about 20.
        connection_budget: Some(15),
        webmail: Some(Webmail { inbox: "https://outlook.live.com/mail/0/inbox", message: None }),
    },
    Provider {
        id: "yahoo",
        name: "Yahoo Mail",
        domains: &[
            "yahoo.com", "yahoo.co.uk", "yahoo.de", "yahoo.fr", "yahoo.es", "yahoo.it", "yahoo.ca",
            "yahoo.com.au", "yahoo.co.jp", "yahoo.co.in", "ymail.com", "rocketmail.com",
        ],
        host: "imap.mail.yahoo.com",
        port: 993,
        security: Security::Tls,
        username: UsernameForm::Address,
        access: Access::AppPassword,
        note: "Yahoo accepts mail programs only with an app password made in your account's security settings.",
        help_url: "https://help.yahoo.com/kb/SLN15241.html",
        quirks: &[],
        host_suffixes: &["mail.yahoo.com"],
        oauth: None,
        connection_budget: None,
        webmail: Some(Webmail { inbox: "https://mail.yahoo.com/", message: None }),
    },
    Provider {
        id: "icloud",
        name: "iCloud Mail",
        domains: &["icloud.com", "me.com", "mac.com"],
        host: "imap.mail.me.com",
        port: 993,
        security: Security::Tls,
        username: UsernameForm::LocalPart,
        access: Access::AppPassword,
        note: "iCloud needs an app-specific password (with two-factor authentication on). The user name is usually the part before the @; if that fails, try the whole address.",
        help_url: "https://support.apple.com/en-us/102654",
        quirks: &["broken-qresync"],
        host_suffixes: &["mail.me.com"],
        oauth: None,
        connection_budget: None,
        webmail: Some(Webmail { inbox: "https://www.icloud.com/mail/", message: None }),
    },
    Provider {
        id: "fastmail",
        name: "Fastmail",
        domains: &["fastmail.com", "fastmail.fm", "fastmail.net", "fastmail.org", "fastmail.de", "fastmail.to", "messagingengine.com"],
        host: "imap.fastmail.com",
        port: 993,
        security: Security::Tls,
        username: UsernameForm::Address,
        access: Access::AppPassword,
        note: "Fastmail requires an app password for every mail program.",
        help_url: "https://www.fastmail.help/hc/en-us/articles/360058752854-App-passwords",
        quirks: &[],
        host_suffixes: &["fastmail.com", "messagingengine.com"],
        oauth: None,
        connection_budget: None,
        webmail: Some(Webmail { inbox: "https://app.fastmail.com/mail/Inbox/", message: None }),
    },
    Provider {
        id: "gmx",
        name: "GMX",
        domains: &["gmx.net", "gmx.de", "gmx.at", "gmx.ch", "gmx.eu"],
        host: "imap.gmx.net",
        port: 993,
        security: Security::Tls,
        username: UsernameForm::Address,
        access: Access::Password,
        note: "Switch on \"POP3/IMAP access\" in the GMX web settings first; with two-factor authentication, use an app password.",
        help_url: "https://hilfe.gmx.net/pop-imap/einschalten.html",
        quirks: &[],
        host_suffixes: &["gmx.net"],
        oauth: None,
        connection_budget: None,
        webmail: Some(Webmail { inbox: "https://www.gmx.net/", message: None }),
    },
    Provider {
        id: "gmx-com",
        name: "GMX",
        domains: &["gmx.com", "gmx.us", "gmx.co.uk", "gmx.fr", "gmx.es"],
        host: "imap.gmx.com",
        port: 993,
        security: Security::Tls,
        username: UsernameForm::Address,
        access: Access::Password,
        note: "Switch on POP3/IMAP access in the GMX web settings first; with two-factor authentication, use an app password.",
        help_url: "https://support.gmx.com/pop-imap/imap/imap.html",
        quirks: &[],
        host_suffixes: &["gmx.com"],
        oauth: None,
        connection_budget: None,
        webmail: Some(Webmail { inbox: "https://www.gmx.com/", message: None }),
    },
    Provider {
        id: "webde",
        name: "WEB.DE",
        domains: &["web.de"],
        host: "imap.web.de",
        port: 993,
        security: Security::Tls,
        username: UsernameForm::Address,
        access: Access::Password,
        note: "Switch on \"POP3/IMAP-Abruf\" in the WEB.DE web settings first; with two-factor authentication, use an app password.",
        help_url: "https://hilfe.web.de/pop-imap/einschalten.html",
        quirks: &[],
        host_suffixes: &["web.de"],
        oauth: None,
        connection_budget: None,
        webmail: Some(Webmail { inbox: "https://web.de/", message: None }),
    },
    Provider {
        id: "mailbox-org",
        name: "mailbox.org",
        domains: &["mailbox.org"],
        host: "imap.mailbox.org",
        port: 993,
        security: Security::Tls,
        username: UsernameForm::Address,
        access: Access::Password,
        note: "Your mailbox.org password works; with two-factor authentication, use an app password.",
        help_url: "https://kb.mailbox.org/en/private/e-mail/e-mail-configuration/",
        quirks: &[],
        host_suffixes: &["mailbox.org"],
        oauth: None,
        connection_budget: None,
        webmail: Some(Webmail { inbox: "https://login.mailbox.org/", message: None }),
    },
    Provider {
        id: "posteo",
        name: "Posteo",
        domains: &["posteo.de", "posteo.net", "posteo.org", "posteo.eu", "posteo.at", "posteo.ch", "posteo.me", "posteo.us", "posteo.uk", "posteo.com"],
        host: "posteo.de",
        port: 993,
        security: Security::Tls,
        username: UsernameForm::Address,
        access: Access::Password,
        note: "Your Posteo password works; with two-factor authentication, use an app password.",
        help_url: "https://posteo.de/en/help/how-do-i-set-up-posteo-in-an-email-client-pop3-imap-and-smtp",
        quirks: &[],
        host_suffixes: &["posteo.de"],
        oauth: None,
        connection_budget: None,
        webmail: Some(Webmail { inbox: "https://posteo.de/webmail/", message: None }),
    },
    Provider {
        id: "aol",
        name: "AOL Mail",
        domains: &["aol.com", "aol.de", "aol.fr", "aol.co.uk", "aim.com", "verizon.net"],
        host: "imap.aol.com",
        port: 993,
        security: Security::Tls,
        username: UsernameForm::Address,
        access: Access::AppPassword,
        note: "AOL accepts mail programs only with an app password made on the account security page.",
        help_url: "https://help.aol.com/articles/Create-and-manage-app-password",
        quirks: &[],
        host_suffixes: &["aol.com"],
        oauth: None,
        connection_budget: None,
        webmail: Some(Webmail { inbox: "https://mail.aol.com/", message: None }),
    },
    Provider {
        id: "zoho",
        name: "Zoho Mail",
        domains: &["zoho.com", "zohomail.com"],
        host: "imap.zoho.com",
        port: 993,
        security: Security::Tls,
        username: UsernameForm::Address,
        access: Access::Password,
        note: "Switch on IMAP access in the Zoho Mail settings first; with two-factor authentication, use an application-specific password.",
        help_url: "https://www.zoho.com/mail/help/imap-access.html",
        quirks: &[],
        host_suffixes: &["zoho.com"],
        oauth: None,
        connection_budget: None,
        webmail: Some(Webmail { inbox: "https://mail.zoho.com/", message: None }),
    },
    Provider {
        id: "zoho-eu",
        name: "Zoho Mail (EU)",
        domains: &["zoho.eu", "zohomail.eu"],
        host: "imap.zoho.eu",
        port: 993,
        security: Security::Tls,
        username: UsernameForm::Address,
        access: Access::Password,
        note: "Switch on IMAP access in the Zoho Mail settings first; with two-factor authentication, use an application-specific password.",
        help_url: "https://www.zoho.com/mail/help/imap-access.html",
        quirks: &[],
        host_suffixes: &["zoho.eu"],
        oauth: None,
        connection_budget: None,
        webmail: Some(Webmail { inbox: "https://mail.zoho.eu/", message: None }),
    },
    Provider {
        id: "proton-bridge",
        name: "Proton Mail (through Proton Mail Bridge)",
        domains: &["proton.me", "protonmail.com", "protonmail.ch", "pm.me"],
        host: "127.0.0.1",
        port: 1143,
        security: Security::Starttls,
        username: UsernameForm::Address,
        access: Access::Bridge,
        note: "Proton Mail is reached through Proton Mail Bridge running on this computer: use the password Bridge shows (not your Proton password), and trust Bridge's certificate (export it from Bridge and use it as the CA file).",
        help_url: "https://proton.me/support/protonmail-bridge-clients",
        quirks: &[],
        host_suffixes: &[],
        oauth: None,
        connection_budget: None,
        webmail: Some(Webmail { inbox: "https://mail.proton.me/", message: None }),
    },
];

/// The provider serving addresses at `domain` (lower case), if it is a known one.
pub fn for_domain(domain: &str) -> Option<&'static Provider> {
    let domain = domain.trim_end_matches('.').to_ascii_lowercase();
    PROVIDERS.iter().find(|p| p.domains.contains(&domain.as_str()))
}

/// The provider running the IMAP server `host`, if known. Loopback hosts match no provider:
/// Proton's bridge shares 127.0.0.1 with every local test or self-hosted server.
pub fn for_host(host: &str) -> Option<&'static Provider> {
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    PROVIDERS.iter().find(|p| p.host_suffixes.iter().any(|s| host == *s || host.ends_with(&format!(".{s}"))))
}

impl Provider {
    /// The login name for `email` (whose local part is `local`).
    pub fn username_for(&self, email: &str, local: &str) -> String {
        match self.username {
            UsernameForm::Address => email.to_string(),
            UsernameForm::LocalPart => local.to_string(),
        }
    }

    /// True when the ordinary account password will not do.
    pub fn needs_special_password(&self) -> bool {
        !matches!(self.access, Access::Password)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;
    use crate::net::names::{is_dns_name, valid_host};
    use crate::quirks::BROKEN_QRESYNC;

    #[test]
    fn every_row_is_well_formed() {
        let mut ids = BTreeSet::new();
        let mut domains = BTreeSet::new();
        for p in PROVIDERS {
            assert!(ids.insert(p.id), "duplicate id {}", p.id);
            assert!(valid_host(p.host).as_deref() == Some(p.host), "{}: bad host", p.id);
            assert!(p.port != 0);
            assert!(p.help_url.starts_with("https://"), "{}: help link must be https", p.id);
            assert!(!p.note.is_empty() && !p.name.is_empty());
            assert!(crate::quirks::validate(&p.quirks.iter().map(|q| q.to_string()).collect::<Vec<_>>()).is_ok());
            assert!(!p.domains.is_empty());
            for d in p.domains {
                assert!(is_dns_name(d) && d.to_ascii_lowercase() == *d, "{}: bad domain {d}", p.id);
                assert!(domains.insert(*d), "domain {d} in two rows");
            }
            for s in p.host_suffixes {
                assert!(is_dns_name(s), "{}: bad suffix {s}", p.id);
            }
            assert!(p.security != Security::Plain, "{}: the table never offers plain", p.id);
            if let Some(w) = p.webmail {
                assert!(w.inbox.starts_with("https://"), "{}: webmail must be https", p.id);
                if let Some(m) = w.message {
                    assert!(m.starts_with("https://") && m.contains("{message_id}"), "{}: bad message page {m}", p.id);
                }
            }
        }
    }

    #[test]
    fn lookups_by_domain() {
        assert_eq!(for_domain("gmail.com").unwrap().host, "imap.gmail.com");
        assert_eq!(for_domain("GoogleMail.com.").unwrap().id, "gmail");
        assert_eq!(for_domain("hotmail.com").unwrap().access, Access::OAuth);
        assert_eq!(for_domain("live.com").unwrap().id, "outlook");
        let icloud = for_domain("me.com").unwrap();
        assert_eq!(icloud.id, "icloud");
        assert_eq!(icloud.quirks, &[BROKEN_QRESYNC]);
        assert_eq!(icloud.username_for("jane@me.com", "jane"), "jane");
        assert_eq!(for_domain("mac.com").unwrap().id, "icloud");
        let proton = for_domain("proton.me").unwrap();
        assert_eq!((proton.host, proton.port, proton.security), ("127.0.0.1", 1143, Security::Starttls));
        for (d, id) in [
            ("yahoo.com", "yahoo"),
            ("fastmail.com", "fastmail"),
            ("gmx.de", "gmx"),
            ("web.de", "webde"),
            ("mailbox.org", "mailbox-org"),
            ("posteo.de", "posteo"),
            ("aol.com", "aol"),
            ("zoho.com", "zoho"),
        ] {
            assert_eq!(for_domain(d).map(|p| p.id), Some(id), "{d}");
        }
        assert!(for_domain("example.org").is_none());
        assert!(for_domain("notgmail.com").is_none(), "exact domains only");
    }

    #[test]
    fn lookups_by_host() {
        assert_eq!(for_host("imap.gmail.com").unwrap().id, "gmail");
        assert_eq!(for_host("p42-imap.mail.me.com").unwrap().id, "icloud");
        assert_eq!(for_host("outlook.office365.com").unwrap().id, "outlook");
        assert!(for_host("gmail.com.evil.example").is_none());
        assert!(for_host("127.0.0.1").is_none(), "loopback is everyone's");
        assert!(for_host("notgmail.com").is_none());
    }
}
