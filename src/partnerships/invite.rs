//! Sending an invitation: the customer invites a registered partner with the rights it
//! grants; the inviting side may send it again (30 more days). (A partner asks for a
//! client by email: see [`super::requests`].)

use chrono::NaiveDateTime;
use diesel::result::{DatabaseErrorKind, Error as DieselError};

use super::lifecycle::{
    Grant, LifecycleError, expires_on, listed_products, load, pending, product_count, record,
};
use crate::db::models::partnerships::{self, PartnershipView, Side};
use crate::db::models::{orgs, products};
use crate::db::{DbConn, write_tx};
use crate::domain::{EventKind, PartnershipStatus};
use crate::i18n::Text;
use crate::mail::MailContext;
use crate::mail::notifications::partnerships as notify;
use crate::partnerships::Actor;

/// A second live partnership between the same two organizations, refused in words.
fn unique_pair(e: LifecycleError, partner: &'static str, customer: &'static str) -> LifecycleError {
    match e {
        LifecycleError::Storage(cause)
            if matches!(
                cause.downcast_ref::<DieselError>(),
                Some(DieselError::DatabaseError(
                    DatabaseErrorKind::UniqueViolation,
                    _
                ))
            ) =>
        {
            LifecycleError::Conflict(
                Text::new("%{partner} and %{customer} already work together, or an invitation between them is pending.")
                    .text("partner", partner)
                    .text("customer", customer),
            )
        }
        other => other,
    }
}

/// Tells the invited side about the invitation, first time or again.
fn send_invitation(
    conn: &mut DbConn,
    mail: &MailContext,
    p: &PartnershipView,
    actor: &Actor<'_>,
) -> Result<(), LifecycleError> {
    let products = product_count(conn, p, p.access)?;
    notify::invitation(conn, mail, p, actor, products, &expires_on(p))?;
    Ok(())
}

/// A customer invites a registered partner, with the rights it grants.
pub fn invite_partner(
    conn: &mut DbConn,
    mail: &MailContext,
    actor: &Actor<'_>,
    partner_org_id: &str,
    grant: &Grant,
    at: NaiveDateTime,
) -> Result<String, LifecycleError> {
    if partner_org_id == actor.org_id {
        return Err(LifecycleError::Invalid(
            "An organization cannot be its own partner.".into(),
        ));
    }
    write_tx(conn, |conn| {
        if orgs::partner_rate(conn, partner_org_id)?.is_none() {
            return Err(LifecycleError::Invalid(
                "Choose a registered partner from the search results.".into(),
            ));
        }
        let listed = listed_products(conn, actor.org_id, None, grant)?;
        let id = partnerships::create(
            conn,
            actor.org_id,
            partner_org_id,
            grant.access(),
            PartnershipStatus::Pending,
            Side::Customer,
            at,
        )?;
        products::request(conn, &id, &listed)?;
        let p = load(conn, Side::Customer, actor.org_id, &id)?;
        record(
            conn,
            &p,
            at,
            Some(actor),
            EventKind::Invited,
            None,
            Some(&p.access.to_stored()),
        )?;
        send_invitation(conn, mail, &p, actor)?;
        Ok(id)
    })
    .map_err(|e| unique_pair(e, "This partner", "your organization"))
}

/// The inviting side sends its pending invitation again: 30 more days.
pub fn resend(
    conn: &mut DbConn,
    mail: &MailContext,
    actor: &Actor<'_>,
    side: Side,
    id: &str,
    at: NaiveDateTime,
) -> Result<(), LifecycleError> {
    write_tx(conn, |conn| {
        let p = load(conn, side, actor.org_id, id)?;
        if p.status != PartnershipStatus::Pending {
            pending(&p, at)?;
        }
        if p.initiated_by != side {
            return Err(LifecycleError::NotAllowed(
                "This invitation was sent to you: accept or refuse it.".into(),
            ));
        }
        partnerships::reinvite(conn, &p.id, at)?;
        let p = load(conn, side, actor.org_id, id)?;
        record(conn, &p, at, Some(actor), EventKind::Resent, None, None)?;
        send_invitation(conn, mail, &p, actor)
    })
}
