//! Fifty requests at once — payment-mode changes and orders — leave a consistent state:
//! one event and one set of emails per accepted change, unique consecutive invoice numbers.

mod support;

use diesel::prelude::*;
use partnerdesk::db::schema::{invoices, outbox_emails, partnership_events};
use partnerdesk::domain::{Access, EventKind, PaymentMode};
use reqwest::StatusCode;
use support::*;

#[tokio::test]
async fn simultaneous_changes_and_orders_stay_consistent() {
    let app = spawn_demo().await;
    let id = app.partnership_id(ACME, WEB_AGENCY).await;
    let acme = org_id(&app, ACME).await;
    let alice = app.logged_in("alice@acme.test").await;
    let paul = app.logged_in("paul@webagency.test").await;
    let (alice_token, paul_token) = (alice.csrf_token().await, paul.csrf_token().await);
    let events_before = event_count(&app, &id).await;
    let invoices_before: i64 = app
        .with_db(|conn| invoices::table.count().get_result(conn).unwrap())
        .await;

    // 25 changes, each from a form opened at some version between 1 and 5, alternating
    // modes; 25 orders by the partner for Acme, at the same time.
    let mut tasks = Vec::new();
    for i in 0..25usize {
        let client = alice.client.clone();
        let url = format!("{}/partners/{id}/payment", app.address);
        let form = vec![
            ("csrf_token", alice_token.clone()),
            (
                "payment_mode",
                if i % 2 == 0 { "partner" } else { "customer" }.to_owned(),
            ),
            ("version", (1 + i % 5).to_string()),
        ];
        tasks.push(tokio::spawn(async move {
            (
                "change",
                client.post(url).form(&form).send().await.unwrap().status(),
            )
        }));
        let client = paul.client.clone();
        let url = format!("{}/orders", app.address);
        let form = vec![
            ("csrf_token", paul_token.clone()),
            ("customer_org_id", acme.clone()),
            ("offer", "domain-ch".to_owned()),
        ];
        tasks.push(tokio::spawn(async move {
            // A quote, then the order with whatever terms are in force at that moment.
            let quote = client
                .post(&url)
                .form(&form)
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap();
            let intent = {
                let html = scraper::Html::parse_document(&quote);
                let field = |name: &str| {
                    html.select(&scraper::Selector::parse(&format!("input[name={name}]")).unwrap())
                        .next()
                        .and_then(|e| e.value().attr("value").map(str::to_owned))
                        .unwrap_or_default()
                };
                field("intent")
            };
            let confirm = vec![
                ("csrf_token", form[0].1.clone()),
                ("intent", intent),
                ("confirm", "1".to_owned()),
            ];
            (
                "order",
                client
                    .post(&url)
                    .form(&confirm)
                    .send()
                    .await
                    .unwrap()
                    .status(),
            )
        }));
    }
    let mut statuses = Vec::new();
    for task in tasks {
        statuses.push(task.await.unwrap());
    }
    for (what, status) in &statuses {
        let allowed = match *what {
            // saved or already in force (303), or refused as stale (409)
            "change" => [StatusCode::SEE_OTHER, StatusCode::CONFLICT].contains(status),
            // placed (303), or its terms changed by a concurrent switch (409)
            _ => [StatusCode::SEE_OTHER, StatusCode::CONFLICT].contains(status),
        };
        assert!(allowed, "{what}: {status}");
    }

    // Every accepted change: one version step, one event, one email to each side.
    let p = app.partnership(ACME, &id).await;
    let (changes, emails, last): (i64, i64, Option<String>) = {
        let id = id.clone();
        app.with_db(move |conn| {
            let kind: &str = EventKind::PaymentModeChanged.into();
            let changes = partnership_events::table
                .filter(partnership_events::partnership_id.eq(&id))
                .filter(partnership_events::kind.eq(kind))
                .count()
                .get_result(conn)
                .unwrap();
            let last = partnership_events::table
                .filter(partnership_events::partnership_id.eq(&id))
                .filter(partnership_events::kind.eq(kind))
                .order((
                    partnership_events::occurred_at.desc(),
                    partnership_events::id.desc(),
                ))
                .select(partnership_events::new_value)
                .first::<Option<String>>(conn)
                .optional()
                .unwrap()
                .flatten();
            (
                changes,
                outbox_emails::table.count().get_result(conn).unwrap(),
                last,
            )
        })
        .await
    };
    assert!(
        changes >= 1,
        "at least the first change at version 1 went through"
    );
    assert_eq!(
        i64::from(p.version) - 1,
        changes,
        "one version step per accepted change"
    );
    assert_eq!(
        event_count(&app, &id).await - events_before,
        changes,
        "one event per accepted change"
    );
    assert_eq!(
        emails,
        2 * changes,
        "Paul and Alice are told once per accepted change"
    );
    let in_force = match p.access {
        Access::Full(mode) => mode,
        Access::Limited => panic!("access changed"),
    };
    assert_eq!(
        last.as_deref().map(|m| m.parse::<PaymentMode>().unwrap()),
        Some(in_force),
        "the last event says what is in force"
    );

    // Every placed order has its invoice, and the numbers are unique and consecutive.
    let placed = statuses
        .iter()
        .filter(|(w, s)| *w == "order" && *s == StatusCode::SEE_OTHER)
        .count() as i64;
    let numbers: Vec<(i32, i32)> = app
        .with_db(|conn| {
            invoices::table
                .order((invoices::year, invoices::sequence))
                .select((invoices::year, invoices::sequence))
                .load(conn)
                .unwrap()
        })
        .await;
    assert_eq!(numbers.len() as i64 - invoices_before, placed);
    let mut expected = std::collections::HashMap::new();
    for (year, sequence) in numbers {
        let next = expected.entry(year).or_insert(1);
        assert_eq!(sequence, *next, "{year}: no gap, no duplicate");
        *next += 1;
    }
}
