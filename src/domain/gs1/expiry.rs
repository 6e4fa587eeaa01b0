//! Expiry date (AI 17, `YYMMDD`), kept both as printed and as a calendar date.

use super::check_digit::require_digits;
use super::Gs1Error;
use chrono::{Datelike, NaiveDate};
use std::cmp::Ordering;

/// An expiry date as printed on the pack, with the calendar date it stands for.
///
/// The printed form is kept because `221231` and `221200` mean the same day but are different
/// barcodes, and the EU hub compares what was uploaded with what is scanned. Ordering is by
/// date first, so sorting puts the soonest expiry first.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Expiry {
    printed: String,
    date: NaiveDate,
}

impl Expiry {
    /// Parses `YYMMDD`. Day `00` means the last day of the month. The century comes from the
    /// GS1 sliding window around `today`, passed in so the result does not depend on the clock.
    pub fn parse(printed: &str, today: NaiveDate) -> Result<Expiry, Gs1Error> {
        require_digits(printed)?;
        if printed.len() != 6 {
            return Err(Gs1Error(format!(
                "must be 6 digits (YYMMDD), got {}",
                printed.len()
            )));
        }
        // Six ASCII digits, so each two-byte slice parses.
        let field = |i: usize| printed[i..i + 2].parse::<u32>().unwrap_or_default();
        let (yy, month, day) = (field(0), field(2), field(4));
        if !(1..=12).contains(&month) {
            return Err(Gs1Error(format!("month {month:02} is not 01-12")));
        }
        let year = expand_year(yy as i32, today);
        let Some(last_day) = (28..=31)
            .rev()
            .find_map(|d| NaiveDate::from_ymd_opt(year, month, d))
        else {
            return Err(Gs1Error(format!("year {year} is out of range")));
        };
        let date = if day == 0 {
            last_day
        } else {
            NaiveDate::from_ymd_opt(year, month, day).ok_or_else(|| {
                Gs1Error(format!(
                    "day {day:02} does not exist in {year:04}-{month:02}"
                ))
            })?
        };
        Ok(Expiry {
            printed: printed.to_owned(),
            date,
        })
    }

    /// [`Expiry::parse`] with today's UTC date as the window's anchor.
    pub fn parse_now(printed: &str) -> Result<Expiry, Gs1Error> {
        Expiry::parse(printed, chrono::Utc::now().date_naive())
    }

    /// The exact string that was parsed, e.g. `"221200"`.
    pub fn as_printed(&self) -> &str {
        &self.printed
    }

    /// The calendar date: day `00` resolved to the month's last day.
    pub fn date(&self) -> NaiveDate {
        self.date
    }
}

/// GS1 General Specifications, "determination of century": a year more than 50 ahead of the
/// current year is in the previous century, one 50 or more behind is in the next century
/// (only matters from 2050 on), otherwise it is in the current century.
fn expand_year(yy: i32, today: NaiveDate) -> i32 {
    let current_yy = today.year().rem_euclid(100);
    let century = today.year() - current_yy;
    match yy - current_yy {
        d if d >= 51 => century - 100 + yy,
        d if d <= -50 => century + 100 + yy,
        _ => century + yy,
    }
}

impl PartialOrd for Expiry {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Expiry {
    fn cmp(&self, other: &Self) -> Ordering {
        (self.date, &self.printed).cmp(&(other.date, &other.printed))
    }
}

string_newtype!(Expiry, printed, Expiry::parse_now);

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }
    fn date_of(printed: &str, today: NaiveDate) -> NaiveDate {
        Expiry::parse(printed, today).unwrap().date()
    }
    fn err(printed: &str) -> String {
        Expiry::parse(printed, ymd(2024, 6, 15)).unwrap_err().0
    }

    #[test]
    fn day_00_is_the_last_day_of_the_month() {
        let today = ymd(2024, 6, 15);
        assert_eq!(date_of("221200", today), ymd(2022, 12, 31));
        assert_eq!(date_of("240200", today), ymd(2024, 2, 29));
        assert_eq!(date_of("230200", today), ymd(2023, 2, 28));
        assert_eq!(date_of("250400", today), ymd(2025, 4, 30));
        assert_eq!(date_of("000200", today), ymd(2000, 2, 29));
    }

    #[test]
    fn printed_form_is_kept() {
        let today = ymd(2024, 6, 15);
        let (a, b) = (
            Expiry::parse("221231", today).unwrap(),
            Expiry::parse("221200", today).unwrap(),
        );
        assert_eq!(a.date(), b.date());
        assert_eq!((a.as_printed(), b.as_printed()), ("221231", "221200"));
        assert_ne!(a, b);
        assert!(a > b, "same date: ties broken by the printed form");
    }

    #[test]
    fn invalid_dates_are_rejected_with_exact_messages() {
        assert_eq!(err("230229"), "day 29 does not exist in 2023-02");
        assert_eq!(err("240431"), "day 31 does not exist in 2024-04");
        assert_eq!(err("240132"), "day 32 does not exist in 2024-01");
        assert_eq!(err("000000"), "month 00 is not 01-12");
        assert_eq!(err("241301"), "month 13 is not 01-12");
        assert_eq!(err("2412"), "must be 6 digits (YYMMDD), got 4");
        assert_eq!(err(""), "must be 6 digits (YYMMDD), got 0");
        assert_eq!(err("2412311"), "must be 6 digits (YYMMDD), got 7");
        assert_eq!(err("24-231"), "character '-' at position 3 is not a digit");
    }

    #[test]
    fn century_sliding_window() {
        let cases = [
            (2024, "740101", 2074), // 50 ahead: still this century
            (2024, "750101", 1975), // 51 ahead: previous century
            (2024, "000101", 2000),
            (2000, "500101", 2050),
            (2000, "510101", 1951),
            (2000, "990101", 1999),
            (2060, "100101", 2110), // 50 behind: next century
            (2060, "110101", 2011), // 49 behind: this century
            (2099, "000101", 2100),
        ];
        for (this_year, printed, year) in cases {
            let got = date_of(printed, ymd(this_year, 12, 31)).year();
            assert_eq!(got, year, "{printed} read in {this_year}");
        }
        // 2100 is not a leap year, so the window's choice of century changes validity.
        let t = ymd(2099, 12, 31);
        assert_eq!(date_of("000200", t), ymd(2100, 2, 28));
        let e = Expiry::parse("000229", t).unwrap_err();
        assert_eq!(e.0, "day 29 does not exist in 2100-02");
    }

    #[test]
    fn extreme_today_does_not_panic() {
        for today in [NaiveDate::MIN, NaiveDate::MAX] {
            for s in ["000101", "991231", "500200"] {
                let _ = Expiry::parse(s, today);
            }
        }
    }

    #[test]
    fn string_conversions_and_serde() {
        let e = Expiry::parse_now("221200").unwrap();
        assert_eq!(
            (e.as_str(), e.to_string().as_str(), e.as_ref()),
            ("221200", "221200", "221200")
        );
        assert_eq!(serde_json::to_string(&e).unwrap(), "\"221200\"");
        let back: Expiry = serde_json::from_str("\"221200\"").unwrap();
        assert_eq!(back.as_printed(), "221200");
        assert_eq!(back.date().month(), 12);
        let bad = serde_json::from_str::<Expiry>("\"241301\"").unwrap_err();
        assert!(bad.to_string().contains("month 13 is not 01-12"), "{bad}");
        // 1923, 2023 and 2123 are all common years, so this fails whatever the clock says.
        assert!("230229".parse::<Expiry>().is_err());
    }

    proptest! {
        #[test]
        fn parse_never_panics(s in any::<String>(), days in -1_000_000i32..4_000_000) {
            let today = NaiveDate::from_num_days_from_ce_opt(days).unwrap_or(NaiveDate::MIN);
            let _ = Expiry::parse(&s, today);
        }

        #[test]
        fn valid_dates_round_trip_inside_the_window(s in "[0-9]{2}(0[1-9]|1[0-2])(0[0-9]|1[0-9]|2[0-8])", y in 1900i32..2200) {
            let today = ymd(y, 7, 1);
            let e = Expiry::parse(&s, today).unwrap();
            prop_assert_eq!(e.as_printed(), s.as_str());
            prop_assert_eq!(e.date().year().rem_euclid(100), s[..2].parse::<i32>().unwrap());
            prop_assert!((y - 49..=y + 50).contains(&e.date().year()));
        }
    }
}
