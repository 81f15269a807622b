//! Products never change hands silently. A product is managed by at most one partner;
//! giving one that another partner manages to a new partner says so at the invitation
//! and at the acceptance, both timelines record the move, and the partner losing it is
//! told by email (as the customer's decision, without naming who takes it over).

mod support;

use reqwest::StatusCode;
use support::*;

fn timeline(page: &Page) -> String {
    page.texts(".timeline li").join(" | ")
}

/// The products Beta's partnership with its agency manages, by offer name.
async fn managed_names(app: &TestApp, partnership_id: &str) -> Vec<String> {
    let id = partnership_id.to_owned();
    app.with_db(move |conn| {
        use diesel::prelude::*;
        use partnerdesk::db::schema::{offers, products};
        products::table
            .inner_join(offers::table)
            .filter(products::partnership_id.eq(id))
            .order(offers::name)
            .select(offers::name)
            .load(conn)
            .unwrap()
    })
    .await
}

/// A third partner, Nova Web, with its legal representative nina@nova.test.
async fn with_nova(app: &TestApp) -> String {
    app.with_db(|conn| {
        use partnerdesk::db::models::{orgs, users};
        use partnerdesk::domain::{Currency, EmailAddress, Rate, Role};
        let nova = orgs::create(conn, "Nova Web", Currency::Chf).unwrap();
        orgs::make_partner(conn, &nova.id, Rate::from_bp(1500).unwrap()).unwrap();
        let hash = partnerdesk::auth::password::hash(PASSWORD).unwrap();
        let nina = users::create(
            conn,
            &EmailAddress::parse("nina@nova.test").unwrap(),
            "Nina Weber",
            &hash,
        )
        .unwrap();
        orgs::add_member(conn, &nova.id, &nina.id, Role::LegalRep).unwrap();
        nova.id
    })
    .await
}

#[tokio::test]
async fn inviting_a_partner_for_a_product_another_partner_manages_moves_it_in_the_open() {
    let app = spawn_demo().await;
    let nova = with_nova(&app).await;
    let alice = app.logged_in("alice@acme.test").await;
    // Web Agency manages Acme's products with full access, Acme paying.
    let agency_partnership = app.partnership_id(ACME, WEB_AGENCY).await;
    let before = managed_names(&app, &agency_partnership).await;
    assert!(!before.is_empty(), "the agency manages Acme's products");

    // The invitation form says who manages each product now.
    let form = alice.get(&format!("/partners/new?partner={nova}")).await;
    let html = form.html();
    let (choice, product) = html
        .select(&scraper::Selector::parse(".choice").unwrap())
        .find_map(|c| {
            let text = c.text().collect::<String>();
            let id = c
                .select(&scraper::Selector::parse("input[name=products]").unwrap())
                .next()?
                .value()
                .attr("value")?
                .to_owned();
            text.contains("managed by Web Agency Sàrl")
                .then_some((text, id))
        })
        .expect("a product the agency manages is listed");
    assert!(
        choice.contains("managed by Web Agency Sàrl now, it moves to this partner"),
        "{choice}"
    );
    let sent = alice
        .submit(
            "/partners",
            &[
                ("partner_org_id", &nova),
                ("access", "limited"),
                ("products", &product),
            ],
        )
        .await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.text());
    let id = sent
        .location()
        .unwrap()
        .trim_start_matches("/partners/")
        .to_owned();
    // Nothing moves before the partner accepts.
    assert_eq!(managed_names(&app, &agency_partnership).await, before);

    // The invited partner reads that the product moves to it, not from whom.
    let nina = app.logged_in("nina@nova.test").await;
    let invitation = nina.get(&format!("/clients/{id}")).await;
    let text = invitation.text();
    assert!(
        text.contains("managed by another partner now, it moves to you when you accept"),
        "{text}"
    );
    assert!(!text.contains("Web Agency"), "{text}");
    let accepted = nina.submit(&format!("/clients/{id}/accept"), &[]).await;
    assert_eq!(
        accepted.status,
        StatusCode::SEE_OTHER,
        "{}",
        accepted.text()
    );

    // It moved: one manager, both timelines, and the agency is told.
    let after = managed_names(&app, &agency_partnership).await;
    assert_eq!(after.len(), before.len() - 1, "{after:?}");
    let paul = app.logged_in("paul@webagency.test").await;
    let agency_side = timeline(&paul.get(&format!("/clients/{agency_partnership}")).await);
    assert!(
        agency_side.contains("Product moved to another partner"),
        "{agency_side}"
    );
    assert!(!agency_side.contains("Nova"), "{agency_side}");
    assert!(!agency_side.contains("Nina"), "{agency_side}");
    let nova_side = timeline(&alice.get(&format!("/partners/{id}")).await);
    assert!(
        nova_side.contains("Product taken over from another partner"),
        "{nova_side}"
    );
    let email = app
        .wait_for_email(
            "paul@webagency.test",
            "Acme SA gave products you manage to another partner",
        )
        .await;
    assert!(
        email
            .text
            .contains("Web Agency Sàrl no longer manages them"),
        "{}",
        email.text
    );
    assert!(!email.text.contains("Nova"), "{}", email.text);
}

#[tokio::test]
async fn a_product_whose_renewals_its_partner_pays_stays_until_who_pays_changes() {
    let app = spawn_demo().await;
    let carla = app.logged_in("carla@beta.test").await;
    let studio = org_id(&app, STUDIO).await;
    // Web Agency pays the renewals of Beta's products.
    let agency = app.partnership_id(BETA, WEB_AGENCY).await;
    let before = managed_names(&app, &agency).await;
    let form = carla.get(&format!("/partners/new?partner={studio}")).await;
    let choice = form
        .texts("label[for^=product-]")
        .into_iter()
        .next()
        .expect("Beta's products are listed");
    assert!(
        choice.contains("managed by Web Agency Sàrl, which pays its renewals"),
        "{choice}"
    );
    let product = form.field("products").unwrap();
    let invite = [
        ("partner_org_id", studio.as_str()),
        ("access", "limited"),
        ("products", product.as_str()),
    ];
    let refused = carla.submit("/partners", &invite).await;
    assert_eq!(refused.status, StatusCode::CONFLICT);
    assert!(
        refused
            .text()
            .contains("first change who pays with Web Agency Sàrl"),
        "{}",
        refused.text()
    );
    assert_eq!(managed_names(&app, &agency).await, before);
    // Once Beta pays for it itself, it may go to another partner.
    assert_eq!(
        change_payment_mode(&carla, &agency, "customer")
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    let sent = carla.submit("/partners", &invite).await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.text());
    // Who pays changes again before Petra accepts: the acceptance is refused.
    assert_eq!(
        change_payment_mode(&carla, &agency, "partner").await.status,
        StatusCode::SEE_OTHER
    );
    let id = sent
        .location()
        .unwrap()
        .trim_start_matches("/partners/")
        .to_owned();
    let petra = app.logged_in("petra@studio.test").await;
    let accept = petra.submit(&format!("/clients/{id}/accept"), &[]).await;
    assert_eq!(accept.status, StatusCode::CONFLICT, "{}", accept.text());
    assert_eq!(managed_names(&app, &agency).await, before);
}

#[tokio::test]
async fn changing_the_access_to_products_another_partner_manages_moves_them_in_the_open() {
    let app = spawn_demo().await;
    let alice = app.logged_in("alice@acme.test").await;
    // Acme's mail service is managed by Digital Studio (limited access).
    let agency = app.partnership_id(ACME, WEB_AGENCY).await;
    let studio = app.partnership_id(ACME, STUDIO).await;
    let studio_products = managed_names(&app, &studio).await;
    assert!(studio_products.iter().any(|n| n.contains("Mail Service")));
    let edit = alice.get(&format!("/partners/{agency}/access/edit")).await;
    let html = edit.html();
    let selector = scraper::Selector::parse(".choice").unwrap();
    let mail = html
        .select(&selector)
        .find(|c| c.text().collect::<String>().contains("Mail Service"))
        .expect("the mail service is a choice");
    let label = mail.text().collect::<String>();
    assert!(
        label.contains("managed by Digital Studio GmbH now"),
        "{label}"
    );
    let product = mail
        .select(&scraper::Selector::parse("input").unwrap())
        .next()
        .and_then(|i| i.value().attr("value"))
        .unwrap()
        .to_owned();
    let saved = alice
        .submit(
            &format!("/partners/{agency}/access"),
            &[
                ("access", "limited"),
                ("products", &product),
                ("version", &edit.field("version").unwrap()),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.text());
    assert!(
        !managed_names(&app, &studio)
            .await
            .iter()
            .any(|n| n.contains("Mail Service"))
    );
    let studio_side = timeline(&alice.get(&format!("/partners/{studio}")).await);
    assert!(
        studio_side.contains("Product moved to another partner: mail.acme.ch · Mail Service"),
        "{studio_side}"
    );
    app.wait_for_email(
        "petra@studio.test",
        "Acme SA gave products you manage to another partner",
    )
    .await;
}
