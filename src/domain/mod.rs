//! The words of the product as types: roles, access, who pays, and the states a
//! partnership goes through. Each is stored as text; parsing a stored or submitted
//! value is the only way to get one, so an invalid value never reaches the rules.

pub mod address;
mod billing;
mod partnership;
mod people;

pub use billing::{Currency, IncomeKind, Money, OrderKind, Placer, Rate};
pub use partnership::{Access, AccessKind, EventKind, PartnershipStatus, PaymentMode, Side};
pub use people::{
    EmailAddress, HIDDEN_CHARACTERS, Role, is_hidden_character, refuse_hidden_characters,
};
