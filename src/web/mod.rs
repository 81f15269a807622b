//! The web layer: thin handlers that extract, call the domain, and render.

mod about;
mod account;
mod act;
mod assets;
mod clients;
pub mod csrf;
mod csv;
mod dashboard;
mod details;
pub mod errors;
pub mod guards;
mod health;
mod income;
mod invoices;
pub mod layout;
mod login;
pub mod member;
mod orders;
mod org;
mod partners;
mod password;
mod products;
mod relationships;
mod requests;
pub mod routes;
pub mod session;
pub mod site;
mod spans;
mod team;
pub mod timing;
pub mod views;
mod welcome;

pub use member::{Member, SignedIn};
pub use routes::routes;
pub use session::{AppSession, FlashKind};
pub use spans::RequestSpan;
