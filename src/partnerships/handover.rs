//! Products change hands between partners only in the open. A product is managed by at
//! most one partner; when a customer gives one that another partner manages to a new
//! partner, both partnerships' timelines record it and the partner losing it is told.

use chrono::NaiveDateTime;

use super::lifecycle::{LifecycleError, record};
use crate::db::DbConn;
use crate::db::models::events::{self, NewEvent};
use crate::db::models::partnerships::{self, PartnershipView, Side};
use crate::db::models::products;
use crate::domain::EventKind;
use crate::mail::MailContext;
use crate::mail::notifications::partnerships as notify;
use crate::partnerships::Actor;

/// Hands the customer's products `ids` to `to`, telling whoever managed them before.
pub(super) fn hand_over(
    conn: &mut DbConn,
    mail: &MailContext,
    actor: &Actor<'_>,
    to: &PartnershipView,
    ids: &[String],
    at: NaiveDateTime,
) -> Result<(), LifecycleError> {
    let moved = products::managed_elsewhere(conn, &to.customer_org_id, ids, &to.id)?;
    products::assign(conn, &to.customer_org_id, &to.id, ids)?;
    // One notice per partnership that loses products (the rows come ordered by it).
    let mut rest = moved.as_slice();
    while let Some((_, _, losing_id)) = rest.first() {
        let count = rest.iter().take_while(|(_, _, id)| id == losing_id).count();
        let (these, others) = rest.split_at(count);
        rest = others;
        let losing = partnerships::find(conn, Side::Customer, &to.customer_org_id, losing_id)?
            .ok_or(LifecycleError::NotFound)?;
        let names: Vec<&str> = these.iter().map(|(_, name, _)| name.as_str()).collect();
        for name in &names {
            // Told as the customer's decision: the partner losing the product learns
            // neither who takes it over nor who accepted it there.
            events::insert(
                conn,
                NewEvent {
                    partnership_id: &losing.id,
                    occurred_at: at,
                    actor_user_id: None,
                    actor_org_id: Some(&losing.customer_org_id),
                    kind: EventKind::ProductMovedAway,
                    old_value: None,
                    new_value: Some(name),
                },
            )?;
            record(
                conn,
                to,
                at,
                Some(actor),
                EventKind::ProductTakenOver,
                None,
                Some(name),
            )?;
        }
        notify::products_moved(conn, mail, &losing, &names)?;
    }
    Ok(())
}
