//! Products change hands between partners only in the open. A product is managed by at
//! most one partner; when a customer gives one that another partner manages to a new
//! partner, both partnerships' timelines record it and the partner losing it is told.
//! A product whose renewals its partner pays does not move at all: moving it would
//! change who pays without the payment mode's verify step, so who pays is changed there
//! first.

use chrono::NaiveDateTime;

use super::lifecycle::{LifecycleError, record};
use crate::db::DbConn;
use crate::db::models::events::{self, NewEvent};
use crate::db::models::partnerships::{self, PartnershipView, Side};
use crate::db::models::products::{self, ManagedElsewhere};
use crate::domain::{EventKind, PaymentMode};
use crate::i18n::Text;
use crate::mail::MailContext;
use crate::mail::notifications::partnerships as notify;
use crate::partnerships::Actor;

/// Refuses to give away a product whose renewals the partner managing it pays.
pub(super) fn refuse_partner_paid(moved: &[ManagedElsewhere]) -> Result<(), LifecycleError> {
    match moved.iter().find(|m| m.payment_mode == Some(PaymentMode::PartnerPays)) {
        None => Ok(()),
        Some(m) => Err(LifecycleError::Conflict(
            Text::new("%{product} is managed by %{partner}, which pays its renewals. To give it to another partner, first change who pays with %{partner} (Partner → %{partner} → the pencil next to Payment).")
                .arg("product", &m.product_name)
                .arg("partner", &m.partner_name),
        )),
    }
}

/// Checks that the customer's products `ids` may be given to `partnership_id` (none of
/// them paid for by the partner that manages it now).
pub(super) fn check_movable(
    conn: &mut DbConn,
    customer_org_id: &str,
    partnership_id: Option<&str>,
    ids: &[String],
) -> Result<(), LifecycleError> {
    let moved =
        products::managed_elsewhere(conn, customer_org_id, ids, partnership_id.unwrap_or(""))?;
    refuse_partner_paid(&moved)
}

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
    // Who pays may have changed since the invitation listed them.
    refuse_partner_paid(&moved)?;
    products::assign(conn, &to.customer_org_id, &to.id, ids)?;
    // One notice per partnership that loses products (the rows come ordered by it).
    let mut rest = moved.as_slice();
    while let Some(first) = rest.first() {
        let losing_id = first.partnership_id.clone();
        let count = rest
            .iter()
            .take_while(|m| m.partnership_id == losing_id)
            .count();
        let (these, others) = rest.split_at(count);
        rest = others;
        let losing = partnerships::find(conn, Side::Customer, &to.customer_org_id, &losing_id)?
            .ok_or(LifecycleError::NotFound)?;
        let names: Vec<&str> = these.iter().map(|m| m.product_name.as_str()).collect();
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
