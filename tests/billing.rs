//! Each row of the billing table, end to end over HTTP: an order → its invoice appears
//! in exactly the payer's list, the other side gets 404 on it, and the partner's income
//! is exactly what the table says.

mod support;

use reqwest::StatusCode;
use support::*;

/// Checks that the invoice is visible to `payer` (a billing-capable user of the payer
/// organization) and to nobody in `others`.
async fn assert_lives_only_with(invoice: &StoredInvoice, payer: &Browser, others: &[&Browser]) {
    let path = format!("/invoices/{}", invoice.id);
    let page = payer.get(&path).await;
    assert_eq!(
        page.status,
        StatusCode::OK,
        "the payer sees invoice {}",
        invoice.number
    );
    assert!(page.text().contains(&invoice.number));
    assert!(
        payer
            .get("/invoices")
            .await
            .text()
            .contains(&invoice.number),
        "listed for the payer"
    );
    assert!(
        payer
            .get("/invoices.csv")
            .await
            .body
            .contains(&invoice.number),
        "exported for the payer"
    );
    for other in others {
        assert_eq!(
            other.get(&path).await.status,
            StatusCode::NOT_FOUND,
            "{} is hidden from the other side",
            invoice.number
        );
        let list = other.get("/invoices").await;
        assert!(
            !list.body.contains(&invoice.number),
            "{} must not be listed for the other side",
            invoice.number
        );
        assert!(
            !other
                .get("/invoices.csv")
                .await
                .body
                .contains(&invoice.number)
        );
    }
}

#[tokio::test]
async fn full_access_customer_pays_partner_order_is_invoiced_to_the_customer_with_cashback() {
    let app = spawn_demo().await;
    let (acme, agency) = (org_id(&app, ACME).await, org_id(&app, WEB_AGENCY).await);
    let paul = app.logged_in("paul@webagency.test").await;
    let alice = app.logged_in("alice@acme.test").await;

    let (confirmation, placed) = order_and_confirm(
        &paul,
        "/orders",
        &[("customer_org_id", &acme), ("offer", "web-hosting")],
    )
    .await;
    let text = confirmation.text();
    assert!(
        text.contains("Acme SA pays CHF 162.15 and receives the invoice"),
        "{text}"
    );
    assert!(
        text.contains("Cashback of CHF 30.00"),
        "the partner sees its cashback: {text}"
    );
    assert_eq!(placed.status, StatusCode::SEE_OTHER, "{}", placed.body);

    let invoice = latest_invoice(&app).await;
    assert_eq!(invoice.payer_org_id, acme);
    assert_eq!(invoice.total, 16_215); // 150.00 + 8.1 % VAT
    assert_eq!(
        income_of(&app, &invoice.order_id).await,
        Some((agency, "cashback".into(), 3_000))
    );
    // The partner is told where the invoice went, without its number.
    let flash = paul
        .get("/products?view=clients")
        .await
        .texts(".flash")
        .join(" ");
    assert!(
        flash.contains("The invoice was issued to Acme SA.") && !flash.contains(&invoice.number),
        "{flash}"
    );
    assert_lives_only_with(&invoice, &alice, &[&paul]).await;
}

#[tokio::test]
async fn full_access_customer_pays_own_order_earns_the_partner_a_refund() {
    let app = spawn_demo().await;
    let (acme, agency) = (org_id(&app, ACME).await, org_id(&app, WEB_AGENCY).await);
    let partnership = app.partnership_id(ACME, WEB_AGENCY).await;
    let alice = app.logged_in("alice@acme.test").await;
    let paul = app.logged_in("paul@webagency.test").await;

    let (confirmation, placed) = order_and_confirm(
        &alice,
        "/orders",
        &[
            ("customer_org_id", &acme),
            ("offer", "web-hosting"),
            ("managed_by", &partnership),
        ],
    )
    .await;
    assert!(
        confirmation
            .text()
            .contains("Acme SA (your organization) pays CHF 162.15")
    );
    assert!(
        !confirmation.text().contains("Refund"),
        "the customer is not shown its partner's refund"
    );
    assert_eq!(placed.status, StatusCode::SEE_OTHER);
    let invoice = latest_invoice(&app).await;
    assert_eq!(
        (invoice.payer_org_id.as_str(), invoice.total),
        (acme.as_str(), 16_215)
    );
    assert_eq!(
        income_of(&app, &invoice.order_id).await,
        Some((agency, "refund".into(), 3_000))
    );
    let flash = alice.get("/products").await.texts(".flash").join(" ");
    assert!(
        flash.contains(&format!(
            "Invoice {} was issued to Acme SA.",
            invoice.number
        )),
        "{flash}"
    );
    assert_lives_only_with(&invoice, &alice, &[&paul]).await;
}

#[tokio::test]
async fn full_access_partner_pays_partner_order_is_invoiced_to_the_partner_at_its_price() {
    let app = spawn_demo().await;
    let (beta, agency) = (org_id(&app, BETA).await, org_id(&app, WEB_AGENCY).await);
    let paul = app.logged_in("paul@webagency.test").await;
    let carla = app.logged_in("carla@beta.test").await;

    let (confirmation, placed) = order_and_confirm(
        &paul,
        "/orders",
        &[("customer_org_id", &beta), ("offer", "web-hosting")],
    )
    .await;
    let text = confirmation.text();
    assert!(
        text.contains("Web Agency Sàrl (your organization) pays CHF 129.72"),
        "{text}"
    );
    let lines = confirmation.texts("table.amounts tr");
    assert!(
        lines.contains(&"Partner discount (Web Agency Sàrl)CHF -30.00".to_owned()),
        "{lines:?}"
    );
    assert!(lines.contains(&"VAT 8.1 %CHF 9.72".to_owned()), "{lines:?}");
    assert_eq!(confirmation.row("Installed in").as_deref(), Some("Beta AG"));
    assert_eq!(
        confirmation.row("Managed by").as_deref(),
        Some("Web Agency Sàrl")
    );
    assert_eq!(placed.status, StatusCode::SEE_OTHER);
    let invoice = latest_invoice(&app).await;
    assert_eq!(invoice.payer_org_id, agency);
    assert_eq!(invoice.total, 12_972); // (150.00 − 30.00) + 8.1 % VAT
    assert_eq!(
        income_of(&app, &invoice.order_id).await,
        None,
        "the discount is the partner's benefit"
    );
    assert_lives_only_with(&invoice, &paul, &[&carla]).await;
    // The product is installed at Beta all the same.
    let products = carla.get("/products").await.texts("tbody tr");
    assert!(
        products
            .iter()
            .filter(|r| r.contains("Web Hosting"))
            .count()
            >= 2,
        "{products:?}"
    );
}

#[tokio::test]
async fn full_access_partner_pays_customer_own_order_is_invoiced_to_the_customer() {
    let app = spawn_demo().await;
    let (beta, agency) = (org_id(&app, BETA).await, org_id(&app, WEB_AGENCY).await);
    let partnership = app.partnership_id(BETA, WEB_AGENCY).await;
    let carla = app.logged_in("carla@beta.test").await;
    let paul = app.logged_in("paul@webagency.test").await;

    let (_, placed) = order_and_confirm(
        &carla,
        "/orders",
        &[
            ("customer_org_id", &beta),
            ("offer", "mail-service"),
            ("managed_by", &partnership),
        ],
    )
    .await;
    assert_eq!(placed.status, StatusCode::SEE_OTHER);
    let invoice = latest_invoice(&app).await;
    assert_eq!(
        (invoice.payer_org_id.as_str(), invoice.total),
        (beta.as_str(), 6_486)
    ); // 60.00 + VAT
    assert_eq!(
        income_of(&app, &invoice.order_id).await,
        Some((agency, "refund".into(), 1_200))
    );
    assert_lives_only_with(&invoice, &carla, &[&paul]).await;
}

#[tokio::test]
async fn limited_access_customer_order_earns_the_partner_a_refund_and_the_partner_cannot_order() {
    let app = spawn_demo().await;
    let (acme, studio) = (org_id(&app, ACME).await, org_id(&app, STUDIO).await);
    let partnership = app.partnership_id(ACME, STUDIO).await;
    let alice = app.logged_in("alice@acme.test").await;
    let petra = app.logged_in("petra@studio.test").await;

    let (_, placed) = order_and_confirm(
        &alice,
        "/orders",
        &[
            ("customer_org_id", &acme),
            ("offer", "kdrive"),
            ("managed_by", &partnership),
        ],
    )
    .await;
    assert_eq!(placed.status, StatusCode::SEE_OTHER);
    let invoice = latest_invoice(&app).await;
    assert_eq!(
        (invoice.payer_org_id.as_str(), invoice.total),
        (acme.as_str(), 12_972)
    );
    assert_eq!(
        income_of(&app, &invoice.order_id).await,
        Some((studio.clone(), "refund".into(), 1_200))
    ); // 10 %
    assert_lives_only_with(&invoice, &alice, &[&petra]).await;
    assert!(petra.get("/income").await.text().contains("CHF 12.00"));

    // Digital Studio has limited access: it may not order for Acme, nor renew its products.
    let before = billing_counts(&app).await;
    let refused = petra
        .submit(
            "/orders",
            &[("customer_org_id", &acme), ("offer", "kdrive")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(
        refused
            .text()
            .contains("A partner with limited access cannot order"),
        "{}",
        refused.text()
    );
    // Nor confirm an intent it was never shown.
    let confirmed = petra
        .submit("/orders", &[("intent", "made-up"), ("confirm", "1")])
        .await;
    assert_eq!(confirmed.status, StatusCode::NOT_FOUND);
    let managed = petra.get("/products?view=clients").await;
    assert!(
        !managed.body.contains("/renew"),
        "no renew button for a limited partner"
    );
    assert_eq!(billing_counts(&app).await, before, "nothing was ordered");
}

#[tokio::test]
async fn a_partner_without_a_partnership_and_staff_without_buying_rights_cannot_order() {
    let app = spawn_demo().await;
    let acme = org_id(&app, ACME).await;
    let beta = org_id(&app, BETA).await;
    let before = billing_counts(&app).await;
    // Carla (Beta) is nobody's partner: ordering for Acme is ordering for a stranger.
    let carla = app.logged_in("carla@beta.test").await;
    assert_eq!(
        carla
            .submit(
                "/orders",
                &[("customer_org_id", &acme), ("offer", "kdrive")]
            )
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    // Bob is technical staff of Acme: he sees the products but may not buy.
    let bob = app.logged_in("bob@acme.test").await;
    let products = bob.get("/products").await;
    assert_eq!(products.status, StatusCode::OK);
    assert!(
        !products.body.contains("action=\"/orders\""),
        "no order form for technical staff"
    );
    let refused = bob
        .submit(
            "/orders",
            &[("customer_org_id", &acme), ("offer", "kdrive")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    // Unknown offers and managers are refused with a message.
    let alice = app.logged_in("alice@acme.test").await;
    let unknown = alice
        .submit(
            "/orders",
            &[("customer_org_id", &acme), ("offer", "free-lunch")],
        )
        .await;
    assert_eq!(unknown.status, StatusCode::BAD_REQUEST);
    assert!(unknown.text().contains("Choose an offer from the catalog"));
    let beta_partnership = app.partnership_id(BETA, WEB_AGENCY).await;
    let foreign = alice
        .submit(
            "/orders",
            &[
                ("customer_org_id", &acme),
                ("offer", "kdrive"),
                ("managed_by", &beta_partnership),
            ],
        )
        .await;
    assert_eq!(
        foreign.status,
        StatusCode::BAD_REQUEST,
        "another customer's partnership cannot manage Acme's product"
    );
    let _ = beta;
    assert_eq!(billing_counts(&app).await, before);
}

#[tokio::test]
async fn a_switch_in_the_middle_leaves_old_invoices_where_they_are() {
    let app = spawn_demo().await;
    let (acme, agency) = (org_id(&app, ACME).await, org_id(&app, WEB_AGENCY).await);
    let id = app.partnership_id(ACME, WEB_AGENCY).await;
    let paul = app.logged_in("paul@webagency.test").await;
    let alice = app.logged_in("alice@acme.test").await;

    order_and_confirm(
        &paul,
        "/orders",
        &[("customer_org_id", &acme), ("offer", "domain-ch")],
    )
    .await;
    let before_switch = latest_invoice(&app).await;
    assert_eq!(before_switch.payer_org_id, acme);

    assert_eq!(
        change_payment_mode(&alice, &id, "partner").await.status,
        StatusCode::SEE_OTHER
    );

    order_and_confirm(
        &paul,
        "/orders",
        &[("customer_org_id", &acme), ("offer", "domain-ch")],
    )
    .await;
    let after_switch = latest_invoice(&app).await;
    assert_eq!(
        after_switch.payer_org_id, agency,
        "orders after the switch follow the new mode"
    );
    assert_eq!(after_switch.total, 1_297); // 15.00 − 3.00 + VAT

    assert_lives_only_with(&before_switch, &alice, &[&paul]).await;
    assert_lives_only_with(&after_switch, &paul, &[&alice]).await;
}

#[tokio::test]
async fn terms_that_change_between_confirmation_and_order_are_shown_again() {
    let app = spawn_demo().await;
    let acme = org_id(&app, ACME).await;
    let id = app.partnership_id(ACME, WEB_AGENCY).await;
    let paul = app.logged_in("paul@webagency.test").await;
    let alice = app.logged_in("alice@acme.test").await;

    let confirmation = paul
        .submit(
            "/orders",
            &[("customer_org_id", &acme), ("offer", "web-hosting")],
        )
        .await;
    assert!(confirmation.text().contains("Acme SA pays CHF 162.15"));
    // Meanwhile Acme hands the bills to its partner.
    assert_eq!(
        change_payment_mode(&alice, &id, "partner").await.status,
        StatusCode::SEE_OTHER
    );
    let before = billing_counts(&app).await;
    let field = |n: &str| confirmation.field(n).unwrap();
    let answer = paul
        .post(
            "/orders",
            &[
                ("csrf_token", &field("csrf_token")),
                ("intent", &field("intent")),
                ("confirm", "1"),
            ],
        )
        .await;
    assert_eq!(answer.status, StatusCode::CONFLICT);
    let text = answer.text();
    assert!(
        text.contains("The terms changed since you reviewed them"),
        "{text}"
    );
    assert!(
        text.contains("Web Agency Sàrl (your organization) pays CHF 129.72"),
        "the new terms: {text}"
    );
    assert_eq!(billing_counts(&app).await, before, "nothing was ordered");
}

#[tokio::test]
async fn renewals_follow_the_mode_in_force_and_are_billed_once() {
    let app = spawn_demo().await;
    let (acme, agency) = (org_id(&app, ACME).await, org_id(&app, WEB_AGENCY).await);
    let id = app.partnership_id(ACME, WEB_AGENCY).await;
    let paul = app.logged_in("paul@webagency.test").await;
    let alice = app.logged_in("alice@acme.test").await;

    // The partner renews a client's product by hand: the customer pays, the partner earns.
    let products = paul.get("/products?view=clients").await;
    let renew_action = products
        .html()
        .select(&scraper::Selector::parse("form[action$='/renew']").unwrap())
        .filter_map(|f| f.value().attr("action").map(str::to_owned))
        .next()
        .expect("the partner can renew a client's product");
    let (confirmation, placed) = order_and_confirm(&paul, &renew_action, &[]).await;
    assert!(
        confirmation.text().contains("renewal"),
        "{}",
        confirmation.text()
    );
    assert_eq!(placed.status, StatusCode::SEE_OTHER);
    let manual = latest_invoice(&app).await;
    assert!(
        manual.payer_org_id == acme || manual.payer_org_id == org_id(&app, BETA).await,
        "a client pays in customer-pays mode, or the agency for Beta"
    );

    // The scheduler bills what falls due, with the mode in force when it runs.
    assert_eq!(
        change_payment_mode(&alice, &id, "partner").await.status,
        StatusCode::SEE_OTHER
    );
    let in_a_year = partnerdesk::db::now().date() + chrono::TimeDelta::days(366);
    let at = partnerdesk::db::now();
    let (orders_before, _, _) = billing_counts(&app).await;
    let first = app
        .with_db(move |conn| partnerdesk::orders::renew_due(conn, in_a_year, at, 810).unwrap())
        .await;
    assert!(first.renewed > 0 && first.failed == 0, "{first:?}");
    let second = app
        .with_db(move |conn| partnerdesk::orders::renew_due(conn, in_a_year, at, 810).unwrap())
        .await;
    assert_eq!(
        (second.renewed, second.failed),
        (0, 0),
        "running it twice bills once"
    );
    let (orders_after, invoices_after, _) = billing_counts(&app).await;
    assert_eq!(orders_after - orders_before, first.renewed as i64);
    assert_eq!(orders_after, invoices_after, "one invoice per order");

    // Acme's products managed by the agency are now billed to the agency, at its price.
    use diesel::prelude::*;
    use partnerdesk::db::schema::orders;
    let agency_id = agency.clone();
    let partnership = id.clone();
    let renewed: Vec<(String, String, i64, i64)> = app
        .with_db(move |conn| {
            orders::table
                .filter(orders::partnership_id.eq(partnership))
                .filter(orders::placed_by.eq("scheduler"))
                .filter(orders::created_at.eq(at))
                .select((
                    orders::payer_org_id,
                    orders::placed_by,
                    orders::public_price,
                    orders::price,
                ))
                .load(conn)
                .unwrap()
        })
        .await;
    assert!(!renewed.is_empty());
    for (payer, _, public, price) in &renewed {
        assert_eq!(payer, &agency_id);
        assert_eq!(
            *price,
            public - partnerdesk::billing::apply_bp(*public, 2000)
        );
    }
}

#[tokio::test]
async fn concurrent_orders_get_unique_consecutive_invoice_numbers() {
    let app = spawn_demo().await;
    let acme = org_id(&app, ACME).await;
    let alice = app.logged_in("alice@acme.test").await;
    let token = alice.csrf_token().await;
    let (_, invoices_before, _) = billing_counts(&app).await;
    // Twenty orders reviewed one by one, then all confirmed at once.
    let mut intents = Vec::new();
    for _ in 0..20 {
        let review = alice
            .submit(
                "/orders",
                &[("customer_org_id", &acme), ("offer", "domain-ch")],
            )
            .await;
        intents.push(review.field("intent").expect("the review names its intent"));
    }
    let forms: Vec<[(&str, &str); 3]> = intents
        .iter()
        .map(|intent| {
            [
                ("csrf_token", token.as_str()),
                ("intent", intent.as_str()),
                ("confirm", "1"),
            ]
        })
        .collect();
    let orders = forms.iter().map(|form| alice.post("/orders", form));
    let answers = futures_util::future::join_all(orders).await;
    for answer in &answers {
        assert_eq!(answer.status, StatusCode::SEE_OTHER, "{}", answer.text());
    }
    let (_, invoices_after, _) = billing_counts(&app).await;
    assert_eq!(invoices_after - invoices_before, 20);

    use diesel::prelude::*;
    use partnerdesk::db::schema::invoices;
    let year = chrono::Datelike::year(&partnerdesk::db::now().date());
    let sequences: Vec<(i32, String)> = app
        .with_db(move |conn| {
            invoices::table
                .filter(invoices::year.eq(year))
                .order(invoices::sequence)
                .select((invoices::sequence, invoices::number))
                .load(conn)
                .unwrap()
        })
        .await;
    for (i, (sequence, number)) in sequences.iter().enumerate() {
        assert_eq!(*sequence as usize, i + 1, "no gap and no duplicate");
        assert_eq!(number, &format!("{year}-{sequence:06}"));
    }
}
