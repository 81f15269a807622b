//! Two-factor authentication: a time-based code (TOTP, RFC 6238: HMAC-SHA-1, six digits,
//! 30-second steps, one step of clock drift either way) from an authenticator app, or
//! one of ten single-use recovery codes.
//!
//! A code is accepted once: the account keeps the last time step it accepted, and a
//! code of that step or an earlier one is refused, by one `UPDATE … WHERE` so that two
//! requests cannot both use it. Recovery codes are kept as digests (SHA-256: they carry
//! ~49 bits of randomness each and the throttle allows five tries in 15 minutes), and
//! each is spent by one `UPDATE … WHERE used_at IS NULL`. Checks are throttled like the
//! password, per account and per address.

use std::net::IpAddr;

use chrono::{NaiveDateTime, TimeDelta};
use diesel::QueryResult;
use rand::Rng;
use totp_rs::{Builder, Secret, Totp};

use crate::auth::throttle::Keys;
use crate::auth::tokens::digest;
use crate::db::models::two_factor as rows;
use crate::db::models::users::User;
use crate::db::{Db, DbConn, now, write_tx};
use crate::mail::MailContext;
use crate::mail::notifications::account as notify;

/// The name an authenticator app shows the account under.
pub const ISSUER: &str = "partnerdesk";
/// How many recovery codes an account gets at a time.
pub const RECOVERY_CODES: usize = 10;
/// The letters of a recovery code: no 0/o, 1/l/i to mistake for one another.
const CODE_ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
const CODE_LENGTH: usize = 10;

/// A new secret: 160 random bits, as RFC 4226 recommends, in base32.
pub fn new_secret() -> String {
    let bytes: [u8; 20] = rand::random();
    Secret::from(bytes.to_vec()).to_base32()
}

fn totp(secret: &str, account: &str) -> anyhow::Result<Totp> {
    let secret =
        Secret::try_from_base32(secret).map_err(|e| anyhow::anyhow!("two-factor secret: {e:?}"))?;
    Builder::new()
        .with_secret(secret)
        // A colon separates the issuer from the account in the app's label.
        .with_account_name(account.replace(':', " "))
        .with_issuer(Some(ISSUER))
        .build()
        .map_err(|e| anyhow::anyhow!("two-factor: {e:?}"))
}

/// The `otpauth://` address an authenticator app reads from the QR code.
pub fn setup_uri(secret: &str, account: &str) -> anyhow::Result<String> {
    totp(secret, account)?
        .to_url()
        .map_err(|e| anyhow::anyhow!("two-factor address: {e:?}"))
}

/// The QR code of `uri` as an SVG element for the page (hidden from screen readers: the
/// page says what it is, and shows the secret as text beside it).
pub fn qr_svg(uri: &str) -> anyhow::Result<String> {
    let code = qrcode::QrCode::new(uri.as_bytes())?;
    let svg = code
        .render::<qrcode::render::svg::Color>()
        .min_dimensions(200, 200)
        .build();
    let element = svg.split_once("?>").map_or(svg.as_str(), |(_, rest)| rest);
    Ok(element.replacen(r#" version="1.1""#, "", 1).replacen(
        "<svg ",
        r#"<svg aria-hidden="true" "#,
        1,
    ))
}

/// What a person typed, as a six-digit code: spaces ignored.
fn as_code(typed: &str) -> Option<String> {
    let code: String = typed.chars().filter(|c| !c.is_whitespace()).collect();
    (code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit())).then_some(code)
}

/// The time step `typed` is the code of, for `secret` at `unix` seconds (one step of
/// drift either way).
pub fn step_of(secret: &str, typed: &str, unix: i64) -> Option<i64> {
    let code = as_code(typed)?;
    let totp = totp(secret, "").ok()?;
    let step = totp.check(&code, u64::try_from(unix).ok()?)?;
    i64::try_from(step).ok()
}

/// Ten new recovery codes, as they are shown (`abcde-fghjk`).
fn new_recovery_codes() -> Vec<String> {
    let mut rng = rand::rng();
    (0..RECOVERY_CODES)
        .map(|_| {
            let letters: String = (0..CODE_LENGTH)
                .map(|_| CODE_ALPHABET[rng.random_range(0..CODE_ALPHABET.len())] as char)
                .collect();
            format!("{}-{}", &letters[..5], &letters[5..])
        })
        .collect()
}

/// The digest a typed recovery code is kept under: case, spaces and hyphens ignored.
fn recovery_digest(typed: &str) -> Option<String> {
    let letters: String = typed
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .collect();
    (letters.len() == CODE_LENGTH && typed.len() < 40).then(|| digest(&letters))
}

/// What a typed code came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Checked {
    /// A code from the app, accepted.
    Code,
    /// A recovery code, now spent; `left` are still unused.
    Recovery { left: i64 },
    /// Not a code of the account's now, used already, or no code at all.
    Wrong,
}

/// Checks `typed` for `user_id`: a code from the app, or else a recovery code.
pub fn check(
    conn: &mut DbConn,
    user_id: &str,
    typed: &str,
    at: NaiveDateTime,
) -> QueryResult<Checked> {
    let Some((secret, _)) = rows::secret(conn, user_id)? else {
        return Ok(Checked::Wrong);
    };
    if as_code(typed).is_some() {
        return Ok(match step_of(&secret, typed, at.and_utc().timestamp()) {
            Some(step) if rows::accept_step(conn, user_id, step)? => Checked::Code,
            _ => Checked::Wrong,
        });
    }
    let Some(digest) = recovery_digest(typed) else {
        return Ok(Checked::Wrong);
    };
    if !rows::spend_code(conn, user_id, &digest, at)? {
        return Ok(Checked::Wrong);
    }
    Ok(Checked::Recovery {
        left: rows::codes_left(conn, user_id)?,
    })
}

/// Checks `typed` for `user` signing in or confirming from `address`, counted against the
/// account and the address like a password (`Err(wait)`: too many tries). A recovery
/// code spent signing in is told to the account's address (`tell`); one spent turning
/// two-factor off is not, the email that it is off says enough.
pub async fn verify(
    db: &Db,
    tell: Option<&MailContext>,
    user: &User,
    typed: String,
    address: Option<IpAddr>,
) -> anyhow::Result<Result<Checked, TimeDelta>> {
    let keys = Keys::for_purpose("code", &user.email, address);
    let (user, mail) = (user.clone(), tell.cloned());
    db.write(move |conn| -> anyhow::Result<_> {
        let attempt = match keys.attempt(conn, now())? {
            Ok(attempt) => attempt,
            Err(wait) => return Ok(Err(wait)),
        };
        let checked = write_tx(conn, |conn| -> anyhow::Result<Checked> {
            let checked = check(conn, &user.id, &typed, now())?;
            if let (Checked::Recovery { left }, Some(mail)) = (checked, &mail) {
                notify::recovery_code_used(conn, mail, &user, left)?;
            }
            Ok(checked)
        })?;
        if checked != Checked::Wrong {
            keys.succeeded(conn, &attempt)?;
        }
        Ok(Ok(checked))
    })
    .await
}

/// What confirming the setup came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum On {
    /// Turned on: the recovery codes to show, once.
    Done(Vec<String>),
    /// The code is not the app's now.
    WrongCode,
    /// It was on already (another tab confirmed first).
    WasOn,
}

/// Turns two-factor on for `user` with the `secret` their app was given, if `typed` is
/// its code now.
pub fn enable(
    conn: &mut DbConn,
    mail: &MailContext,
    user: &User,
    secret: &str,
    typed: &str,
    at: NaiveDateTime,
) -> anyhow::Result<On> {
    let Some(step) = step_of(secret, typed, at.and_utc().timestamp()) else {
        return Ok(On::WrongCode);
    };
    write_tx(conn, |conn| {
        if !rows::enable(conn, &user.id, secret, step, at)? {
            return Ok(On::WasOn);
        }
        let codes = store_new_codes(conn, &user.id)?;
        notify::two_factor_on(conn, mail, user)?;
        Ok(On::Done(codes))
    })
}

fn store_new_codes(conn: &mut DbConn, user_id: &str) -> QueryResult<Vec<String>> {
    let codes = new_recovery_codes();
    let digests: Vec<String> = codes.iter().filter_map(|c| recovery_digest(c)).collect();
    rows::replace_codes(conn, user_id, &digests)?;
    Ok(codes)
}

/// New recovery codes for `user` (the old ones stop working); `None` when two-factor is
/// off.
pub fn regenerate(
    conn: &mut DbConn,
    mail: &MailContext,
    user: &User,
) -> anyhow::Result<Option<Vec<String>>> {
    write_tx(conn, |conn| {
        if rows::secret(conn, &user.id)?.is_none() {
            return Ok(None);
        }
        let codes = store_new_codes(conn, &user.id)?;
        notify::recovery_codes_replaced(conn, mail, user)?;
        Ok(Some(codes))
    })
}

/// What turning two-factor off came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Off {
    Done,
    /// It was off already.
    WasOff,
    /// An organization of theirs requires it: it stays on.
    Required,
}

/// Turns two-factor off for `user` and tells them, unless an organization of theirs
/// requires it (checked in the transaction that turns it off, the organizations locked:
/// a requirement set meanwhile is decided before or after, never beside).
pub fn disable(conn: &mut DbConn, mail: &MailContext, user: &User) -> anyhow::Result<Off> {
    write_tx(conn, |conn| {
        if rows::required_for(conn, &user.id)? {
            return Ok(Off::Required);
        }
        if !rows::disable(conn, &user.id)? {
            return Ok(Off::WasOff);
        }
        notify::two_factor_off(conn, mail, user)?;
        Ok(Off::Done)
    })
}

/// Requires two-factor of every member of `org_id` (or stops requiring it), as
/// `by_user_id` asks: `false` when requiring it and they do not have it on themselves
/// (checked in the transaction that sets it, against their turning it off meanwhile).
pub fn require(
    conn: &mut DbConn,
    org_id: &str,
    by_user_id: &str,
    required: bool,
) -> QueryResult<bool> {
    write_tx(conn, |conn| {
        let has_it = rows::lock_for_requiring(conn, org_id, by_user_id)?;
        if required && !has_it {
            return Ok(false);
        }
        rows::set_required(conn, org_id, required)?;
        Ok(true)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238, appendix B: the SHA-1 secret "12345678901234567890" (here in base32),
    /// whose eight-digit codes end with these six digits.
    #[test]
    fn codes_are_those_of_the_rfc_6238_test_vectors() {
        let secret = Secret::from(b"12345678901234567890".to_vec()).to_base32();
        for (unix, code) in [
            (59, "287082"),
            (1_111_111_109, "081804"),
            (1_111_111_111, "050471"),
            (1_234_567_890, "005924"),
            (2_000_000_000, "279037"),
        ] {
            assert_eq!(step_of(&secret, code, unix), Some(unix / 30), "at {unix}");
        }
    }

    #[test]
    fn a_code_is_accepted_one_step_early_or_late_and_no_more() {
        let secret = new_secret();
        let at = 1_800_000_000_i64;
        let code_at = |unix: i64| totp(&secret, "").unwrap().generate(unix as u64).to_string();
        let now = code_at(at);
        assert_eq!(step_of(&secret, &now, at), Some(at / 30));
        assert_eq!(
            step_of(&secret, &format!(" {} {} ", &now[..3], &now[3..]), at),
            Some(at / 30)
        );
        assert_eq!(step_of(&secret, &code_at(at - 30), at), Some(at / 30 - 1));
        assert_eq!(step_of(&secret, &code_at(at + 30), at), Some(at / 30 + 1));
        assert_eq!(step_of(&secret, &code_at(at - 60), at), None);
        assert_eq!(step_of(&secret, &code_at(at + 60), at), None);
        for typed in ["", "12345", "1234567", "12345a", "１２３４５６"] {
            assert_eq!(step_of(&secret, typed, at), None, "{typed:?}");
        }
    }

    #[test]
    fn recovery_codes_are_ten_distinct_and_read_however_typed() {
        let codes = new_recovery_codes();
        assert_eq!(codes.len(), RECOVERY_CODES);
        let digests: std::collections::HashSet<_> =
            codes.iter().map(|c| recovery_digest(c).unwrap()).collect();
        assert_eq!(digests.len(), RECOVERY_CODES);
        let code = &codes[0];
        assert!(code.len() == 11 && code.as_bytes()[5] == b'-', "{code}");
        let typed = format!("  {} ", code.to_uppercase().replace('-', " "));
        assert_eq!(recovery_digest(&typed), recovery_digest(code));
        assert_eq!(recovery_digest("abcde-fghj"), None);
        assert_eq!(recovery_digest(&"a".repeat(11)), None);
    }

    #[test]
    fn the_qr_code_is_an_svg_element_without_its_xml_prolog() {
        let uri = setup_uri(&new_secret(), "ada@example.test").unwrap();
        assert!(
            uri.starts_with("otpauth://totp/partnerdesk:ada%40example.test?"),
            "{uri}"
        );
        assert!(uri.contains("issuer=partnerdesk"), "{uri}");
        let svg = qr_svg(&uri).unwrap();
        assert!(svg.starts_with(r#"<svg aria-hidden="true""#), "{svg:.80}");
        assert!(svg.ends_with("</svg>") && !svg.contains("<?xml"));
    }
}
