//! The customer changes who pays, end to end: sidebar Partner → the partner's name →
//! the pencil → choose → verify → confirm; the partner is told and sees the new mode.

mod support;

use partnerdesk::domain::{Access, PaymentMode};
use reqwest::StatusCode;
use support::*;

#[tokio::test]
async fn the_customer_switches_to_partner_pays_and_the_partner_is_told() {
    let app = spawn_demo().await;
    let id = app.partnership_id(ACME, WEB_AGENCY).await;
    let alice = app.logged_in("alice@acme.test").await;

    // Sidebar → Partner: the list shows the partner with its access and payment mode.
    let dashboard = alice.get("/").await;
    assert!(
        dashboard.has_link("/partners"),
        "the sidebar links to the partners"
    );
    let list = alice.get("/partners").await;
    assert_eq!(list.status, StatusCode::OK);
    let row = list
        .texts("tbody tr")
        .into_iter()
        .find(|r| r.contains(WEB_AGENCY))
        .expect("Web Agency is listed");
    assert!(
        row.contains("Full access") && row.contains("Customer pays") && row.contains("Active"),
        "{row}"
    );

    // The partner's name → its page, with the pencil next to Payment.
    assert!(list.has_link(&format!("/partners/{id}")));
    let page = alice.get(&format!("/partners/{id}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.has_link(&format!("/partners/{id}/payment/edit")),
        "the pencil is shown to the legal rep"
    );
    assert!(
        page.texts(".payment-value")
            .contains(&"Customer pays".to_owned())
    );

    // The pencil → the form explains both modes, with the current one selected.
    let edit = alice.get(&format!("/partners/{id}/payment/edit")).await;
    assert_eq!(edit.status, StatusCode::OK);
    let checked = edit.texts("input[checked]");
    assert_eq!(checked.len(), 1);
    let html = edit.html();
    let checked_value = html
        .select(&scraper::Selector::parse("input[name=payment_mode][checked]").unwrap())
        .next()
        .and_then(|e| e.value().attr("value"))
        .unwrap();
    assert_eq!(checked_value, "customer");
    let text = edit.text();
    assert!(
        text.contains("an invoice always lives with whoever paid it"),
        "the modes are explained"
    );
    assert!(text.contains("installed in Acme SA's organization"));

    // Verify: a summary of the change, nothing saved yet.
    let verify = alice
        .submit(
            &format!("/partners/{id}/payment/verify"),
            &[("payment_mode", "partner"), ("version", "1")],
        )
        .await;
    assert_eq!(verify.status, StatusCode::OK);
    assert!(verify.text().contains("Verify the change"));
    assert_eq!(verify.field("payment_mode").as_deref(), Some("partner"));
    assert_eq!(
        app.partnership(ACME, &id).await.access,
        Access::Full(PaymentMode::CustomerPays)
    );
    assert_eq!(outbox_count(&app).await, 0);

    // Confirm: saved, back to the partner's page with a message.
    let token = verify.field("csrf_token").unwrap();
    let saved = alice
        .post(
            &format!("/partners/{id}/payment"),
            &[
                ("csrf_token", &token),
                ("payment_mode", "partner"),
                ("version", "1"),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER);
    assert_eq!(saved.location(), Some(format!("/partners/{id}").as_str()));
    let after = alice.get(&format!("/partners/{id}")).await;
    let flash = after.texts(".flash").join(" ");
    assert!(
        flash.contains("Payment mode changed to “Partner pays”"),
        "{flash}"
    );
    assert!(
        after
            .texts(".payment-value")
            .contains(&"Partner pays".to_owned())
    );
    let timeline = after.texts(".timeline li").join("\n");
    assert!(
        timeline.contains("Payment mode changed: Customer pays → Partner pays"),
        "{timeline}"
    );
    assert!(timeline.contains("Alice Martin (Acme SA)"), "{timeline}");
    assert!(
        alice
            .get(&format!("/partners/{id}"))
            .await
            .texts(".flash")
            .is_empty(),
        "the message shows once"
    );

    let stored = app.partnership(ACME, &id).await;
    assert_eq!(stored.access, Access::Full(PaymentMode::PartnerPays));
    assert_eq!(stored.version, 2);

    // The partner's legal rep gets the news; the customer's legal rep a confirmation.
    let emails = app.wait_for_mail_files(2).await;
    assert_eq!(
        emails.len(),
        2,
        "one email to the partner, one confirmation: {emails:?}"
    );
    let to_paul = emails
        .iter()
        .find(|e| e.is_to("paul@webagency.test"))
        .expect("paul is told");
    assert!(
        to_paul.subject.contains("Acme SA") && to_paul.subject.contains("Partner pays"),
        "{}",
        to_paul.subject
    );
    for needle in [
        "Acme SA",
        "Before: Customer pays",
        "Now:    Partner pays",
        "Alice Martin (alice@acme.test)",
        "UTC",
    ] {
        assert!(
            to_paul.text.contains(needle),
            "text body lacks {needle:?}: {}",
            to_paul.text
        );
    }
    assert!(
        to_paul
            .text
            .contains(&format!("http://partnerdesk.test/clients/{id}")),
        "{}",
        to_paul.text
    );
    let agency = org_id(&app, WEB_AGENCY).await;
    assert!(
        to_paul.html.contains(&format!(
            "href=\"http://partnerdesk.test/clients/{id}?org={agency}\""
        )),
        "the link opens the client's page in the agency: {}",
        to_paul.html
    );
    assert!(
        to_paul.message_id.ends_with("@partnerdesk.test"),
        "{}",
        to_paul.message_id
    );
    let to_alice = emails
        .iter()
        .find(|e| e.is_to("alice@acme.test"))
        .expect("alice gets a confirmation");
    assert!(
        to_alice.subject.contains("Web Agency Sàrl"),
        "{}",
        to_alice.subject
    );
    assert!(
        to_alice
            .text
            .contains(&format!("http://partnerdesk.test/partners/{id}"))
    );

    // The partner sees the new mode from its side, without a pencil.
    let paul = app.logged_in("paul@webagency.test").await;
    let clients = paul.get("/clients").await;
    let row = clients
        .texts("tbody tr")
        .into_iter()
        .find(|r| r.contains(ACME))
        .expect("Acme is a client");
    assert!(row.contains("Partner pays"), "{row}");
    let client = paul.get(&format!("/clients/{id}")).await;
    assert_eq!(client.status, StatusCode::OK);
    assert!(
        client
            .texts(".payment-value")
            .contains(&"Partner pays".to_owned())
    );
    assert!(
        !client.body.contains("/payment/edit"),
        "no pencil on the partner's side"
    );
    assert!(
        client
            .texts(".timeline li")
            .join(" ")
            .contains("Customer pays → Partner pays")
    );
}

#[tokio::test]
async fn switching_back_to_customer_pays_works_the_same_way() {
    let app = spawn_demo().await;
    let id = app.partnership_id(BETA, WEB_AGENCY).await;
    let carla = app.logged_in("carla@beta.test").await;
    let saved = change_payment_mode(&carla, &id, "customer").await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER);
    assert_eq!(
        app.partnership(BETA, &id).await.access,
        Access::Full(PaymentMode::CustomerPays)
    );
    let emails = app.wait_for_mail_files(2).await;
    let to_paul = emails
        .iter()
        .find(|e| e.is_to("paul@webagency.test"))
        .unwrap();
    assert!(
        to_paul.text.contains("Before: Partner pays"),
        "{}",
        to_paul.text
    );
    assert!(to_paul.text.contains("cashback"), "{}", to_paul.text);
}

#[tokio::test]
async fn submitting_the_mode_in_force_changes_nothing_and_sends_nothing() {
    let app = spawn_demo().await;
    let id = app.partnership_id(ACME, WEB_AGENCY).await;
    let alice = app.logged_in("alice@acme.test").await;
    let events_before = event_count(&app, &id).await;

    let verify = alice
        .submit(
            &format!("/partners/{id}/payment/verify"),
            &[("payment_mode", "customer"), ("version", "1")],
        )
        .await;
    assert_eq!(verify.status, StatusCode::OK);
    assert!(
        verify.text().contains("is already the payment mode"),
        "{}",
        verify.text()
    );

    let saved = alice
        .submit(
            &format!("/partners/{id}/payment"),
            &[("payment_mode", "customer"), ("version", "1")],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER);
    let page = alice.get(&format!("/partners/{id}")).await;
    assert!(
        page.texts(".flash")
            .join(" ")
            .contains("nothing was changed")
    );

    assert_eq!(app.partnership(ACME, &id).await.version, 1);
    assert_eq!(event_count(&app, &id).await, events_before);
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(outbox_count(&app).await, 0);
    assert!(read_mail_dir(&app.mail_dir).is_empty());
}

#[tokio::test]
async fn a_form_opened_before_another_change_is_refused_and_saves_nothing() {
    let app = spawn_demo().await;
    let id = app.partnership_id(ACME, WEB_AGENCY).await;
    let first = app.logged_in("alice@acme.test").await;
    let second = app.logged_in("alice@acme.test").await;

    // The first tab opens the form (version 1); meanwhile the second tab changes the mode twice.
    let edit = first.get(&format!("/partners/{id}/payment/edit")).await;
    assert_eq!(edit.field("version").as_deref(), Some("1"));
    assert_eq!(
        change_payment_mode(&second, &id, "partner").await.status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        change_payment_mode(&second, &id, "customer").await.status,
        StatusCode::SEE_OTHER
    );
    let events = event_count(&app, &id).await;
    let emails = outbox_count(&app).await;

    for path in [
        format!("/partners/{id}/payment/verify"),
        format!("/partners/{id}/payment"),
    ] {
        let refused = first
            .submit(&path, &[("payment_mode", "partner"), ("version", "1")])
            .await;
        assert_eq!(refused.status, StatusCode::CONFLICT, "{path}");
        assert!(
            refused
                .text()
                .contains("changed this partnership while you were editing"),
            "{}",
            refused.text()
        );
        assert!(refused.text().contains("Nothing was saved"));
        assert_eq!(
            refused.field("version").as_deref(),
            Some("3"),
            "the form shows what is in force now"
        );
    }
    let stored = app.partnership(ACME, &id).await;
    assert_eq!(stored.access, Access::Full(PaymentMode::CustomerPays));
    assert_eq!(stored.version, 3);
    assert_eq!(event_count(&app, &id).await, events);
    assert_eq!(outbox_count(&app).await, emails);
}

#[tokio::test]
async fn bad_values_get_a_clear_message_and_change_nothing() {
    let app = spawn_demo().await;
    let id = app.partnership_id(ACME, WEB_AGENCY).await;
    let alice = app.logged_in("alice@acme.test").await;
    let cases: &[&[(&str, &str)]] = &[
        &[("payment_mode", "bogus"), ("version", "1")],
        &[("payment_mode", "Partner"), ("version", "1")],
        &[("version", "1")],
        &[("payment_mode", "partner"), ("version", "one")],
        &[
            ("payment_mode", "partner"),
            ("version", "99999999999999999999"),
        ],
        &[("payment_mode", "partner")],
    ];
    for form in cases {
        for path in [
            format!("/partners/{id}/payment/verify"),
            format!("/partners/{id}/payment"),
        ] {
            let page = alice.submit(&path, form).await;
            assert_eq!(page.status, StatusCode::BAD_REQUEST, "{path} {form:?}");
            let text = page.text();
            assert!(
                text.contains("Choose who pays") || text.contains("Reload the page"),
                "{text}"
            );
        }
    }
    assert_eq!(app.partnership(ACME, &id).await.version, 1);
    assert_eq!(outbox_count(&app).await, 0);
}

#[tokio::test]
async fn a_partner_with_limited_access_has_no_payment_mode_to_change() {
    let app = spawn_demo().await;
    let id = app.partnership_id(ACME, STUDIO).await;
    let alice = app.logged_in("alice@acme.test").await;
    let page = alice.get(&format!("/partners/{id}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text().contains("Limited access"));
    assert!(
        !page.body.contains("/payment/edit"),
        "no pencil with limited access"
    );
    assert_eq!(
        alice
            .get(&format!("/partners/{id}/payment/edit"))
            .await
            .status,
        StatusCode::CONFLICT
    );
    let saved = alice
        .submit(
            &format!("/partners/{id}/payment"),
            &[("payment_mode", "partner"), ("version", "1")],
        )
        .await;
    assert_eq!(saved.status, StatusCode::CONFLICT);
    assert!(saved.text().contains("limited access"));
    assert_eq!(app.partnership(ACME, &id).await.access, Access::Limited);
    assert_eq!(outbox_count(&app).await, 0);
}
