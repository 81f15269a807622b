//! What customers and partners do with their relationship: invite, accept or refuse,
//! change the access and who pays, and stop. Each action checks the partnership as it
//! is now and writes the change, its timeline event and its emails in one transaction.

mod handover;
mod lifecycle;
mod payment_mode;

pub use lifecycle::*;
pub use payment_mode::*;

/// Who acts: a member of one of the two organizations, allowed to manage partners.
pub struct Actor<'a> {
    pub user_id: &'a str,
    pub user_name: &'a str,
    pub user_email: &'a str,
    pub org_id: &'a str,
}
