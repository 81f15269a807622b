use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::{organizations, partnership_events, partnerships, users};
use crate::db::{DbConn, new_id};
use crate::domain::EventKind;

pub struct NewEvent<'a> {
    pub partnership_id: &'a str,
    pub occurred_at: NaiveDateTime,
    pub actor_user_id: Option<&'a str>,
    pub actor_org_id: Option<&'a str>,
    pub kind: EventKind,
    pub old_value: Option<&'a str>,
    pub new_value: Option<&'a str>,
}

#[derive(Debug, Clone, Queryable)]
pub struct EventView {
    pub id: String,
    pub occurred_at: NaiveDateTime,
    pub kind: EventKind,
    pub old_value: Option<String>,
    pub new_value: Option<String>,
    pub actor_name: Option<String>,
    pub actor_org_name: Option<String>,
}

pub fn insert(conn: &mut DbConn, event: NewEvent<'_>) -> QueryResult<()> {
    diesel::insert_into(partnership_events::table)
        .values((
            partnership_events::id.eq(new_id()),
            partnership_events::partnership_id.eq(event.partnership_id),
            partnership_events::occurred_at.eq(event.occurred_at),
            partnership_events::actor_user_id.eq(event.actor_user_id),
            partnership_events::actor_org_id.eq(event.actor_org_id),
            partnership_events::kind.eq(event.kind),
            partnership_events::old_value.eq(event.old_value),
            partnership_events::new_value.eq(event.new_value),
        ))
        .execute(conn)?;
    Ok(())
}

/// Where an older page of a timeline starts: before this event.
#[derive(Debug, Clone)]
pub struct Before {
    pub occurred_at: NaiveDateTime,
    pub id: String,
}

/// A partnership's events, newest first, for an organization at either end of it. Of a
/// fixed shape for the first page and for the others (not boxed): every partnership's
/// page runs it.
pub fn timeline(
    conn: &mut DbConn,
    org_id: &str,
    partnership_id: &str,
    before: Option<&Before>,
    limit: i64,
) -> QueryResult<Vec<EventView>> {
    let newest_first = partnership_events::table
        .inner_join(partnerships::table)
        .left_join(users::table)
        .left_join(
            organizations::table.on(organizations::id
                .nullable()
                .eq(partnership_events::actor_org_id)),
        )
        .filter(partnership_events::partnership_id.eq(partnership_id))
        .filter(
            partnerships::customer_org_id
                .eq(org_id)
                .or(partnerships::partner_org_id.eq(org_id)),
        )
        .order((
            partnership_events::occurred_at.desc(),
            partnership_events::id.desc(),
        ))
        .select((
            partnership_events::id,
            partnership_events::occurred_at,
            partnership_events::kind,
            partnership_events::old_value,
            partnership_events::new_value,
            users::name.nullable(),
            organizations::name.nullable(),
        ))
        .limit(limit);
    natively!(conn, c => match before {
        None => newest_first.load(c),
        // Written so that the first condition bounds the index range by itself.
        Some(before) => newest_first
            .filter(partnership_events::occurred_at.le(before.occurred_at))
            .filter(
                partnership_events::occurred_at
                    .lt(before.occurred_at)
                    .or(partnership_events::id.lt(&before.id)),
            )
            .load(c),
    })
}

/// The position of one event of a visible partnership, to continue a timeline after it.
pub fn position(
    conn: &mut DbConn,
    org_id: &str,
    partnership_id: &str,
    event_id: &str,
) -> QueryResult<Option<Before>> {
    partnership_events::table
        .inner_join(partnerships::table)
        .filter(partnership_events::id.eq(event_id))
        .filter(partnership_events::partnership_id.eq(partnership_id))
        .filter(
            partnerships::customer_org_id
                .eq(org_id)
                .or(partnerships::partner_org_id.eq(org_id)),
        )
        .select((partnership_events::occurred_at, partnership_events::id))
        .first::<(NaiveDateTime, String)>(conn)
        .optional()
        .map(|found| found.map(|(occurred_at, id)| Before { occurred_at, id }))
}
