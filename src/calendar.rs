//! Time on the simulated clock: the expiries a provider lists and the expiry rules that pick among them.
//!
//! Resolution follows the reference's production path (`Providers.resolve_expiry`): the provider's list is
//! the single source of truth; `this_week` is the first future expiry, `next_week` the second (else the
//! first); the monthly anchors are the last listed expiry of each month, `this_month` the first anchor and
//! `next_month` the second (else the first). An ISO date rule names its date directly.

use chrono::{Datelike, Duration, NaiveDate, Weekday};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// One entry of an index's `expiries` list.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ExpiryRule {
    ThisWeek,
    NextWeek,
    ThisMonth,
    NextMonth,
    /// An explicit `YYYY-MM-DD` expiry.
    Date(NaiveDate),
}

/// A token that is no expiry rule: the token as written.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown expiry rule `{token}`: expected this_week, next_week, this_month, next_month or a YYYY-MM-DD date")]
pub struct UnknownRule {
    pub token: String,
}

impl ExpiryRule {
    /// Parses a rule token: one of the four logical tokens (case-insensitive) or an ISO date.
    pub fn parse(token: &str) -> Result<Self, UnknownRule> {
        match token.trim().to_lowercase().as_str() {
            "this_week" => Ok(Self::ThisWeek),
            "next_week" => Ok(Self::NextWeek),
            "this_month" => Ok(Self::ThisMonth),
            "next_month" => Ok(Self::NextMonth),
            other => parse_iso_date(other).map(Self::Date).ok_or_else(|| UnknownRule { token: token.to_string() }),
        }
    }

    /// The rule's token as written in scenarios and outputs (`this_week`, ..., or the date): borrowed for the
    /// four logical rules, so hot paths name a rule without allocating.
    pub fn token(&self) -> std::borrow::Cow<'static, str> {
        match self {
            Self::ThisWeek => "this_week".into(),
            Self::NextWeek => "next_week".into(),
            Self::ThisMonth => "this_month".into(),
            Self::NextMonth => "next_month".into(),
            Self::Date(d) => d.format("%Y-%m-%d").to_string().into(),
        }
    }

    /// Picks this rule's date from the provider's listed expiries, counting only those on or after `today`.
    /// `None` when nothing qualifies (the reference raises `ResolveExpiryError`; the expiry then fails).
    pub fn resolve(self, today: NaiveDate, listed: &[NaiveDate]) -> Option<NaiveDate> {
        if let Self::Date(d) = self {
            return Some(d);
        }
        let mut future: Vec<NaiveDate> = listed.iter().copied().filter(|d| *d >= today).collect();
        future.sort_unstable();
        future.dedup();
        let nth_or_first = |v: &[NaiveDate], n: usize| v.get(n).or_else(|| v.first()).copied();
        match self {
            Self::ThisWeek => nth_or_first(&future, 0),
            Self::NextWeek => nth_or_first(&future, 1),
            Self::ThisMonth | Self::NextMonth => {
                let anchors = monthly_anchors(&future);
                nth_or_first(&anchors, usize::from(self == Self::NextMonth))
            }
            Self::Date(_) => unreachable!("handled above"),
        }
    }
}

/// The last date of each (year, month) in an ascending, deduplicated list.
fn monthly_anchors(sorted: &[NaiveDate]) -> Vec<NaiveDate> {
    let mut anchors: Vec<NaiveDate> = Vec::new();
    for d in sorted {
        match anchors.last_mut() {
            Some(last) if (last.year(), last.month()) == (d.year(), d.month()) => *last = *d,
            _ => anchors.push(*d),
        }
    }
    anchors
}

impl fmt::Display for ExpiryRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.token())
    }
}

impl Serialize for ExpiryRule {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for ExpiryRule {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let token = String::deserialize(d)?;
        Self::parse(&token).map_err(serde::de::Error::custom)
    }
}

/// Strict `YYYY-MM-DD` (length 10, dashes at 4 and 7, digits elsewhere, a real calendar date), the only
/// text form the reference's expiry map accepts.
pub fn parse_iso_date(text: &str) -> Option<NaiveDate> {
    let b = text.as_bytes();
    let shape_ok = b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter().enumerate().all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
    if !shape_ok {
        return None;
    }
    let num = |r: std::ops::Range<usize>| text[r].parse::<u32>().ok();
    NaiveDate::from_ymd_opt(num(0..4)? as i32, num(5..7)?, num(8..10)?)
}

/// What the simulated provider lists for an index on `today`: the next `weeks` weekly expiries on
/// `weekly_dow` (0 = Monday, today included) plus the next `months` monthly expiries (the last such
/// weekday of a month, today included), ascending and deduplicated.
pub fn listed_expiries(today: NaiveDate, weekly_dow: u32, weeks: u32, months: u32) -> Vec<NaiveDate> {
    let weekday = Weekday::try_from(weekly_dow.min(6) as u8).unwrap_or(Weekday::Thu);
    let ahead = (7 + weekday.num_days_from_monday() as i64 - today.weekday().num_days_from_monday() as i64) % 7;
    let first = today + Duration::days(ahead);
    let mut dates: Vec<NaiveDate> = (0..weeks as i64).map(|w| first + Duration::weeks(w)).collect();
    let (mut year, mut month, mut found) = (today.year(), today.month(), 0);
    while found < months {
        if let Some(d) = last_weekday_of_month(year, month, weekday).filter(|d| *d >= today) {
            dates.push(d);
            found += 1;
        }
        (year, month) = if month == 12 { (year + 1, 1) } else { (year, month + 1) };
    }
    dates.sort_unstable();
    dates.dedup();
    dates
}

fn last_weekday_of_month(year: i32, month: u32, weekday: Weekday) -> Option<NaiveDate> {
    let next_first = if month == 12 {
        NaiveDate::from_ymd_opt(year + 1, 1, 1)?
    } else {
        NaiveDate::from_ymd_opt(year, month + 1, 1)?
    };
    let last = next_first.pred_opt()?;
    let back = (7 + last.weekday().num_days_from_monday() as i64 - weekday.num_days_from_monday() as i64) % 7;
    Some(last - Duration::days(back))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        parse_iso_date(s).unwrap()
    }

    #[test]
    fn rules_parse_and_print() {
        for t in ["this_week", "next_week", "this_month", "next_month", "2025-10-09"] {
            assert_eq!(ExpiryRule::parse(t).unwrap().to_string(), t);
        }
        assert_eq!(ExpiryRule::parse("THIS_WEEK").unwrap(), ExpiryRule::ThisWeek);
        assert!(ExpiryRule::parse("current_week").unwrap_err().to_string().contains("unknown expiry rule"));
        assert!(ExpiryRule::parse("2025-13-01").is_err());
    }

    #[test]
    fn strict_iso_dates_only() {
        assert_eq!(parse_iso_date("2025-10-07"), NaiveDate::from_ymd_opt(2025, 10, 7));
        for bad in ["2025-13-01", "07-10-2025", "2025-10-07T15:30", "25-Oct-2025", "not-a-date", "2025/10/07", ""] {
            assert_eq!(parse_iso_date(bad), None, "{bad}");
        }
    }

    #[test]
    fn week_and_month_rules_follow_the_provider_list() {
        // Monday 2025-09-29: NIFTY Thursday weeklies.
        let today = d("2025-09-29");
        let listed = listed_expiries(today, 3, 6, 3);
        assert_eq!(listed[0], d("2025-10-02"));
        assert!(
            listed.contains(&d("2025-10-30")) && listed.contains(&d("2025-11-27")) && listed.contains(&d("2025-12-25"))
        );
        assert_eq!(ExpiryRule::ThisWeek.resolve(today, &listed), Some(d("2025-10-02")));
        assert_eq!(ExpiryRule::NextWeek.resolve(today, &listed), Some(d("2025-10-09")));
        // The last listed expiry of September (none left) is skipped: October's last Thursday.
        assert_eq!(ExpiryRule::ThisMonth.resolve(today, &listed), Some(d("2025-10-30")));
        assert_eq!(ExpiryRule::NextMonth.resolve(today, &listed), Some(d("2025-11-27")));
    }

    #[test]
    fn expiry_day_itself_is_still_future_and_fallbacks_apply() {
        let today = d("2025-10-02");
        let listed = vec![d("2025-10-02")];
        assert_eq!(ExpiryRule::ThisWeek.resolve(today, &listed), Some(today));
        assert_eq!(ExpiryRule::NextWeek.resolve(today, &listed), Some(today), "falls back to the first");
        assert_eq!(ExpiryRule::NextMonth.resolve(today, &listed), Some(today));
        assert_eq!(ExpiryRule::ThisWeek.resolve(d("2025-10-03"), &listed), None);
        let pinned = ExpiryRule::Date(d("2025-12-25"));
        assert_eq!(pinned.resolve(today, &[]), Some(d("2025-12-25")));
    }

    #[test]
    fn reference_month_anchor_case() {
        // The reference's case: 2025-01-31 with [01-01, 02-05, 02-12] -> this_month = 2025-02-12.
        let listed = [d("2025-01-01"), d("2025-02-05"), d("2025-02-12")];
        assert_eq!(ExpiryRule::ThisMonth.resolve(d("2025-01-31"), &listed), Some(d("2025-02-12")));
        assert_eq!(ExpiryRule::NextMonth.resolve(d("2025-01-31"), &listed), Some(d("2025-02-12")));
    }

    #[test]
    fn sensex_friday_and_finnifty_tuesday_listing() {
        let today = d("2025-09-29");
        assert!(listed_expiries(today, 4, 2, 1).iter().all(|x| x.weekday() == Weekday::Fri));
        assert_eq!(listed_expiries(today, 1, 1, 0), vec![d("2025-09-30")]);
    }
}
