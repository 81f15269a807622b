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
        .find(|r| r.contains("Web Hosting") && r.contains("Beta AG"))
        .expect("Beta's hosting");
    assert!(
        beta_hosting.contains("Web Agency SàrlCHF 120.00 before VAT"),
        "{beta_hosting}"
    );
    let acme_hosting = managed
        .iter()
        .find(|r| r.contains("Web Hosting") && r.contains("Acme SA"))
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
        .find(|r| r.contains("Cloud Server"))
        .expect("the cloud server renews soon");
    // What Acme pays now; after, only who pays: the partner's own price is not Acme's.
    assert!(
        cloud.contains("Acme SA pays CHF 480.00") && cloud.contains("Paid by Web Agency Sàrl"),
        "{cloud}"
    );
    assert!(!cloud.contains("384.00"), "{cloud}");
    let domain = renewals
        .iter()
        .find(|r| r.contains("Domain name .ch"))
        .expect("the domain renews soon");
    assert!(
        domain.contains("Acme SA pays CHF 15.00") && domain.contains("Paid by Web Agency Sàrl"),
        "{domain}"
    );
    // Nothing is changed by looking.
    assert_eq!(app.partnership(ACME, &id).await.version, 1);
}

#[tokio::test]
async fn a_product_is_known_by_the_name_given_at_order_wherever_it_appears() {
    let app = spawn_demo().await;
    let alice = app.logged_in("alice@acme.test").await;
    let acme = org_id(&app, ACME).await;
    let name = "zoé-shop.ch · Domain name .ch";

    // Refused: letters the documents cannot draw, and a name too long. Nothing ordered.
    let before = billing_counts(&app).await;
    for (label, why) in [
        ("例え.jp".to_owned(), "in Latin letters"),
        ("a".repeat(101), "at most 100 characters"),
    ] {
        let refused = alice
            .submit(
                "/orders",
                &[
                    ("customer_org_id", &acme),
                    ("offer", "domain-ch"),
                    ("label", &label),
                ],
            )
            .await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{label}");
        assert!(refused.text().contains(why), "{}", refused.text());
        // The order form again, holding what was typed.
        assert_eq!(refused.texts("main h1"), ["Products"]);
        assert_eq!(refused.field("label").as_deref(), Some(label.as_str()));
        assert_eq!(
            refused.texts("#offer option[selected]"),
            [refused.texts("#offer option[value=domain-ch]")[0].clone()]
        );
        assert!(refused.has_link("#order-title"));
    }
    assert_eq!(billing_counts(&app).await, before);

    let form = [
        ("customer_org_id", acme.as_str()),
        ("offer", "domain-ch"),
        ("label", "  zoe\u{301}-shop.ch "),
    ];
    let (confirmation, placed) = order_and_confirm(&alice, "/orders", &form).await;
    assert_eq!(confirmation.row("Product").as_deref(), Some(name));
    assert_eq!(placed.status, StatusCode::SEE_OTHER, "{}", placed.text());

    let products = alice.get("/products").await;
    assert_eq!(
        products
            .texts("tbody th")
            .iter()
            .filter(|n| n.as_str() == name)
            .count(),
        1,
        "{:?}",
        products.texts("tbody th")
    );
    let invoice = latest_invoice(&app).await;
    let page = alice.get(&format!("/invoices/{}", invoice.id)).await;
    assert!(
        page.row("For").unwrap_or_default().starts_with(name),
        "{:?}",
        page.row("For")
    );
    assert!(
        page.texts("table.amounts tbody th, table.amounts tbody td")
            .iter()
            .any(|cell| cell.starts_with(&format!("{name} — new order"))),
        "the invoice's line names it: {}",
        page.text()
    );
    let (status, _, pdf) = alice
        .download(&format!("/invoices/{}/pdf", invoice.id))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(support::pdf::text(&pdf).contains("zoé-shop.ch"));

    // The partner that manages Acme's products sees the name too, on its clients' list;
    // its own order refused comes back on that list's form, the client still chosen.
    let paul = app.logged_in("paul@webagency.test").await;
    let beta = org_id(&app, BETA).await;
    let refused = paul
        .submit(
            "/orders",
            &[
                ("customer_org_id", &beta),
                ("offer", "web-hosting"),
                ("label", "例"),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert_eq!(refused.texts("#customer option[selected]"), ["Beta AG"]);
    assert_eq!(
        refused.texts(".tabs a[aria-current=page]"),
        ["Managed for clients"]
    );
    let managed = paul.get("/products?view=clients").await;
    assert!(
        managed.text().contains("www.acme.ch · Web Hosting"),
        "{}",
        managed.text()
    );
}

/// The days the rows of a products page say they renew on.
fn renewal_days(page: &Page) -> Vec<chrono::NaiveDate> {
    page.texts("tbody td[data-label='Renews on']")
        .iter()
        .map(|d| chrono::NaiveDate::parse_from_str(d, "%b %-d, %Y").unwrap())
        .collect()
}

#[tokio::test]
async fn a_partner_works_through_its_clients_products_soonest_renewal_first_and_by_client() {
    let app = spawn_demo().await;
    let beta = org_id(&app, BETA).await;
    let acme = org_id(&app, ACME).await;
    // Sixty more products for Beta, ordered on forty days, some on the same one.
    let some_days_ago = |i: i64| partnerdesk::db::now() - chrono::TimeDelta::days(i % 40);
    order_domains(
        &app,
        "paul@webagency.test",
        WEB_AGENCY,
        BETA,
        60,
        some_days_ago,
    )
    .await;
    let paul = app.logged_in("paul@webagency.test").await;

    // Every page, followed to the end: each product once, soonest renewal first.
    let mut path = "/products?view=clients".to_owned();
    let (mut days, mut names, mut pages) = (Vec::new(), Vec::new(), 0);
    loop {
        let page = paul.get(&path).await;
        assert_eq!(page.status, StatusCode::OK, "{path}");
        days.extend(renewal_days(&page));
        names.extend(page.texts("tbody tr"));
        pages += 1;
        let more = scraper::Selector::parse("main p a[href^='/products?view=clients']").unwrap();
        let next = page
            .html()
            .select(&more)
            .filter_map(|a| a.value().attr("href").map(str::to_owned))
            .find(|href| href.contains("after="));
        match next {
            Some(next) => path = next,
            None => break,
        }
    }
    assert!(pages >= 2, "more than a page");
    assert!(days.windows(2).all(|d| d[0] <= d[1]), "{days:?}");
    let demo_managed = 9;
    assert_eq!(days.len(), 60 + demo_managed, "each product once");

    // One client's: only its products, all of them.
    let mut path = format!("/products?view=clients&client={beta}");
    let mut beta_rows = Vec::new();
    loop {
        let page = paul.get(&path).await;
        assert_eq!(page.status, StatusCode::OK);
        beta_rows.extend(page.texts("tbody tr"));
        let more = scraper::Selector::parse("main p a[href*='after=']").unwrap();
        match page
            .html()
            .select(&more)
            .next()
            .and_then(|a| a.value().attr("href"))
        {
            Some(next) => {
                assert!(
                    next.contains(&format!("client={beta}")),
                    "the filter is kept"
                );
                path = next.to_owned();
            }
            None => break,
        }
    }
    assert!(
        beta_rows.iter().all(|r| r.contains("Beta AG")),
        "{beta_rows:?}"
    );
    assert_eq!(
        beta_rows.len(),
        names.iter().filter(|r| r.contains("Beta AG")).count()
    );

    // Another organization's id, or a client of someone else: refused, nothing shown.
    let petra = app.logged_in("petra@studio.test").await;
    let refused = petra
        .get(&format!("/products?view=clients&client={beta}"))
        .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert!(!refused.text().contains("Beta AG"), "{}", refused.text());
    let studio_acme = petra
        .get(&format!("/products?view=clients&client={acme}"))
        .await;
    assert_eq!(studio_acme.status, StatusCode::OK);
}

#[tokio::test]
async fn the_partners_page_of_a_client_lists_what_it_manages_there_with_the_renewals() {
    let app = spawn_demo().await;
    let id = app.partnership_id(BETA, WEB_AGENCY).await;
    let beta = org_id(&app, BETA).await;
    let paul = app.logged_in("paul@webagency.test").await;
    let page = paul.get(&format!("/clients/{id}")).await;
    assert_eq!(page.status, StatusCode::OK);
    let listed = page.texts("section[aria-labelledby=managed-title] li");
    // The same products, in the same order, as the clients view narrowed to Beta.
    let all = paul
        .get(&format!("/products?view=clients&client={beta}"))
        .await;
    let names = all.texts("tbody th");
    assert!(!listed.is_empty());
    assert_eq!(listed.len(), names.len().min(20));
    for (item, name) in listed.iter().zip(&names) {
        assert!(item.starts_with(name.as_str()), "{item} / {name}");
        assert!(item.contains("Renews on "), "{item}");
    }
    assert!(page.has_link(&format!("/products?view=clients&client={beta}")));
    // The customer's side shows no such list; nor does anyone else get the page.
    let carla = app.logged_in("carla@beta.test").await;
    let theirs = carla.get(&format!("/partners/{id}")).await;
    assert!(theirs.texts("#managed-title").is_empty());
    let petra = app.logged_in("petra@studio.test").await;
    assert_eq!(
        petra.get(&format!("/clients/{id}")).await.status,
        StatusCode::NOT_FOUND
    );
}
