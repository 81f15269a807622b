//! Languages. Every text the product shows goes through `t` (or `Text`, for a message
//! written now and shown later). English texts are their own keys; `locales/fr.yml`
//! translates them. The language of a request is set once, by `with_locale`, from the
//! session (the user's choice) or else the browser's `Accept-Language`; an email is
//! written in its recipient's language.

use std::borrow::Cow;
use std::fmt::Display;

use actix_session::SessionExt;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header;
use actix_web::middleware::Next;
use chrono::{NaiveDate, NaiveDateTime};
use diesel::{AsExpression, FromSqlRow, sql_types::Text as SqlText};
use serde::{Deserialize, Serialize};
use strum::{EnumString, IntoStaticStr, VariantArray};

use crate::domain::Money;

/// A language of the interface.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    Default,
    EnumString,
    IntoStaticStr,
    VariantArray,
    AsExpression,
    FromSqlRow,
    Serialize,
    Deserialize,
)]
#[diesel(sql_type = SqlText)]
pub enum Locale {
    #[default]
    #[strum(serialize = "en")]
    #[serde(rename = "en")]
    En,
    #[strum(serialize = "fr")]
    #[serde(rename = "fr")]
    Fr,
}

impl Locale {
    pub fn code(self) -> &'static str {
        self.into()
    }

    /// The language's own name, as the switch offers it.
    pub fn name(self) -> &'static str {
        match self {
            Locale::En => "English",
            Locale::Fr => "Français",
        }
    }

    /// The best of our languages for an `Accept-Language` header; English otherwise.
    pub fn negotiate(accept_language: &str) -> Locale {
        let mut best = (Locale::En, 0.0_f32, false);
        for part in accept_language.split(',') {
            let mut pieces = part.trim().split(';');
            let tag = pieces
                .next()
                .unwrap_or_default()
                .trim()
                .to_ascii_lowercase();
            let quality = pieces
                .find_map(|p| {
                    p.trim()
                        .strip_prefix("q=")
                        .and_then(|q| q.parse::<f32>().ok())
                })
                .unwrap_or(1.0);
            let primary = tag.split('-').next().unwrap_or_default();
            let locale = match primary {
                "fr" => Locale::Fr,
                "en" => Locale::En,
                _ => continue,
            };
            if !best.2 || quality > best.1 {
                best = (locale, quality, true);
            }
        }
        best.0
    }
}

tokio::task_local! {
    static LOCALE: Locale;
}

/// The language of the request being served (English outside a request).
pub fn current() -> Locale {
    LOCALE.try_with(|l| *l).unwrap_or_default()
}

/// The session key of a visitor's chosen language.
pub const SESSION_KEY: &str = "lang";

/// Serves the request in its language: the one chosen in the session, or else the best
/// match of the browser's `Accept-Language`.
pub async fn with_locale(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let chosen = req.get_session().get::<Locale>(SESSION_KEY).ok().flatten();
    let locale = chosen.unwrap_or_else(|| {
        let accept = req
            .headers()
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        Locale::negotiate(accept)
    });
    LOCALE.scope(locale, next.call(req)).await
}

/// Translates `key` into `locale`.
pub fn translate(locale: Locale, key: &str) -> String {
    if locale == Locale::En {
        return key.to_owned();
    }
    rust_i18n::t!(key, locale = locale.code()).into_owned()
}

/// Translates into the current language.
pub fn t(key: &str) -> String {
    translate(current(), key)
}

/// Translates, then fills `%{name}` with `value`.
pub fn t1(key: &str, name: &str, value: impl Display) -> String {
    fill(translate(current(), key), &[(name, value.to_string())])
}

pub fn t2(key: &str, n1: &str, v1: impl Display, n2: &str, v2: impl Display) -> String {
    fill(
        translate(current(), key),
        &[(n1, v1.to_string()), (n2, v2.to_string())],
    )
}

pub fn t3(
    key: &str,
    n1: &str,
    v1: impl Display,
    n2: &str,
    v2: impl Display,
    n3: &str,
    v3: impl Display,
) -> String {
    fill(
        translate(current(), key),
        &[
            (n1, v1.to_string()),
            (n2, v2.to_string()),
            (n3, v3.to_string()),
        ],
    )
}

fn fill(text: String, args: &[(&str, String)]) -> String {
    let names: Vec<&str> = args.iter().map(|(n, _)| *n).collect();
    let values: Vec<String> = args.iter().map(|(_, v)| v.clone()).collect();
    rust_i18n::replace_patterns(&text, &names, &values)
}

/// Translation into a given language, for what is written outside a request (emails).
#[derive(Debug, Clone, Copy)]
pub struct In(pub Locale);

impl In {
    pub fn t(&self, key: &str) -> String {
        translate(self.0, key)
    }

    pub fn t1(&self, key: &str, name: &str, value: impl Display) -> String {
        fill(translate(self.0, key), &[(name, value.to_string())])
    }

    pub fn t2(&self, key: &str, n1: &str, v1: impl Display, n2: &str, v2: impl Display) -> String {
        fill(
            translate(self.0, key),
            &[(n1, v1.to_string()), (n2, v2.to_string())],
        )
    }

    #[expect(
        clippy::too_many_arguments,
        reason = "a message with three values, named"
    )]
    pub fn t3(
        &self,
        key: &str,
        n1: &str,
        v1: impl Display,
        n2: &str,
        v2: impl Display,
        n3: &str,
        v3: impl Display,
    ) -> String {
        fill(
            translate(self.0, key),
            &[
                (n1, v1.to_string()),
                (n2, v2.to_string()),
                (n3, v3.to_string()),
            ],
        )
    }

    pub fn code(&self) -> &'static str {
        self.0.code()
    }

    /// The languages, for the switch: (code, own name, whether it is this one).
    pub fn languages(&self) -> Vec<(&'static str, &'static str, bool)> {
        Locale::VARIANTS
            .iter()
            .map(|l| (l.code(), l.name(), *l == self.0))
            .collect()
    }
}

impl Default for In {
    /// The language of the current request.
    fn default() -> In {
        In(current())
    }
}

/// A message written now and shown later (a flash, an error, an email line), in the
/// language of whoever reads it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Text {
    key: Cow<'static, str>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    args: Vec<(String, Arg)>,
}

/// A value put into a message: as is, or itself translated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Arg {
    Plain(String),
    Text(Text),
}

impl Text {
    pub fn new(key: impl Into<Cow<'static, str>>) -> Text {
        Text {
            key: key.into(),
            args: Vec::new(),
        }
    }

    /// Fills `%{name}` with `value`, as is (a name, an amount, a date).
    #[must_use]
    pub fn arg(mut self, name: &str, value: impl Display) -> Text {
        self.args
            .push((name.to_owned(), Arg::Plain(value.to_string())));
        self
    }

    /// Fills `%{name}` with another translated text (a label, a role).
    #[must_use]
    pub fn text(mut self, name: &str, value: impl Into<Text>) -> Text {
        self.args.push((name.to_owned(), Arg::Text(value.into())));
        self
    }

    pub fn key(&self) -> &str {
        &self.key
    }

    pub fn render(&self, locale: Locale) -> String {
        let args: Vec<(&str, String)> = self
            .args
            .iter()
            .map(|(name, arg)| {
                let value = match arg {
                    Arg::Plain(v) => v.clone(),
                    Arg::Text(text) => text.render(locale),
                };
                (name.as_str(), value)
            })
            .collect();
        fill(translate(locale, &self.key), &args)
    }
}

impl From<&'static str> for Text {
    fn from(key: &'static str) -> Text {
        Text::new(key)
    }
}

/// Shows in the current language.
impl Display for Text {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.render(current()))
    }
}

/// An amount as the language writes it: `CHF 1,234.50` in English, `CHF 1'234.50` in
/// (Swiss) French.
pub fn money_in(locale: Locale, money: Money) -> String {
    let separator = match locale {
        Locale::En => ",",
        Locale::Fr => "'",
    };
    let sign = if money.minor < 0 { "-" } else { "" };
    let abs = money.minor.unsigned_abs();
    let units = (abs / 100).to_string();
    let mut grouped = String::new();
    for (i, digit) in units.chars().enumerate() {
        if i > 0 && (units.len() - i).is_multiple_of(3) {
            grouped.push_str(separator);
        }
        grouped.push(digit);
    }
    format!("{} {sign}{grouped}.{:02}", money.currency.code(), abs % 100)
}

pub fn money(money: Money) -> String {
    money_in(current(), money)
}

/// A day as the language writes it: `Nov 25, 2026`, `25.11.2026`.
pub fn date_in(locale: Locale, day: NaiveDate) -> String {
    match locale {
        Locale::En => day.format("%b %-d, %Y").to_string(),
        Locale::Fr => day.format("%d.%m.%Y").to_string(),
    }
}

pub fn date(day: NaiveDate) -> String {
    date_in(current(), day)
}

/// A moment, in UTC, said so.
pub fn datetime_in(locale: Locale, at: NaiveDateTime) -> String {
    format!("{} {} UTC", date_in(locale, at.date()), at.format("%H:%M"))
}

pub fn datetime(at: NaiveDateTime) -> String {
    datetime_in(current(), at)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Currency;

    #[test]
    fn the_browser_language_is_negotiated() {
        assert_eq!(Locale::negotiate("fr-CH,fr;q=0.9,en;q=0.8"), Locale::Fr);
        assert_eq!(Locale::negotiate("de-CH,en;q=0.5,fr;q=0.7"), Locale::Fr);
        assert_eq!(Locale::negotiate("en-US,en;q=0.9"), Locale::En);
        assert_eq!(Locale::negotiate("de-CH"), Locale::En);
        assert_eq!(Locale::negotiate(""), Locale::En);
        assert_eq!(Locale::negotiate("fr;q=abc"), Locale::Fr);
    }

    #[test]
    fn money_and_dates_follow_the_language() {
        let amount = Money::new(123_450, Currency::Chf);
        assert_eq!(money_in(Locale::En, amount), "CHF 1,234.50");
        assert_eq!(money_in(Locale::Fr, amount), "CHF 1'234.50");
        assert_eq!(
            money_in(Locale::Fr, Money::new(-100_000_000, Currency::Eur)),
            "EUR -1'000'000.00"
        );
        let day = NaiveDate::from_ymd_opt(2026, 11, 5).unwrap();
        assert_eq!(date_in(Locale::En, day), "Nov 5, 2026");
        assert_eq!(date_in(Locale::Fr, day), "05.11.2026");
    }

    #[test]
    fn texts_are_translated_with_their_values() {
        let text = Text::new("Role changed from %{from} to %{to}.")
            .text("from", "Technical")
            .text("to", "Billing");
        assert_eq!(
            text.render(Locale::En),
            "Role changed from Technical to Billing."
        );
        let french = text.render(Locale::Fr);
        assert!(
            french.contains("Technique") && french.contains("Facturation"),
            "{french}"
        );
        assert_eq!(
            translate(Locale::Fr, "a text nobody translated"),
            "a text nobody translated"
        );
    }
}
