//! The locales: a language, and whether numbers and dates are written the Swiss way.

use diesel::{AsExpression, FromSqlRow, sql_types::Text as SqlText};
use serde::{Deserialize, Serialize};
use strum::{EnumString, IntoStaticStr};

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
pub(super) const LANGUAGES: [Locale; 2] = [Locale::En, Locale::Fr];

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

#[cfg(test)]
mod tests {
    use super::*;

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
}
