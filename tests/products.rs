//! The Products page: where each product is installed, who manages it, and who pays
//! its next renewal; and the renewals the verify step warns about.

mod support;

use reqwest::StatusCode;
use support::*;

fn rows(page: &Page) -> Vec<String> {
    page.texts("tbody tr")
}

#[tokio::test]
async fn owner_manager_and_payer_are_shown_side_by_side() {
    let app = spawn_demo().await;
    let alice = app.logged_in("alice@acme.test").await;
    let page = alice.get("/products").await;
    assert_eq!(page.status, StatusCode::OK);
    let all = rows(&page);
    let cloud = all
        .iter()
        .find(|r| r.contains("Cloud Server"))
        .expect("Acme's cloud server");
    assert!(
        cloud.contains("Acme SA") && cloud.contains("Web Agency Sàrl (full access)"),
        "{cloud}"
    );
    assert!(
        cloud.contains("Acme SACHF 480.00 before VAT"),
        "Acme pays its renewal: {cloud}"
    );
    let mail = all
        .iter()
        .find(|r| r.contains("Mail Service"))
        .expect("Acme's mail service");
    assert!(
        mail.contains("Digital Studio GmbH (limited access)"),
        "{mail}"
    );

    // The agency's view of its clients' products: Beta's renewals are the agency's to pay.
    let paul = app.logged_in("paul@webagency.test").await;
    let managed = rows(&paul.get("/products?view=clients").await);
    let beta_hosting = managed
        .iter()
        .find(|r| r.starts_with("Web Hosting") && r.contains("Beta AG"))
        .expect("Beta's hosting");
    assert!(
        beta_hosting.contains("Web Agency SàrlCHF 120.00 before VAT"),
        "{beta_hosting}"
    );
    let acme_hosting = managed
        .iter()
        .find(|r| r.starts_with("Web Hosting") && r.contains("Acme SA"))
        .expect("Acme's hosting");
    assert!(
        acme_hosting.contains("Acme SACHF 150.00 before VAT"),
        "{acme_hosting}"
    );
    assert!(
        !managed.iter().any(|r| r.contains("Digital Studio")),
        "only the agency's products"
    );

    // A customer organization has no clients view.
    assert_eq!(
        alice.get("/products?view=clients").await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn the_verify_step_lists_the_renewals_whose_payer_changes() {
    let app = spawn_demo().await;
    let id = app.partnership_id(ACME, WEB_AGENCY).await;
    let alice = app.logged_in("alice@acme.test").await;
    let verify = alice
        .submit(
            &format!("/partners/{id}/payment/verify"),
            &[("payment_mode", "partner"), ("version", "1")],
        )
        .await;
    assert_eq!(verify.status, StatusCode::OK);
    let renewals = verify.texts("section[aria-labelledby=renewals-title] tbody tr");
    // The demo's cloud server and second domain renew within 90 days under this partnership.
    assert_eq!(renewals.len(), 2, "{renewals:?}");
    let cloud = renewals
        .iter()
        .find(|r| r.starts_with("Cloud Server"))
        .expect("the cloud server renews soon");
    // What Acme pays now; after, only who pays: the partner's own price is not Acme's.
    assert!(
        cloud.contains("Acme SA pays CHF 480.00") && cloud.contains("Paid by Web Agency Sàrl"),
        "{cloud}"
    );
    assert!(!cloud.contains("384.00"), "{cloud}");
    let domain = renewals
        .iter()
        .find(|r| r.starts_with("Domain name .ch"))
        .expect("the domain renews soon");
    assert!(
        domain.contains("Acme SA pays CHF 15.00") && domain.contains("Paid by Web Agency Sàrl"),
        "{domain}"
    );
    // Nothing is changed by looking.
    assert_eq!(app.partnership(ACME, &id).await.version, 1);
}
