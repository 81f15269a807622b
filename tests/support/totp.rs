//! Codes of an authenticator app, computed here on their own (RFC 6238 over RFC 4226:
//! HMAC-SHA-1, 30-second steps, six digits), from the secret a page shows.

use hmac::{Hmac, KeyInit, Mac};
use sha1::Sha1;

use super::Page;

/// The base32 secret (RFC 4648, no padding) as bytes.
fn base32(secret: &str) -> Vec<u8> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let (mut bits, mut count, mut out) = (0u64, 0, Vec::new());
    for c in secret
        .bytes()
        .filter(|c| !c.is_ascii_whitespace() && *c != b'=')
    {
        let value = ALPHABET
            .iter()
            .position(|a| *a == c.to_ascii_uppercase())
            .expect("a base32 letter") as u64;
        bits = (bits << 5) | value;
        count += 5;
        if count >= 8 {
            count -= 8;
            out.push((bits >> count) as u8);
        }
    }
    out
}

/// The code of time step `step` for `secret`.
pub fn code_of_step(secret: &str, step: u64) -> String {
    let mut mac = Hmac::<Sha1>::new_from_slice(&base32(secret)).unwrap();
    mac.update(&step.to_be_bytes());
    let hash = mac.finalize().into_bytes();
    let offset = (hash[19] & 0x0f) as usize;
    let value = u32::from_be_bytes(hash[offset..offset + 4].try_into().unwrap()) & 0x7fff_ffff;
    format!("{:06}", value % 1_000_000)
}

/// The time step now, plus `ahead`.
pub fn step_now(ahead: u64) -> u64 {
    let unix = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    unix / 30 + ahead
}

/// The code an app shows now (`ahead` = 1: the next one, still accepted).
pub fn code_now(secret: &str, ahead: u64) -> String {
    code_of_step(secret, step_now(ahead))
}

/// The secret a setup page shows as text.
pub fn secret_on(page: &Page) -> String {
    page.texts("#totp-secret")
        .first()
        .expect("the setup page shows the secret")
        .split_whitespace()
        .collect()
}
