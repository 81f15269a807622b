//! The words of the product as types: roles, access, who pays, and the states a
//! partnership goes through. Each is stored as text; parsing a stored or submitted
//! value is the only way to get one, so an invalid value never reaches the rules.

pub mod address;
mod billing;
mod partnership;
mod people;
pub mod postal;
mod product;

pub use billing::{Currency, IncomeKind, Money, OrderKind, Placer, Rate, decimal};
pub use partnership::{Access, AccessKind, EventKind, PartnershipStatus, PaymentMode, Side};
pub use product::{parse_label, product_name};
/// `text` in groups of four characters, as IBANs, payment references and keys to type
/// are printed.
pub fn in_fours(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    chars
        .chunks(4)
        .map(|c| c.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join(" ")
}

pub use people::{
    EmailAddress, HIDDEN_CHARACTERS, Role, is_hidden_character, refuse_hidden_characters,
};
