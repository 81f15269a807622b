//! Rows and the queries that read and write them, one module per table family.
//! Every query about an organization's data takes the organization's id and filters
//! by it in SQL.

/// Takes the next number of `$year` from the counter table `$counters` (columns `year`
/// and `last_number`) of a series of documents. The update locks the year's counter row
/// until the transaction ends, so concurrent documents queue here and a rolled-back one
/// gives its number back: no gap, no duplicate.
macro_rules! next_in_series {
    ($conn:expr, $counters:ident, $year:expr) => {{
        let (conn, year): (&mut crate::db::DbConn, i32) = ($conn, $year);
        let first = ($counters::year.eq(year), $counters::last_number.eq(0));
        // The year's first document creates the counter; a concurrent first one waits.
        match conn {
            crate::db::DbConn::Pg(pg) => diesel::insert_into($counters::table)
                .values(first)
                .on_conflict_do_nothing()
                .execute(pg)?,
            crate::db::DbConn::Sqlite(lite) => diesel::insert_into($counters::table)
                .values(first)
                .on_conflict_do_nothing()
                .execute(lite)?,
        };
        diesel::update($counters::table.find(year))
            .set($counters::last_number.eq($counters::last_number + 1))
            .execute(conn)?;
        $counters::table
            .find(year)
            .select($counters::last_number)
            .first(conn)
    }};
}

pub mod account_links;
pub mod activity;
pub mod bank_payments;
pub mod billing_details;
pub mod client_requests;
pub mod credit_notes;
pub mod events;
pub mod income;
pub mod intents;
pub mod invitations;
pub mod invoices;
pub mod known_browsers;
pub mod members;
pub mod offers;
pub mod orders;
pub mod orgs;
pub mod outbox;
pub mod partnerships;
pub mod products;
pub mod reminders;
pub mod sessions;
pub mod throttle;
pub mod two_factor;
pub mod users;
