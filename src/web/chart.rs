//! A dashboard's chart: one bar a month over the last twelve, drawn on the server as
//! SVG (no script), named by its caption, with its figures in a table beside it.

use chrono::{Datelike, Months, NaiveDate};

use crate::db::models::activity::Month;
use crate::domain::{Currency, Money};
use crate::i18n::{Locale, money_in, month_in};

/// The drawing's size, in its own units: the page scales it to the width it has.
const WIDTH: u32 = 400;
const HEIGHT: u32 = 170;
/// Where the bars stand and how tall they may be.
const BASELINE: u32 = 140;
const TALLEST: u32 = 120;
const LEFT: u32 = 72;
const SLOT: u32 = (WIDTH - LEFT) / 12;

pub struct Bar {
    pub x: u32,
    pub y: u32,
    pub width: u32,
    pub height: u32,
    /// The axis' label under it, and its centre.
    pub label: String,
    pub label_x: u32,
    /// The month in full and its amount, for the table and the bar's title.
    pub month: String,
    pub amount: String,
}

pub struct Chart {
    pub caption: String,
    pub bars: Vec<Bar>,
    /// The scale's lines: height and amount.
    pub lines: Vec<(u32, String)>,
    /// Nothing in twelve months.
    pub empty: bool,
}

/// The first day of the month eleven months before `today`'s: where the twelve start.
pub fn first_month(today: NaiveDate) -> NaiveDate {
    today.with_day(1).unwrap_or(today) - Months::new(11)
}

/// The smallest round amount (1, 2 or 5 times a power of ten, in whole units) at least
/// `minor`.
fn round_up(minor: i64) -> i64 {
    let mut unit: i64 = 100;
    loop {
        for step in [1, 2, 5] {
            let candidate = unit.saturating_mul(step);
            if candidate >= minor || candidate == i64::MAX {
                return candidate;
            }
        }
        unit = unit.saturating_mul(10);
    }
}

impl Chart {
    /// The drawing's `viewBox`.
    pub fn view_box(&self) -> String {
        format!("0 0 {WIDTH} {HEIGHT}")
    }

    /// The axis labels' line.
    pub fn label_y(&self) -> u32 {
        BASELINE + 16
    }

    /// Where the scale's amounts end, left of the bars.
    pub fn scale_x(&self) -> u32 {
        LEFT - 4
    }

    /// The drawing's right edge.
    pub fn right(&self) -> u32 {
        WIDTH
    }

    /// The chart of `sums` (months with nothing may be missing) over the twelve months
    /// ending with `today`'s, in `currency`, worded in `locale`.
    pub fn monthly(
        caption: String,
        sums: &[Month],
        today: NaiveDate,
        currency: Currency,
        locale: Locale,
    ) -> Chart {
        let start = first_month(today);
        let months: Vec<(NaiveDate, i64)> = (0..12)
            .map(|i| {
                let first = start + Months::new(i);
                let amount = sums
                    .iter()
                    .filter(|m| m.year == first.year() && m.month == first.month() as i32)
                    .map(|m| m.amount)
                    .sum();
                (first, amount)
            })
            .collect();
        let top = round_up(months.iter().map(|(_, a)| *a).max().unwrap_or(0).max(1));
        let money = |minor: i64| money_in(locale, Money::new(minor, currency));
        let bars = months
            .iter()
            .enumerate()
            .map(|(i, (first, amount))| {
                let share = (*amount).max(0) as f64 / top as f64;
                let height = (share * TALLEST as f64).round() as u32;
                let x = LEFT + i as u32 * SLOT;
                Bar {
                    x: x + 4,
                    y: BASELINE - height,
                    width: SLOT - 8,
                    height,
                    label: month_in(locale, first.year(), first.month(), true),
                    label_x: x + SLOT / 2,
                    month: month_in(locale, first.year(), first.month(), false),
                    amount: money(*amount),
                }
            })
            .collect();
        let scale = |minor: i64| -> String {
            // Whole units on the scale: the table has the exact amounts.
            let written = money(minor);
            match written.rfind(['.', ',']) {
                Some(at) if written[at + 1..].starts_with("00") => {
                    format!("{}{}", &written[..at], &written[at + 3..])
                }
                _ => written,
            }
        };
        Chart {
            caption,
            bars,
            lines: vec![
                (BASELINE, scale(0)),
                (BASELINE - TALLEST / 2, scale(top / 2)),
                (BASELINE - TALLEST, scale(top)),
            ],
            empty: months.iter().all(|(_, a)| *a == 0),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn month(year: i32, month: i32, amount: i64) -> Month {
        Month {
            year,
            month,
            amount,
        }
    }

    #[test]
    fn twelve_bars_end_with_this_month_and_the_tallest_reaches_a_round_top() {
        let today = NaiveDate::from_ymd_opt(2026, 3, 17).unwrap();
        assert_eq!(
            first_month(today),
            NaiveDate::from_ymd_opt(2025, 4, 1).unwrap()
        );
        let sums = [
            month(2025, 4, 15_000),
            month(2026, 3, 60_000),
            month(2024, 1, 9),
        ];
        let chart = Chart::monthly("c".into(), &sums, today, Currency::Chf, Locale::En);
        assert_eq!(chart.bars.len(), 12);
        assert_eq!(chart.bars[0].month, "April 2025");
        assert_eq!(chart.bars[0].label, "Apr");
        assert_eq!(chart.bars[11].month, "March 2026");
        assert_eq!(chart.bars[11].amount, "CHF 600.00");
        // 600 rounds up to 1,000: the bar is six tenths of the tallest.
        assert_eq!(chart.bars[11].height, TALLEST * 6 / 10);
        assert_eq!(chart.bars[0].height, TALLEST * 15 / 100);
        assert_eq!(chart.bars[5].height, 0, "a month without any");
        assert_eq!(chart.lines[2].1, "CHF 1,000");
        assert_eq!(chart.lines[1].1, "CHF 500");
        assert!(!chart.empty);
        // Bars stay within the drawing, each in its own slot.
        for pair in chart.bars.windows(2) {
            assert!(pair[0].x + pair[0].width < pair[1].x);
        }
        let last = &chart.bars[11];
        assert!(last.x + last.width <= WIDTH && last.y >= BASELINE - TALLEST);
    }

    #[test]
    fn a_chart_in_french_and_one_without_anything() {
        let today = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
        let chart = Chart::monthly(
            "c".into(),
            &[month(2026, 8, 123_456)],
            today,
            Currency::Eur,
            Locale::Fr,
        );
        assert_eq!(chart.bars[0].month, "janvier 2026");
        assert_eq!(chart.bars[7].label, "août");
        assert_eq!(chart.bars[7].amount, "1\u{202f}234,56\u{a0}EUR");
        assert_eq!(chart.lines[2].1, "2\u{202f}000\u{a0}EUR");
        let none = Chart::monthly("c".into(), &[], today, Currency::Chf, Locale::En);
        assert!(none.empty);
        assert!(none.bars.iter().all(|b| b.height == 0));
    }

    #[test]
    fn round_tops() {
        assert_eq!(round_up(1), 100);
        assert_eq!(round_up(100), 100);
        assert_eq!(round_up(101), 200);
        assert_eq!(round_up(25_000), 50_000);
        assert_eq!(round_up(500_001), 1_000_000);
        assert_eq!(round_up(i64::MAX), i64::MAX);
    }
}
