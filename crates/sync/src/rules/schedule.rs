//! Quiet hours: whether a local wall-clock moment falls in the weekly schedule.
//!
//! Local wall-clock time, not UTC: "22:00 to 07:00" means what the clock on the wall says,
//! so a DST change moves nothing (a span may then last an hour more or less, as the night does).

use chrono::{Datelike, NaiveDateTime, Timelike};

use super::model::{parse_time, Day, Rules};

/// Whether `now` (local wall-clock time) is in one of the rules' quiet spans.
pub fn in_quiet_hours(rules: &Rules, now: NaiveDateTime) -> bool {
    let today = Day::from_chrono(now.weekday());
    let yesterday = Day::from_chrono(now.weekday().pred());
    let t = now.hour() * 60 + now.minute();
    rules.quiet_hours.iter().any(|span| {
        // Validated rules always parse; an unreadable span (hand-edited store) is no span.
        let (Some(start), Some(end)) = (parse_time(&span.start), parse_time(&span.end)) else {
            return false;
        };
        let crosses_midnight = end <= start;
        let started_today = span.days.contains(&today) && t >= start && (crosses_midnight || t < end);
        let started_yesterday = crosses_midnight && span.days.contains(&yesterday) && t < end;
        started_today || started_yesterday
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::QuietSpan;
    use chrono::NaiveDate;

    fn rules(spans: &[(&[Day], &str, &str)]) -> Rules {
        Rules {
            quiet_hours: spans.iter().map(|(d, s, e)| QuietSpan { days: d.to_vec(), start: (*s).into(), end: (*e).into() }).collect(),
            ..Rules::default()
        }
    }

    /// 2026-12-07 is a Monday.
    fn at(day_of_december: u32, h: u32, m: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2026, 12, day_of_december).and_then(|d| d.and_hms_opt(h, m, 0)).expect("date")
    }

    #[test]
    fn no_span_is_never_quiet() {
        assert!(!in_quiet_hours(&Rules::default(), at(7, 3, 0)));
    }

    #[test]
    fn a_span_within_a_day() {
        let r = rules(&[(&[Day::Mon], "09:00", "17:00")]);
        assert!(!in_quiet_hours(&r, at(7, 8, 59)));
        assert!(in_quiet_hours(&r, at(7, 9, 0)));
        assert!(in_quiet_hours(&r, at(7, 16, 59)));
        assert!(!in_quiet_hours(&r, at(7, 17, 0)), "the end is not quiet");
        assert!(!in_quiet_hours(&r, at(8, 10, 0)), "Tuesday is not listed");
    }

    #[test]
    fn a_span_across_midnight_belongs_to_the_day_it_starts() {
        let r = rules(&[(&[Day::Fri], "22:00", "07:00")]);
        // Friday 2026-12-11 22:00 to Saturday 07:00.
        assert!(!in_quiet_hours(&r, at(11, 21, 59)));
        assert!(in_quiet_hours(&r, at(11, 23, 30)));
        assert!(in_quiet_hours(&r, at(12, 0, 0)));
        assert!(in_quiet_hours(&r, at(12, 6, 59)));
        assert!(!in_quiet_hours(&r, at(12, 7, 0)));
        assert!(!in_quiet_hours(&r, at(12, 23, 0)), "Saturday night is not listed");
        // Friday early morning belongs to Thursday's span, which is not listed.
        assert!(!in_quiet_hours(&r, at(11, 3, 0)));
    }

    #[test]
    fn weekdays_and_the_weekend_differ() {
        let weekdays = [Day::Mon, Day::Tue, Day::Wed, Day::Thu, Day::Fri];
        let r = rules(&[(&weekdays, "22:00", "07:00"), (&[Day::Sat, Day::Sun], "23:00", "09:00")]);
        assert!(in_quiet_hours(&r, at(7, 22, 30)), "Monday night");
        assert!(!in_quiet_hours(&r, at(12, 22, 30)), "Saturday 22:30: the weekend starts later");
        assert!(in_quiet_hours(&r, at(12, 23, 30)));
        assert!(in_quiet_hours(&r, at(13, 8, 0)), "Sunday morning, from Saturday's span");
        assert!(in_quiet_hours(&r, at(14, 8, 0)), "Monday morning, from Sunday's span");
        assert!(!in_quiet_hours(&r, at(8, 8, 0)), "Tuesday 08:00, after Monday's span ended at 07:00");
    }

    #[test]
    fn equal_start_and_end_is_the_whole_day() {
        let r = rules(&[(&[Day::Sun], "00:00", "00:00")]);
        assert!(in_quiet_hours(&r, at(13, 0, 0)));
        assert!(in_quiet_hours(&r, at(13, 23, 59)));
        assert!(!in_quiet_hours(&r, at(14, 0, 0)));
    }

    #[test]
    fn local_wall_clock_time_is_what_counts_across_a_dst_change() {
        // 2026-03-29 is the night European clocks go forward (02:00 -> 03:00), a Sunday; the
        // schedule reads the wall clock, so 06:59 local is quiet and 07:00 local is not, on
        // either side of the change, whatever the UTC offset.
        let r = rules(&[(&Day::ALL, "22:00", "07:00")]);
        let local = |d: u32, h: u32, m: u32| NaiveDate::from_ymd_opt(2026, 3, d).and_then(|x| x.and_hms_opt(h, m, 0)).expect("date");
        for (off, d) in [(3600, 28), (7200, 29), (7200, 30)] {
            let tz = chrono::FixedOffset::east_opt(off).expect("offset");
            let before = local(d, 6, 59).and_local_timezone(tz).single().expect("local");
            let after = local(d, 7, 0).and_local_timezone(tz).single().expect("local");
            assert!(in_quiet_hours(&r, before.naive_local()), "day {d}");
            assert!(!in_quiet_hours(&r, after.naive_local()), "day {d}");
        }
    }
}
