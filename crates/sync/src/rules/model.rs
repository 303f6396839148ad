//! The user's notification rules as stored and exchanged with the front ends, and their
//! validation: a bad entry is refused with the field and a sentence, never half-applied.

use serde::{Deserialize, Serialize};

/// A day of the week, serialised as `mon` .. `sun`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub enum Day {
    Mon,
    Tue,
    Wed,
    Thu,
    Fri,
    Sat,
    Sun,
}

impl Day {
    pub const ALL: [Day; 7] = [Day::Mon, Day::Tue, Day::Wed, Day::Thu, Day::Fri, Day::Sat, Day::Sun];

    pub fn from_chrono(d: chrono::Weekday) -> Day {
        match d {
            chrono::Weekday::Mon => Day::Mon,
            chrono::Weekday::Tue => Day::Tue,
            chrono::Weekday::Wed => Day::Wed,
            chrono::Weekday::Thu => Day::Thu,
            chrono::Weekday::Fri => Day::Fri,
            chrono::Weekday::Sat => Day::Sat,
            chrono::Weekday::Sun => Day::Sun,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Day::Mon => "mon",
            Day::Tue => "tue",
            Day::Wed => "wed",
            Day::Thu => "thu",
            Day::Fri => "fri",
            Day::Sat => "sat",
            Day::Sun => "sun",
        }
    }

    /// "mon", "Monday", "MON"...: what a person types on the command line.
    pub fn parse(s: &str) -> Option<Day> {
        let s = s.trim().to_ascii_lowercase();
        // At least the three letters of `as_str`, at most the full name.
        Day::ALL.into_iter().find(|d| s.get(..3) == Some(d.as_str()) && full_name(*d).starts_with(&s))
    }
}

fn full_name(d: Day) -> &'static str {
    match d {
        Day::Mon => "monday",
        Day::Tue => "tuesday",
        Day::Wed => "wednesday",
        Day::Thu => "thursday",
        Day::Fri => "friday",
        Day::Sat => "saturday",
        Day::Sun => "sunday",
    }
}

/// One span of quiet hours: on each of `days`, from `start` local time until `end` local time,
/// the next day when `end` is not after `start` (22:00-07:00 crosses midnight; 00:00-00:00 is
/// the whole day). Times are wall-clock "HH:MM": 22:00 stays 22:00 across a DST change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct QuietSpan {
    /// The days a span starts on; at least one.
    pub days: Vec<Day>,
    /// "HH:MM", 24-hour.
    pub start: String,
    /// "HH:MM", 24-hour; at or before `start`: the next day.
    pub end: String,
}

/// What decides whether a new message rings (ARCHITECTURE.md § What rings). Stored as one
/// JSON setting; every field may be absent (nothing of that kind).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct Rules {
    /// The weekly schedule of quiet hours; empty: never quiet.
    pub quiet_hours: Vec<QuietSpan>,
    /// Senders that ring even in quiet hours and from a junk folder: addresses
    /// (`boss@example.org`) or domains (`example.org` or `@example.org`, subdomains included).
    pub important: Vec<String>,
    /// Senders and mailing lists that never ring: addresses, domains, or lists by their
    /// List-Id (`list:<id>` or `<id>`, e.g. `list:dev.lists.example.org`).
    pub muted: Vec<String>,
}

/// How a new message is announced.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub enum Ring {
    /// A notification, the hook, a sound.
    #[default]
    Ring,
    /// Held for the digest at the end of the quiet hours.
    Quiet,
    /// Stored, listed and counted, never rung.
    Silent,
}

impl Ring {
    pub fn as_str(self) -> &'static str {
        match self {
            Ring::Ring => "ring",
            Ring::Quiet => "quiet",
            Ring::Silent => "silent",
        }
    }

    pub fn parse(s: &str) -> Option<Ring> {
        [Ring::Ring, Ring::Quiet, Ring::Silent].into_iter().find(|r| r.as_str() == s)
    }
}

/// The part of the rules an error is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RulesField {
    QuietHours,
    Important,
    Muted,
}

/// A rule that cannot be kept, and why, in the user's words (English, as the CLI says it), and
/// as a kind with its facts, which the app words in the desktop's language.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct RulesError {
    pub field: RulesField,
    pub message: String,
    pub problem: RulesProblem,
}

/// What is wrong with a rule. `span` counts quiet hours from 1, as the user sees them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RulesProblem {
    /// A quiet hours' start (or end) is no time of day.
    BadTime { span: usize, start: bool, value: String },
    /// Quiet hours on no day.
    NoDay { span: usize },
    /// An important or muted entry that is no address, domain (or, muted, mailing list).
    BadEntry { entry: String },
}

fn invalid(field: RulesField, message: String, problem: RulesProblem) -> RulesError {
    RulesError { field, message, problem }
}

/// Minutes since midnight of "HH:MM" (one or two digits for the hour).
pub(crate) fn parse_time(s: &str) -> Option<u32> {
    let (h, m) = s.trim().split_once(':')?;
    if h.is_empty() || h.len() > 2 || m.len() != 2 || !h.bytes().chain(m.bytes()).all(|b| b.is_ascii_digit()) {
        return None;
    }
    let (h, m): (u32, u32) = (h.parse().ok()?, m.parse().ok()?);
    (h < 24 && m < 60).then_some(h * 60 + m)
}

fn normalise_time(s: &str) -> Option<String> {
    parse_time(s).map(|t| format!("{:02}:{:02}", t / 60, t % 60))
}

/// A sender or list entry, as matched: lower case, trimmed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Pattern {
    Address(String),
    /// Without the `@`; matches the domain and its subdomains.
    Domain(String),
    List(String),
}

impl Pattern {
    /// `None`: not a sender, a domain or (when `lists`) a list.
    pub(crate) fn parse(entry: &str, lists: bool) -> Option<Pattern> {
        let e = entry.trim().to_lowercase();
        if e.is_empty() || e.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return None;
        }
        if lists {
            if let Some(id) = e.strip_prefix("list:") {
                let id = id.trim_start_matches('<').trim_end_matches('>');
                return (!id.is_empty()).then(|| Pattern::List(id.to_string()));
            }
            if e.starts_with('<') && e.ends_with('>') && e.len() > 2 {
                return Some(Pattern::List(e[1..e.len() - 1].to_string()));
            }
        }
        if let Some(domain) = e.strip_prefix('@') {
            return valid_domain(domain).then(|| Pattern::Domain(domain.to_string()));
        }
        match e.rsplit_once('@') {
            Some((local, domain)) => (!local.is_empty() && valid_domain(domain)).then(|| Pattern::Address(e.clone())),
            None => valid_domain(&e).then(|| Pattern::Domain(e.clone())),
        }
    }

    /// Whether a message from `from_addr` (any case), on list `list_id`, matches.
    pub(crate) fn matches(&self, from_addr: Option<&str>, list_id: Option<&str>) -> bool {
        let from = from_addr.map(str::to_lowercase);
        match self {
            Pattern::Address(a) => from.as_deref() == Some(a.as_str()),
            Pattern::Domain(d) => from
                .as_deref()
                .and_then(|f| f.rsplit_once('@'))
                .is_some_and(|(_, host)| host == d || host.strip_suffix(d.as_str()).is_some_and(|rest| rest.ends_with('.'))),
            Pattern::List(id) => list_id.is_some_and(|l| l.eq_ignore_ascii_case(id)),
        }
    }
}

/// A domain name as people type it (internationalised ones in their own letters too).
fn valid_domain(d: &str) -> bool {
    !d.is_empty()
        && !d.starts_with('.')
        && !d.ends_with('.')
        && !d.contains("..")
        && d.chars().all(|c| c.is_alphanumeric() || c == '-' || c == '.' || c == '_')
}

impl Rules {
    /// The rules as they will be kept: times as "HH:MM", entries trimmed and lower case,
    /// duplicates and empty entries dropped, days in week order. Refuses what cannot mean
    /// anything ("25:00", "not an address", a span on no day).
    pub fn validated(self) -> Result<Rules, RulesError> {
        let mut quiet_hours = Vec::with_capacity(self.quiet_hours.len());
        for (i, span) in self.quiet_hours.into_iter().enumerate() {
            let n = i + 1;
            let time = |t: &str, what: &str| {
                normalise_time(t).ok_or_else(|| {
                    invalid(
                        RulesField::QuietHours,
                        format!("Quiet hours {n}: the {what} time \"{t}\" is not a time of day like 22:00 (00:00 to 23:59)."),
                        RulesProblem::BadTime { span: n, start: what == "start", value: t.to_string() },
                    )
                })
            };
            let (start, end) = (time(&span.start, "start")?, time(&span.end, "end")?);
            let mut days = span.days;
            days.sort();
            days.dedup();
            if days.is_empty() {
                return Err(invalid(
                    RulesField::QuietHours,
                    format!("Quiet hours {n}: choose at least one day."),
                    RulesProblem::NoDay { span: n },
                ));
            }
            quiet_hours.push(QuietSpan { days, start, end });
        }
        Ok(Rules {
            quiet_hours,
            important: entries(self.important, RulesField::Important, false)?,
            muted: entries(self.muted, RulesField::Muted, true)?,
        })
    }
}

fn entries(list: Vec<String>, field: RulesField, lists: bool) -> Result<Vec<String>, RulesError> {
    let mut out: Vec<String> = Vec::with_capacity(list.len());
    for entry in list {
        let e = entry.trim().to_lowercase();
        if e.is_empty() || out.contains(&e) {
            continue;
        }
        if Pattern::parse(&e, lists).is_none() {
            let what = if lists {
                "an address (jane@example.org), a domain (example.org) or a mailing list (list:news.example.org)"
            } else {
                "an address (jane@example.org) or a domain (example.org)"
            };
            let name = if lists { "Muted" } else { "Important" };
            let problem = RulesProblem::BadEntry { entry: entry.trim().to_string() };
            return Err(invalid(field, format!("{name}: \"{}\" is not {what}.", entry.trim()), problem));
        }
        out.push(e);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_hours_and_minutes_of_a_day() {
        assert_eq!(parse_time("22:00"), Some(22 * 60));
        assert_eq!(parse_time("7:05"), Some(7 * 60 + 5));
        assert_eq!(parse_time("00:00"), Some(0));
        assert_eq!(parse_time("23:59"), Some(23 * 60 + 59));
        for bad in ["25:00", "24:00", "12:60", "12", "12:5", "ab:cd", "-1:00", "", "123:00", "12:00:00"] {
            assert_eq!(parse_time(bad), None, "{bad}");
        }
    }

    #[test]
    fn a_bad_time_is_a_clear_error() {
        let rules =
            Rules { quiet_hours: vec![QuietSpan { days: vec![Day::Mon], start: "25:00".into(), end: "07:00".into() }], ..Rules::default() };
        let err = rules.validated().unwrap_err();
        assert_eq!(err.field, RulesField::QuietHours);
        assert!(err.message.contains("\"25:00\" is not a time of day"), "{err}");
        let no_day =
            Rules { quiet_hours: vec![QuietSpan { days: vec![], start: "22:00".into(), end: "07:00".into() }], ..Rules::default() };
        assert!(no_day.validated().unwrap_err().message.contains("at least one day"));
    }

    #[test]
    fn validation_normalises() {
        let rules = Rules {
            quiet_hours: vec![QuietSpan { days: vec![Day::Sun, Day::Mon, Day::Sun], start: "7:00".into(), end: "9:30".into() }],
            important: vec![" Boss@Example.org ".into(), "boss@example.org".into(), "".into(), "@Corp.example".into()],
            muted: vec!["list:News.Example.org".into(), "<dev.lists.example>".into(), "spam.example".into()],
        }
        .validated()
        .expect("valid");
        assert_eq!(rules.quiet_hours[0], QuietSpan { days: vec![Day::Mon, Day::Sun], start: "07:00".into(), end: "09:30".into() });
        assert_eq!(rules.important, vec!["boss@example.org", "@corp.example"]);
        assert_eq!(rules.muted, vec!["list:news.example.org", "<dev.lists.example>", "spam.example"]);
        let err = Rules { important: vec!["not an address".into()], ..Rules::default() }.validated().unwrap_err();
        assert_eq!(err.field, RulesField::Important);
        assert!(Rules { important: vec!["list:x".into()], ..Rules::default() }.validated().is_err(), "lists are for muting");
    }

    #[test]
    fn patterns_match_addresses_domains_and_lists() {
        let p = |s: &str| Pattern::parse(s, true).expect("pattern");
        assert!(p("jane@example.org").matches(Some("Jane@Example.ORG"), None));
        assert!(!p("jane@example.org").matches(Some("joe@example.org"), None));
        assert!(p("example.org").matches(Some("joe@example.org"), None));
        assert!(p("@example.org").matches(Some("joe@mail.example.org"), None));
        assert!(!p("example.org").matches(Some("joe@badexample.org"), None));
        assert!(!p("example.org").matches(None, None));
        assert!(p("list:news.example.org").matches(Some("x@y"), Some("News.Example.org")));
        assert!(p("<news.example.org>").matches(None, Some("news.example.org")));
        assert!(!p("list:news.example.org").matches(Some("x@news.example.org"), None));
    }

    #[test]
    fn days_parse_as_people_type_them() {
        assert_eq!(Day::parse("mon"), Some(Day::Mon));
        assert_eq!(Day::parse("Thursday"), Some(Day::Thu));
        assert_eq!(Day::parse("SUN"), Some(Day::Sun));
        assert_eq!(Day::parse("mo"), None);
        assert_eq!(Day::parse("monk"), None);
        assert_eq!(Day::parse("mé"), None);
        assert_eq!(Day::parse("été"), None);
    }

    #[test]
    fn rules_read_with_fields_missing() {
        let r: Rules = serde_json::from_str(r#"{"important":["a@b.c"]}"#).expect("json");
        assert_eq!(r.important, vec!["a@b.c"]);
        assert!(r.quiet_hours.is_empty() && r.muted.is_empty());
        let s: QuietSpan = serde_json::from_str(r#"{"days":["mon","sun"],"start":"22:00","end":"07:00"}"#).expect("json");
        assert_eq!(s.days, vec![Day::Mon, Day::Sun]);
    }
}
