//! Reminders of overdue invoices on both backends: each step (days after the due date)
//! emailed once per invoice to the payer's legal representatives, administrators and
//! billing staff, in their language, however often and however many runs at once; a
//! paid invoice is not reminded; an invoice found past several steps gets one email.

mod support;

use chrono::{NaiveDate, TimeDelta};
use diesel::prelude::*;
use partnerdesk::config::BaseUrl;
use partnerdesk::db::models::orders::record_payment;
use partnerdesk::db::schema::{invoice_reminders, invoices, organizations, users};
use partnerdesk::mail::MailContext;
use partnerdesk::reminders::{Steps, send_due};
use support::*;

fn mail() -> MailContext {
    MailContext::new(BaseUrl::parse("http://partnerdesk.test").unwrap())
}

/// The demo's unpaid invoices of `payer` (any payer: `None`): (id, number, due on),
/// oldest due first.
async fn unpaid_of(app: &TestApp, payer: Option<&'static str>) -> Vec<(String, String, NaiveDate)> {
    app.with_db(move |conn| {
        let mut query = invoices::table
            .inner_join(organizations::table.on(organizations::id.eq(invoices::payer_org_id)))
            .filter(invoices::paid_at.is_null())
            .into_boxed();
        if let Some(payer) = payer {
            query = query.filter(organizations::name.eq(payer));
        }
        query
            .order((invoices::due_on, invoices::id))
            .select((invoices::id, invoices::number, invoices::due_on))
            .load(conn)
            .unwrap()
    })
    .await
}

/// Runs the reminders as of `today`.
async fn run(app: &TestApp, today: NaiveDate) -> usize {
    app.with_db(move |conn| {
        send_due(
            conn,
            &mail(),
            &Steps::default(),
            today,
            today.and_hms_opt(6, 0, 0).unwrap(),
        )
        .unwrap()
    })
    .await
}

async fn steps_sent(app: &TestApp, invoice: &str) -> Vec<i32> {
    let invoice = invoice.to_owned();
    app.with_db(move |conn| {
        invoice_reminders::table
            .filter(invoice_reminders::invoice_id.eq(invoice))
            .order(invoice_reminders::step_days)
            .select(invoice_reminders::step_days)
            .load(conn)
            .unwrap()
    })
    .await
}

/// The reminders about `number` delivered so far, to whom.
async fn reminders_of(app: &TestApp, number: &str) -> Vec<Email> {
    app.emails_settled()
        .await
        .into_iter()
        .filter(|e| {
            (e.subject.starts_with("Reminder") || e.subject.starts_with("Rappel"))
                && e.subject.contains(number)
        })
        .collect()
}

#[tokio::test]
async fn each_step_is_sent_once_to_the_payers_billing_people() {
    let app = spawn_demo().await;
    let unpaid = unpaid_of(&app, Some(ACME)).await;
    let (id, number, due) = unpaid
        .first()
        .cloned()
        .expect("the demo has an unpaid invoice");
    let day = move |after: i64| due + TimeDelta::days(after);

    run(&app, day(6)).await;
    assert!(
        steps_sent(&app, &id).await.is_empty(),
        "not a week late yet"
    );

    run(&app, day(7)).await;
    assert_eq!(steps_sent(&app, &id).await, [7]);
    let first = reminders_of(&app, &number).await;
    // Alice, Acme's legal representative; not Bob, its technical member.
    assert_eq!(
        first.len(),
        1,
        "{:?}",
        first.iter().map(|e| &e.to).collect::<Vec<_>>()
    );
    assert!(first[0].is_to("alice@acme.test"));
    assert!(first[0].text.contains("was due on"), "{}", first[0].text);
    assert!(
        first[0].text.contains(&format!("/invoices/{id}")),
        "{}",
        first[0].text
    );
    assert!(
        first[0]
            .text
            .contains(&partnerdesk::payments::reference::printed(&number)),
        "the reminder says how to pay: {}",
        first[0].text
    );

    // However often it runs, a step goes once.
    for _ in 0..3 {
        run(&app, day(7)).await;
        run(&app, day(10)).await;
    }
    assert_eq!(steps_sent(&app, &id).await, [7]);
    assert_eq!(reminders_of(&app, &number).await.len(), 1);

    run(&app, day(14)).await;
    assert_eq!(steps_sent(&app, &id).await, [7, 14]);
    assert_eq!(reminders_of(&app, &number).await.len(), 2);

    // Runs at once (several instances) send the last step once.
    let runs: Vec<_> = (0..4)
        .map(|_| {
            let db = app.db.clone();
            std::thread::spawn(move || {
                send_due(
                    &mut db.get().unwrap(),
                    &mail(),
                    &Steps::default(),
                    day(30),
                    day(30).and_hms_opt(6, 0, 0).unwrap(),
                )
                .unwrap()
            })
        })
        .collect();
    for r in runs {
        r.join().unwrap();
    }
    assert_eq!(steps_sent(&app, &id).await, [7, 14, 30]);
    assert_eq!(reminders_of(&app, &number).await.len(), 3);
    run(&app, day(400)).await;
    assert_eq!(
        reminders_of(&app, &number).await.len(),
        3,
        "30 days is the last step"
    );
}

#[tokio::test]
async fn a_paid_invoice_is_not_reminded_and_a_late_find_gets_one_email_in_the_readers_language() {
    let app = spawn_demo().await;
    let unpaid = unpaid_of(&app, None).await;
    assert!(unpaid.len() >= 2, "{unpaid:?}");
    let (paid_id, paid_number, due) = unpaid[0].clone();
    let (late_id, late_number, late_due) = unpaid[1].clone();
    app.with_db(move |conn| {
        record_payment(conn, &paid_id, due.and_hms_opt(12, 0, 0).unwrap()).unwrap();
        // Everyone reads French.
        diesel::update(users::table)
            .set(users::locale.eq(Some("fr")))
            .execute(conn)
            .unwrap();
    })
    .await;

    // Found 40 days late at once: one email, every step it passed recorded.
    run(&app, late_due.max(due) + TimeDelta::days(40)).await;
    assert!(reminders_of(&app, &paid_number).await.is_empty());
    assert_eq!(steps_sent(&app, &late_id).await, [7, 14, 30]);
    let sent = reminders_of(&app, &late_number).await;
    assert_eq!(sent.len(), 1);
    assert!(sent[0].subject.contains("Rappel"), "{}", sent[0].subject);
    assert!(
        sent[0].text.contains("n'est pas encore payée"),
        "{}",
        sent[0].text
    );
}
