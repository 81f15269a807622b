//! Who invoices are addressed to: an organization's billing details, kept by its legal
//! representatives, administrators and billing staff, checked on the form (what was
//! typed stays), asked for before an order, and kept by each invoice as issued.

mod support;

use diesel::prelude::*;
use partnerdesk::db::schema::{billing_details, invoices, organizations};
use reqwest::StatusCode;
use support::*;

const FORM: [(&str, &str); 8] = [
    ("legal_name", "Acme Holding SA"),
    ("street", "Quai du Mont-Blanc"),
    ("house_number", "7"),
    ("postcode", "1201"),
    ("town", "Genève"),
    ("country", "ch"),
    ("vat_number", "che116281710 mwst"),
    ("billing_email", "finance@acme.test"),
];

fn with(changes: &[(&'static str, &'static str)]) -> Vec<(&'static str, &'static str)> {
    FORM.iter()
        .map(|(k, v)| {
            changes
                .iter()
                .find(|(c, _)| c == k)
                .map_or((*k, *v), |(c, w)| (*c, *w))
        })
        .collect()
}

#[tokio::test]
async fn the_details_are_checked_on_the_form_and_saved_for_the_next_invoices() {
    let app = spawn_demo().await;
    let alice = app.logged_in("alice@acme.test").await;
    let page = alice.get("/billing").await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.field("legal_name").as_deref(), Some(ACME));
    assert!(
        page.text().contains("CH-1204 Genève"),
        "the printed address: {}",
        page.text()
    );

    // Wrong details: every problem said at its field, what was typed kept, nothing saved.
    let wrong = alice
        .submit(
            "/billing",
            &with(&[
                ("country", "XX"),
                ("vat_number", "CHE-116.281.711"),
                ("town", ""),
            ]),
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(wrong.field("street").as_deref(), Some("Quai du Mont-Blanc"));
    assert_eq!(
        wrong.field("vat_number").as_deref(),
        Some("CHE-116.281.711")
    );
    let problems = wrong.texts(".field-error");
    assert_eq!(problems.len(), 3, "{problems:?}");
    assert!(
        problems.iter().any(|p| p.contains("check its digits")),
        "{problems:?}"
    );
    let saved_name: String = app
        .with_db(|conn| {
            billing_details::table
                .inner_join(organizations::table)
                .filter(organizations::name.eq(ACME))
                .select(billing_details::legal_name)
                .first(conn)
                .unwrap()
        })
        .await;
    assert_eq!(saved_name, ACME);

    let saved = alice.submit("/billing", &FORM).await;
    assert_eq!(saved.location(), Some("/billing"), "{}", saved.text());
    let page = alice.get("/billing").await;
    assert!(
        page.text().contains("Quai du Mont-Blanc 7"),
        "{}",
        page.text()
    );
    assert_eq!(
        page.field("vat_number").as_deref(),
        Some("CHE-116.281.710 MWST")
    );

    // The next invoice is addressed with them; an earlier one keeps its own.
    let acme = org_id(&app, ACME).await;
    let (_, placed) = order_and_confirm(
        &alice,
        "/orders",
        &[("customer_org_id", &acme), ("offer", "domain-ch")],
    )
    .await;
    assert_eq!(placed.status, StatusCode::SEE_OTHER, "{}", placed.text());
    let addresses: Vec<Option<String>> = app
        .with_db(move |conn| {
            invoices::table
                .filter(invoices::payer_org_id.eq(acme))
                .order(invoices::issued_at.desc())
                .select(invoices::buyer_address)
                .load(conn)
                .unwrap()
        })
        .await;
    assert_eq!(
        addresses[0].as_deref(),
        Some("Acme Holding SA\nQuai du Mont-Blanc\n7\n1201\nGenève\nCH")
    );
    let invoice = alice.get("/invoices").await;
    let newest = invoice
        .html()
        .select(&scraper::Selector::parse("tbody a").unwrap())
        .next()
        .and_then(|a| a.value().attr("href").map(str::to_owned))
        .unwrap();
    let shown = alice.get(&newest).await;
    assert!(
        shown.text().contains("Quai du Mont-Blanc 7")
            && shown.text().contains("CHE-116.281.710 MWST"),
        "{}",
        shown.text()
    );
}

#[tokio::test]
async fn only_the_billing_people_keep_them_and_an_order_waits_for_the_payers() {
    let app = spawn_demo().await;
    let bob = app.logged_in("bob@acme.test").await;
    assert_eq!(bob.get("/billing").await.status, StatusCode::NOT_FOUND);
    assert_eq!(
        bob.submit("/billing", &FORM).await.status,
        StatusCode::NOT_FOUND
    );

    // Without Acme's details, neither Acme nor its partner can order what Acme pays.
    app.with_db(|conn| {
        let acme: String = organizations::table
            .filter(organizations::name.eq(ACME))
            .select(organizations::id)
            .first(conn)
            .unwrap();
        diesel::delete(billing_details::table.find(acme))
            .execute(conn)
            .unwrap();
    })
    .await;
    let acme = org_id(&app, ACME).await;
    for (who, says) in [
        (
            "alice@acme.test",
            "Before ordering, give the billing details of Acme SA",
        ),
        (
            "paul@webagency.test",
            "has not given its billing details yet",
        ),
    ] {
        let refused = app
            .logged_in(who)
            .await
            .submit(
                "/orders",
                &[("customer_org_id", &acme), ("offer", "domain-ch")],
            )
            .await;
        assert_eq!(refused.status, StatusCode::CONFLICT, "{who}");
        assert!(refused.text().contains(says), "{who}: {}", refused.text());
    }

    // Given, the order goes through.
    let alice = app.logged_in("alice@acme.test").await;
    assert_eq!(
        alice.submit("/billing", &FORM).await.status,
        StatusCode::SEE_OTHER
    );
    let (_, placed) = order_and_confirm(
        &alice,
        "/orders",
        &[("customer_org_id", &acme), ("offer", "domain-ch")],
    )
    .await;
    assert_eq!(placed.status, StatusCode::SEE_OTHER);
}
