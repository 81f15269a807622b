//! No page sends more statements to the database because an organization has more rows:
//! the count of each main page, read from the `Server-Timing` header, is the same for the
//! demo as for the demo grown by many partners, clients, products, invoices, income,
//! events and colleagues.

mod support;

use std::collections::BTreeMap;

use chrono::TimeDelta;
use partnerdesk::db::models::events::{self, NewEvent};
use partnerdesk::db::models::partnerships::{self, Side};
use partnerdesk::db::models::{orgs, users};
use partnerdesk::db::{DbConn, now};
use partnerdesk::domain::{
    Access, Currency, EmailAddress, EventKind, PartnershipStatus, PaymentMode, Rate, Role,
};
use partnerdesk::orders::{self, Acting, Request};
use reqwest::StatusCode;
use support::*;

/// The number of statements the page at `path` sent.
async fn statements(browser: &Browser, path: &str) -> u64 {
    let page = browser.get(path).await;
    assert_eq!(page.status, StatusCode::OK, "GET {path}: {}", page.text());
    let timing = page.headers["server-timing"].to_str().unwrap().to_owned();
    timing
        .split('"')
        .nth(1)
        .and_then(|desc| desc.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no statement count in {timing:?}"))
}

/// The statements of every main page, for the customer (Alice) and the partner (Paul).
async fn counts(app: &TestApp) -> BTreeMap<String, u64> {
    let id = app.partnership_id(ACME, WEB_AGENCY).await;
    let acme = org_id(app, ACME).await;
    let invoice = app
        .with_db(move |conn| {
            use diesel::prelude::*;
            use partnerdesk::db::schema::invoices;
            invoices::table
                .filter(invoices::payer_org_id.eq(acme))
                .order(invoices::issued_at.desc())
                .select(invoices::id)
                .first::<String>(conn)
                .unwrap()
        })
        .await;
    let alice = app.logged_in("alice@acme.test").await;
    let paul = app.logged_in("paul@webagency.test").await;
    let mut counts = BTreeMap::new();
    for (who, browser, path) in [
        ("alice", &alice, "/".to_owned()),
        ("alice", &alice, "/partners".into()),
        ("alice", &alice, format!("/partners/{id}")),
        ("alice", &alice, format!("/partners/{id}/payment/edit")),
        ("alice", &alice, "/products".into()),
        ("alice", &alice, "/invoices".into()),
        ("alice", &alice, "/invoices?status=paid".into()),
        ("alice", &alice, format!("/invoices/{invoice}")),
        ("alice", &alice, "/team".into()),
        ("alice", &alice, "/account".into()),
        ("paul", &paul, "/".into()),
        ("paul", &paul, "/clients".into()),
        ("paul", &paul, format!("/clients/{id}")),
        ("paul", &paul, "/products?view=clients".into()),
        ("paul", &paul, "/invoices".into()),
        ("paul", &paul, "/income".into()),
    ] {
        // Asked twice: the first visit may set up the session's CSRF token.
        statements(browser, &path).await;
        let n = statements(browser, &path).await;
        let path = path.replace(&id, "{id}").replace(&invoice, "{invoice}");
        counts.insert(format!("{who} {path}"), n);
    }
    counts
}

/// Adds `n` partners of Acme (each with a timeline), `n` clients of Web Agency, products
/// ordered and renewed over two years through the ordering code, and `n` colleagues.
fn grow(conn: &mut DbConn, n: usize) {
    let acme = orgs::find_by_name(conn, ACME).unwrap().unwrap();
    let agency = orgs::find_by_name(conn, WEB_AGENCY).unwrap().unwrap();
    let user = |conn: &mut DbConn, email: &str| {
        users::find_by_email(conn, &EmailAddress::parse(email).unwrap())
            .unwrap()
            .unwrap()
    };
    let alice = user(conn, "alice@acme.test");
    let paul = user(conn, "paul@webagency.test");
    let start = now() - TimeDelta::days(800);
    let acme_agency = partnerships::live_between(conn, &acme.id, &agency.id)
        .unwrap()
        .unwrap()
        .id;
    for i in 0..n {
        // A partner of Acme, with an event in its timeline.
        let partner = orgs::create(conn, &format!("Partner {i:03}"), Currency::Chf).unwrap();
        orgs::make_partner(conn, &partner.id, Rate::from_bp(1500).unwrap()).unwrap();
        let access = if i % 2 == 0 {
            Access::Full(PaymentMode::PartnerPays)
        } else {
            Access::Limited
        };
        let partnership = partnerships::create(
            conn,
            &acme.id,
            &partner.id,
            access,
            PartnershipStatus::Active,
            Side::Customer,
            start,
        )
        .unwrap();
        events::insert(
            conn,
            NewEvent {
                partnership_id: &partnership,
                occurred_at: start,
                actor_user_id: Some(&alice.id),
                actor_org_id: Some(&acme.id),
                kind: EventKind::Invited,
                old_value: None,
                new_value: Some(&access.to_stored()),
            },
        )
        .unwrap();

        // A client of Web Agency, whose products the agency orders.
        let client = orgs::create(conn, &format!("Client {i:03}"), Currency::Chf).unwrap();
        partnerships::create(
            conn,
            &client.id,
            &agency.id,
            Access::Full(if i % 2 == 0 {
                PaymentMode::CustomerPays
            } else {
                PaymentMode::PartnerPays
            }),
            PartnershipStatus::Active,
            Side::Partner,
            start,
        )
        .unwrap();
        let as_agency = Acting::Member {
            org_id: &agency.id,
            user_id: &paul.id,
            locale: partnerdesk::i18n::Locale::En,
        };
        let as_acme = Acting::Member {
            org_id: &acme.id,
            user_id: &alice.id,
            locale: partnerdesk::i18n::Locale::En,
        };
        let managed_by = (i % 2 == 0).then_some(partnership.as_str());
        for (acting, customer, managed_by) in [
            (as_agency, client.id.as_str(), None),
            (as_agency, acme.id.as_str(), None),
            (as_acme, acme.id.as_str(), managed_by),
            (as_acme, acme.id.as_str(), Some(acme_agency.as_str())),
        ] {
            let request = Request::New {
                customer_org_id: customer,
                offer_code: ["web-hosting", "domain-ch", "kdrive"][i % 3],
                managed_by,
                label: "",
            };
            orders::place(conn, acting, request, start, 810).unwrap();
        }

        // A colleague of Alice.
        let email = EmailAddress::parse(&format!("colleague{i}@acme.test")).unwrap();
        let colleague = users::create(conn, &email, &format!("Colleague {i}"), "x").unwrap();
        orgs::add_member(conn, &acme.id, &colleague.id, Role::Technical).unwrap();
    }
    // Two years of renewals, day by day, as the scheduler bills them.
    let mut day = start.date();
    while day <= now().date() {
        orders::renew_due(conn, day, day.and_hms_opt(3, 0, 0).unwrap(), 810).unwrap();
        day += TimeDelta::days(1);
    }
}

#[tokio::test]
async fn the_main_pages_send_as_many_statements_for_many_rows_as_for_few() {
    let app = spawn_demo().await;
    let few = counts(&app).await;
    app.with_db(|conn| grow(conn, 30)).await;
    let many = counts(&app).await;
    // The pages do show the grown rows.
    let alice = app.logged_in("alice@acme.test").await;
    let paul = app.logged_in("paul@webagency.test").await;
    for (browser, path, at_least) in [
        (&alice, "/partners", 32),
        (&alice, "/team", 32),
        (&alice, "/products", 50),
        (&alice, "/invoices", 50),
        (&paul, "/clients", 32),
        (&paul, "/income", 50),
    ] {
        let rows = browser.get(path).await.texts("tbody tr").len();
        assert!(rows >= at_least, "{path} shows {rows} rows");
    }
    eprintln!("statements per page: {few:#?}");
    assert_eq!(few, many, "statements per page, before and after growing");
    for (page, n) in &few {
        // A page needs its session, its membership and its data: a handful of statements.
        assert!(*n <= 15, "{page} sends {n} statements");
    }
}

#[tokio::test]
async fn the_about_page_touches_no_database() {
    let app = spawn_demo().await;
    let visitor = app.browser();
    assert_eq!(statements(&visitor, "/about").await, 0);
    assert!(
        visitor
            .get("/about")
            .await
            .headers
            .get("set-cookie")
            .is_none()
    );
}
