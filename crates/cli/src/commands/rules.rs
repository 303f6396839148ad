//! `rules show|set` and `notify`: what rings (ARCHITECTURE.md § What rings). Parsing and
//! printing only: the rules' meaning and validation are the engine's (`Rules::validated`).

use mailbell_sync::{Day, QuietSpan, Rules, Store};

use crate::args::{JsonArg, NotifyArgs, RulesSetArgs};
use crate::failure::{usage, CliResult};
use crate::output;

pub fn show(store: &Store, args: &JsonArg) -> CliResult {
    print(&store.rules()?, args.json);
    Ok(())
}

fn print(rules: &Rules, json: bool) {
    if json {
        output::json_pretty(rules);
        return;
    }
    let list = |v: &[String]| if v.is_empty() { "none".to_string() } else { v.join(", ") };
    if rules.quiet_hours.is_empty() {
        println!("quiet hours: none");
    }
    for span in &rules.quiet_hours {
        let days: Vec<&str> = span.days.iter().map(|d| d.as_str()).collect();
        println!("quiet hours: {} {}-{}", days.join(","), span.start, span.end);
    }
    println!("important:   {}", list(&rules.important));
    println!("muted:       {}", list(&rules.muted));
}

pub fn set(store: &Store, args: &RulesSetArgs) -> CliResult {
    let mut rules = store.rules()?;
    if args.no_quiet || !args.quiet.is_empty() {
        rules.quiet_hours =
            args.quiet.iter().map(|s| parse_span(s)).collect::<Result<_, _>>().map_err(|e| usage(format!("--quiet: {e}")))?;
    }
    if args.no_important || !args.important.is_empty() {
        rules.important = args.important.clone();
    }
    if args.no_muted || !args.muted.is_empty() {
        rules.muted = args.muted.clone();
    }
    let rules = rules.validated().map_err(usage)?;
    store.set_rules(&rules)?;
    print(&rules, args.json);
    Ok(())
}

pub fn notify(store: &Store, args: &NotifyArgs) -> CliResult {
    let on = args.state == "on";
    if store.account(&args.account)?.is_none() {
        return Err(usage(format!("no account with id {:?}: see `mailbell-cli account list`", args.account)));
    }
    match &args.folder {
        None => store.set_account_notify(&args.account, on)?,
        Some(folder) => {
            if !store.set_folder_notify(&args.account, folder, on)? {
                return Err(usage(format!("account {} has no folder {folder:?}: see `mailbell-cli status`", args.account)));
            }
        }
    }
    Ok(())
}

/// "mon-fri 22:00-07:00", "sat,sun 23:00-09:00", "daily 22:00-07:00".
fn parse_span(s: &str) -> Result<QuietSpan, String> {
    let (days, times) =
        s.trim().rsplit_once(char::is_whitespace).ok_or_else(|| format!("{s:?} is not DAYS START-END, e.g. \"mon-fri 22:00-07:00\""))?;
    let (start, end) = times.split_once('-').ok_or_else(|| format!("{times:?} is not START-END, e.g. 22:00-07:00"))?;
    Ok(QuietSpan { days: parse_days(days.trim())?, start: start.to_string(), end: end.to_string() })
}

fn parse_days(s: &str) -> Result<Vec<Day>, String> {
    if s.eq_ignore_ascii_case("daily") {
        return Ok(Day::ALL.to_vec());
    }
    let day = |d: &str| Day::parse(d).ok_or_else(|| format!("{d:?} is not a day (mon, tue, wed, thu, fri, sat, sun)"));
    let mut days = Vec::new();
    for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        match part.split_once('-') {
            None => days.push(day(part)?),
            Some((from, to)) => {
                let (from, to) = (day(from)?, day(to)?);
                let i = Day::ALL.iter().position(|d| *d == from).unwrap_or(0);
                // A range may wrap round the week: "fri-mon".
                days.extend(Day::ALL.iter().cycle().skip(i).take_while(|d| **d != to).copied().take(7));
                days.push(to);
            }
        }
    }
    Ok(days)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_parse_as_written() {
        let s = parse_span("mon-fri 22:00-07:00").expect("span");
        assert_eq!(s.days, vec![Day::Mon, Day::Tue, Day::Wed, Day::Thu, Day::Fri]);
        assert_eq!((s.start.as_str(), s.end.as_str()), ("22:00", "07:00"));
        assert_eq!(parse_span("sat,sun 23:00-09:00").expect("span").days, vec![Day::Sat, Day::Sun]);
        assert_eq!(parse_span("daily 00:00-00:00").expect("span").days, Day::ALL.to_vec());
        assert_eq!(parse_span("fri-mon 1:00-2:00").expect("span").days, vec![Day::Fri, Day::Sat, Day::Sun, Day::Mon]);
        assert!(parse_span("22:00-07:00").is_err());
        assert!(parse_span("mon 22:00").is_err());
        assert!(parse_span("moon 22:00-07:00").is_err());
    }
}
