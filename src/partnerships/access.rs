//! The customer changes the rights of an active partnership: limited ↔ full and the
//! product list. Going to full needs a payment mode; going to limited drops it (the
//! customer pays). A change that moves who pays renewals is a payment-mode change too.

use chrono::NaiveDateTime;

use super::handover::hand_over;
use super::lifecycle::{Grant, LifecycleError, listed_products, load, record};
use crate::db::models::partnerships::{self, Side};
use crate::db::models::products;
use crate::db::{DbConn, write_tx};
use crate::domain::{Access, EventKind, PartnershipStatus};
use crate::mail::MailContext;
use crate::mail::notifications::partnerships::{self as notify, AccessChanged};
use crate::partnerships::{Actor, renewals_paid_under};

/// What an access change amounts to.
#[derive(Debug, PartialEq, Eq)]
pub enum AccessChange {
    Changed { from: Access, to: Access },
    Unchanged,
}

/// Saves the new rights (if nobody changed the partnership since `expected_version`);
/// both sides are told.
pub fn change_access(
    conn: &mut DbConn,
    mail: &MailContext,
    actor: &Actor<'_>,
    id: &str,
    grant: &Grant,
    expected_version: i32,
    at: NaiveDateTime,
) -> Result<AccessChange, LifecycleError> {
    write_tx(conn, |conn| {
        let p = load(conn, Side::Customer, actor.org_id, id)?;
        if p.status != PartnershipStatus::Active {
            return Err(LifecycleError::Conflict(
                "Only an active collaboration's access can be changed.".into(),
            ));
        }
        if p.version != expected_version {
            return Err(LifecycleError::Stale);
        }
        let to = grant.access();
        let listed = listed_products(conn, &p.customer_org_id, Some(&p.id), grant)?;
        let managed = products::managed_by(conn, &p.id)?;
        if to == p.access && (to != Access::Limited || listed == managed) {
            return Ok(AccessChange::Unchanged);
        }
        if !partnerships::set_access(conn, actor.org_id, &p.id, expected_version, to, at)? {
            return Err(LifecycleError::Stale);
        }
        if to == Access::Limited {
            products::release(conn, &p.id, &listed)?;
            hand_over(conn, mail, actor, &p, &listed, at)?;
        }
        let from = p.access;
        record(
            conn,
            &p,
            at,
            Some(actor),
            EventKind::AccessChanged,
            Some(&from.to_stored()),
            Some(&to.to_stored()),
        )?;
        let (paid_before, paid_after) = (renewals_paid_under(from), renewals_paid_under(to));
        let moves_payer = paid_before != paid_after;
        if moves_payer {
            record(
                conn,
                &p,
                at,
                Some(actor),
                EventKind::PaymentModeChanged,
                Some(paid_before.as_str()),
                Some(paid_after.as_str()),
            )?;
        }
        let change = AccessChanged {
            from,
            to,
            listed: listed.len(),
            pays_now: moves_payer.then_some(paid_after),
        };
        notify::access_changed(conn, mail, &p, actor, &change)?;
        Ok(AccessChange::Changed { from, to })
    })
}
