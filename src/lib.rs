//! partnerdesk: a partner-billing console. A customer organization hands the management
//! of its products to a partner, chooses who pays, and each side sees exactly the
//! invoices that belong to it.

pub mod auth;
pub mod billing;
pub mod commands;
pub mod config;
pub mod db;
pub mod demo;
pub mod domain;
pub mod mail;
pub mod members;
pub mod orders;
pub mod partnerships;
pub mod startup;
pub mod web;
