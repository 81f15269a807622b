//! Amounts, days and moments as each locale writes them.

use chrono::{Datelike, NaiveDate, NaiveDateTime, Timelike};

use super::{Locale, current};
use crate::domain::Money;

/// An amount as the locale writes it: `CHF 1,234.50` in English, `1 234,50 CHF` in
/// French, `CHF 1'234.50` in Switzerland.
pub fn money_in(locale: Locale, money: Money) -> String {
    let (group, decimal) = match locale {
        Locale::EnCh | Locale::FrCh => ("'", "."),
        Locale::En => (",", "."),
        // A narrow no-break space, as French typography groups digits.
        Locale::Fr => ("\u{202f}", ","),
    };
    let sign = if money.minor < 0 { "-" } else { "" };
    let abs = money.minor.unsigned_abs();
    let units = (abs / 100).to_string();
    let mut grouped = String::new();
    for (i, digit) in units.chars().enumerate() {
        if i > 0 && (units.len() - i).is_multiple_of(3) {
            grouped.push_str(group);
        }
        grouped.push(digit);
    }
    let number = format!("{sign}{grouped}{decimal}{:02}", abs % 100);
    let code = money.currency.code();
    match locale {
        Locale::Fr => format!("{number}\u{a0}{code}"),
        _ => format!("{code} {number}"),
    }
}

/// A rate as `locale` writes it.
pub fn rate_in(locale: Locale, rate: crate::domain::Rate) -> String {
    let written = rate.to_string();
    // A decimal comma in French: 8,1 %.
    if locale.language() == "fr" {
        written.replace('.', ",")
    } else {
        written
    }
}

pub fn money(money: Money) -> String {
    money_in(current(), money)
}

/// A day as the locale writes it: `Nov 25, 2026`, `25/11/2026`, `25.11.2026`. Written
/// out rather than through a `strftime` pattern, which would be parsed at every call.
pub fn date_in(locale: Locale, day: NaiveDate) -> String {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let (d, m, y) = (day.day(), day.month(), day.year());
    match locale {
        Locale::En => format!("{} {d}, {y:04}", MONTHS[day.month0() as usize]),
        Locale::Fr => format!("{d:02}/{m:02}/{y:04}"),
        Locale::EnCh | Locale::FrCh => format!("{d:02}.{m:02}.{y:04}"),
    }
}

/// A month as `locale` names it: short (`Mar`, `mars`) for a chart's axis, or in full
/// with its year (`March 2026`, `mars 2026`).
pub fn month_in(locale: Locale, year: i32, month: u32, short: bool) -> String {
    const EN: [&str; 12] = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ];
    const FR: [&str; 12] = [
        "janvier",
        "février",
        "mars",
        "avril",
        "mai",
        "juin",
        "juillet",
        "août",
        "septembre",
        "octobre",
        "novembre",
        "décembre",
    ];
    const FR_SHORT: [&str; 12] = [
        "janv", "févr", "mars", "avr", "mai", "juin", "juil", "août", "sept", "oct", "nov", "déc",
    ];
    let i = (month.clamp(1, 12) - 1) as usize;
    let french = locale.language() == "fr";
    match (short, french) {
        (true, true) => FR_SHORT[i].to_owned(),
        (true, false) => EN[i][..3].to_owned(),
        (false, true) => format!("{} {year}", FR[i]),
        (false, false) => format!("{} {year}", EN[i]),
    }
}

pub fn date(day: NaiveDate) -> String {
    date_in(current(), day)
}

/// A moment, in UTC, said so.
pub fn datetime_in(locale: Locale, at: NaiveDateTime) -> String {
    let (date, h, m) = (date_in(locale, at.date()), at.hour(), at.minute());
    format!("{date} {h:02}:{m:02} UTC")
}

pub fn datetime(at: NaiveDateTime) -> String {
    datetime_in(current(), at)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Currency;

    #[test]
    fn money_and_dates_follow_the_locale() {
        let amount = Money::new(123_450, Currency::Chf);
        assert_eq!(money_in(Locale::En, amount), "CHF 1,234.50");
        assert_eq!(money_in(Locale::EnCh, amount), "CHF 1'234.50");
        assert_eq!(money_in(Locale::FrCh, amount), "CHF 1'234.50");
        assert_eq!(money_in(Locale::Fr, amount), "1\u{202f}234,50\u{a0}CHF");
        assert_eq!(
            money_in(Locale::FrCh, Money::new(-100_000_000, Currency::Eur)),
            "EUR -1'000'000.00"
        );
        assert_eq!(
            money_in(Locale::En, Money::new(5, Currency::Chf)),
            "CHF 0.05"
        );
        assert_eq!(
            money_in(Locale::En, Money::new(-99_999, Currency::Chf)),
            "CHF -999.99"
        );
        let day = NaiveDate::from_ymd_opt(2026, 11, 5).unwrap();
        assert_eq!(date_in(Locale::En, day), "Nov 5, 2026");
        assert_eq!(date_in(Locale::Fr, day), "05/11/2026");
        assert_eq!(date_in(Locale::FrCh, day), "05.11.2026");
        assert_eq!(date_in(Locale::EnCh, day), "05.11.2026");
        let may = NaiveDate::from_ymd_opt(2027, 5, 31).unwrap();
        assert_eq!(date_in(Locale::En, may), "May 31, 2027");
        let at = day.and_hms_opt(9, 7, 59).unwrap();
        assert_eq!(datetime_in(Locale::En, at), "Nov 5, 2026 09:07 UTC");
        assert_eq!(datetime_in(Locale::FrCh, at), "05.11.2026 09:07 UTC");
    }

    #[test]
    fn an_amount_outside_a_request_is_written_in_english() {
        assert_eq!(money(Money::new(123_450, Currency::Chf)), "CHF 1,234.50");
        assert_eq!(money(Money::new(5, Currency::Eur)), "EUR 0.05");
        assert_eq!(money(Money::new(-1_200, Currency::Chf)), "CHF -12.00");
        assert_eq!(
            money(Money::new(100_000_000, Currency::Chf)),
            "CHF 1,000,000.00"
        );
    }
}
