//! Notification emails leave through a real SMTP server, and wait (never lost) while
//! it is down.

mod support;

use std::time::Duration;

use diesel::prelude::*;
use partnerdesk::db::schema::outbox_emails;
use reqwest::StatusCode;
use support::smtp::SmtpServer;
use support::*;

#[tokio::test]
async fn the_change_is_announced_through_smtp() {
    let smtp = SmtpServer::start();
    let smtp_url = smtp.url();
    let app = spawn_app_with(move |config| config.mail.smtp_url = Some(smtp_url)).await;
    let db = app.db.clone();
    tokio::task::spawn_blocking(move || {
        partnerdesk::demo::seed_if_empty(&mut db.get().unwrap()).unwrap()
    })
    .await
    .unwrap();
    let id = app.partnership_id(ACME, WEB_AGENCY).await;
    let alice = app.logged_in("alice@acme.test").await;
    assert_eq!(
        change_payment_mode(&alice, &id, "partner").await.status,
        StatusCode::SEE_OTHER
    );

    let received = smtp.wait_for(2).await;
    assert_eq!(received.len(), 2);
    let mut recipients: Vec<&str> = received
        .iter()
        .flat_map(|r| r.envelope_to.iter().map(String::as_str))
        .collect();
    recipients.sort();
    assert_eq!(recipients, ["alice@acme.test", "paul@webagency.test"]);
    for message in &received {
        assert_eq!(message.envelope_from, "noreply@partnerdesk.test");
    }
    let to_paul = received
        .iter()
        .find(|r| r.envelope_to == ["paul@webagency.test"])
        .unwrap();
    assert_eq!(
        to_paul.email.subject,
        "Acme SA changed who pays: now “Partner pays”"
    );
    assert!(
        to_paul.email.text.starts_with("Hello Paul Favre,"),
        "{}",
        to_paul.email.text
    );
    assert!(to_paul.email.text.contains("Before: Customer pays"));
    assert!(
        to_paul
            .email
            .text
            .contains("Changed by Alice Martin (alice@acme.test) of Acme SA on ")
    );
    assert!(
        to_paul
            .email
            .html
            .contains("<p>Acme SA changed who pays for the orders and renewals that Web Agency Sàrl places for it.</p>")
    );
    assert!(to_paul.email.html.contains(&format!("/clients/{id}")));
    // The renewals the agency now pays, at its partner price (CHF 480 less its 20 %).
    let text = &to_paul.email.text.replace("\r\n", "\n");
    assert!(
        text.contains("\n\nThe automatic renewals of the next 90 days that Web Agency Sàrl now pays (prices before VAT):\n  - "),
        "{text}"
    );
    let cloud = text
        .lines()
        .find(|l| l.contains("shop.acme.ch · Cloud Server, on "))
        .unwrap_or_else(|| panic!("the cloud server's renewal is listed: {text}"));
    assert!(cloud.ends_with(": CHF 384.00"), "{cloud}");
    assert!(
        text.contains("acme-shop.ch · Domain name .ch, on "),
        "{text}"
    );
    assert!(
        to_paul
            .email
            .html
            .contains("<li>shop.acme.ch · Cloud Server, on ")
    );
    let to_alice = received
        .iter()
        .find(|r| r.envelope_to == ["alice@acme.test"])
        .unwrap();
    assert_eq!(
        to_alice.email.subject,
        "Payment mode for Web Agency Sàrl changed to “Partner pays”"
    );

    // Delivered emails are marked as sent.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let unsent = app
        .with_db(|conn| partnerdesk::db::models::outbox::unsent_count(conn).unwrap())
        .await;
    assert_eq!(unsent, 0);
}

#[tokio::test]
async fn while_the_mail_server_is_down_emails_wait_and_leave_when_it_is_back() {
    // A port with nobody listening on it, yet.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let app = spawn_app_with(move |config| {
        config.mail.smtp_url = Some(format!("smtp://127.0.0.1:{port}"))
    })
    .await;
    let db = app.db.clone();
    tokio::task::spawn_blocking(move || {
        partnerdesk::demo::seed_if_empty(&mut db.get().unwrap()).unwrap()
    })
    .await
    .unwrap();
    let id = app.partnership_id(ACME, WEB_AGENCY).await;
    let alice = app.logged_in("alice@acme.test").await;

    // The change succeeds although no email can leave.
    assert_eq!(
        change_payment_mode(&alice, &id, "partner").await.status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(app.partnership(ACME, &id).await.version, 2);

    // Both attempts fail and are recorded; the emails stay queued.
    let mut failed = Vec::new();
    for _ in 0..100 {
        failed = app
            .with_db(|conn| {
                outbox_emails::table
                    .filter(outbox_emails::sent_at.is_null())
                    .filter(outbox_emails::last_error.is_not_null())
                    .select((outbox_emails::message_id, outbox_emails::attempts))
                    .load::<(String, i32)>(conn)
                    .unwrap()
            })
            .await;
        if failed.len() == 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(failed.len(), 2, "both deliveries failed and were recorded");
    assert!(failed.iter().all(|(_, attempts)| *attempts == 1));

    // The server comes back; once the retry is due, everything is delivered, with the
    // Message-IDs fixed when the emails were queued.
    let smtp = SmtpServer::start_on(port);
    app.with_db(|conn| {
        diesel::update(outbox_emails::table)
            .set(outbox_emails::next_attempt_at.eq(partnerdesk::db::now()))
            .execute(conn)
            .unwrap()
    })
    .await;
    let received = smtp.wait_for(2).await;
    let mut delivered: Vec<String> = received
        .iter()
        .map(|r| format!("<{}>", r.email.message_id))
        .collect();
    let mut queued: Vec<String> = failed.into_iter().map(|(id, _)| id).collect();
    delivered.sort();
    queued.sort();
    assert_eq!(delivered, queued);
}
