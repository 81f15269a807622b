//! Who may see and do what with a partnership. Seeing someone else's partnership is a
//! 404 (its existence must not leak); seeing one's own but not being allowed to act is
//! a 403. Every refused action leaves the partnership, its timeline and the outbox as
//! they were.

mod support;

use reqwest::StatusCode;
use support::*;

/// What happens to each action on the Acme SA – Web Agency Sàrl partnership.
struct Expected {
    show: StatusCode,
    edit: StatusCode,
    verify: StatusCode,
    save: StatusCode,
    client_view: StatusCode,
}

async fn attempt(browser: &Browser, id: &str) -> Expected {
    let form = [("payment_mode", "partner"), ("version", "1")];
    Expected {
        show: browser.get(&format!("/partners/{id}")).await.status,
        edit: browser
            .get(&format!("/partners/{id}/payment/edit"))
            .await
            .status,
        verify: browser
            .submit(&format!("/partners/{id}/payment/verify"), &form)
            .await
            .status,
        save: browser
            .submit(&format!("/partners/{id}/payment"), &form)
            .await
            .status,
        client_view: browser.get(&format!("/clients/{id}")).await.status,
    }
}

async fn assert_untouched(app: &TestApp, id: &str, events: i64) {
    let p = app.partnership(ACME, id).await;
    assert_eq!(p.version, 1, "the partnership was not changed");
    assert_eq!(
        p.access,
        partnerdesk::domain::Access::Full(partnerdesk::domain::PaymentMode::CustomerPays)
    );
    assert_eq!(event_count(app, id).await, events, "no event was recorded");
    assert_eq!(outbox_count(app).await, 0, "no email was queued");
}

#[tokio::test]
async fn only_the_customers_legal_reps_and_admins_may_change_who_pays() {
    let app = spawn_demo().await;
    let id = app.partnership_id(ACME, WEB_AGENCY).await;
    let events = event_count(&app, &id).await;
    const OK: StatusCode = StatusCode::OK;
    const FORBIDDEN: StatusCode = StatusCode::FORBIDDEN;
    const NOT_FOUND: StatusCode = StatusCode::NOT_FOUND;

    // (who, partnership page, pencil form, verify, save, the partner's view of it)
    let table = [
        // The customer's technical user sees the partner but may not touch the payment.
        (
            "bob@acme.test",
            OK,
            FORBIDDEN,
            FORBIDDEN,
            FORBIDDEN,
            NOT_FOUND,
        ),
        // The partner itself sees the relationship only from its side, read-only.
        (
            "paul@webagency.test",
            NOT_FOUND,
            NOT_FOUND,
            NOT_FOUND,
            NOT_FOUND,
            OK,
        ),
        // Another partner of the same customer, and another customer: not theirs at all.
        (
            "petra@studio.test",
            NOT_FOUND,
            NOT_FOUND,
            NOT_FOUND,
            NOT_FOUND,
            NOT_FOUND,
        ),
        (
            "carla@beta.test",
            NOT_FOUND,
            NOT_FOUND,
            NOT_FOUND,
            NOT_FOUND,
            NOT_FOUND,
        ),
    ];
    for (email, show, edit, verify, save, client_view) in table {
        let browser = app.logged_in(email).await;
        let got = attempt(&browser, &id).await;
        assert_eq!(got.show, show, "{email}: partnership page");
        assert_eq!(got.edit, edit, "{email}: pencil form");
        assert_eq!(got.verify, verify, "{email}: verify");
        assert_eq!(got.save, save, "{email}: save");
        assert_eq!(got.client_view, client_view, "{email}: partner's view");
        assert_untouched(&app, &id, events).await;
    }

    // The technical user's page has no pencil, and says why nothing can be edited.
    let bob = app.logged_in("bob@acme.test").await;
    let page = bob.get(&format!("/partners/{id}")).await;
    assert!(
        !page.body.contains("/payment/edit"),
        "no pencil for a technical user"
    );
    let refused = bob.get(&format!("/partners/{id}/payment/edit")).await;
    assert!(
        refused
            .text()
            .contains("Only the organization's legal representatives and administrators")
    );
}

#[tokio::test]
async fn an_admin_of_the_customer_may_change_who_pays() {
    let app = spawn_demo().await;
    let id = app.partnership_id(ACME, WEB_AGENCY).await;
    // Promote Bob to administrator of Acme.
    app.with_db(|conn| {
        use diesel::prelude::*;
        use partnerdesk::db::schema::{memberships, users};
        let bob: String = users::table
            .filter(users::email.eq("bob@acme.test"))
            .select(users::id)
            .first(conn)
            .unwrap();
        diesel::update(memberships::table.filter(memberships::user_id.eq(bob)))
            .set(memberships::role.eq(partnerdesk::domain::Role::Admin))
            .execute(conn)
            .unwrap();
    })
    .await;
    let bob = app.logged_in("bob@acme.test").await;
    assert!(
        bob.get(&format!("/partners/{id}"))
            .await
            .has_link(&format!("/partners/{id}/payment/edit"))
    );
    assert_eq!(
        change_payment_mode(&bob, &id, "partner").await.status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(app.partnership(ACME, &id).await.version, 2);
}

#[tokio::test]
async fn someone_elses_or_a_missing_partnership_is_not_found() {
    let app = spawn_demo().await;
    let beta = app.partnership_id(BETA, WEB_AGENCY).await;
    let beta_version = app.partnership(BETA, &beta).await.version;
    let alice = app.logged_in("alice@acme.test").await;
    let form = [("payment_mode", "customer"), ("version", "1")];
    for id in [
        beta.as_str(),
        "00000000-0000-0000-0000-000000000000",
        "not-an-id",
        &"x".repeat(300),
    ] {
        assert_eq!(
            alice.get(&format!("/partners/{id}")).await.status,
            StatusCode::NOT_FOUND,
            "{id}"
        );
        assert_eq!(
            alice
                .get(&format!("/partners/{id}/payment/edit"))
                .await
                .status,
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            alice
                .submit(&format!("/partners/{id}/payment/verify"), &form)
                .await
                .status,
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            alice
                .submit(&format!("/partners/{id}/payment"), &form)
                .await
                .status,
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            alice.get(&format!("/clients/{id}")).await.status,
            StatusCode::NOT_FOUND
        );
    }
    // Beta's partnership is untouched, and nobody was told anything.
    assert_eq!(app.partnership(BETA, &beta).await.version, beta_version);
    assert_eq!(outbox_count(&app).await, 0);
    // A 404 says nothing about whether the thing exists.
    let missing = alice
        .get("/partners/00000000-0000-0000-0000-000000000000")
        .await
        .body;
    let foreign = alice.get(&format!("/partners/{beta}")).await.body;
    assert_eq!(missing, foreign);
}

#[tokio::test]
async fn anonymous_visitors_are_sent_to_the_login_page() {
    let app = spawn_demo().await;
    let id = app.partnership_id(ACME, WEB_AGENCY).await;
    let events = event_count(&app, &id).await;
    let anonymous = app.browser();
    let paths = [
        "/".to_owned(),
        "/partners".into(),
        format!("/partners/{id}"),
        format!("/partners/{id}/payment/edit"),
        "/clients".into(),
    ];
    for path in &paths {
        let page = anonymous.get(path).await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{path}");
        assert!(page.location().unwrap().starts_with("/login"), "{path}");
    }
    let form = [("payment_mode", "partner"), ("version", "1")];
    for path in [
        format!("/partners/{id}/payment/verify"),
        format!("/partners/{id}/payment"),
    ] {
        let status = anonymous.submit(&path, &form).await.status;
        assert!(
            status == StatusCode::SEE_OTHER || status == StatusCode::FORBIDDEN,
            "{path}: {status}"
        );
    }
    assert_untouched(&app, &id, events).await;
}

#[tokio::test]
async fn a_customer_organization_has_no_clients_pages() {
    let app = spawn_demo().await;
    let alice = app.logged_in("alice@acme.test").await;
    assert!(
        !alice.get("/").await.has_link("/clients"),
        "no Clients section for a customer"
    );
    assert_eq!(alice.get("/clients").await.status, StatusCode::NOT_FOUND);
    let paul = app.logged_in("paul@webagency.test").await;
    assert!(paul.get("/").await.has_link("/clients"));
    let clients = paul.get("/clients").await.text();
    assert!(
        clients.contains(ACME) && clients.contains(BETA),
        "{clients}"
    );
}
