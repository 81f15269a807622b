//! The web layer: thin handlers that extract, call the domain, and render.

mod about;
mod account;
mod act;
mod assets;
mod clients;
pub mod csrf;
mod csv;
mod dashboard;
pub mod errors;
pub mod guards;
mod health;
mod income;
mod invoices;
pub mod layout;
mod login;
mod orders;
mod org;
mod partners;
mod products;
mod relationships;
mod requests;
pub mod routes;
pub mod site;
mod team;
pub mod timing;
pub mod views;
mod welcome;

pub use routes::routes;
