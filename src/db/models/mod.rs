//! Rows and the queries that read and write them, one module per table family.
//! Every query about an organization's data takes the organization's id and filters
//! by it in SQL.

pub mod account_links;
pub mod bank_payments;
pub mod billing_details;
pub mod client_requests;
pub mod events;
pub mod income;
pub mod intents;
pub mod invitations;
pub mod invoices;
pub mod known_browsers;
pub mod members;
pub mod offers;
pub mod orders;
pub mod orgs;
pub mod outbox;
pub mod partnerships;
pub mod products;
pub mod reminders;
pub mod sessions;
pub mod throttle;
pub mod two_factor;
pub mod users;
