//! A partner's request for a client, addressed to an email until its owner answers.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::{client_requests, organizations};
use crate::db::{DbConn, new_id};
use crate::domain::AccessKind;

/// A request as both sides list it.
#[derive(Debug, Clone, Queryable)]
pub struct ClientRequest {
    pub id: String,
    pub partner_org_id: String,
    pub partner_name: String,
    pub email: String,
    pub access: AccessKind,
    pub requested_by_user_id: String,
    pub created_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
    pub answered_at: Option<NaiveDateTime>,
    pub outcome: Option<String>,
}

impl ClientRequest {
    /// Waiting for its answer at `at`.
    pub fn is_open(&self, at: NaiveDateTime) -> bool {
        self.outcome.is_none() && self.expires_at > at
    }
}

#[diesel::dsl::auto_type(no_type_alias)]
fn with_partner() -> _ {
    client_requests::table
        .inner_join(organizations::table)
        .select((
            client_requests::id,
            client_requests::partner_org_id,
            organizations::name,
            client_requests::email,
            client_requests::access,
            client_requests::requested_by_user_id,
            client_requests::created_at,
            client_requests::expires_at,
            client_requests::answered_at,
            client_requests::outcome,
        ))
}

pub struct NewRequest<'a> {
    pub partner_org_id: &'a str,
    pub email: &'a str,
    pub access: AccessKind,
    pub requested_by_user_id: &'a str,
    pub created_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
}

pub fn insert(conn: &mut DbConn, new: &NewRequest<'_>) -> QueryResult<String> {
    let id = new_id();
    diesel::insert_into(client_requests::table)
        .values((
            client_requests::id.eq(&id),
            client_requests::partner_org_id.eq(new.partner_org_id),
            client_requests::email.eq(new.email),
            client_requests::access.eq(new.access),
            client_requests::requested_by_user_id.eq(new.requested_by_user_id),
            client_requests::created_at.eq(new.created_at),
            client_requests::expires_at.eq(new.expires_at),
        ))
        .execute(conn)?;
    Ok(id)
}

/// The requests a partner sent, newest first.
pub fn sent_by(conn: &mut DbConn, partner_org_id: &str) -> QueryResult<Vec<ClientRequest>> {
    with_partner()
        .filter(client_requests::partner_org_id.eq(partner_org_id))
        .order((client_requests::created_at.desc(), client_requests::id))
        .limit(100)
        .load(conn)
}

/// The open requests addressed to `email`, newest first.
pub fn addressed_to(
    conn: &mut DbConn,
    email: &str,
    at: NaiveDateTime,
) -> QueryResult<Vec<ClientRequest>> {
    with_partner()
        .filter(client_requests::email.eq(email))
        .filter(client_requests::outcome.is_null())
        .filter(client_requests::expires_at.gt(at))
        .order((client_requests::created_at.desc(), client_requests::id))
        .limit(50)
        .load(conn)
}

/// A request addressed to `email`, open or not.
pub fn find_addressed_to(
    conn: &mut DbConn,
    id: &str,
    email: &str,
) -> QueryResult<Option<ClientRequest>> {
    with_partner()
        .filter(client_requests::id.eq(id))
        .filter(client_requests::email.eq(email))
        .first(conn)
        .optional()
}

/// A request a partner sent.
pub fn find_sent_by(
    conn: &mut DbConn,
    id: &str,
    partner_org_id: &str,
) -> QueryResult<Option<ClientRequest>> {
    with_partner()
        .filter(client_requests::id.eq(id))
        .filter(client_requests::partner_org_id.eq(partner_org_id))
        .first(conn)
        .optional()
}

/// Closes an open request with its outcome; false if it was answered meanwhile.
pub fn close(
    conn: &mut DbConn,
    id: &str,
    outcome: &str,
    partnership_id: Option<&str>,
    at: NaiveDateTime,
) -> QueryResult<bool> {
    let updated = diesel::update(
        client_requests::table
            .find(id)
            .filter(client_requests::outcome.is_null()),
    )
    .set((
        client_requests::outcome.eq(Some(outcome)),
        client_requests::answered_at.eq(Some(at)),
        client_requests::partnership_id.eq(partnership_id),
    ))
    .execute(conn)?;
    Ok(updated == 1)
}
