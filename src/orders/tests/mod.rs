//! One test per rule of ordering, on a fresh SQLite database: what a quote says, what
//! a review issues and a confirmation consumes, what placing writes, and what the
//! scheduler bills.

use chrono::{NaiveDate, NaiveDateTime, TimeDelta};
use diesel::prelude::*;
use tempfile::TempDir;

use super::*;
use crate::db::models::{partnerships as partnership_rows, users};
use crate::db::schema::{
    income_entries, invoice_counters, invoices, offers, order_intents, orders,
};
use crate::db::{DatabaseUrl, Db, PooledConn, write_tx};
use crate::domain::{EmailAddress, IncomeKind, PaymentMode, Rate, Role, Side};

const VAT: i32 = 810;

/// A customer (Acme, CHF) and a partner (Agency, 20 %), each with one member.
struct World {
    _dir: TempDir,
    db: Db,
    acme: (String, String),
    agency: (String, String),
}

impl World {
    fn new() -> World {
        let dir = tempfile::tempdir().unwrap();
        let url = DatabaseUrl::parse(dir.path().join("orders.db").to_str().unwrap()).unwrap();
        let db = Db::connect(&url, 2).unwrap();
        let mut conn = db.get().unwrap();
        let mut org = |name: &str, email: &str| {
            let org = orgs::create(&mut conn, name, Currency::Chf).unwrap();
            let email = EmailAddress::parse(email).unwrap();
            let user = users::create(&mut conn, &email, name, "unused").unwrap();
            orgs::add_member(&mut conn, &org.id, &user.id, Role::LegalRep).unwrap();
            let details = crate::domain::address::BillingDetails::sample(name);
            crate::db::models::billing_details::save(
                &mut conn,
                &org.id,
                &details,
                crate::db::now(),
            )
            .unwrap();
            (org.id, user.id)
        };
        let acme = org("Acme", "alice@acme.test");
        let agency = org("Agency", "paul@agency.test");
        orgs::make_partner(&mut conn, &agency.0, Rate::from_bp(2000).unwrap()).unwrap();
        drop(conn);
        World {
            _dir: dir,
            db,
            acme,
            agency,
        }
    }

    fn conn(&self) -> PooledConn {
        self.db.get().unwrap()
    }

    fn customer(&self) -> Acting<'_> {
        Acting::Member {
            org_id: &self.acme.0,
            user_id: &self.acme.1,
            locale: crate::i18n::Locale::En,
        }
    }

    fn partner(&self) -> Acting<'_> {
        Acting::Member {
            org_id: &self.agency.0,
            user_id: &self.agency.1,
            locale: crate::i18n::Locale::En,
        }
    }

    /// Acme and Agency work together with `access`.
    fn partnership(&self, access: Access) -> String {
        partnership_rows::create(
            &mut self.conn(),
            &self.acme.0,
            &self.agency.0,
            access,
            PartnershipStatus::Active,
            Side::Customer,
            at(2026, 3, 1),
        )
        .unwrap()
    }

    fn order_for_acme(&self, offer_code: &'static str) -> Request<'_> {
        Request::New {
            customer_org_id: &self.acme.0,
            offer_code,
            managed_by: None,
            label: "",
        }
    }

    /// Orders, invoices, income entries, intents consumed and invoice numbers taken.
    fn written(&self) -> (i64, i64, i64, i64, i64) {
        let conn: &mut DbConn = &mut self.conn();
        (
            orders::table.count().get_result(conn).unwrap(),
            invoices::table.count().get_result(conn).unwrap(),
            income_entries::table.count().get_result(conn).unwrap(),
            order_intents::table
                .filter(order_intents::order_id.is_not_null())
                .count()
                .get_result(conn)
                .unwrap(),
            invoice_counters::table
                .select(diesel::dsl::sum(invoice_counters::last_number))
                .first::<Option<i64>>(conn)
                .unwrap()
                .unwrap_or(0),
        )
    }
}

fn at(y: i32, m: u32, d: u32) -> NaiveDateTime {
    NaiveDate::from_ymd_opt(y, m, d)
        .unwrap()
        .and_hms_opt(10, 0, 0)
        .unwrap()
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

/// The member `user` of `org`, reading English.
fn by<'a>(org: &'a str, user: &'a str) -> Acting<'a> {
    Acting::Member {
        org_id: org,
        user_id: user,
        locale: crate::i18n::Locale::En,
    }
}

fn confirmed(c: Confirmation) -> Placed {
    match c {
        Confirmation::Placed(placed) => placed,
        other => panic!("expected a placed order, got {other:?}"),
    }
}

mod confirming;
mod placing;
