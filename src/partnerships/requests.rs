//! A partner asks for a client by the email of its legal representative or
//! administrator. The partner reads the same answer, and its list shows the same
//! pending request, whether the address belongs to anyone: the request waits, addressed
//! to the email, until its owner answers it for one of their organizations (which
//! makes the partnership) or it expires. The address's owner is told by email either
//! way; an address that represents no organization is told there is nothing to answer.

use chrono::{NaiveDateTime, TimeDelta};

use super::answer::accept;
use super::lifecycle::{Grant, INVITATION_DAYS, LifecycleError};
use crate::db::models::client_requests::{self, ClientRequest, NewRequest};
use crate::db::models::events::{self, NewEvent};
use crate::db::models::orgs::{self, Recipient};
use crate::db::models::partnerships::{self, PartnershipView, Side};
use crate::db::models::users;
use crate::db::{DbConn, write_tx};
use crate::domain::{Access, AccessKind, EmailAddress, EventKind, PartnershipStatus, PaymentMode};
use crate::i18n::Text;
use crate::mail::MailContext;
use crate::mail::notifications::requests as notify;
use crate::partnerships::Actor;

/// The partner `actor` works for asks `email` for `access` to its organization's products.
pub fn ask(
    conn: &mut DbConn,
    mail: &MailContext,
    actor: &Actor<'_>,
    email: &EmailAddress,
    access: AccessKind,
    at: NaiveDateTime,
) -> Result<String, LifecycleError> {
    write_tx(conn, |conn| {
        if orgs::partner_rate(conn, actor.org_id)?.is_none() {
            return Err(LifecycleError::NotAllowed(
                "Only a registered partner can ask for clients.".into(),
            ));
        }
        let already = client_requests::sent_by(conn, actor.org_id)?
            .into_iter()
            .any(|r| r.email == email.as_str() && r.is_open(at));
        if already {
            return Err(LifecycleError::Conflict(
                Text::new("You already asked %{email}: the request waits for its answer.")
                    .arg("email", email.as_str()),
            ));
        }
        let id = client_requests::insert(
            conn,
            &NewRequest {
                partner_org_id: actor.org_id,
                email: email.as_str(),
                access,
                requested_by_user_id: actor.user_id,
                created_at: at,
                expires_at: at + TimeDelta::days(INVITATION_DAYS),
            },
        )?;
        let partner = orgs::find(conn, actor.org_id)?
            .ok_or(LifecycleError::NotFound)?
            .name;
        let represents_someone = orgs::represented_by(conn, email.as_str())?
            .iter()
            .any(|o| o.id != actor.org_id);
        let to = match users::find_by_email(conn, email)? {
            Some(user) => Recipient {
                email: user.email,
                name: user.name,
                locale: user.locale,
            },
            None => Recipient {
                email: email.as_str().to_owned(),
                name: String::new(),
                locale: Some(actor.locale),
            },
        };
        let until = (at + TimeDelta::days(INVITATION_DAYS))
            .format("%Y-%m-%d")
            .to_string();
        let asked = notify::Asked {
            request_id: &id,
            partner: &partner,
            access,
            until: &until,
            answerable: represents_someone,
        };
        notify::client_asked(conn, mail, actor, &asked, to)?;
        Ok(id)
    })
}

/// The open request `id` addressed to the signed-in `email`, if they may answer it in
/// the organization they work in (`may_answer`: a legal representative or administrator).
fn open_for(
    conn: &mut DbConn,
    id: &str,
    email: &str,
    may_answer: bool,
    at: NaiveDateTime,
) -> Result<ClientRequest, LifecycleError> {
    let request = client_requests::find_addressed_to(conn, id, email)?
        .filter(|r| r.is_open(at))
        .ok_or(LifecycleError::NotFound)?;
    if !may_answer {
        return Err(LifecycleError::NotAllowed(
            "Only the organization's legal representatives and administrators can answer a partner's request.".into(),
        ));
    }
    Ok(request)
}

/// The addressee grants `grant` for the organization they work in (`actor.org_id`): the
/// partnership starts now, as if invited when the partner asked.
pub fn grant_request(
    conn: &mut DbConn,
    mail: &MailContext,
    actor: &Actor<'_>,
    may_answer: bool,
    id: &str,
    grant: &Grant,
    at: NaiveDateTime,
) -> Result<PartnershipView, LifecycleError> {
    write_tx(conn, |conn| {
        let request = open_for(conn, id, actor.user_email, may_answer, at)?;
        if request.partner_org_id == actor.org_id {
            return Err(LifecycleError::Invalid(
                "An organization cannot be its own client.".into(),
            ));
        }
        if partnerships::live_between(conn, actor.org_id, &request.partner_org_id)?.is_some() {
            return Err(LifecycleError::Conflict(
                Text::new("%{partner} already works with this organization, or an invitation between them is pending. To answer for another of your organizations, switch to it first.")
                    .arg("partner", &request.partner_name),
            ));
        }
        // Until the customer decides, full access is asked with the customer paying.
        let asked = match request.access {
            AccessKind::Full => Access::Full(PaymentMode::CustomerPays),
            AccessKind::Limited => Access::Limited,
        };
        let partnership_id = partnerships::create(
            conn,
            actor.org_id,
            &request.partner_org_id,
            asked,
            PartnershipStatus::Pending,
            Side::Partner,
            request.created_at,
        )?;
        events::insert(
            conn,
            NewEvent {
                partnership_id: &partnership_id,
                occurred_at: request.created_at,
                actor_user_id: Some(&request.requested_by_user_id),
                actor_org_id: Some(&request.partner_org_id),
                kind: EventKind::Invited,
                old_value: None,
                new_value: Some(&asked.to_stored()),
            },
        )?;
        if !client_requests::close(conn, &request.id, "accepted", Some(&partnership_id), at)? {
            return Err(LifecycleError::Stale);
        }
        accept(
            conn,
            mail,
            actor,
            Side::Customer,
            &partnership_id,
            Some(grant),
            at,
        )
    })
}

/// The addressee refuses the request; the partner is told.
pub fn refuse_request(
    conn: &mut DbConn,
    mail: &MailContext,
    actor: &Actor<'_>,
    may_answer: bool,
    id: &str,
    at: NaiveDateTime,
) -> Result<ClientRequest, LifecycleError> {
    write_tx(conn, |conn| {
        let request = open_for(conn, id, actor.user_email, may_answer, at)?;
        if !client_requests::close(conn, &request.id, "refused", None, at)? {
            return Err(LifecycleError::Stale);
        }
        notify::request_refused(conn, mail, &request)?;
        Ok(request)
    })
}

/// The partner withdraws a request that waits for its answer.
pub fn withdraw_request(
    conn: &mut DbConn,
    actor: &Actor<'_>,
    id: &str,
    at: NaiveDateTime,
) -> Result<ClientRequest, LifecycleError> {
    write_tx(conn, |conn| {
        let request = client_requests::find_sent_by(conn, id, actor.org_id)?
            .ok_or(LifecycleError::NotFound)?;
        if !request.is_open(at)
            || !client_requests::close(conn, &request.id, "withdrawn", None, at)?
        {
            return Err(LifecycleError::Conflict(
                "This request was answered, withdrawn or expired already.".into(),
            ));
        }
        Ok(request)
    })
}
