//! Languages. Every text the product shows goes through `t` (or `Text`, for a message
//! written now and shown later). English texts are their own keys; `locales/fr.yml`
//! translates them. The language of a request is set once, by `with_locale`, from the
//! session (the user's choice) or else the browser's `Accept-Language`; an email is
//! written in its recipient's language. [`In`] is the one way to translate: into a
//! language given, or (`In::default()`, `t`) the request's.
//!
//! Only the web edge reads the request's language (and [`Db::run`](crate::db::Db::run)
//! carries it onto the database's threads, for the pages it reads there). Domain code
//! never does: it returns a [`Text`], or is handed the language of the one who acts
//! (`Actor::locale`, `Acting::locale`) for what it writes once, such as an invoice's
//! lines or an email to an address that has no account yet.

mod format;
mod locale;
mod text;

pub use format::{date, date_in, datetime, datetime_in, money, money_in, month_in, rate_in};
pub use locale::Locale;
pub use text::{Arg, In, Text};

use std::collections::BTreeSet;
use std::fmt::Display;
use std::sync::{Mutex, PoisonError};

use actix_session::SessionExt;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header;
use actix_web::middleware::Next;

tokio::task_local! {
    static LOCALE: Locale;
}

/// The language of the request being served (English outside a request).
pub fn current() -> Locale {
    LOCALE.try_with(|l| *l).unwrap_or_default()
}

/// Runs `f` in `locale`: how work a request hands to another thread (the database's
/// blocking pool) is still done in the request's language.
pub fn within<R>(locale: Locale, f: impl FnOnce() -> R) -> R {
    LOCALE.sync_scope(locale, f)
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

/// Translates into the current language (the request's). The same as
/// [`In::default()`]`.t(…)`, which is what every other way of translating comes to.
pub fn t(key: &str) -> String {
    In::default().t(key)
}

/// Translates, then fills `%{name}` with `value`.
pub fn t1(key: &str, name: &str, value: impl Display) -> String {
    In::default().t1(key, name, value)
}

pub fn t2(key: &str, n1: &str, v1: impl Display, n2: &str, v2: impl Display) -> String {
    In::default().t2(key, n1, v1, n2, v2)
}

pub(super) fn fill(text: String, args: Vec<(&str, String)>) -> String {
    let (names, values): (Vec<&str>, Vec<String>) = args.into_iter().unzip();
    rust_i18n::replace_patterns(&text, &names, &values)
}

#[cfg(test)]
mod tests {
    use super::*;

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
