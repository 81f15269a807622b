//! Answering an invitation: the invited side accepts or refuses, the inviting side may
//! withdraw it.

use chrono::NaiveDateTime;

use super::handover::hand_over;
use super::lifecycle::{
    Grant, LifecycleError, listed_products, load, pending, product_count, record,
};
use crate::db::models::partnerships::{self, PartnershipView, Side};
use crate::db::models::products;
use crate::db::{DbConn, write_tx};
use crate::domain::{Access, EventKind, PartnershipStatus};
use crate::mail::MailContext;
use crate::mail::notifications::partnerships as notify;
use crate::partnerships::Actor;

/// The invited side accepts. The customer always decides the rights: when it accepts a
/// partner's request it gives its `grant` (which may differ from what was asked); when
/// the partner accepts, the rights are those of the invitation.
pub fn accept(
    conn: &mut DbConn,
    mail: &MailContext,
    actor: &Actor<'_>,
    side: Side,
    id: &str,
    grant: Option<&Grant>,
    at: NaiveDateTime,
) -> Result<PartnershipView, LifecycleError> {
    write_tx(conn, |conn| {
        let p = load(conn, side, actor.org_id, id)?;
        pending(&p, at)?;
        if p.initiated_by == side {
            return Err(LifecycleError::NotAllowed(
                "You sent this invitation: the other organization answers it.".into(),
            ));
        }
        let (access, listed) = match (side, grant) {
            (Side::Customer, Some(grant)) => (
                grant.access(),
                listed_products(conn, &p.customer_org_id, Some(&p.id), grant)?,
            ),
            (Side::Customer, None) => {
                return Err(LifecycleError::Invalid(
                    "Choose the access you grant.".into(),
                ));
            }
            (Side::Partner, _) => (p.access, products::requested(conn, &p.id)?),
        };
        if !partnerships::activate(conn, &p.id, access, at)? {
            return Err(LifecycleError::Stale);
        }
        let p = load(conn, side, actor.org_id, id)?;
        record(
            conn,
            &p,
            at,
            Some(actor),
            EventKind::Accepted,
            None,
            Some(&access.to_stored()),
        )?;
        if access == Access::Limited {
            hand_over(conn, mail, actor, &p, &listed, at)?;
        }
        let products = product_count(conn, &p, access)?;
        notify::accepted(conn, mail, &p, side, actor, access, products)?;
        Ok(p)
    })
}

/// The invited side refuses: the invitation is closed, the inviter is told.
pub fn refuse(
    conn: &mut DbConn,
    mail: &MailContext,
    actor: &Actor<'_>,
    side: Side,
    id: &str,
    at: NaiveDateTime,
) -> Result<(), LifecycleError> {
    close_invitation(conn, mail, actor, side, id, at, EventKind::Refused)
}

/// The inviting side withdraws its invitation, the invited side is told.
pub fn withdraw(
    conn: &mut DbConn,
    mail: &MailContext,
    actor: &Actor<'_>,
    side: Side,
    id: &str,
    at: NaiveDateTime,
) -> Result<(), LifecycleError> {
    close_invitation(conn, mail, actor, side, id, at, EventKind::Withdrawn)
}

fn close_invitation(
    conn: &mut DbConn,
    mail: &MailContext,
    actor: &Actor<'_>,
    side: Side,
    id: &str,
    at: NaiveDateTime,
    kind: EventKind,
) -> Result<(), LifecycleError> {
    write_tx(conn, |conn| {
        let p = load(conn, side, actor.org_id, id)?;
        let inviter = p.initiated_by == side;
        match (kind, p.status, inviter) {
            (_, PartnershipStatus::Active | PartnershipStatus::Ended, _) => pending(&p, at)?,
            (EventKind::Refused, _, true) => {
                return Err(LifecycleError::NotAllowed(
                    "You sent this invitation: withdraw it instead.".into(),
                ));
            }
            (EventKind::Withdrawn, _, false) => {
                return Err(LifecycleError::NotAllowed(
                    "This invitation was sent to you: refuse it instead.".into(),
                ));
            }
            _ => {}
        }
        if !partnerships::end(conn, &p.id, at, kind)? {
            return Err(LifecycleError::Stale);
        }
        record(conn, &p, at, Some(actor), kind, None, None)?;
        notify::invitation_closed(conn, mail, &p, side, actor, kind == EventKind::Refused)?;
        Ok(())
    })
}
