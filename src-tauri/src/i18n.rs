//! Localisation of what the app itself says to people (tray menu, notifications, the app's own
//! errors): Fluent catalogues, the same files as the window's (locales/<language>/*.ftl at the
//! repository's root, every file of a language loaded into one bundle, embedded at build time
//! by build.rs), in the language of the desktop's locale.
//!
//! The language is chosen once, from LANGUAGE / LC_ALL / LC_MESSAGES / LANG (as gettext does),
//! negotiated against the catalogues there are ("de_AT.UTF-8" gets "de"), English otherwise.
//! The window asks for the same choice (the `locale` command) rather than trusting the
//! webview's own idea of the language, so both sides always speak the same one.
//!
//! Use [`tr!`](crate::tr): `tr!("tray-check-all")`, `tr!("notify-new", count = 3)`. Ids are
//! literals so that the catalogue check (ui/tests/i18n.test.ts) finds every one of them.

use std::sync::OnceLock;

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource};
use fluent_langneg::{negotiate_languages, NegotiationStrategy};
use serde::Serialize;
use unic_langid::LanguageIdentifier;

// `CATALOGUES: &[(language, file name, text)]`, every locales/*/*.ftl (build.rs).
include!(concat!(env!("OUT_DIR"), "/locales.rs"));

/// The language every message exists in, and the one used when the desktop's is not there.
pub const FALLBACK: &str = "en-US";

/// The language the app speaks, as the window is told it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct UiLocale {
    /// The catalogue's language ("de", "en-US").
    pub language: String,
    /// The locale for dates and numbers (BCP 47): the desktop's own when it is of the
    /// catalogue's language ("de-AT" for "de_AT.UTF-8"), else the catalogue's.
    pub formats: String,
}

/// One language's messages, with English behind it for a message a catalogue lacks.
pub struct Catalogue {
    locale: UiLocale,
    bundle: FluentBundle<FluentResource>,
    fallback: Option<FluentBundle<FluentResource>>,
}

impl Catalogue {
    /// The catalogue for the desktop's languages (most wanted first, BCP 47 or POSIX form).
    pub fn negotiate(wanted: &[String]) -> Catalogue {
        let locale = choose(wanted);
        let bundle = bundle_of(&locale.language);
        let fallback = (locale.language != FALLBACK).then(|| bundle_of(FALLBACK));
        Catalogue { locale, bundle, fallback }
    }

    pub fn locale(&self) -> &UiLocale {
        &self.locale
    }

    /// Message `id` with `args`. A message missing everywhere (the catalogue check makes that
    /// a test failure) shows as its id rather than nothing.
    pub fn format(&self, id: &str, args: Option<&FluentArgs>) -> String {
        for bundle in std::iter::once(&self.bundle).chain(self.fallback.as_ref()) {
            if let Some(pattern) = bundle.get_message(id).and_then(|m| m.value()) {
                let mut errors = Vec::new();
                let text = bundle.format_pattern(pattern, args, &mut errors);
                if !errors.is_empty() {
                    tracing::warn!(id, ?errors, "a message of the catalogue did not format cleanly");
                }
                return text.into_owned();
            }
        }
        tracing::warn!(id, "message missing from the catalogues");
        id.to_owned()
    }
}

fn bundle_of(language: &str) -> FluentBundle<FluentResource> {
    let id: LanguageIdentifier = language.parse().unwrap_or_default();
    let mut bundle = FluentBundle::new_concurrent(vec![id]);
    // No Unicode isolation marks around arguments: notification servers and the tray show
    // them as boxes, and both languages here are left-to-right.
    bundle.set_use_isolating(false);
    for (lang, file, text) in CATALOGUES {
        if *lang != language {
            continue;
        }
        match FluentResource::try_new((*text).to_owned()) {
            Ok(res) => {
                if let Err(errors) = bundle.add_resource(res) {
                    tracing::warn!(language, file, ?errors, "catalogue has clashing messages");
                }
            }
            Err((res, errors)) => {
                tracing::warn!(language, file, ?errors, "catalogue has syntax errors");
                bundle.add_resource_overriding(res);
            }
        }
    }
    bundle
}

/// The languages there are catalogues for.
pub fn available() -> Vec<&'static str> {
    let mut langs: Vec<&'static str> = CATALOGUES.iter().map(|(lang, _, _)| *lang).collect();
    langs.sort_unstable();
    langs.dedup();
    langs
}

/// "de_AT.UTF-8@euro" → "de-AT"; "C" and "POSIX" (no language at all) → None.
fn posix_to_bcp47(value: &str) -> Option<String> {
    let base = value.split(['.', '@']).next().unwrap_or_default().trim();
    if base.is_empty() || base == "C" || base == "POSIX" {
        return None;
    }
    Some(base.replace('_', "-"))
}

/// The desktop's languages, most wanted first, from the locale variables as gettext reads them:
/// LANGUAGE (a colon-separated list) unless the locale is "C", then the first set of LC_ALL,
/// LC_MESSAGES and LANG.
pub fn desktop_languages(var: impl Fn(&str) -> Option<String>) -> Vec<String> {
    let set = |name: &str| var(name).filter(|v| !v.is_empty());
    let locale = set("LC_ALL").or_else(|| set("LC_MESSAGES")).or_else(|| set("LANG"));
    let Some(locale) = locale else { return Vec::new() };
    let Some(main) = posix_to_bcp47(&locale) else { return Vec::new() };
    let mut wanted: Vec<String> = set("LANGUAGE").map(|l| l.split(':').filter_map(posix_to_bcp47).collect()).unwrap_or_default();
    wanted.push(main);
    wanted
}

fn choose(wanted: &[String]) -> UiLocale {
    let requested: Vec<LanguageIdentifier> = wanted.iter().filter_map(|w| w.parse().ok()).collect();
    let available: Vec<LanguageIdentifier> = available().iter().filter_map(|a| a.parse().ok()).collect();
    let default: Option<LanguageIdentifier> = FALLBACK.parse().ok();
    let chosen = negotiate_languages(&requested, &available, default.as_ref(), NegotiationStrategy::Lookup)
        .first()
        .map(|l| l.to_string())
        .unwrap_or_else(|| FALLBACK.to_owned());
    let chosen_lang: Option<LanguageIdentifier> = chosen.parse().ok();
    // Dates and numbers as the desktop writes them, when it asked for this language.
    let formats = requested
        .iter()
        .find(|r| chosen_lang.as_ref().is_some_and(|c| c.language == r.language))
        .map(|r| r.to_string())
        .unwrap_or_else(|| chosen.clone());
    UiLocale { language: chosen, formats }
}

static CATALOGUE: OnceLock<Catalogue> = OnceLock::new();

/// The app's catalogue, chosen from the environment on first use.
pub fn catalogue() -> &'static Catalogue {
    CATALOGUE.get_or_init(|| {
        // Unit tests speak English whatever the machine's locale: they assert English words.
        let wanted = if cfg!(test) { Vec::new() } else { desktop_languages(|name| std::env::var(name).ok()) };
        let c = Catalogue::negotiate(&wanted);
        tracing::info!(?wanted, language = %c.locale.language, formats = %c.locale.formats, "language chosen");
        c
    })
}

/// Message `id` of the app's catalogue; see [`tr!`](crate::tr).
pub fn t(id: &str, args: Option<&FluentArgs>) -> String {
    catalogue().format(id, args)
}

/// A message of the catalogue, in the desktop's language: `tr!("id")`, `tr!("id", count = n,
/// account = name)`. The id must be a string literal (the catalogue check reads them).
#[macro_export]
macro_rules! tr {
    ($id:literal) => {
        $crate::i18n::t($id, None)
    };
    ($id:literal, $($name:ident = $value:expr),+ $(,)?) => {{
        let mut args = fluent_bundle::FluentArgs::new();
        $(args.set(stringify!($name), $value);)+
        $crate::i18n::t($id, Some(&args))
    }};
}

/// What the window speaks: the app's choice (see the module's comment).
pub fn locale() -> UiLocale {
    catalogue().locale().clone()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env<'a>(vars: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |name| vars.iter().find(|(k, _)| *k == name).map(|(_, v)| (*v).to_owned())
    }

    #[test]
    fn the_desktop_locale_picks_the_catalogue() {
        let pick = |vars: &[(&str, &str)]| choose(&desktop_languages(env(vars)));
        assert_eq!(pick(&[("LANG", "de_DE.UTF-8")]), UiLocale { language: "de".into(), formats: "de-DE".into() });
        assert_eq!(pick(&[("LANG", "de_AT.UTF-8@euro")]), UiLocale { language: "de".into(), formats: "de-AT".into() });
        assert_eq!(pick(&[("LANG", "en_GB.UTF-8")]).language, "en-US");
        assert_eq!(pick(&[("LANG", "fr_FR.UTF-8")]), UiLocale { language: "en-US".into(), formats: "en-US".into() });
        assert_eq!(pick(&[]).language, "en-US");
        assert_eq!(pick(&[("LANG", "C.UTF-8")]).language, "en-US");
        // LC_ALL before LC_MESSAGES before LANG; LANGUAGE's list first, but not for "C".
        assert_eq!(pick(&[("LANG", "en_US.UTF-8"), ("LC_MESSAGES", "de_CH.UTF-8")]).language, "de");
        assert_eq!(pick(&[("LANG", "de_DE.UTF-8"), ("LC_ALL", "en_US.UTF-8")]).language, "en-US");
        assert_eq!(pick(&[("LANG", "en_US.UTF-8"), ("LANGUAGE", "fr:de_DE:en")]).language, "de");
        assert_eq!(pick(&[("LC_ALL", "C"), ("LANGUAGE", "de")]).language, "en-US");
    }

    #[test]
    fn every_catalogue_parses_without_clashes() {
        assert!(available().contains(&FALLBACK) && available().contains(&"de"), "{:?}", available());
        for (lang, file, text) in CATALOGUES {
            if let Err((_, errors)) = FluentResource::try_new((*text).to_owned()) {
                panic!("{lang}/{file}: {errors:?}");
            }
        }
    }

    #[test]
    fn plurals_follow_the_language() {
        let de = Catalogue::negotiate(&["de-DE".into()]);
        let en = Catalogue::negotiate(&["en-US".into()]);
        let n = |c: &Catalogue, count: u32| {
            let mut args = FluentArgs::new();
            args.set("count", count);
            c.format("notify-digest-title", Some(&args))
        };
        assert_eq!(n(&en, 1), "While quiet hours were on: 1 message");
        assert_eq!(n(&en, 3), "While quiet hours were on: 3 messages");
        assert_eq!(n(&de, 1), "Während der Ruhezeit: 1 Nachricht");
        assert_eq!(n(&de, 3), "Während der Ruhezeit: 3 Nachrichten");
    }
}
