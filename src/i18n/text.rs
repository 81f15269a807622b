//! Translating: into a language given ([`In`]), and messages written now and shown later
//! in the language of whoever reads them ([`Text`]).

use std::borrow::Cow;
use std::fmt::Display;

use serde::{Deserialize, Serialize};

use super::locale::LANGUAGES;
use super::{Locale, current, fill, translate};

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
    /// A day, written as the reader's language writes days.
    Day(chrono::NaiveDate),
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

    /// Fills `%{name}` with a day, written as each reader's language writes it.
    #[must_use]
    pub fn day(mut self, name: &str, day: chrono::NaiveDate) -> Text {
        self.args.push((name.to_owned(), Arg::Day(day)));
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
                    Arg::Day(day) => super::date_in(locale, *day),
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
