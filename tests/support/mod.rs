//! What every integration test needs: the real application on a random port with a
//! fresh database of its own (SQLite by default; PostgreSQL when `TEST_DATABASE_URL`
//! names a PostgreSQL server), and a cookie-keeping browser to drive it over HTTP.
#![allow(dead_code, unused_imports)] // each test file uses its own part of this module

mod app;
pub mod bank;
mod books;
mod browser;
mod email;
pub mod pdf;
pub mod smtp;
pub mod totp;

pub use app::*;
pub use books::*;
pub use browser::*;
pub use email::*;
pub use partnerdesk::demo::{ACME, BETA, PASSWORD, STUDIO, WEB_AGENCY};
