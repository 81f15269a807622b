//! What every step of a partnership's life shares: its error, the rights a customer
//! grants, reading the partnership as the actor's side sees it, recording an event,
//! and the state an invitation must be in to be answered.

use chrono::{NaiveDateTime, TimeDelta};
use diesel::result::Error as DieselError;

use crate::db::DbConn;
use crate::db::models::events::{self, NewEvent};
use crate::db::models::partnerships::{self, PartnershipView, Side};
use crate::db::models::products;
use crate::domain::{Access, EventKind, PartnershipStatus, PaymentMode};
use crate::i18n::Text;
use crate::partnerships::Actor;
use crate::partnerships::handover::check_movable;

/// An invitation is valid this long after it was (last) sent.
pub const INVITATION_DAYS: i64 = 30;

#[derive(Debug, thiserror::Error)]
pub enum LifecycleError {
    #[error("not found")]
    NotFound,
    /// The request itself is wrong: the message says what to change.
    #[error("{}", .0.key())]
    Invalid(Text),
    /// The actor's side may not do this.
    #[error("{}", .0.key())]
    NotAllowed(Text),
    /// The partnership is not in a state that allows it.
    #[error("{}", .0.key())]
    Conflict(Text),
    /// Someone changed the partnership after the form was opened.
    #[error("the partnership was changed meanwhile")]
    Stale,
    #[error(transparent)]
    Storage(#[from] anyhow::Error),
}

impl From<DieselError> for LifecycleError {
    fn from(e: DieselError) -> Self {
        LifecycleError::Storage(e.into())
    }
}

/// The rights a customer grants its partner.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Grant {
    Full(PaymentMode),
    /// Technical rights on these products of the customer.
    Limited {
        products: Vec<String>,
    },
}

impl Grant {
    pub fn access(&self) -> Access {
        match self {
            Grant::Full(mode) => Access::Full(*mode),
            Grant::Limited { .. } => Access::Limited,
        }
    }
}

fn expires_at(p: &PartnershipView) -> Option<NaiveDateTime> {
    p.invited_at.map(|at| at + TimeDelta::days(INVITATION_DAYS))
}

/// Whether a pending invitation ran out of time at `at`.
pub fn is_expired(p: &PartnershipView, at: NaiveDateTime) -> bool {
    p.status == PartnershipStatus::Pending && expires_at(p).is_some_and(|end| end < at)
}

/// When a pending invitation expires, as an ISO date (the same in every language).
pub(super) fn expires_on(p: &PartnershipView) -> String {
    expires_at(p)
        .map(|d| d.format("%Y-%m-%d").to_string())
        .unwrap_or_default()
}

/// The partnership `id`, if `org_id` stands at `side` of it.
pub(super) fn load(
    conn: &mut DbConn,
    side: Side,
    org_id: &str,
    id: &str,
) -> Result<PartnershipView, LifecycleError> {
    partnerships::find(conn, side, org_id, id)?.ok_or(LifecycleError::NotFound)
}

/// Writes one line of the partnership's timeline.
pub(super) fn record(
    conn: &mut DbConn,
    p: &PartnershipView,
    at: NaiveDateTime,
    actor: Option<&Actor<'_>>,
    kind: EventKind,
    old: Option<&str>,
    new: Option<&str>,
) -> Result<(), LifecycleError> {
    events::insert(
        conn,
        NewEvent {
            partnership_id: &p.id,
            occurred_at: at,
            actor_user_id: actor.map(|a| a.user_id),
            actor_org_id: actor.map(|a| a.org_id),
            kind,
            old_value: old,
            new_value: new,
        },
    )?;
    Ok(())
}

/// An invitation can be answered, resent or withdrawn only while it is pending.
pub(super) fn pending(p: &PartnershipView, at: NaiveDateTime) -> Result<(), LifecycleError> {
    match p.status {
        PartnershipStatus::Pending if is_expired(p, at) => Err(LifecycleError::Conflict(
            Text::new("This invitation expired on %{date}. It can be sent again, or withdrawn.")
                .arg("date", expires_on(p)),
        )),
        PartnershipStatus::Pending => Ok(()),
        PartnershipStatus::Active => Err(LifecycleError::Conflict(
            "This invitation was already accepted.".into(),
        )),
        PartnershipStatus::Ended => Err(LifecycleError::Conflict(
            "This invitation is closed.".into(),
        )),
    }
}

/// How many products a grant lists: those the invitation asks for while it is
/// pending, those the partnership manages once active.
pub(super) fn product_count(
    conn: &mut DbConn,
    p: &PartnershipView,
    access: Access,
) -> Result<usize, LifecycleError> {
    if access != Access::Limited {
        return Ok(0);
    }
    Ok(match p.status {
        PartnershipStatus::Pending => products::requested(conn, &p.id)?.len(),
        _ => products::managed_by(conn, &p.id)?.len(),
    })
}

/// The products of a limited grant: the customer's own, at least one.
pub(super) fn checked_products(
    conn: &mut DbConn,
    customer_org_id: &str,
    ids: &[String],
) -> Result<Vec<String>, LifecycleError> {
    let mut wanted: Vec<String> = ids.to_vec();
    wanted.sort();
    wanted.dedup();
    if wanted.is_empty() {
        return Err(LifecycleError::Invalid(
            "With limited access, choose at least one product the partner will manage.".into(),
        ));
    }
    let mut owned = products::owned_among(conn, customer_org_id, &wanted)?;
    owned.sort();
    if owned != wanted {
        return Err(LifecycleError::Invalid(
            "Choose among your organization's products.".into(),
        ));
    }
    Ok(owned)
}

/// The products a grant to `partnership_id` (`None`: a partnership not made yet) lists,
/// checked: the customer's own, none of them paid for by the partner managing it now.
pub(super) fn listed_products(
    conn: &mut DbConn,
    customer_org_id: &str,
    partnership_id: Option<&str>,
    grant: &Grant,
) -> Result<Vec<String>, LifecycleError> {
    match grant {
        Grant::Limited { products: ids } => {
            let listed = checked_products(conn, customer_org_id, ids)?;
            check_movable(conn, customer_org_id, partnership_id, &listed)?;
            Ok(listed)
        }
        Grant::Full(_) => Ok(Vec::new()),
    }
}
