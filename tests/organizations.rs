//! A user in several organizations switches between them from the header.

mod support;

use partnerdesk::db::models::{orgs, users};
use partnerdesk::domain::{EmailAddress, Role};
use reqwest::StatusCode;
use support::*;

#[tokio::test]
async fn a_member_of_two_organizations_switches_between_them() {
    let app = spawn_demo().await;
    // Alice also keeps the books of Beta AG.
    app.with_db(|conn| {
        let alice = users::find_by_email(conn, &EmailAddress::parse("alice@acme.test").unwrap())
            .unwrap()
            .unwrap();
        let beta = orgs::find_by_name(conn, BETA).unwrap().unwrap();
        orgs::add_member(conn, &beta.id, &alice.id, Role::Billing).unwrap();
    })
    .await;
    let beta_id = app
        .with_db(|conn| orgs::find_by_name(conn, BETA).unwrap().unwrap().id)
        .await;
    let alice = app.logged_in("alice@acme.test").await;

    let home = alice.get("/").await;
    let choices = home.texts("#org-switch option");
    assert_eq!(
        choices,
        vec![ACME.to_owned(), BETA.to_owned()],
        "the switcher lists both, by name"
    );
    assert!(home.text().contains("You are working in Acme SA"));

    let switched = alice.submit("/org", &[("org_id", &beta_id)]).await;
    assert_eq!(switched.status, StatusCode::SEE_OTHER);
    let home = alice.get("/").await;
    assert!(home.text().contains("You are now working in Beta AG."));
    assert!(
        home.text()
            .contains("You are working in Beta AG as billing"),
        "{}",
        home.text()
    );

    // In Beta, Alice is billing staff: she sees Beta's partner, without the pencil.
    let partners = alice.get("/partners").await;
    let row = partners.texts("tbody tr").join(" ");
    assert!(
        row.contains(WEB_AGENCY) && row.contains("Partner pays"),
        "{row}"
    );
    let id = app.partnership_id(BETA, WEB_AGENCY).await;
    assert!(
        !alice
            .get(&format!("/partners/{id}"))
            .await
            .body
            .contains("/payment/edit")
    );
    assert_eq!(
        alice
            .get(&format!("/partners/{id}/payment/edit"))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    // …and Acme's partnerships are out of view while she works in Beta.
    let acme_id = app.partnership_id(ACME, WEB_AGENCY).await;
    assert_eq!(
        alice.get(&format!("/partners/{acme_id}")).await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn one_cannot_switch_into_an_organization_one_is_not_in() {
    let app = spawn_demo().await;
    let beta_id = app
        .with_db(|conn| orgs::find_by_name(conn, BETA).unwrap().unwrap().id)
        .await;
    let alice = app.logged_in("alice@acme.test").await;
    assert_eq!(
        alice.submit("/org", &[("org_id", &beta_id)]).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        alice.submit("/org", &[]).await.status,
        StatusCode::NOT_FOUND
    );
    assert!(
        alice
            .get("/")
            .await
            .text()
            .contains("You are working in Acme SA")
    );
}

/// Alice as legal representative of Beta AG too.
async fn alice_in_beta_too(app: &TestApp) -> String {
    app.with_db(|conn| {
        let alice = users::find_by_email(conn, &EmailAddress::parse("alice@acme.test").unwrap())
            .unwrap()
            .unwrap();
        let beta = orgs::find_by_name(conn, BETA).unwrap().unwrap();
        orgs::add_member(conn, &beta.id, &alice.id, Role::LegalRep).unwrap();
        beta.id
    })
    .await
}

#[tokio::test]
async fn a_form_of_one_organization_is_not_applied_to_another() {
    let app = spawn_demo().await;
    let beta = alice_in_beta_too(&app).await;
    let alice = app.logged_in("alice@acme.test").await;
    // A tab shows Acme's team form; in another tab Alice switches to Beta.
    let acme_team = alice.get("/team").await;
    let acme_token = acme_team.field("csrf_token").unwrap();
    assert_eq!(
        alice.submit("/org", &[("org_id", &beta)]).await.status,
        StatusCode::SEE_OTHER
    );
    let emails = outbox_count(&app).await;
    let sent = alice
        .post(
            "/team/invite",
            &[
                ("csrf_token", &acme_token),
                ("email", "someone@example.test"),
                ("name", "Someone"),
                ("role", "legal_rep"),
            ],
        )
        .await;
    assert_eq!(sent.status, StatusCode::FORBIDDEN, "{}", sent.text());
    assert!(sent.text().contains("reload the page"), "{}", sent.text());
    assert_eq!(
        outbox_count(&app).await,
        emails,
        "nobody was invited anywhere"
    );
}

#[tokio::test]
async fn a_form_sent_after_one_was_removed_from_its_organization_does_nothing() {
    let app = spawn_demo().await;
    let beta = alice_in_beta_too(&app).await;
    let alice = app.logged_in("alice@acme.test").await;
    assert_eq!(
        alice.submit("/org", &[("org_id", &beta)]).await.status,
        StatusCode::SEE_OTHER
    );
    let beta_team = alice.get("/team").await;
    let token = beta_team.field("csrf_token").unwrap();
    // Carla removes Alice from Beta while Alice's Beta tab is open.
    let alice_id = app
        .with_db(|conn| {
            users::find_by_email(conn, &EmailAddress::parse("alice@acme.test").unwrap())
                .unwrap()
                .unwrap()
                .id
        })
        .await;
    let carla = app.logged_in("carla@beta.test").await;
    assert_eq!(
        carla
            .submit(&format!("/team/{alice_id}/remove"), &[])
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    let emails = outbox_count(&app).await;
    let sent = alice
        .post(
            "/team/invite",
            &[
                ("csrf_token", &token),
                ("email", "mallory@example.test"),
                ("name", "Mallory"),
                ("role", "legal_rep"),
            ],
        )
        .await;
    assert_eq!(sent.status, StatusCode::CONFLICT, "{}", sent.text());
    assert!(
        sent.text()
            .contains("You no longer belong to the organization")
    );
    assert_eq!(
        outbox_count(&app).await,
        emails,
        "nobody was invited into Acme"
    );
    // Her pages go on in Acme.
    assert!(
        alice
            .get("/")
            .await
            .text()
            .contains("You are working in Acme SA")
    );
}

#[tokio::test]
async fn a_link_of_an_email_opens_the_organization_it_is_about() {
    let app = spawn_demo().await;
    // Paul also works for Acme, which comes first: he signs in working in Acme.
    app.with_db(|conn| {
        let paul = users::find_by_email(conn, &EmailAddress::parse("paul@webagency.test").unwrap())
            .unwrap()
            .unwrap();
        let acme = orgs::find_by_name(conn, ACME).unwrap().unwrap();
        orgs::add_member(conn, &acme.id, &paul.id, Role::Technical).unwrap();
    })
    .await;
    let paul = app.logged_in("paul@webagency.test").await;
    assert!(
        paul.get("/")
            .await
            .text()
            .contains("You are working in Acme SA")
    );
    // Acme changes who pays: Paul's email (as the agency's) links to its client page.
    let id = app.partnership_id(ACME, WEB_AGENCY).await;
    let alice = app.logged_in("alice@acme.test").await;
    assert_eq!(
        change_payment_mode(&alice, &id, "partner").await.status,
        StatusCode::SEE_OTHER
    );
    let email = app
        .wait_for_email("paul@webagency.test", "Acme SA changed who pays")
        .await;
    let link = link_in(&email, "/clients/");
    assert!(link.contains("org="), "{link}");
    let page = paul.get(&link).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text());
    assert!(page.text().contains("Acme SA"));
    assert!(
        paul.get("/")
            .await
            .text()
            .contains("You are working in Web Agency Sàrl"),
        "the link switched to the agency"
    );
    // A link naming an organization that is not the reader's changes nothing.
    let beta = app
        .with_db(|conn| orgs::find_by_name(conn, BETA).unwrap().unwrap().id)
        .await;
    assert_eq!(
        alice.get(&format!("/?org={beta}")).await.status,
        StatusCode::OK
    );
    assert!(
        alice
            .get("/")
            .await
            .text()
            .contains("You are working in Acme SA")
    );
}

#[tokio::test]
async fn logging_out_works_from_a_tab_shown_before_a_switch() {
    let app = spawn_demo().await;
    let beta = alice_in_beta_too(&app).await;
    let alice = app.logged_in("alice@acme.test").await;
    let old_tab = alice.get("/partners").await;
    let token = old_tab
        .html()
        .select(&scraper::Selector::parse("form[action='/logout'] input[name=csrf_token]").unwrap())
        .next()
        .and_then(|i| i.value().attr("value").map(str::to_owned))
        .expect("the header's logout form");
    assert_eq!(
        alice.submit("/org", &[("org_id", &beta)]).await.status,
        StatusCode::SEE_OTHER
    );
    let out = alice.post("/logout", &[("csrf_token", &token)]).await;
    assert_eq!(out.status, StatusCode::SEE_OTHER, "{}", out.text());
    assert_eq!(
        alice.get("/partners").await.status,
        StatusCode::SEE_OTHER,
        "signed out"
    );
}
