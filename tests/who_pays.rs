//! Who pays has one door. Any form that moves who pays renewals goes through the verify
//! step the pencil uses and is recorded as a payment-mode change; a customer ordering
//! a product whose renewals its partner pays is told it pays this one; the customer
//! never sees its partner's own price, the partner does.

mod support;

use partnerdesk::domain::{Access, PaymentMode};
use reqwest::StatusCode;
use support::*;

fn timeline(page: &Page) -> String {
    page.texts(".timeline li").join(" | ")
}

#[tokio::test]
async fn giving_full_access_with_the_partner_paying_is_verified_and_recorded_as_a_payment_mode_change()
 {
    let app = spawn_demo().await;
    // Digital Studio manages one of Acme's products with limited access.
    let id = app.partnership_id(ACME, STUDIO).await;
    let alice = app.logged_in("alice@acme.test").await;
    let edit = alice.get(&format!("/partners/{id}/access/edit")).await;
    let version = edit.field("version").unwrap();
    let path = format!("/partners/{id}/access");
    let fields = [
        ("access", "full"),
        ("payment_mode", "partner"),
        ("version", version.as_str()),
    ];
    let events = event_count(&app, &id).await;
    let emails = outbox_count(&app).await;

    let verify = alice.submit(&path, &fields).await;
    assert_eq!(verify.status, StatusCode::OK, "{}", verify.text());
    let text = verify.text();
    assert!(text.contains("Verify the change"), "{text}");
    assert!(
        text.contains("are paid by Digital Studio GmbH at its partner price"),
        "{text}"
    );
    // Looking changes nothing.
    assert_eq!(app.partnership(ACME, &id).await.access, Access::Limited);
    assert_eq!(event_count(&app, &id).await, events);
    assert_eq!(outbox_count(&app).await, emails);
    // The verify step's form carries the same choice, to be confirmed.
    assert_eq!(verify.field("access").as_deref(), Some("full"));
    assert_eq!(verify.field("payment_mode").as_deref(), Some("partner"));

    let mut confirmed = fields.to_vec();
    confirmed.push(("confirm", "1"));
    let saved = alice.submit(&path, &confirmed).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.text());
    assert_eq!(
        app.partnership(ACME, &id).await.access,
        Access::Full(PaymentMode::PartnerPays)
    );
    let page = alice.get(&format!("/partners/{id}")).await;
    let entries = timeline(&page);
    assert!(entries.contains("Access changed"), "{entries}");
    assert!(
        entries.contains("Payment mode changed: Customer pays → Partner pays"),
        "{entries}"
    );
    let to_petra = app
        .wait_for_email("petra@studio.test", "Access of Digital Studio GmbH")
        .await;
    assert!(
        to_petra
            .text
            .contains("from now on Digital Studio GmbH pays the renewals"),
        "{}",
        to_petra.text
    );
}

#[tokio::test]
async fn taking_full_access_away_from_a_paying_partner_is_verified_too() {
    let app = spawn_demo().await;
    // Beta AG's agency pays its renewals.
    let id = app.partnership_id(BETA, WEB_AGENCY).await;
    let carla = app.logged_in("carla@beta.test").await;
    let edit = carla.get(&format!("/partners/{id}/access/edit")).await;
    let version = edit.field("version").unwrap();
    let product = edit.field("products").unwrap();
    let verify = carla
        .submit(
            &format!("/partners/{id}/access"),
            &[
                ("access", "limited"),
                ("products", &product),
                ("version", &version),
            ],
        )
        .await;
    assert_eq!(verify.status, StatusCode::OK, "{}", verify.text());
    assert!(
        verify
            .text()
            .contains("Beta AG pays the public price for every order and renewal"),
        "{}",
        verify.text()
    );
    assert_eq!(verify.field("products").as_deref(), Some(product.as_str()));
    assert_eq!(
        app.partnership(BETA, &id).await.access,
        Access::Full(PaymentMode::PartnerPays),
        "nothing changes before the confirmation"
    );
}

#[tokio::test]
async fn a_change_that_leaves_the_payer_alone_is_saved_at_once() {
    let app = spawn_demo().await;
    // Web Agency has full access to Acme, Acme paying: limited access leaves Acme paying.
    let id = app.partnership_id(ACME, WEB_AGENCY).await;
    let alice = app.logged_in("alice@acme.test").await;
    let edit = alice.get(&format!("/partners/{id}/access/edit")).await;
    let saved = alice
        .submit(
            &format!("/partners/{id}/access"),
            &[
                ("access", "limited"),
                ("products", &edit.field("products").unwrap()),
                ("version", &edit.field("version").unwrap()),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER);
    let entries = timeline(&alice.get(&format!("/partners/{id}")).await);
    assert!(!entries.contains("Payment mode changed"), "{entries}");
}

#[tokio::test]
async fn the_customer_sees_what_it_pays_and_who_pays_the_rest_never_the_partners_price() {
    let app = spawn_demo().await;
    let carla = app.logged_in("carla@beta.test").await;
    let paul = app.logged_in("paul@webagency.test").await;
    // Beta's hosting renews at the agency's expense: CHF 150 public, CHF 120 for the agency.
    let beta_products = carla.get("/products").await;
    let hosting = beta_products
        .texts("tbody tr")
        .into_iter()
        .find(|r| r.contains("Web Hosting"))
        .expect("Beta's hosting");
    assert!(hosting.contains("Web Agency Sàrl"), "{hosting}");
    assert!(
        !hosting.contains("CHF"),
        "no price where the partner pays: {hosting}"
    );
    let managed = paul.get("/products?view=clients").await;
    assert!(
        managed
            .texts("tbody tr")
            .iter()
            .any(|r| r.contains("Beta AG") && r.contains("CHF 120.00 before VAT")),
        "the partner sees its own price"
    );
    // Neither the partner's page nor the verify step show the customer the rate.
    let id = app.partnership_id(BETA, WEB_AGENCY).await;
    let partner_page = carla.get(&format!("/partners/{id}")).await;
    assert!(
        !partner_page.text().contains("20 %"),
        "{}",
        partner_page.text()
    );
    let verify = carla
        .submit(
            &format!("/partners/{id}/payment/verify"),
            &[("payment_mode", "customer"), ("version", "2")],
        )
        .await;
    let renewals = verify
        .texts("section[aria-labelledby=renewals-title] tbody tr")
        .join(" | ");
    assert!(renewals.contains("Paid by Web Agency Sàrl"), "{renewals}");
    // kDrive: CHF 120.00 public, CHF 96.00 for the agency.
    assert!(!renewals.contains("96.00"), "{renewals}");
}

#[tokio::test]
async fn a_customer_ordering_a_product_its_partner_pays_for_is_told_it_pays_this_one() {
    let app = spawn_demo().await;
    let beta = org_id(&app, BETA).await;
    let managed_by = app.partnership_id(BETA, WEB_AGENCY).await;
    let carla = app.logged_in("carla@beta.test").await;
    let review = carla
        .submit(
            "/orders",
            &[
                ("customer_org_id", &beta),
                ("offer", "web-hosting"),
                ("managed_by", &managed_by),
            ],
        )
        .await;
    assert_eq!(review.status, StatusCode::OK, "{}", review.text());
    let text = review.text();
    assert!(
        text.contains("Web Agency Sàrl pays the automatic renewals of this product, but this one you order yourself: Beta AG pays it, CHF 162.15, at the public price"),
        "{text}"
    );
    assert!(!text.contains("Partner discount"), "{text}");
}
