//! What customers and partners do with their relationship: invite, accept or refuse,
//! change the access and who pays, and stop. Each action checks the partnership as it
//! is now and writes the change, its timeline event and its emails in one transaction.

mod access;
mod answer;
mod end;
mod handover;
mod invite;
mod lifecycle;
mod payment_mode;
mod requests;

use crate::i18n::Locale;

pub use access::{AccessChange, change_access};
pub use answer::{accept, refuse, withdraw};
pub use end::{end, expire_invitations};
pub use invite::{invite_partner, resend};
pub use lifecycle::{Grant, INVITATION_DAYS, LifecycleError, is_expired};
pub use payment_mode::*;
pub use requests::*;

/// Who acts: a member of one of the two organizations, allowed to manage partners.
pub struct Actor<'a> {
    pub user_id: &'a str,
    pub user_name: &'a str,
    pub user_email: &'a str,
    pub org_id: &'a str,
    /// The language they act in: of what they are shown, and of emails to addresses
    /// that have no account yet.
    pub locale: Locale,
}

/// An [`Actor`] that owns its words, to cross into the database's blocking work.
#[derive(Debug, Clone)]
pub struct OwnedActor {
    pub user_id: String,
    pub user_name: String,
    pub user_email: String,
    pub org_id: String,
    pub locale: Locale,
}

impl OwnedActor {
    pub fn borrow(&self) -> Actor<'_> {
        Actor {
            user_id: &self.user_id,
            user_name: &self.user_name,
            user_email: &self.user_email,
            org_id: &self.org_id,
            locale: self.locale,
        }
    }
}
