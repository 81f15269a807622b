use chrono::{NaiveDateTime, TimeDelta};
use diesel::prelude::*;

use crate::db::schema::outbox_emails;
use crate::db::{DbConn, new_id, now, write_tx};

/// An email to send, written in the same transaction as the change that causes it.
#[derive(Debug, Clone)]
pub struct OutgoingEmail {
    pub recipient: String,
    pub recipient_name: String,
    pub subject: String,
    pub body_text: String,
    pub body_html: String,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = outbox_emails)]
pub struct PendingEmail {
    pub id: String,
    pub message_id: String,
    pub recipient: String,
    pub recipient_name: String,
    pub subject: String,
    pub body_text: String,
    pub body_html: String,
    pub created_at: NaiveDateTime,
    pub attempts: i32,
}

/// Queues an email. Its Message-ID is fixed now, so every delivery attempt carries the
/// same one and a duplicate delivery is recognisable.
pub fn enqueue(conn: &mut DbConn, email: &OutgoingEmail, message_domain: &str) -> QueryResult<()> {
    let id = new_id();
    let at = now();
    diesel::insert_into(outbox_emails::table)
        .values((
            outbox_emails::message_id.eq(format!("<{id}@{message_domain}>")),
            outbox_emails::id.eq(id),
            outbox_emails::recipient.eq(&email.recipient),
            outbox_emails::recipient_name.eq(&email.recipient_name),
            outbox_emails::subject.eq(&email.subject),
            outbox_emails::body_text.eq(&email.body_text),
            outbox_emails::body_html.eq(&email.body_html),
            outbox_emails::created_at.eq(at),
            outbox_emails::attempts.eq(0),
            outbox_emails::next_attempt_at.eq(at),
        ))
        .execute(conn)?;
    Ok(())
}

/// Takes up to `limit` due emails for this sender: each is leased until `now + lease`,
/// so another sender (or this one after a crash) picks it up again only once the lease
/// has run out. On PostgreSQL, rows another instance is claiming are skipped.
pub fn claim_due(
    conn: &mut DbConn,
    lease: TimeDelta,
    limit: i64,
) -> QueryResult<Vec<PendingEmail>> {
    write_tx(conn, |conn| {
        let at = now();
        let due = || {
            outbox_emails::table
                .filter(outbox_emails::sent_at.is_null())
                .filter(outbox_emails::next_attempt_at.le(at))
                .order((outbox_emails::next_attempt_at, outbox_emails::id))
                .limit(limit)
        };
        // SQLite serialises writers (BEGIN IMMEDIATE); PostgreSQL needs the row locks.
        let claimed: Vec<PendingEmail> = match conn {
            DbConn::Pg(pg) => due()
                .for_update()
                .skip_locked()
                .select(PendingEmail::as_select())
                .load(pg)?,
            DbConn::Sqlite(_) => due().select(PendingEmail::as_select()).load(conn)?,
        };
        let ids: Vec<&str> = claimed.iter().map(|e| e.id.as_str()).collect();
        diesel::update(outbox_emails::table.filter(outbox_emails::id.eq_any(&ids)))
            .set((
                outbox_emails::next_attempt_at.eq(at + lease),
                outbox_emails::attempts.eq(outbox_emails::attempts + 1),
            ))
            .execute(conn)?;
        Ok(claimed)
    })
}

pub fn mark_sent(conn: &mut DbConn, id: &str) -> QueryResult<()> {
    diesel::update(outbox_emails::table.find(id))
        .set((
            outbox_emails::sent_at.eq(now()),
            outbox_emails::last_error.eq(None::<String>),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn mark_failed(
    conn: &mut DbConn,
    id: &str,
    error: &str,
    retry_at: NaiveDateTime,
) -> QueryResult<()> {
    diesel::update(outbox_emails::table.find(id))
        .set((
            outbox_emails::next_attempt_at.eq(retry_at),
            outbox_emails::last_error.eq(error),
        ))
        .execute(conn)?;
    Ok(())
}

/// Emails not delivered yet.
pub fn unsent_count(conn: &mut DbConn) -> QueryResult<i64> {
    outbox_emails::table
        .filter(outbox_emails::sent_at.is_null())
        .count()
        .get_result(conn)
}
