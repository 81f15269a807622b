//! partnerdesk: a partner-billing console. A customer organization hands the management
//! of its products to a partner, chooses who pays, and each side sees exactly the
//! invoices that belong to it.

// The translations of `locales/`, compiled in; English texts are their own keys.
rust_i18n::i18n!("locales", fallback = "en");

pub mod auth;
pub mod bench_data;
pub mod billing;
pub mod commands;
pub mod config;
pub mod credit_notes;
pub mod db;
pub mod demo;
pub mod documents;
pub mod domain;
pub mod i18n;
pub mod mail;
pub mod members;
pub mod orders;
pub mod partnerships;
pub mod paths;
pub mod payments;
pub mod pdf;
pub mod provider;
pub mod reminders;
pub mod startup;
pub mod web;
