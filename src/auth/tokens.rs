//! Random tokens (of links, cookies, sessions) and the digest under which a token is
//! kept, so that what is stored opens nothing.

use rand::distr::{Alphanumeric, SampleString};
use sha2::{Digest, Sha256};

/// The length of the token of a link sent by email.
pub const LINK: usize = 40;

/// A random token of `len` letters and digits.
pub fn new(len: usize) -> String {
    Alphanumeric.sample_string(&mut rand::rng(), len)
}

/// The hex SHA-256 of `token`: what is stored in its place.
pub fn digest(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_token_is_alphanumeric_and_its_digest_is_hex_sha256() {
        let token = super::new(40);
        assert_eq!(token.len(), 40);
        assert!(token.chars().all(|c| c.is_ascii_alphanumeric()));
        assert_ne!(token, super::new(40));
        assert_eq!(
            super::digest("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
