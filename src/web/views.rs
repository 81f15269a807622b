//! How partnerships and their timelines read on the page, shared by the customer's
//! pages (`/partners`) and the partner's (`/clients`).

use chrono::{NaiveDateTime, TimeDelta};

use crate::db::now;
use crate::i18n::{t, t1};
use crate::partnerships::{INVITATION_DAYS, is_expired};

use crate::db::models::events::EventView;
use crate::db::models::partnerships::{Cursor, PartnershipView, Side};
use crate::domain::{Access, EventKind, PartnershipStatus, PaymentMode};

/// Dates as the pages show them: in UTC, said so.
pub fn datetime(at: NaiveDateTime) -> String {
    crate::i18n::datetime(at)
}

pub fn date(at: NaiveDateTime) -> String {
    crate::i18n::date(at.date())
}

/// One partnership, in words, from one side.
pub struct Summary {
    pub id: String,
    pub name: String,
    pub customer_name: String,
    pub partner_name: String,
    pub access_label: &'static str,
    pub payment_mode: Option<PaymentMode>,
    pub payment_label: &'static str,
    pub status_label: &'static str,
    pub status_class: &'static str,
    pub is_active: bool,
    pub full_access: bool,
    pub rate: String,
    pub since: String,
    pub version: i32,
    pub pending: bool,
    pub ended: bool,
    /// A pending invitation sent by the organization looking at it.
    pub invited_by_us: bool,
    pub expires_on: String,
    pub expired: bool,
    pub ended_on: String,
}

impl Summary {
    pub fn new(p: &PartnershipView, side: Side) -> Summary {
        Summary {
            id: p.id.clone(),
            name: p.counterpart_name(side).to_owned(),
            customer_name: p.customer_name.clone(),
            partner_name: p.partner_name.clone(),
            access_label: p.access.kind().label(),
            payment_mode: p.access.payment_mode(),
            payment_label: p.access.payment_mode().map_or("—", PaymentMode::label),
            status_label: state_label(p),
            status_class: match (p.status, is_expired(p, now())) {
                (PartnershipStatus::Active, _) => "badge badge-ok",
                (PartnershipStatus::Pending, false) => "badge badge-wait",
                _ => "badge badge-off",
            },
            is_active: p.status == PartnershipStatus::Active,
            full_access: matches!(p.access, Access::Full(_)),
            rate: p.rate.to_string(),
            since: date(p.created_at),
            version: p.version,
            pending: p.status == PartnershipStatus::Pending,
            ended: p.status == PartnershipStatus::Ended,
            invited_by_us: p.initiated_by == side,
            expires_on: p
                .invited_at
                .map(|at| date(at + TimeDelta::days(INVITATION_DAYS)))
                .unwrap_or_default(),
            expired: is_expired(p, now()),
            ended_on: p.ended_at.map(date).unwrap_or_default(),
        }
    }

    pub fn partner_pays(&self) -> bool {
        self.payment_mode == Some(PaymentMode::PartnerPays)
    }
}

/// Where a partnership stands, in words: an invitation pending or expired, refused or
/// withdrawn; a collaboration active or ended.
fn state_label(p: &PartnershipView) -> &'static str {
    match (p.status, p.outcome) {
        (PartnershipStatus::Active, _) => "Active",
        (PartnershipStatus::Pending, _) if is_expired(p, now()) => "Expired",
        (PartnershipStatus::Pending, _) => "Invitation pending",
        (PartnershipStatus::Ended, Some(EventKind::Refused)) => "Refused",
        (PartnershipStatus::Ended, Some(EventKind::Withdrawn)) => "Withdrawn",
        (PartnershipStatus::Ended, Some(EventKind::Expired)) => "Expired",
        (PartnershipStatus::Ended, _) => "Ended",
    }
}

/// One line of a timeline.
pub struct TimelineEntry {
    pub when: String,
    pub what: &'static str,
    pub who: String,
    pub change: Option<String>,
}

impl TimelineEntry {
    pub fn new(event: &EventView) -> TimelineEntry {
        let (old, new) = describe_change(event);
        let change = match (old.is_empty(), new.is_empty()) {
            (false, false) => Some(format!("{old} → {new}")),
            (true, false) => Some(new),
            (false, true) => Some(t1("was %{old}", "old", old)),
            (true, true) => None,
        };
        let who = match (&event.actor_name, &event.actor_org_name) {
            (Some(name), Some(org)) => format!("{name} ({org})"),
            (Some(name), None) => name.clone(),
            (None, Some(org)) => org.clone(),
            (None, None) => "partnerdesk".to_owned(),
        };
        TimelineEntry {
            when: datetime(event.occurred_at),
            what: event.kind.label(),
            who,
            change,
        }
    }
}

/// An event's old and new values in words (empty when absent).
pub fn describe_change(event: &EventView) -> (String, String) {
    let show = |value: &Option<String>| {
        value
            .as_deref()
            .map(|v| describe_value(event.kind, v))
            .unwrap_or_default()
    };
    (show(&event.old_value), show(&event.new_value))
}

fn describe_value(kind: EventKind, value: &str) -> String {
    let described = match kind {
        EventKind::PaymentModeChanged => value.parse::<PaymentMode>().ok().map(|m| t(m.label())),
        // A product's name, as it was when it moved.
        EventKind::ProductTakenOver | EventKind::ProductMovedAway => None,
        _ => Access::from_stored(value).map(|a| t(a.label())),
    };
    described.unwrap_or_else(|| value.to_owned())
}

/// Keyset pagination of a partnership list: the query parameters of the next page.
#[derive(Debug, Default, serde::Deserialize)]
pub struct PageQuery {
    pub after_name: Option<String>,
    pub after_id: Option<String>,
}

impl PageQuery {
    pub fn cursor(&self) -> Option<Cursor> {
        match (&self.after_name, &self.after_id) {
            (Some(name), Some(id)) => Some(Cursor {
                name: name.clone(),
                id: id.clone(),
            }),
            _ => None,
        }
    }
}

/// How many rows a list shows a page.
pub const PAGE_SIZE: i64 = 50;
/// How many rows an export reads at a time.
pub const EXPORT_CHUNK: i64 = 1000;

/// The link to the page after `rows`, when there may be one (a full page was returned).
pub fn next_page_link(path: &str, rows: &[PartnershipView], side: Side) -> Option<String> {
    if (rows.len() as i64) < PAGE_SIZE {
        return None;
    }
    let last = rows.last()?;
    let query = serde_urlencoded::to_string([
        ("after_name", last.counterpart_name(side)),
        ("after_id", &last.id),
    ])
    .ok()?;
    Some(format!("{path}?{query}"))
}

/// Timeline pagination: `?before=<event id>`.
#[derive(Debug, Default, serde::Deserialize)]
pub struct TimelineQuery {
    pub before: Option<String>,
}

pub const TIMELINE_SIZE: i64 = 20;

/// A page of a partnership's timeline, newest first, and the event to continue from.
pub struct TimelinePage {
    pub entries: Vec<TimelineEntry>,
    pub older_than: Option<String>,
}

/// Loads the timeline of a partnership `org_id` stands in, from `before` if given.
pub fn timeline_page(
    conn: &mut crate::db::DbConn,
    org_id: &str,
    partnership_id: &str,
    before: Option<&str>,
) -> diesel::QueryResult<TimelinePage> {
    use crate::db::models::events;
    let position = match before {
        Some(event_id) => events::position(conn, org_id, partnership_id, event_id)?,
        None => None,
    };
    let events = events::timeline(
        conn,
        org_id,
        partnership_id,
        position.as_ref(),
        TIMELINE_SIZE,
    )?;
    let older_than = if events.len() as i64 == TIMELINE_SIZE {
        events.last().map(|e| e.id.clone())
    } else {
        None
    };
    Ok(TimelinePage {
        entries: events.iter().map(TimelineEntry::new).collect(),
        older_than,
    })
}
