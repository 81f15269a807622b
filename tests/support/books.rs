//! What the application stored, read straight from its database.

use partnerdesk::db::models::orgs;

use super::TestApp;

/// Emails waiting in the outbox or sent, as rows.
pub async fn outbox_count(app: &TestApp) -> i64 {
    use diesel::prelude::*;
    use partnerdesk::db::schema::outbox_emails;
    app.with_db(|conn| {
        outbox_emails::table
            .count()
            .get_result::<i64>(conn)
            .unwrap()
    })
    .await
}

/// How many events a partnership's timeline holds.
pub async fn event_count(app: &TestApp, partnership_id: &str) -> i64 {
    use diesel::prelude::*;
    use partnerdesk::db::schema::partnership_events;
    let id = partnership_id.to_owned();
    app.with_db(move |conn| {
        partnership_events::table
            .filter(partnership_events::partnership_id.eq(id))
            .count()
            .get_result::<i64>(conn)
            .unwrap()
    })
    .await
}

/// The id of a demo organization.
pub async fn org_id(app: &TestApp, name: &'static str) -> String {
    app.with_db(move |conn| {
        orgs::find_by_name(conn, name)
            .unwrap()
            .expect("the organization exists")
            .id
    })
    .await
}

/// An invoice as stored, for checking where it lives.
#[derive(Debug, Clone)]
pub struct StoredInvoice {
    pub id: String,
    pub number: String,
    pub payer_org_id: String,
    pub total: i64,
    pub order_id: String,
}

/// The most recently issued invoice.
pub async fn latest_invoice(app: &TestApp) -> StoredInvoice {
    use diesel::prelude::*;
    use partnerdesk::db::schema::invoices;
    app.with_db(|conn| {
        let (id, number, payer_org_id, total, order_id) = invoices::table
            .order((invoices::issued_at.desc(), invoices::sequence.desc()))
            .select((
                invoices::id,
                invoices::number,
                invoices::payer_org_id,
                invoices::total,
                invoices::order_id,
            ))
            .first::<(String, String, String, i64, String)>(conn)
            .unwrap();
        StoredInvoice {
            id,
            number,
            payer_org_id,
            total,
            order_id,
        }
    })
    .await
}

/// The income entry of an order, if any: (partner org id, kind, amount).
pub async fn income_of(app: &TestApp, order_id: &str) -> Option<(String, String, i64)> {
    use diesel::prelude::*;
    use partnerdesk::db::schema::income_entries;
    let order_id = order_id.to_owned();
    app.with_db(move |conn| {
        income_entries::table
            .filter(income_entries::order_id.eq(order_id))
            .select((
                income_entries::partner_org_id,
                income_entries::kind,
                income_entries::amount,
            ))
            .first::<(String, String, i64)>(conn)
            .optional()
            .unwrap()
    })
    .await
}

/// How many orders, invoices and income entries exist.
pub async fn billing_counts(app: &TestApp) -> (i64, i64, i64) {
    use diesel::prelude::*;
    use partnerdesk::db::schema::{income_entries, invoices, orders};
    app.with_db(|conn| {
        (
            orders::table.count().get_result(conn).unwrap(),
            invoices::table.count().get_result(conn).unwrap(),
            income_entries::table.count().get_result(conn).unwrap(),
        )
    })
    .await
}

/// The id of the user with this email.
pub async fn user_id(app: &TestApp, email: &'static str) -> String {
    app.with_db(move |conn| {
        partnerdesk::db::models::users::find_by_email(
            conn,
            &partnerdesk::domain::EmailAddress::parse(email).unwrap(),
        )
        .unwrap()
        .expect("the user exists")
        .id
    })
    .await
}

/// Has `email`, a member of `orderer`, order a .ch domain for `customer` through the
/// ordering code, `count` times, the i-th at `at(i)`.
pub async fn order_domains(
    app: &TestApp,
    email: &'static str,
    orderer: &'static str,
    customer: &'static str,
    count: i64,
    at: fn(i64) -> chrono::NaiveDateTime,
) {
    let user = user_id(app, email).await;
    let (orderer, customer) = (org_id(app, orderer).await, org_id(app, customer).await);
    app.with_db(move |conn| {
        for i in 0..count {
            let acting = partnerdesk::orders::Acting::Member {
                org_id: &orderer,
                user_id: &user,
                locale: partnerdesk::i18n::Locale::En,
            };
            let request = partnerdesk::orders::Request::New {
                customer_org_id: &customer,
                offer_code: "domain-ch",
                managed_by: None,
                label: "",
            };
            partnerdesk::orders::place(conn, acting, request, at(i), 810).unwrap();
        }
    })
    .await;
}
