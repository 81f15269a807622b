//! Changing who pays: the checks the verify step shows and the save repeats, and the
//! save itself, which writes the new mode, the timeline event and the emails in one
//! transaction.

use chrono::{NaiveDate, TimeDelta};

use crate::billing::{self, Management, Payer};
use crate::db::models::events::{self, NewEvent};
use crate::db::models::partnerships::{self, PartnershipView, Side};
use crate::db::models::products::{self, Visible};
use crate::db::{DbConn, now, write_tx};
use crate::domain::{Access, Currency, EventKind, PartnershipStatus, PaymentMode};
use crate::mail::MailContext;
use crate::mail::notifications::{self, PaymentModeChange};
use crate::partnerships::Actor;

/// Why a payment-mode change cannot go ahead.
#[derive(Debug, thiserror::Error)]
pub enum ModeChangeError {
    #[error("no such partnership for this organization")]
    NotFound,
    #[error("this partner has limited access: there is no payment mode to change")]
    LimitedAccess,
    #[error("this partnership is not active")]
    NotActive,
    /// Someone saved a change after the form was opened.
    #[error("the partnership was changed meanwhile")]
    Stale { current: Box<PartnershipView> },
    #[error(transparent)]
    Storage(#[from] anyhow::Error),
}

impl From<diesel::result::Error> for ModeChangeError {
    fn from(e: diesel::result::Error) -> Self {
        ModeChangeError::Storage(e.into())
    }
}

/// What a requested change amounts to.
#[derive(Debug)]
pub enum ModeChange {
    /// From the mode in force to another one.
    Switch {
        partnership: PartnershipView,
        from: PaymentMode,
        to: PaymentMode,
    },
    /// The requested mode is already in force: nothing to do.
    AlreadyInForce { partnership: PartnershipView },
}

/// Checks a requested change against the partnership as it is now, without writing.
pub fn plan(
    conn: &mut DbConn,
    customer_org_id: &str,
    partnership_id: &str,
    to: PaymentMode,
    expected_version: i32,
) -> Result<ModeChange, ModeChangeError> {
    let partnership = partnerships::find(conn, Side::Customer, customer_org_id, partnership_id)?
        .ok_or(ModeChangeError::NotFound)?;
    let from = match partnership.access {
        Access::Full(mode) => mode,
        Access::Limited => return Err(ModeChangeError::LimitedAccess),
    };
    if partnership.status != PartnershipStatus::Active {
        return Err(ModeChangeError::NotActive);
    }
    if from == to {
        return Ok(ModeChange::AlreadyInForce { partnership });
    }
    if partnership.version != expected_version {
        return Err(ModeChangeError::Stale {
            current: Box::new(partnership),
        });
    }
    Ok(ModeChange::Switch {
        partnership,
        from,
        to,
    })
}

/// Saves a change: the new mode (only if nobody saved another since `expected_version`),
/// the timeline event and the notification emails, all or nothing. A request for the
/// mode already in force changes nothing and sends nothing.
pub fn change(
    conn: &mut DbConn,
    mail: &MailContext,
    actor: &Actor<'_>,
    partnership_id: &str,
    to: PaymentMode,
    expected_version: i32,
) -> Result<ModeChange, ModeChangeError> {
    write_tx(conn, |conn| {
        let planned = plan(conn, actor.org_id, partnership_id, to, expected_version)?;
        let ModeChange::Switch {
            partnership,
            from,
            to,
        } = planned
        else {
            return Ok(planned);
        };
        if !partnerships::set_payment_mode(
            conn,
            actor.org_id,
            &partnership.id,
            expected_version,
            to,
        )? {
            // Another save won between our read and our write.
            let current = partnerships::find(conn, Side::Customer, actor.org_id, partnership_id)?
                .ok_or(ModeChangeError::NotFound)?;
            return Err(ModeChangeError::Stale {
                current: Box::new(current),
            });
        }
        let at = now();
        events::insert(
            conn,
            NewEvent {
                partnership_id: &partnership.id,
                occurred_at: at,
                actor_user_id: Some(actor.user_id),
                actor_org_id: Some(actor.org_id),
                kind: EventKind::PaymentModeChanged,
                old_value: Some(from.as_str()),
                new_value: Some(to.as_str()),
            },
        )?;
        let renewals = upcoming_renewals(
            conn,
            &partnership,
            Access::Full(from),
            Access::Full(to),
            at.date(),
        )?;
        let change = PaymentModeChange {
            partnership: &partnership,
            from,
            to,
            changed_by_name: actor.user_name,
            changed_by_email: actor.user_email,
            changed_at: at,
            renewals: &renewals,
        };
        notifications::payment_mode_changed(conn, mail, &change)?;
        let partnership = PartnershipView {
            access: Access::Full(to),
            version: partnership.version + 1,
            ..partnership
        };
        Ok(ModeChange::Switch {
            partnership,
            from,
            to,
        })
    })
}

/// How long ahead the verify step looks for renewals whose payer changes.
pub const RENEWAL_HORIZON_DAYS: i64 = 90;

/// Who pays a renewal, and its price before VAT.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaidBy {
    pub payer: Payer,
    pub payer_name: String,
    pub price: i64,
}

/// A renewal coming up under the partnership, and what it costs whom before and after.
#[derive(Debug, Clone)]
pub struct RenewalPreview {
    pub product_name: String,
    pub renews_on: NaiveDate,
    pub currency: Currency,
    pub now: PaidBy,
    pub after: PaidBy,
}

/// Who pays renewals under `access`: a payment mode, the customer with limited access.
pub fn renewals_paid_under(access: Access) -> PaymentMode {
    access.payment_mode().unwrap_or(PaymentMode::CustomerPays)
}

/// The automatic renewals of the next 90 days whose payer a change of the partner's
/// rights `from` → `to` moves, with the payer and the price (before VAT) on each side.
pub fn upcoming_renewals(
    conn: &mut DbConn,
    partnership: &PartnershipView,
    from: Access,
    to: Access,
    today: NaiveDate,
) -> Result<Vec<RenewalPreview>, ModeChangeError> {
    let visible = Visible::RenewingUnder {
        customer_org_id: &partnership.customer_org_id,
        partnership_id: &partnership.id,
        from: today,
        to: today + TimeDelta::days(RENEWAL_HORIZON_DAYS),
    };
    let paid_by = |access: Access, price: i64| -> Result<PaidBy, ModeChangeError> {
        let management = Management::Partner {
            access,
            rate: partnership.rate,
        };
        let charge = billing::next_renewal(management, price)
            .map_err(|e| ModeChangeError::Storage(e.into()))?;
        let payer_name = charge
            .payer
            .of(&partnership.customer_name, &partnership.partner_name)
            .clone();
        Ok(PaidBy {
            payer: charge.payer,
            payer_name,
            price: charge.price,
        })
    };
    let mut previews = Vec::new();
    for product in products::views(conn, visible, None, 500)? {
        let now = paid_by(from, product.yearly_price)?;
        let after = paid_by(to, product.yearly_price)?;
        if now.payer != after.payer {
            previews.push(RenewalPreview {
                product_name: product.product_name,
                renews_on: product.renews_on,
                currency: product.currency,
                now,
                after,
            });
        }
    }
    previews.sort_by_key(|p| p.renews_on);
    Ok(previews)
}
