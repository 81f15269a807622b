//! Money is charged once per decision. The review page issues a single-use intent that
//! names what is confirmed; the confirmation consumes it with the order. Sent twice, ten
//! times at once, or replayed long after, it charges once and answers with the first
//! result; a renewal bills the period it named, never one already billed.

mod support;

use diesel::prelude::*;
use partnerdesk::db::schema::{invoice_counters, order_intents};
use reqwest::StatusCode;
use support::*;

/// The confirmation form of a review page, ready to post.
fn confirmation_of(review: &Page) -> Vec<(String, String)> {
    assert_eq!(review.status, StatusCode::OK, "review: {}", review.text());
    vec![
        ("csrf_token".into(), review.field("csrf_token").unwrap()),
        ("intent".into(), review.field("intent").expect("an intent")),
        ("confirm".into(), "1".into()),
    ]
}

fn fields(form: &[(String, String)]) -> Vec<(&str, &str)> {
    form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect()
}

async fn invoice_numbers_taken(app: &TestApp) -> i64 {
    app.with_db(|conn| {
        invoice_counters::table
            .select(diesel::dsl::sum(invoice_counters::last_number))
            .first::<Option<i64>>(conn)
            .unwrap()
            .unwrap_or(0)
    })
    .await
}

#[tokio::test]
async fn a_confirmation_sent_again_or_replayed_later_charges_once_and_shows_the_first_result() {
    let app = spawn_demo().await;
    let acme = org_id(&app, ACME).await;
    let alice = app.logged_in("alice@acme.test").await;
    let before = billing_counts(&app).await;
    let review = alice
        .submit(
            "/orders",
            &[("customer_org_id", &acme), ("offer", "kdrive")],
        )
        .await;
    let form = confirmation_of(&review);
    let first = alice.post("/orders", &fields(&form)).await;
    assert_eq!(first.status, StatusCode::SEE_OTHER, "{}", first.text());
    let first_message = alice.get("/products").await.texts(".flash").join(" ");
    assert!(
        first_message.contains("kDrive 1 TB ordered for Acme SA"),
        "{first_message}"
    );
    let after_first = billing_counts(&app).await;
    assert_eq!(after_first.0, before.0 + 1);

    // The same confirmation again: the same answer, nothing charged.
    let again = alice.post("/orders", &fields(&form)).await;
    assert_eq!(again.status, StatusCode::SEE_OTHER);
    assert_eq!(again.location(), first.location());
    let message = alice.get("/products").await.texts(".flash").join(" ");
    let number = latest_invoice(&app).await.number;
    assert!(message.contains(&number), "{message}");
    assert!(message.contains("nothing was charged again"), "{message}");
    assert_eq!(billing_counts(&app).await, after_first);

    // Replayed a day later (the review long expired): still the first order, once.
    let intent = form[1].1.clone();
    app.with_db(move |conn| {
        let yesterday = partnerdesk::db::now() - chrono::TimeDelta::days(1);
        diesel::update(order_intents::table.find(intent))
            .set((
                order_intents::created_at.eq(yesterday),
                order_intents::expires_at.eq(yesterday),
            ))
            .execute(conn)
            .unwrap();
    })
    .await;
    let later = alice.post("/orders", &fields(&form)).await;
    assert_eq!(later.status, StatusCode::SEE_OTHER);
    assert_eq!(billing_counts(&app).await, after_first);
}

#[tokio::test]
async fn ten_parallel_confirmations_of_one_review_make_one_product_and_one_invoice() {
    let app = spawn_demo().await;
    let acme = org_id(&app, ACME).await;
    let paul = app.logged_in("paul@webagency.test").await;
    let before = billing_counts(&app).await;
    let products_before = paul.get("/products?view=clients").await.body.len();
    let review = paul
        .submit(
            "/orders",
            &[("customer_org_id", &acme), ("offer", "domain-ch")],
        )
        .await;
    let form = confirmation_of(&review);
    let form = fields(&form);
    let clicks = (0..10).map(|_| paul.post("/orders", &form));
    let answers = futures_util::future::join_all(clicks).await;
    for answer in &answers {
        assert_eq!(answer.status, StatusCode::SEE_OTHER, "{}", answer.text());
    }
    let after = billing_counts(&app).await;
    assert_eq!(after.0, before.0 + 1, "one order");
    assert_eq!(after.1, before.1 + 1, "one invoice");
    assert_eq!(after.2, before.2 + 1, "one cashback");
    let (products, intents): (i64, i64) = app
        .with_db(|conn| {
            use partnerdesk::db::schema::products;
            (
                products::table.count().get_result(conn).unwrap(),
                order_intents::table
                    .filter(order_intents::order_id.is_not_null())
                    .count()
                    .get_result(conn)
                    .unwrap(),
            )
        })
        .await;
    assert_eq!(intents, 1);
    assert!(products > 0);
    assert!(paul.get("/products?view=clients").await.body.len() > products_before);
}

#[tokio::test]
async fn a_renewal_bills_the_period_it_named_and_never_one_already_billed() {
    let app = spawn_demo().await;
    let alice = app.logged_in("alice@acme.test").await;
    let products = alice.get("/products").await;
    let action = products
        .html()
        .select(&scraper::Selector::parse("form[action$='/renew']").unwrap())
        .filter_map(|f| f.value().attr("action").map(str::to_owned))
        .next()
        .expect("Alice can renew a product");
    // Two tabs review the same renewal: both name the same period.
    let first_tab = alice.submit(&action, &[]).await;
    let second_tab = alice.submit(&action, &[]).await;
    let period = |page: &Page| page.row("Period").expect("the period is shown");
    assert_eq!(period(&first_tab), period(&second_tab));
    let before = billing_counts(&app).await;
    let placed = alice
        .post(&action, &fields(&confirmation_of(&first_tab)))
        .await;
    assert_eq!(placed.status, StatusCode::SEE_OTHER, "{}", placed.text());
    let after = billing_counts(&app).await;
    assert_eq!(after.0, before.0 + 1);
    let numbers = invoice_numbers_taken(&app).await;

    // The second tab's confirmation is a second decision about a period now billed.
    let refused = alice
        .post(&action, &fields(&confirmation_of(&second_tab)))
        .await;
    assert_eq!(refused.status, StatusCode::CONFLICT);
    assert!(
        refused.text().contains("Nothing was charged twice"),
        "{}",
        refused.text()
    );
    assert_eq!(billing_counts(&app).await, after);
    assert_eq!(
        invoice_numbers_taken(&app).await,
        numbers,
        "no number taken"
    );

    // A new review names the next period, which can be billed.
    let next = alice.submit(&action, &[]).await;
    assert_ne!(period(&next), period(&first_tab));
}

#[tokio::test]
async fn an_intent_confirms_only_what_it_names_for_whom_it_was_issued() {
    let app = spawn_demo().await;
    let acme = org_id(&app, ACME).await;
    let alice = app.logged_in("alice@acme.test").await;
    let paul = app.logged_in("paul@webagency.test").await;
    let review = alice
        .submit(
            "/orders",
            &[("customer_org_id", &acme), ("offer", "kdrive")],
        )
        .await;
    let intent = review.field("intent").unwrap();
    let before = billing_counts(&app).await;
    // Another organization's member, with their own valid CSRF token.
    let stolen = paul
        .submit("/orders", &[("intent", &intent), ("confirm", "1")])
        .await;
    assert_eq!(stolen.status, StatusCode::NOT_FOUND);
    // The right person, on a renewal's address.
    let products = alice.get("/products").await;
    let action = products
        .html()
        .select(&scraper::Selector::parse("form[action$='/renew']").unwrap())
        .filter_map(|f| f.value().attr("action").map(str::to_owned))
        .next()
        .unwrap();
    let elsewhere = alice
        .submit(&action, &[("intent", &intent), ("confirm", "1")])
        .await;
    assert_eq!(elsewhere.status, StatusCode::NOT_FOUND);
    // A confirmation without its intent, or with one that was never issued.
    let incomplete = alice.submit("/orders", &[("confirm", "1")]).await;
    assert_eq!(incomplete.status, StatusCode::BAD_REQUEST);
    let forged = alice
        .submit("/orders", &[("intent", "0123456789"), ("confirm", "1")])
        .await;
    assert_eq!(forged.status, StatusCode::NOT_FOUND);
    assert_eq!(billing_counts(&app).await, before);

    // An unconfirmed review that expired places nothing and says so.
    let intent_id = intent.clone();
    app.with_db(move |conn| {
        let past = partnerdesk::db::now() - chrono::TimeDelta::minutes(61);
        diesel::update(order_intents::table.find(intent_id))
            .set(order_intents::expires_at.eq(past))
            .execute(conn)
            .unwrap();
    })
    .await;
    let expired = alice
        .submit("/orders", &[("intent", &intent), ("confirm", "1")])
        .await;
    assert_eq!(expired.status, StatusCode::CONFLICT);
    assert!(expired.text().contains("start the order again"));
    assert_eq!(billing_counts(&app).await, before);
}

#[tokio::test]
async fn the_same_order_reviewed_again_after_it_was_placed_says_so() {
    let app = spawn_demo().await;
    let acme = org_id(&app, ACME).await;
    let alice = app.logged_in("alice@acme.test").await;
    let order = [("customer_org_id", acme.as_str()), ("offer", "domain-ch")];
    let review = alice.submit("/orders", &order).await;
    assert!(!review.text().contains("a few minutes ago"));
    let placed = alice
        .post("/orders", &fields(&confirmation_of(&review)))
        .await;
    assert_eq!(placed.status, StatusCode::SEE_OTHER);
    let number = latest_invoice(&app).await.number;
    // The browser's back button sends the order form again: a new review, which warns.
    let again = alice.submit("/orders", &order).await;
    let text = again.text();
    assert!(
        text.contains(&format!(
            "You placed this same order a few minutes ago (invoice {number})"
        )),
        "{text}"
    );
    // Another offer is another order: no warning.
    let other = alice
        .submit(
            "/orders",
            &[("customer_org_id", acme.as_str()), ("offer", "kdrive")],
        )
        .await;
    assert!(!other.text().contains("a few minutes ago"));
}

#[tokio::test]
async fn a_review_answered_with_other_terms_places_nothing_later() {
    let app = spawn_demo().await;
    let acme = org_id(&app, ACME).await;
    let id = app.partnership_id(ACME, WEB_AGENCY).await;
    let paul = app.logged_in("paul@webagency.test").await;
    let alice = app.logged_in("alice@acme.test").await;
    let first = paul
        .submit(
            "/orders",
            &[("customer_org_id", &acme), ("offer", "domain-ch")],
        )
        .await;
    let first = confirmation_of(&first);
    assert_eq!(
        change_payment_mode(&alice, &id, "partner").await.status,
        StatusCode::SEE_OTHER
    );
    let changed = paul.post("/orders", &fields(&first)).await;
    assert_eq!(changed.status, StatusCode::CONFLICT, "terms changed");
    // The mode comes back: the first review's terms hold again, but it was answered.
    assert_eq!(
        change_payment_mode(&alice, &id, "customer").await.status,
        StatusCode::SEE_OTHER
    );
    let before = billing_counts(&app).await;
    let replayed = paul.post("/orders", &fields(&first)).await;
    assert_eq!(replayed.status, StatusCode::CONFLICT, "{}", replayed.text());
    assert_eq!(billing_counts(&app).await, before, "nothing ordered");
}
