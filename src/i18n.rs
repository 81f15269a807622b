//! Languages. Every text the product shows goes through `t` (or `Text`, for a message
//! written now and shown later). English texts are their own keys; `locales/fr.yml`
//! translates them. The language of a request is set once, by `with_locale`, from the
//! session (the user's choice) or else the browser's `Accept-Language`; an email is
//! written in its recipient's language.

use std::borrow::Cow;
use std::collections::BTreeSet;
use std::fmt::Display;
use std::sync::{Mutex, PoisonError};

use actix_session::SessionExt;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header;
use actix_web::middleware::Next;
use chrono::{Datelike, NaiveDate, NaiveDateTime, Timelike};
use diesel::{AsExpression, FromSqlRow, sql_types::Text as SqlText};
use serde::{Deserialize, Serialize};
use strum::{EnumString, IntoStaticStr};

use crate::domain::Money;

/// A language of the interface, and whether numbers and dates are written the Swiss way
/// (`CHF 1'234.50`, `25.11.2026`) — the convention of every language in Switzerland.
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
    #[strum(serialize = "en-CH")]
    #[serde(rename = "en-CH")]
    EnCh,
    #[strum(serialize = "fr")]
    #[serde(rename = "fr")]
    Fr,
    #[strum(serialize = "fr-CH")]
    #[serde(rename = "fr-CH")]
    FrCh,
}

/// The languages the switch offers, by their language codes.
const LANGUAGES: [Locale; 2] = [Locale::En, Locale::Fr];

impl Locale {
    /// The BCP 47 tag: `fr-CH`.
    pub fn code(self) -> &'static str {
        self.into()
    }

    /// The language alone: `fr`. Texts are translated per language.
    pub fn language(self) -> &'static str {
        match self {
            Locale::En | Locale::EnCh => "en",
            Locale::Fr | Locale::FrCh => "fr",
        }
    }

    fn is_swiss(self) -> bool {
        matches!(self, Locale::EnCh | Locale::FrCh)
    }

    fn from_parts(language: &str, swiss: bool) -> Option<Locale> {
        Some(match (language, swiss) {
            ("en", false) => Locale::En,
            ("en", true) => Locale::EnCh,
            ("fr", false) => Locale::Fr,
            ("fr", true) => Locale::FrCh,
            _ => return None,
        })
    }

    /// This locale in another language (`en` or `fr`), keeping how numbers are written:
    /// what the language switch does.
    pub fn with_language(self, language: &str) -> Option<Locale> {
        Locale::from_parts(language, self.is_swiss())
    }

    /// The language's own name, as the switch offers it.
    pub fn name(self) -> &'static str {
        match self.language() {
            "fr" => "Français",
            _ => "English",
        }
    }

    /// The best of our languages for an `Accept-Language` header (English otherwise),
    /// written the Swiss way when the browser's first choice is a Swiss locale, whatever
    /// its language (`de-CH` reads English, with Swiss numbers).
    pub fn negotiate(accept_language: &str) -> Locale {
        let mut language = ("en", f32::MIN);
        let mut first = (false, f32::MIN);
        for part in accept_language.split(',') {
            let mut pieces = part.trim().split(';');
            let tag = pieces
                .next()
                .unwrap_or_default()
                .trim()
                .to_ascii_lowercase();
            if tag.is_empty() {
                continue;
            }
            let quality = pieces
                .find_map(|p| {
                    p.trim()
                        .strip_prefix("q=")
                        .and_then(|q| q.parse::<f32>().ok())
                })
                .unwrap_or(1.0);
            let mut subtags = tag.split('-');
            let primary = subtags.next().unwrap_or_default();
            let swiss = subtags.any(|s| s == "ch" || s == "li");
            if quality > first.1 {
                first = (swiss, quality);
            }
            if let Some(ours) = LANGUAGES.iter().find(|l| l.language() == primary)
                && quality > language.1
            {
                language = (ours.language(), quality);
            }
        }
        Locale::from_parts(language.0, first.0).unwrap_or_default()
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
    if locale.language() == "en" {
        return key.to_owned();
    }
    match crate::_rust_i18n_try_translate(locale.language(), key) {
        Some(text) => text.into_owned(),
        None => {
            note_untranslated(locale, key);
            key.to_owned()
        }
    }
}

/// Texts shown in English for want of a translation, as `language: text`.
static UNTRANSLATED: Mutex<BTreeSet<String>> = Mutex::new(BTreeSet::new());

/// Logs, once per text, that it was shown untranslated.
fn note_untranslated(locale: Locale, key: &str) {
    let entry = format!("{}: {key}", locale.language());
    let mut seen = UNTRANSLATED.lock().unwrap_or_else(PoisonError::into_inner);
    if !seen.contains(&entry) {
        tracing::warn!(language = locale.language(), text = key, "no translation");
        seen.insert(entry);
    }
}

/// Every text shown untranslated since the start, as `language: text`.
pub fn untranslated() -> Vec<String> {
    let seen = UNTRANSLATED.lock().unwrap_or_else(PoisonError::into_inner);
    seen.iter().cloned().collect()
}

/// Whether `locale` has its own text for `key` (English always has: its keys are its texts).
pub fn is_translated(locale: Locale, key: &str) -> bool {
    locale.language() == "en" || crate::_rust_i18n_try_translate(locale.language(), key).is_some()
}

/// Translates into the current language.
pub fn t(key: &str) -> String {
    translate(current(), key)
}

/// Translates, then fills `%{name}` with `value`.
pub fn t1(key: &str, name: &str, value: impl Display) -> String {
    fill(translate(current(), key), vec![(name, value.to_string())])
}

pub fn t2(key: &str, n1: &str, v1: impl Display, n2: &str, v2: impl Display) -> String {
    fill(
        translate(current(), key),
        vec![(n1, v1.to_string()), (n2, v2.to_string())],
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
        vec![
            (n1, v1.to_string()),
            (n2, v2.to_string()),
            (n3, v3.to_string()),
        ],
    )
}

fn fill(text: String, args: Vec<(&str, String)>) -> String {
    let (names, values): (Vec<&str>, Vec<String>) = args.into_iter().unzip();
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
        fill(translate(self.0, key), vec![(name, value.to_string())])
    }

    pub fn t2(&self, key: &str, n1: &str, v1: impl Display, n2: &str, v2: impl Display) -> String {
        fill(
            translate(self.0, key),
            vec![(n1, v1.to_string()), (n2, v2.to_string())],
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
            vec![
                (n1, v1.to_string()),
                (n2, v2.to_string()),
                (n3, v3.to_string()),
            ],
        )
    }

    pub fn code(&self) -> &'static str {
        self.0.code()
    }

    /// The languages, for the switch: (language code, own name, whether it is this one).
    pub fn languages(&self) -> Vec<(&'static str, &'static str, bool)> {
        LANGUAGES
            .iter()
            .map(|l| (l.language(), l.name(), l.language() == self.0.language()))
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
        fill(translate(locale, &self.key), args)
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
    fn the_browser_language_is_negotiated() {
        assert_eq!(Locale::negotiate("fr-CH,fr;q=0.9,en;q=0.8"), Locale::FrCh);
        assert_eq!(Locale::negotiate("fr-FR,fr;q=0.9"), Locale::Fr);
        assert_eq!(Locale::negotiate("de-CH,en;q=0.5,fr;q=0.7"), Locale::FrCh);
        assert_eq!(Locale::negotiate("de-CH"), Locale::EnCh);
        assert_eq!(Locale::negotiate("en-US,en;q=0.9"), Locale::En);
        assert_eq!(Locale::negotiate("it-LI;q=0.9,en-GB"), Locale::En);
        assert_eq!(Locale::negotiate("es"), Locale::En);
        assert_eq!(Locale::negotiate(""), Locale::En);
        assert_eq!(Locale::negotiate(" , ;q=1,"), Locale::En);
        assert_eq!(Locale::negotiate("fr;q=abc"), Locale::Fr);
    }

    #[test]
    fn the_switch_changes_the_language_and_keeps_the_numbers() {
        assert_eq!(Locale::EnCh.with_language("fr"), Some(Locale::FrCh));
        assert_eq!(Locale::FrCh.with_language("en"), Some(Locale::EnCh));
        assert_eq!(Locale::En.with_language("fr"), Some(Locale::Fr));
        assert_eq!(Locale::Fr.with_language("fr"), Some(Locale::Fr));
        assert_eq!(Locale::En.with_language("fr-CH"), None);
        assert_eq!(Locale::En.with_language("de"), None);
        for locale in [Locale::En, Locale::EnCh, Locale::Fr, Locale::FrCh] {
            assert_eq!(locale.code().parse::<Locale>(), Ok(locale));
        }
    }

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
    fn texts_are_translated_with_their_values() {
        let text = Text::new("Role changed from %{from} to %{to}. The person has been told.")
            .text("from", "technical")
            .text("to", "billing");
        assert_eq!(
            text.render(Locale::En),
            "Role changed from technical to billing. The person has been told."
        );
        let french = text.render(Locale::FrCh);
        assert!(
            french.contains("technique") && french.contains("facturation"),
            "{french}"
        );
        assert_eq!(
            translate(Locale::Fr, "a text nobody translated"),
            "a text nobody translated"
        );
    }
}
