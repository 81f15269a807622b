//! The benchmark's dataset, at its smallest size: made through the ordering and renewal
//! code, it holds exactly what it says, and the benchmark's logins work on it.

mod support;

use diesel::dsl::count_star;
use diesel::prelude::*;
use partnerdesk::bench_data::{self, AGENCY_LOGIN, BenchSize, CLIENT_LOGIN};
use partnerdesk::db::schema::{
    income_entries, invoices, organizations, partner_profiles, products,
};
use reqwest::StatusCode;
use support::*;

#[tokio::test]
async fn the_smallest_bench_dataset_is_ten_years_of_business() {
    let app = spawn_app().await;
    let size = BenchSize::with_invoices(1_000).unwrap();
    app.with_db(move |conn| bench_data::seed(conn, size, |_| {}).unwrap())
        .await;

    let (orgs, partners, products, invoices, income, per_product) = app
        .with_db(|conn| {
            let count = |n: QueryResult<i64>| n.unwrap();
            let per_product: Vec<i64> = invoices::table
                .inner_join(partnerdesk::db::schema::orders::table)
                .group_by(partnerdesk::db::schema::orders::product_id)
                .select(count_star())
                .load(conn)
                .unwrap();
            (
                count(organizations::table.count().get_result(conn)),
                count(partner_profiles::table.count().get_result(conn)),
                count(products::table.count().get_result(conn)),
                count(invoices::table.count().get_result(conn)),
                count(income_entries::table.count().get_result(conn)),
                per_product,
            )
        })
        .await;
    assert_eq!((orgs, partners, products, invoices), (10, 1, 100, 1_000));
    assert!(income > 0);
    // Each product: its order and nine renewals; nothing due any more.
    assert_eq!(per_product.len(), 100);
    assert!(per_product.iter().all(|n| *n == 10), "{per_product:?}");
    let due = app
        .with_db(|conn| {
            partnerdesk::db::models::products::due(conn, partnerdesk::db::now().date(), 10).unwrap()
        })
        .await;
    assert!(due.is_empty(), "{due:?}");

    // The benchmark's pages answer for its two logins.
    let agency = app.logged_in(AGENCY_LOGIN).await;
    let clients = agency.get("/clients").await;
    assert_eq!(clients.texts("tbody tr").len(), 9);
    for path in ["/invoices", "/income", "/products?view=clients"] {
        let page = agency.get(path).await;
        assert_eq!(page.status, StatusCode::OK, "{path}");
        assert!(page.texts("tbody tr").len() >= 10, "{path}");
    }
    let client = app.logged_in(CLIENT_LOGIN).await;
    let invoices = client.get("/invoices").await;
    assert!(invoices.texts("tbody tr").len() >= 10);

    // Only into an empty database.
    let again = app
        .with_db(move |conn| bench_data::seed(conn, size, |_| {}))
        .await;
    assert!(again.unwrap_err().to_string().contains("not empty"));
}
