//! A partnership from invitation to end. Either side may invite; the other side
//! accepts or refuses within 30 days; the inviter may send it again or withdraw it. The
//! customer sets and changes the rights it grants; either side may stop.

use chrono::{NaiveDateTime, TimeDelta};
use diesel::result::{DatabaseErrorKind, Error as DieselError};

use crate::db::models::events::{self, NewEvent};
use crate::db::models::orgs;
use crate::db::models::partnerships::{self, PartnershipView, Side};
use crate::db::models::products;
use crate::db::{DbConn, write_tx};
use crate::domain::{Access, EventKind, PartnershipStatus, PaymentMode, Role};
use crate::i18n::Text;
use crate::mail::MailContext;
use crate::mail::notifications::{Notice, people, send_notice};
use crate::partnerships::handover::hand_over;
use crate::partnerships::{Actor, renewals_paid_under};

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

/// The page of a partnership on each side.
pub(super) fn path(side: Side, id: &str) -> String {
    match side {
        Side::Customer => format!("/partners/{id}"),
        Side::Partner => format!("/clients/{id}"),
    }
}

fn org_of(p: &PartnershipView, side: Side) -> &str {
    match side {
        Side::Customer => &p.customer_org_id,
        Side::Partner => &p.partner_org_id,
    }
}

fn expires_at(p: &PartnershipView) -> Option<NaiveDateTime> {
    p.invited_at.map(|at| at + TimeDelta::days(INVITATION_DAYS))
}

/// Whether a pending invitation ran out of time at `at`.
pub fn is_expired(p: &PartnershipView, at: NaiveDateTime) -> bool {
    p.status == PartnershipStatus::Pending && expires_at(p).is_some_and(|end| end < at)
}

fn load(
    conn: &mut DbConn,
    side: Side,
    org_id: &str,
    id: &str,
) -> Result<PartnershipView, LifecycleError> {
    partnerships::find(conn, side, org_id, id)?.ok_or(LifecycleError::NotFound)
}

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

/// Tells `roles` of the organization at `side` about `notice`.
pub(super) fn tell(
    conn: &mut DbConn,
    mail: &MailContext,
    p: &PartnershipView,
    side: Side,
    roles: &[Role],
    notice: &Notice,
) -> Result<(), LifecycleError> {
    let recipients = people(conn, org_of(p, side), roles)?;
    send_notice(conn, mail, &recipients, notice)?;
    Ok(())
}

fn pending(p: &PartnershipView, at: NaiveDateTime) -> Result<(), LifecycleError> {
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

/// When a pending invitation expires, as an ISO date (the same in every language).
fn expires_on(p: &PartnershipView) -> String {
    expires_at(p)
        .map(|d| d.format("%Y-%m-%d").to_string())
        .unwrap_or_default()
}

fn describe_grant(
    conn: &mut DbConn,
    p: &PartnershipView,
    access: Access,
) -> Result<Vec<(Text, Text)>, LifecycleError> {
    let mut facts = vec![(Text::new("Access"), Text::new(access.kind().label()))];
    match access {
        Access::Full(mode) => facts.push((Text::new("Who pays"), Text::new(mode.label()))),
        Access::Limited => {
            let count = match p.status {
                PartnershipStatus::Pending => products::requested(conn, &p.id)?.len(),
                _ => products::managed_by(conn, &p.id)?.len(),
            };
            facts.push((
                Text::new("Products"),
                Text::new("%{count}").arg("count", count),
            ));
        }
    }
    Ok(facts)
}

/// The invitation as the invited side receives it (first time or again).
fn invitation_notice(
    conn: &mut DbConn,
    p: &PartnershipView,
    actor: &Actor<'_>,
) -> Result<Notice, LifecycleError> {
    let until = expires_on(p);
    Ok(match p.initiated_by {
        Side::Customer => Notice {
            subject: Text::new("%{customer} invites %{partner} to manage its products")
                .arg("customer", &p.customer_name)
                .arg("partner", &p.partner_name),
            paragraphs: vec![
                Text::new("%{actor} (%{email}) of %{customer} invites %{partner} to manage %{customer}'s products, with the rights below.")
                    .arg("actor", actor.user_name)
                    .arg("email", actor.user_email)
                    .arg("customer", &p.customer_name)
                    .arg("partner", &p.partner_name),
                Text::new("Accept or refuse the invitation by %{date}; after that it expires.").arg("date", &until),
            ],
            facts: describe_grant(conn, p, p.access)?,
            action: Some(("Accept or refuse".into(), path(Side::Partner, &p.id))),
        },
        Side::Partner => Notice {
            subject: Text::new("%{partner} asks to manage %{customer}'s products")
                .arg("partner", &p.partner_name)
                .arg("customer", &p.customer_name),
            paragraphs: vec![
                Text::new("%{actor} (%{email}) of %{partner} asks for %{access} to the products of %{customer}.")
                    .arg("actor", actor.user_name)
                    .arg("email", actor.user_email)
                    .arg("partner", &p.partner_name)
                    .text("access", p.access.kind().in_sentence())
                    .arg("customer", &p.customer_name),
                Text::new("You decide which rights you grant and, with full access, who pays. Answer by %{date}; after that the request expires.")
                    .arg("date", &until),
            ],
            facts: Vec::new(),
            action: Some(("Answer the request".into(), path(Side::Customer, &p.id))),
        },
    })
}

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
        let listed = match grant {
            Grant::Limited { products: ids } => checked_products(conn, actor.org_id, ids)?,
            Grant::Full(_) => Vec::new(),
        };
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
        let notice = invitation_notice(conn, &p, actor)?;
        tell(conn, mail, &p, Side::Partner, Role::MANAGERS, &notice)?;
        Ok(id)
    })
    .map_err(|e| unique_pair(e, "This partner", "your organization"))
}

/// The products of a limited grant: the customer's own, at least one.
fn checked_products(
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
            (Side::Customer, Some(grant)) => {
                let listed = match grant {
                    Grant::Limited { products: ids } => {
                        checked_products(conn, &p.customer_org_id, ids)?
                    }
                    Grant::Full(_) => Vec::new(),
                };
                (grant.access(), listed)
            }
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
        let notice = Notice {
            subject: Text::new("%{org} accepted: %{partner} now manages %{customer}'s products")
                .arg("org", org_name(&p, side))
                .arg("partner", &p.partner_name)
                .arg("customer", &p.customer_name),
            paragraphs: vec![
                Text::new("%{actor} (%{email}) of %{org} accepted the invitation. The collaboration starts now.")
                    .arg("actor", actor.user_name)
                    .arg("email", actor.user_email)
                    .arg("org", org_name(&p, side)),
            ],
            facts: describe_grant(conn, &p, access)?,
            action: Some(("See the collaboration".into(), path(side.other(), &p.id))),
        };
        tell(conn, mail, &p, side.other(), Role::MANAGERS, &notice)?;
        Ok(p)
    })
}

fn org_name(p: &PartnershipView, side: Side) -> &str {
    match side {
        Side::Customer => &p.customer_name,
        Side::Partner => &p.partner_name,
    }
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
        if !partnerships::end(conn, &p.id, at)? {
            return Err(LifecycleError::Stale);
        }
        record(conn, &p, at, Some(actor), kind, None, None)?;
        let (subject, paragraph) = if kind == EventKind::Refused {
            (
                "%{org} refused the invitation between %{customer} and %{partner}",
                "%{actor} (%{email}) of %{org} refused the invitation. Nothing changes for your products.",
            )
        } else {
            (
                "%{org} withdrew the invitation between %{customer} and %{partner}",
                "%{actor} (%{email}) of %{org} withdrew the invitation. Nothing changes for your products.",
            )
        };
        let notice = Notice {
            subject: Text::new(subject)
                .arg("org", org_name(&p, side))
                .arg("customer", &p.customer_name)
                .arg("partner", &p.partner_name),
            paragraphs: vec![
                Text::new(paragraph)
                    .arg("actor", actor.user_name)
                    .arg("email", actor.user_email)
                    .arg("org", org_name(&p, side)),
            ],
            facts: Vec::new(),
            action: Some(("See the timeline".into(), path(side.other(), &p.id))),
        };
        tell(conn, mail, &p, side.other(), Role::MANAGERS, &notice)?;
        Ok(())
    })
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
        let notice = invitation_notice(conn, &p, actor)?;
        tell(conn, mail, &p, side.other(), Role::MANAGERS, &notice)?;
        Ok(())
    })
}

/// What an access change amounts to.
#[derive(Debug, PartialEq, Eq)]
pub enum AccessChange {
    Changed { from: Access, to: Access },
    Unchanged,
}

/// The customer changes the rights of an active partnership: limited ↔ full and the
/// product list. Going to full needs a payment mode; going to limited drops it (the
/// customer pays). Both sides are told.
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
        let listed = match grant {
            Grant::Limited { products: ids } => checked_products(conn, &p.customer_org_id, ids)?,
            Grant::Full(_) => Vec::new(),
        };
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
        // Who pays is changed through this form too: it is then a payment-mode change
        // as well, in the timeline as in the emails.
        let (paid_before, paid_after) = (renewals_paid_under(from), renewals_paid_under(to));
        if paid_before != paid_after {
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
        let mut paragraphs = vec![
            Text::new("%{actor} (%{email}) of %{customer} changed the rights of %{partner}.")
                .arg("actor", actor.user_name)
                .arg("email", actor.user_email)
                .arg("customer", &p.customer_name)
                .arg("partner", &p.partner_name),
        ];
        if to == Access::Limited {
            paragraphs.push(
                Text::new("%{partner} keeps technical rights on %{count} listed product(s). %{customer} now pays for all its orders and renewals.")
                    .arg("partner", &p.partner_name)
                    .arg("count", listed.len())
                    .arg("customer", &p.customer_name),
            );
        }
        if paid_before != paid_after {
            let payer = match paid_after {
                PaymentMode::PartnerPays => &p.partner_name,
                PaymentMode::CustomerPays => &p.customer_name,
            };
            paragraphs.push(
                Text::new("Who pays changes with it: from now on %{payer} pays the renewals of the products %{partner} manages for %{customer}, and the orders %{partner} places.")
                    .arg("payer", payer)
                    .arg("partner", &p.partner_name)
                    .arg("customer", &p.customer_name),
            );
        }
        for side in [Side::Partner, Side::Customer] {
            let notice = Notice {
                subject: Text::new("Access of %{partner} to %{customer}'s products changed")
                    .arg("partner", &p.partner_name)
                    .arg("customer", &p.customer_name),
                paragraphs: paragraphs.clone(),
                facts: vec![
                    ("Before".into(), from.label().into()),
                    ("Now".into(), to.label().into()),
                ],
                action: Some(("See the collaboration".into(), path(side, &p.id))),
            };
            let roles = if side == Side::Partner {
                Role::PARTNER_NOTIFIED
            } else {
                Role::MANAGERS
            };
            tell(conn, mail, &p, side, roles, &notice)?;
        }
        Ok(AccessChange::Changed { from, to })
    })
}

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
        if !partnerships::end(conn, &p.id, at)? {
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
        for notified in [Side::Partner, Side::Customer] {
            let notice = Notice {
                subject: Text::new("The collaboration between %{customer} and %{partner} has ended")
                    .arg("customer", &p.customer_name)
                    .arg("partner", &p.partner_name),
                paragraphs: vec![
                    Text::new("%{actor} (%{email}) of %{org} stopped the collaboration between %{customer} and %{partner}.")
                        .arg("actor", actor.user_name)
                        .arg("email", actor.user_email)
                        .arg("org", org_name(&p, side))
                        .arg("customer", &p.customer_name)
                        .arg("partner", &p.partner_name),
                    Text::new("The products stay installed in %{customer}'s organization; from now on their renewals are billed to %{customer}. Invoices already issued stay where they are.")
                        .arg("customer", &p.customer_name),
                ],
                facts: Vec::new(),
                action: Some(("See the timeline".into(), path(notified, &p.id))),
            };
            let roles = if notified == Side::Partner {
                Role::PARTNER_NOTIFIED
            } else {
                Role::MANAGERS
            };
            tell(conn, mail, &p, notified, roles, &notice)?;
        }
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
            if !is_expired(&p, at) || !partnerships::end(conn, &p.id, at)? {
                return Ok(false);
            }
            record(conn, &p, at, None, EventKind::Expired, None, None)?;
            let invited = org_name(&p, p.initiated_by.other()).to_owned();
            let notice = Notice {
                subject: Text::new("Your invitation to %{org} expired").arg("org", &invited),
                paragraphs: vec![
                    Text::new("%{org} did not answer within %{days} days, so the invitation is closed. You can send a new one.")
                        .arg("org", &invited)
                        .arg("days", INVITATION_DAYS),
                ],
                facts: Vec::new(),
                action: Some(("See the timeline".into(), path(p.initiated_by, &p.id))),
            };
            tell(conn, mail, &p, p.initiated_by, Role::MANAGERS, &notice)?;
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
