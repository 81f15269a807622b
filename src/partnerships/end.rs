//! The end of a collaboration: either side stops it, or an invitation nobody answered
//! expires.

use chrono::{NaiveDateTime, TimeDelta};

use super::lifecycle::{INVITATION_DAYS, LifecycleError, is_expired, load, record};
use crate::db::models::partnerships::{self, Side};
use crate::db::{DbConn, write_tx};
use crate::domain::{EventKind, PartnershipStatus};
use crate::mail::MailContext;
use crate::mail::notifications::partnerships as notify;
use crate::partnerships::Actor;

/// Either side stops an active collaboration. The products stay with the customer and
/// their renewals are billed to it from now on. Both sides are told.
pub fn end(
    conn: &mut DbConn,
    mail: &MailContext,
    actor: &Actor<'_>,
    side: Side,
    id: &str,
    at: NaiveDateTime,
) -> Result<(), LifecycleError> {
    write_tx(conn, |conn| {
        let p = load(conn, side, actor.org_id, id)?;
        match p.status {
            PartnershipStatus::Active => {}
            PartnershipStatus::Pending => {
                return Err(LifecycleError::Conflict("This collaboration has not started: withdraw or refuse the invitation instead.".into()));
            }
            PartnershipStatus::Ended => {
                return Err(LifecycleError::Conflict(
                    "This collaboration has already ended.".into(),
                ));
            }
        }
        if !partnerships::end(conn, &p.id, at, EventKind::Ended)? {
            return Err(LifecycleError::Stale);
        }
        record(
            conn,
            &p,
            at,
            Some(actor),
            EventKind::Ended,
            Some(&p.access.to_stored()),
            None,
        )?;
        notify::ended(conn, mail, &p, side, actor)?;
        Ok(())
    })
}

/// Closes the invitations nobody answered within 30 days and tells the inviters.
pub fn expire_invitations(
    conn: &mut DbConn,
    mail: &MailContext,
    at: NaiveDateTime,
) -> anyhow::Result<usize> {
    let stale = partnerships::pending_sent_before(conn, at - TimeDelta::days(INVITATION_DAYS))?;
    let mut expired = 0;
    for (id, customer_org_id) in stale {
        let closed = write_tx(conn, |conn| -> Result<bool, LifecycleError> {
            let p = load(conn, Side::Customer, &customer_org_id, &id)?;
            if !is_expired(&p, at) || !partnerships::end(conn, &p.id, at, EventKind::Expired)? {
                return Ok(false);
            }
            record(conn, &p, at, None, EventKind::Expired, None, None)?;
            notify::invitation_expired(conn, mail, &p, INVITATION_DAYS)?;
            Ok(true)
        });
        match closed {
            Ok(true) => expired += 1,
            Ok(false) => {}
            Err(e) => tracing::error!(partnership = %id, error = %e, "cannot expire an invitation"),
        }
    }
    Ok(expired)
}
