//! The partner's income ledger: per client, with a running balance, and its CSV.

mod support;

use reqwest::StatusCode;
use support::*;

/// Parses "CHF 1,234.50" into minor units.
fn minor(text: &str) -> i64 {
    let digits: String = text
        .chars()
        .filter(|c| c.is_ascii_digit() || *c == '-')
        .collect();
    digits.parse().unwrap()
}

#[tokio::test]
async fn the_ledger_runs_a_balance_newest_first_and_per_client() {
    let app = spawn_demo().await;
    let paul = app.logged_in("paul@webagency.test").await;
    let page = paul.get("/income").await;
    assert_eq!(page.status, StatusCode::OK);
    let html = page.html();
    let row_sel =
        scraper::Selector::parse("section[aria-labelledby=ledger-title] tbody tr").unwrap();
    let cell_sel = scraper::Selector::parse("td").unwrap();
    let rows: Vec<Vec<String>> = html
        .select(&row_sel)
        .map(|r| {
            r.select(&cell_sel)
                .map(|c| c.text().collect::<String>())
                .collect()
        })
        .collect();
    assert!(
        rows.len() >= 5,
        "the demo year earned the agency several entries: {rows:?}"
    );
    // Each row's balance is the older row's balance plus its own amount; the oldest
    // row's balance is its own amount.
    for pair in rows.windows(2) {
        assert_eq!(
            minor(&pair[0][5]),
            minor(&pair[1][5]) + minor(&pair[0][4]),
            "{pair:?}"
        );
    }
    let oldest = rows.last().unwrap();
    assert_eq!(minor(&oldest[5]), minor(&oldest[4]));

    // The total per client adds up to the balance.
    let totals: i64 = page
        .texts("section[aria-labelledby=totals-title] tbody tr td:last-child")
        .iter()
        .map(|t| minor(t))
        .sum();
    assert_eq!(totals, minor(&rows[0][5]));
    assert!(rows.iter().any(|r| r[2] == "Cashback") && rows.iter().any(|r| r[2] == "Refund"));

    // One client's ledger holds only that client.
    let beta = org_id(&app, BETA).await;
    let only_beta = paul.get(&format!("/income?client={beta}")).await;
    let clients: Vec<String> = only_beta
        .html()
        .select(&row_sel)
        .map(|r| r.select(&cell_sel).nth(1).unwrap().text().collect())
        .collect();
    assert!(
        !clients.is_empty() && clients.iter().all(|c| c == BETA),
        "{clients:?}"
    );

    // Each client's name leads to its own ledger, which says whose it is.
    let link = format!("/income?client={beta}");
    assert!(page.has_link(&link), "no link to {link}");
    assert!(
        only_beta
            .text()
            .contains(&format!("Only {BETA}'s entries.")),
        "the filtered ledger names its client"
    );
    assert_eq!(
        only_beta.texts("section[aria-labelledby=ledger-title] a[href='/income']"),
        vec!["All clients".to_owned()],
        "and leads back to all clients"
    );

    // The CSV carries the same balances.
    let csv = paul.get("/income.csv").await;
    assert_eq!(csv.status, StatusCode::OK);
    let lines: Vec<&str> = csv.body.lines().collect();
    assert_eq!(
        lines[0],
        "date,client,kind,product,order,currency,amount,balance"
    );
    assert_eq!(lines.len() - 1, rows.len());
    let first: Vec<&str> = lines[1].split(',').collect();
    assert_eq!(minor(first[7]), minor(&rows[0][5]));
}

#[tokio::test]
async fn income_is_for_the_partners_billing_people_only() {
    let app = spawn_demo().await;
    for (email, status) in [
        ("paul@webagency.test", StatusCode::OK),
        ("petra@studio.test", StatusCode::OK),
        ("alice@acme.test", StatusCode::NOT_FOUND),
        ("bob@acme.test", StatusCode::NOT_FOUND),
        ("carla@beta.test", StatusCode::NOT_FOUND),
    ] {
        let browser = app.logged_in(email).await;
        assert_eq!(browser.get("/income").await.status, status, "{email}");
        assert_eq!(
            browser.get("/income.csv").await.status,
            status,
            "{email} csv"
        );
        assert_eq!(
            browser.get("/").await.has_link("/income"),
            status == StatusCode::OK,
            "{email} sidebar"
        );
    }
}

#[tokio::test]
async fn a_long_ledger_keeps_its_balance_from_page_to_page() {
    use diesel::prelude::*;
    use partnerdesk::bench_data::{self, AGENCY_LOGIN, BenchSize};
    use partnerdesk::db::schema::{income_entries, income_totals};

    let app = spawn_app().await;
    let size = BenchSize::with_invoices(1_000).unwrap();
    app.with_db(move |conn| bench_data::seed(conn, size, |_| {}).unwrap())
        .await;
    let agency = app.logged_in(AGENCY_LOGIN).await;
    let row_sel =
        scraper::Selector::parse("section[aria-labelledby=ledger-title] tbody tr").unwrap();
    let cell_sel = scraper::Selector::parse("td").unwrap();
    let mut rows: Vec<(i64, i64)> = Vec::new();
    let mut path = "/income".to_owned();
    let mut pages = 0;
    loop {
        let page = agency.get(&path).await;
        assert_eq!(page.status, StatusCode::OK, "{path}");
        pages += 1;
        rows.extend(page.html().select(&row_sel).map(|r| {
            let cells: Vec<String> = r.select(&cell_sel).map(|c| c.text().collect()).collect();
            (minor(&cells[4]), minor(&cells[5]))
        }));
        let next = page
            .html()
            .select(&scraper::Selector::parse("a[href^='/income?before=']").unwrap())
            .next()
            .and_then(|a| a.value().attr("href").map(str::to_owned));
        match next {
            Some(next) => path = next,
            None => break,
        }
    }
    assert!(pages > 5, "{pages} pages");
    // Across every page break, each balance is the older one plus its own amount.
    for pair in rows.windows(2) {
        assert_eq!(pair[0].1, pair[1].1 + pair[0].0, "{pair:?}");
    }
    assert_eq!(rows.last().unwrap().1, rows.last().unwrap().0);

    // The totals kept with each entry are the sums of the entries.
    let (entries, totals): (i64, i64) = app
        .with_db(|conn| {
            let entries: Vec<i64> = income_entries::table
                .select(income_entries::amount)
                .load(conn)
                .unwrap();
            let totals: Vec<i64> = income_totals::table
                .select(income_totals::amount)
                .load(conn)
                .unwrap();
            (entries.iter().sum(), totals.iter().sum())
        })
        .await;
    assert_eq!(entries, totals);
    assert_eq!(rows[0].1, entries, "the newest balance is all the income");
}
