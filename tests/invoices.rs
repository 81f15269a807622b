//! The invoice pages: who may see them, filters, pagination by keys, CSV, and that an
//! issued invoice never changes.

mod support;

use std::collections::HashSet;

use diesel::prelude::*;
use partnerdesk::db::schema::invoices;
use reqwest::StatusCode;
use support::*;

fn invoice_links(page: &Page) -> Vec<String> {
    page.html()
        .select(&scraper::Selector::parse("tbody a[href^='/invoices/']").unwrap())
        .filter_map(|a| a.value().attr("href").map(str::to_owned))
        .collect()
}

/// The payer's invoices as stored: (number, paid?).
async fn invoices_of(app: &TestApp, org: &str) -> Vec<(String, bool)> {
    let org = org.to_owned();
    app.with_db(move |conn| {
        invoices::table
            .filter(invoices::payer_org_id.eq(org))
            .select((invoices::number, invoices::paid_at.is_not_null()))
            .load::<(String, bool)>(conn)
            .unwrap()
    })
    .await
}

#[tokio::test]
async fn only_legal_reps_admins_and_billing_staff_of_the_payer_see_invoices() {
    let app = spawn_demo().await;
    let acme = org_id(&app, ACME).await;
    let any_acme_invoice: String = app
        .with_db(move |conn| {
            invoices::table
                .filter(invoices::payer_org_id.eq(acme))
                .select(invoices::id)
                .first(conn)
                .unwrap()
        })
        .await;
    let alice = app.logged_in("alice@acme.test").await;
    assert!(alice.get("/").await.has_link("/invoices"));
    assert_eq!(
        alice
            .get(&format!("/invoices/{any_acme_invoice}"))
            .await
            .status,
        StatusCode::OK
    );

    let bob = app.logged_in("bob@acme.test").await;
    assert!(
        !bob.get("/").await.has_link("/invoices"),
        "no Invoices section for technical staff"
    );
    for path in [
        "/invoices".to_owned(),
        "/invoices.csv".into(),
        format!("/invoices/{any_acme_invoice}"),
    ] {
        assert_eq!(bob.get(&path).await.status, StatusCode::NOT_FOUND, "{path}");
    }
    for email in [
        "paul@webagency.test",
        "petra@studio.test",
        "carla@beta.test",
    ] {
        let other = app.logged_in(email).await;
        assert_eq!(
            other
                .get(&format!("/invoices/{any_acme_invoice}"))
                .await
                .status,
            StatusCode::NOT_FOUND,
            "{email}"
        );
    }
}

#[tokio::test]
async fn the_list_pages_by_keys_without_gaps_or_repeats() {
    let app = spawn_demo().await;
    let acme = org_id(&app, ACME).await;
    // Sixty more orders, through the ordering code.
    order_domains(&app, "alice@acme.test", ACME, ACME, 60, |_| {
        partnerdesk::db::now()
    })
    .await;
    let expected: HashSet<String> = invoices_of(&app, &acme)
        .await
        .into_iter()
        .map(|(n, _)| n)
        .collect();
    assert!(expected.len() > 60);

    let alice = app.logged_in("alice@acme.test").await;
    let mut seen = Vec::new();
    let mut page = alice.get("/invoices").await;
    loop {
        let links = invoice_links(&page);
        assert!(links.len() <= 50);
        for link in &links {
            let invoice = alice.get(link).await;
            assert_eq!(invoice.status, StatusCode::OK);
            seen.push(invoice.texts("h1").join(""));
        }
        let next = page
            .html()
            .select(&scraper::Selector::parse("a").unwrap())
            .find(|a| a.text().collect::<String>() == "Older invoices")
            .and_then(|a| a.value().attr("href").map(str::to_owned));
        match next {
            Some(next) => page = alice.get(&next).await,
            None => break,
        }
    }
    let seen_numbers: Vec<String> = seen
        .iter()
        .map(|h| h.trim_start_matches("Invoice ").to_owned())
        .collect();
    let unique: HashSet<String> = seen_numbers.iter().cloned().collect();
    assert_eq!(unique.len(), seen_numbers.len(), "no invoice twice");
    assert_eq!(unique, expected, "every invoice once");
    // A cursor from another organization is not a way in.
    let agency = org_id(&app, WEB_AGENCY).await;
    let foreign: String = app
        .with_db(move |conn| {
            invoices::table
                .filter(invoices::payer_org_id.eq(agency))
                .select(invoices::id)
                .first(conn)
                .unwrap()
        })
        .await;
    assert_eq!(
        alice
            .get(&format!("/invoices?before={foreign}"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn filters_by_period_and_status_and_exports_what_is_shown() {
    let app = spawn_demo().await;
    let acme = org_id(&app, ACME).await;
    let alice = app.logged_in("alice@acme.test").await;
    let listed =
        |page: &Page| -> HashSet<String> { page.texts("tbody th a").into_iter().collect() };

    let stored = invoices_of(&app, &acme).await;
    let paid: HashSet<String> = stored
        .iter()
        .filter(|(_, paid)| *paid)
        .map(|(n, _)| n.clone())
        .collect();
    let all: HashSet<String> = stored.into_iter().map(|(n, _)| n).collect();
    assert!(
        !paid.is_empty() && paid.len() < all.len(),
        "the demo has paid and unpaid invoices"
    );
    assert_eq!(listed(&alice.get("/invoices?status=paid").await), paid);
    let unpaid: HashSet<String> = all.difference(&paid).cloned().collect();
    let open = listed(&alice.get("/invoices?status=open").await);
    let overdue = listed(&alice.get("/invoices?status=overdue").await);
    assert_eq!(
        open.union(&overdue).cloned().collect::<HashSet<_>>(),
        unpaid
    );

    // A period: this year's invoices only.
    let year = chrono::Datelike::year(&partnerdesk::db::now().date());
    let this_year: HashSet<String> = all
        .iter()
        .filter(|n| n.starts_with(&format!("{year}-")))
        .cloned()
        .collect();
    let page = alice
        .get(&format!("/invoices?from={year}-01-01&to={year}-12-31"))
        .await;
    assert_eq!(listed(&page), this_year);
    let csv = alice
        .get(&format!("/invoices.csv?from={year}-01-01&to={year}-12-31"))
        .await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(
        csv.headers
            .get("content-type")
            .unwrap()
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let mut rows = csv.body.lines();
    assert_eq!(
        rows.next(),
        Some(
            "number,issued_at,due_on,status,payer,client,product,currency,subtotal,vat_rate,vat,total"
        )
    );
    let exported: HashSet<String> = rows
        .map(|r| r.split(',').next().unwrap().to_owned())
        .collect();
    assert_eq!(exported, this_year);

    for bad in [
        "/invoices?from=yesterday",
        "/invoices?status=lost",
        "/invoices.csv?to=2026-13-01",
    ] {
        let page = alice.get(bad).await;
        assert_eq!(page.status, StatusCode::BAD_REQUEST, "{bad}");
        assert!(
            page.text().contains("date must look like") || page.text().contains("Choose a status"),
            "{bad}"
        );
    }
}

#[tokio::test]
async fn an_invoice_shows_its_lines_and_totals() {
    let app = spawn_demo().await;
    let beta = org_id(&app, BETA).await;
    let paul = app.logged_in("paul@webagency.test").await;
    order_and_confirm(
        &paul,
        "/orders",
        &[("customer_org_id", &beta), ("offer", "cloud-server")],
    )
    .await;
    let invoice = latest_invoice(&app).await;
    let page = paul.get(&format!("/invoices/{}", invoice.id)).await;
    let lines = page.texts("table.amounts tbody tr");
    let start = partnerdesk::db::now().date();
    let end = start + chrono::Months::new(12);
    assert_eq!(
        lines,
        vec![
            format!(
                "Cloud Server — new order, {} to {}CHF 480.00",
                start.format("%b %-d, %Y"),
                end.format("%b %-d, %Y")
            ),
            "Partner discount (Web Agency Sàrl)CHF -96.00".to_owned(),
            "SubtotalCHF 384.00".to_owned(),
            "VAT 8.1 %CHF 31.10".to_owned(),
            "TotalCHF 415.10".to_owned(),
        ]
    );
    assert_eq!(
        page.row("For").as_deref(),
        Some("Cloud Server, installed in Beta AG")
    );
    assert_eq!(
        page.row("Order").as_deref(),
        Some("New order, placed by the partner")
    );
    // Written in English when ordered, read in French by a French reader: the same
    // lines, worded in French with days written the French way.
    paul.submit("/lang", &[("lang", "fr")]).await;
    let french = paul.get(&format!("/invoices/{}", invoice.id)).await;
    let lines = french.texts("table.amounts tbody tr");
    assert_eq!(
        lines[..2],
        [
            format!(
                "Cloud Server — nouvelle commande, du {} au {}480,00 CHF",
                start.format("%d/%m/%Y"),
                end.format("%d/%m/%Y")
            ),
            "Rabais partenaire (Web Agency Sàrl)-96,00 CHF".to_owned(),
        ]
    );
}

#[tokio::test]
async fn an_issued_invoice_cannot_be_changed_or_deleted() {
    let app = spawn_demo().await;
    let invoice = latest_invoice(&app).await;
    let id = invoice.id.clone();
    let (changed, deleted, line_changed, first_payment, second_payment) = app
        .with_db(move |conn| {
            use partnerdesk::db::schema::invoice_lines;
            let changed = diesel::update(invoices::table.find(&id))
                .set(invoices::total.eq(1))
                .execute(conn);
            let deleted = diesel::delete(invoices::table.find(&id)).execute(conn);
            let line_changed =
                diesel::update(invoice_lines::table.filter(invoice_lines::invoice_id.eq(&id)))
                    .set(invoice_lines::amount.eq(0))
                    .execute(conn);
            let first =
                partnerdesk::db::models::orders::record_payment(conn, &id, partnerdesk::db::now())
                    .unwrap();
            let second =
                partnerdesk::db::models::orders::record_payment(conn, &id, partnerdesk::db::now())
                    .unwrap();
            (changed, deleted, line_changed, first, second)
        })
        .await;
    assert!(changed.is_err(), "the total cannot change");
    assert!(deleted.is_err(), "an invoice cannot be deleted");
    assert!(line_changed.is_err(), "a line cannot change");
    assert!(first_payment, "a payment is recorded once");
    assert!(!second_payment, "and only once");
    assert_eq!(latest_invoice(&app).await.total, invoice.total);
}

#[tokio::test]
async fn a_partners_invoices_say_whose_product_they_bill_and_an_order_links_to_its_invoice() {
    let app = spawn_demo().await;
    let beta = org_id(&app, BETA).await;
    let paul = app.logged_in("paul@webagency.test").await;
    // Web Agency pays Beta's renewals and orders: it orders for Beta.
    let (_, placed) = order_and_confirm(
        &paul,
        "/orders",
        &[("customer_org_id", &beta), ("offer", "domain-ch")],
    )
    .await;
    assert_eq!(placed.status, StatusCode::SEE_OTHER, "{}", placed.text());
    let after = paul.get(placed.location().unwrap()).await;
    let flash = after.html();
    let link = flash
        .select(&scraper::Selector::parse(".flash a").unwrap())
        .next()
        .expect("the confirmation links to its invoice");
    let href = link.value().attr("href").unwrap().to_owned();
    assert!(href.starts_with("/invoices/"), "{href}");
    let invoice = paul.get(&href).await;
    assert_eq!(invoice.status, StatusCode::OK);
    assert!(link.text().collect::<String>().contains("Open invoice"));

    // The list and the CSV say the client and the product of each.
    let list = paul.get("/invoices").await;
    let headers = list.texts("thead th");
    assert!(
        headers.iter().any(|h| h == "Client") && headers.iter().any(|h| h == "Product"),
        "{headers:?}"
    );
    let first = list.texts("tbody tr").into_iter().next().unwrap();
    assert!(
        first.contains(BETA) && first.contains("Domain name .ch"),
        "{first}"
    );
    let csv = paul.get("/invoices.csv").await;
    let row = csv.body.lines().nth(1).unwrap().to_owned();
    assert!(row.contains(",Beta AG,Domain name .ch,"), "{row}");

    // A customer's list names the product, not itself as the client.
    let alice = app.logged_in("alice@acme.test").await;
    let headers = alice.get("/invoices").await.texts("thead th");
    assert!(
        !headers.iter().any(|h| h == "Client") && headers.iter().any(|h| h == "Product"),
        "{headers:?}"
    );
}

#[tokio::test]
async fn invoices_are_due_after_the_configured_payment_term() {
    let app = spawn_app_with(|config| config.payment_days = 10).await;
    seed_demo(&app).await;
    let alice = app.logged_in("alice@acme.test").await;
    order_domain_for_acme(&app, &alice).await;
    let acme = org_id(&app, ACME).await;
    let (issued, due): (chrono::NaiveDateTime, chrono::NaiveDate) = app
        .with_db(move |conn| {
            invoices::table
                .filter(invoices::payer_org_id.eq(acme))
                .order(invoices::issued_at.desc())
                .select((invoices::issued_at, invoices::due_on))
                .first(conn)
                .unwrap()
        })
        .await;
    assert_eq!((due - issued.date()).num_days(), 10);
}

#[test]
fn a_payment_term_out_of_bounds_is_refused_at_start() {
    let dir = tempfile::tempdir().unwrap();
    for wrong in ["0", "366", "ten", "-5"] {
        let out = command_in(dir.path())
            .env("PAYMENT_DAYS", wrong)
            .arg("migrate")
            .output()
            .unwrap();
        assert!(!out.status.success(), "{wrong}");
        assert!(
            String::from_utf8_lossy(&out.stderr)
                .contains("PAYMENT_DAYS must be a number of days from 1 to 365"),
            "{wrong}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[tokio::test]
async fn the_dashboard_counts_the_invoices_waiting_for_payment_for_those_who_see_them() {
    let app = spawn_demo().await;
    let acme = org_id(&app, ACME).await;
    // One of Acme's unpaid invoices overdue: issued and due long ago.
    let (open, overdue): (i64, i64) = app
        .with_db(move |conn| {
            let unpaid = || {
                invoices::table
                    .filter(invoices::payer_org_id.eq(acme.clone()))
                    .filter(invoices::paid_at.is_null())
            };
            let today = partnerdesk::db::now().date();
            (
                unpaid()
                    .filter(invoices::due_on.ge(today))
                    .count()
                    .get_result(conn)
                    .unwrap(),
                unpaid()
                    .filter(invoices::due_on.lt(today))
                    .count()
                    .get_result(conn)
                    .unwrap(),
            )
        })
        .await;
    let alice = app.logged_in("alice@acme.test").await;
    let page = alice.get("/").await;
    let card = page.texts("#card-invoices ~ p");
    assert!(card[0].starts_with(&format!("{open} ")), "{card:?}");
    assert!(card[1].starts_with(&format!("{overdue} ")), "{card:?}");
    assert!(page.has_link("/invoices?status=open") && page.has_link("/invoices?status=overdue"));
    // Technical staff see no invoices, nor how many there are.
    let bob = app.logged_in("bob@acme.test").await;
    assert!(bob.get("/").await.texts("#card-invoices").is_empty());
}
