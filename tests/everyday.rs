//! Everyday use without dead ends: errors met signed in stay in the console, and a
//! partner already working with the customer is shown as such rather than invited again.

mod support;

use reqwest::StatusCode;
use support::*;

#[tokio::test]
async fn an_error_met_signed_in_keeps_the_console_around_it() {
    let app = spawn_demo().await;
    let alice = app.logged_in("alice@acme.test").await;
    let missing = alice.get("/partners/no-such-partnership").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert_eq!(missing.texts("main h1"), ["Page not found"]);
    assert_eq!(
        missing.texts("nav.sidebar a[aria-current=page]"),
        ["Partner"],
        "the sidebar is there, in the section the address belongs to"
    );
    assert!(missing.has_link("/invoices"), "Alice's own sections");
    assert_eq!(missing.texts(".topbar .org-name"), ["Acme SA"]);

    // An address of no section: the sidebar, with no section current.
    let nowhere = alice.get("/no/such/page").await;
    assert_eq!(nowhere.status, StatusCode::NOT_FOUND);
    assert!(nowhere.texts("nav.sidebar a[aria-current=page]").is_empty());
    assert_eq!(nowhere.texts("nav.sidebar a").len(), 5);

    // Not allowed: the reason, in the console, with the status kept.
    let bob = app.logged_in("bob@acme.test").await;
    let refused = bob.get("/partners/new").await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert_eq!(refused.texts("main h1"), ["Not allowed"]);
    assert!(
        refused
            .text()
            .contains("legal representatives and administrators")
    );
    assert_eq!(
        refused.texts("nav.sidebar a[aria-current=page]"),
        ["Partner"]
    );

    // Signed out, the same address is a bare page that shows nothing of the console.
    let visitor = app.browser().get("/no/such/page").await;
    assert_eq!(visitor.status, StatusCode::NOT_FOUND);
    assert!(visitor.texts("nav.sidebar").is_empty());
    assert_eq!(visitor.texts("main h1"), ["Page not found"]);
}

/// Has `browser`'s organization invite the partner `partner_org_id` with full access, the
/// customer paying.
async fn invite_with_full_access(browser: &Browser, partner_org_id: &str) -> Page {
    let form = [
        ("partner_org_id", partner_org_id),
        ("access", "full"),
        ("payment_mode", "customer"),
    ];
    browser.submit("/partners", &form).await
}

#[tokio::test]
async fn the_partner_search_says_who_already_works_with_the_customer() {
    let app = spawn_demo().await;
    let alice = app.logged_in("alice@acme.test").await;
    let agency = app.partnership_id(ACME, WEB_AGENCY).await;
    let agency_org = org_id(&app, WEB_AGENCY).await;
    let search = alice.get("/partners/new?q=agency").await;
    assert_eq!(search.status, StatusCode::OK);
    assert!(
        search.text().contains("Already your partner"),
        "{}",
        search.text()
    );
    assert!(search.has_link(&format!("/partners/{agency}")));
    assert!(
        !search.has_link(&format!("/partners/new?partner={agency_org}")),
        "no invitation offered to a partner already working with Acme"
    );
    // Opened anyway (an old link), the page says so and offers no form.
    let chosen = alice
        .get(&format!("/partners/new?partner={agency_org}"))
        .await;
    assert_eq!(chosen.status, StatusCode::OK);
    assert!(
        chosen
            .text()
            .contains("Web Agency Sàrl is already a partner of Acme SA")
    );
    assert!(chosen.has_link(&format!("/partners/{agency}")));
    assert_eq!(chosen.field("partner_org_id"), None);

    // A pending invitation is shown as pending; a partner with none can be invited.
    let carla = app.logged_in("carla@beta.test").await;
    let studio = org_id(&app, STUDIO).await;
    let before = carla.get("/partners/new?q=studio").await;
    assert!(before.text().contains("Not yet"), "{}", before.text());
    assert!(before.has_link(&format!("/partners/new?partner={studio}")));
    let sent = invite_with_full_access(&carla, &studio).await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.text());
    let pending = sent.location().unwrap().to_owned();
    let after = carla.get("/partners/new?q=studio").await;
    assert!(
        after.text().contains("Invitation pending"),
        "{}",
        after.text()
    );
    assert!(after.has_link(&pending));
    assert!(!after.has_link(&format!("/partners/new?partner={studio}")));
    let again = carla.get(&format!("/partners/new?partner={studio}")).await;
    assert!(again.text().contains("is waiting for an answer"));
    assert_eq!(again.field("partner_org_id"), None);
}

/// The `value` of the first field `css` selects.
fn value_of(page: &Page, css: &str) -> Option<String> {
    let selector = scraper::Selector::parse(css).unwrap();
    page.html()
        .select(&selector)
        .next()
        .and_then(|e| e.value().attr("value").map(str::to_owned))
}

/// The values of the options selected in the selects `select` selects.
fn selected(page: &Page, select: &str) -> Vec<String> {
    let selector = scraper::Selector::parse(&format!("{select} option[selected]")).unwrap();
    page.html()
        .select(&selector)
        .filter_map(|e| e.value().attr("value").map(str::to_owned))
        .collect()
}

#[tokio::test]
async fn a_refused_form_is_shown_again_with_what_was_typed() {
    let app = spawn_demo().await;
    let alice = app.logged_in("alice@acme.test").await;

    // An invitation to a mistyped address.
    let emails = outbox_count(&app).await;
    let typo = alice
        .submit(
            "/team/invite",
            &[
                ("name", "Zoé Rey"),
                ("email", "zoe.acme.test"),
                ("role", "billing"),
            ],
        )
        .await;
    assert_eq!(typo.status, StatusCode::BAD_REQUEST, "{}", typo.text());
    assert_eq!(
        typo.texts("main h1"),
        ["Team"],
        "the team page, not an error page"
    );
    // Said at the top too, where a phone's screen shows it, with the way to the form.
    assert!(typo.has_link("#invite-title"), "{}", typo.text());
    assert_eq!(typo.texts("#invite-error").len(), 1, "{}", typo.text());
    assert_eq!(value_of(&typo, "#invite-name").as_deref(), Some("Zoé Rey"));
    assert_eq!(
        value_of(&typo, "#invite-email").as_deref(),
        Some("zoe.acme.test")
    );
    assert_eq!(selected(&typo, "#invite-role"), ["billing"]);
    assert_eq!(outbox_count(&app).await, emails, "nobody was invited");

    // Alice, Acme's only legal representative, cannot make herself technical staff.
    let team = alice.get("/team").await;
    let alice_id = user_id(&app, "alice@acme.test").await;
    let demoted = alice
        .submit(&format!("/team/{alice_id}/role"), &[("role", "technical")])
        .await;
    assert_eq!(demoted.status, StatusCode::CONFLICT);
    assert_eq!(demoted.texts("main h1"), ["Team"]);
    assert!(
        demoted
            .texts("main > p.flash-error")
            .iter()
            .any(|f| f.contains("last legal representative")),
        "{}",
        demoted.text()
    );
    let errors = demoted.texts(".field-error");
    assert_eq!(errors.len(), 1, "{}", demoted.text());
    assert!(
        errors[0].contains("last legal representative of Acme SA"),
        "{errors:?}"
    );
    // Her row's form shows the role she chose, the others theirs.
    let rows_before = selected(&team, "select[name=role]");
    let rows_after = selected(&demoted, "select[name=role]");
    assert_eq!(rows_before.len(), rows_after.len());
    assert!(rows_after.contains(&"technical".to_owned()));
    assert_eq!(
        selected(&alice.get("/team").await, "select[name=role]"),
        rows_before,
        "nothing changed"
    );

    // A partner asking a client for access with a mistyped address.
    let paul = app.logged_in("paul@webagency.test").await;
    let asked = paul
        .submit(
            "/clients",
            &[("email", "ceo@@client"), ("access", "limited")],
        )
        .await;
    assert_eq!(asked.status, StatusCode::BAD_REQUEST);
    assert_eq!(asked.texts("main h1"), ["Ask a client for access"]);
    assert_eq!(asked.texts("#ask-error").len(), 1);
    assert_eq!(value_of(&asked, "#email").as_deref(), Some("ceo@@client"));
    assert_eq!(
        value_of(&asked, "#ask-limited[checked]").as_deref(),
        Some("limited")
    );
}

/// An amount as the English pages write it (`CHF 1,234.50`), in minor units.
fn minor_units(written: &str) -> i64 {
    let digits: String = written.chars().filter(char::is_ascii_digit).collect();
    let value: i64 = digits
        .parse()
        .unwrap_or_else(|_| panic!("an amount: {written}"));
    if written.contains('-') { -value } else { value }
}

/// The first day of the month eleven months back: where a dashboard's chart starts.
fn chart_start() -> chrono::NaiveDateTime {
    use chrono::Datelike;
    let today = chrono::Utc::now().date_naive();
    let first = today.with_day(1).unwrap() - chrono::Months::new(11);
    first.and_hms_opt(0, 0, 0).unwrap()
}

#[tokio::test]
async fn each_dashboard_answers_its_first_question() {
    use diesel::prelude::*;
    use partnerdesk::db::schema::{income_entries, invoices};
    let app = spawn_demo().await;
    let acme = org_id(&app, ACME).await;
    let agency = org_id(&app, WEB_AGENCY).await;

    // The customer: its next renewals, soonest first, and what it was invoiced monthly.
    let alice = app.logged_in("alice@acme.test").await;
    let home = alice.get("/").await;
    let renewals = home.texts("section[aria-labelledby=next-renewals-title] li");
    assert!(!renewals.is_empty() && renewals.len() <= 5, "{renewals:?}");
    let products = alice.get("/products").await.texts("tbody th");
    for r in &renewals {
        assert!(
            products.iter().any(|name| r.starts_with(name.as_str())),
            "{r} is one of Acme's products"
        );
        assert!(r.contains("paid by"), "{r}");
    }
    let bars = home.html();
    let selector = scraper::Selector::parse("svg rect.chart-bar").unwrap();
    assert_eq!(bars.select(&selector).count(), 12);
    let figures = home.texts(".chart tbody td");
    assert_eq!(figures.len(), 12);
    let shown: i64 = figures.iter().map(|f| minor_units(f)).sum();
    let since = chart_start();
    let invoiced: i64 = {
        let acme = acme.clone();
        app.with_db(move |conn| {
            invoices::table
                .filter(invoices::payer_org_id.eq(&acme))
                .filter(invoices::issued_at.ge(since))
                .filter(invoices::cancelled_at.is_null())
                .select(invoices::total)
                .load::<i64>(conn)
                .unwrap()
                .into_iter()
                .sum()
        })
        .await
    };
    assert!(invoiced > 0, "the demo invoiced Acme this year");
    assert_eq!(
        shown, invoiced,
        "the chart's figures add up to what was invoiced"
    );

    // The partner: its income this year, its clients' renewals due soon, income monthly.
    let paul = app.logged_in("paul@webagency.test").await;
    let home = paul.get("/").await;
    let year_start = {
        use chrono::Datelike;
        let today = chrono::Utc::now().date_naive();
        chrono::NaiveDate::from_ymd_opt(today.year(), 1, 1)
            .unwrap()
            .and_hms_opt(0, 0, 0)
            .unwrap()
    };
    let earned_since = |from: chrono::NaiveDateTime| {
        let agency = agency.clone();
        app.with_db(move |conn| {
            income_entries::table
                .filter(income_entries::partner_org_id.eq(&agency))
                .filter(income_entries::created_at.ge(from))
                .select(income_entries::amount)
                .load::<i64>(conn)
                .unwrap()
                .into_iter()
                .sum::<i64>()
        })
    };
    let this_year = earned_since(year_start).await;
    let card = home.texts("section[aria-labelledby=card-income] .figure");
    assert_eq!(card.len(), 1, "{card:?}");
    assert_eq!(minor_units(&card[0]), this_year);
    let monthly: i64 = home
        .texts(".chart tbody td")
        .iter()
        .map(|f| minor_units(f))
        .sum();
    assert_eq!(monthly, earned_since(chart_start()).await);
    assert_eq!(
        home.texts(".chart figcaption"),
        ["Income per month, in CHF"]
    );
    assert_eq!(
        home.texts("#clients-renewing-title"),
        ["Your clients' renewals in the next 30 days"]
    );

    // Technical staff see the renewals, and no figures of money: no price either.
    let bob = app.logged_in("bob@acme.test").await;
    let home = bob.get("/").await;
    let renewals = home.texts("section[aria-labelledby=next-renewals-title] li");
    assert!(!renewals.is_empty());
    assert!(renewals.iter().all(|r| !r.contains("CHF")), "{renewals:?}");
    let products = bob.get("/products").await.texts("tbody tr");
    assert!(
        !products.is_empty() && products.iter().all(|r| !r.contains("CHF")),
        "{products:?}"
    );
    assert!(home.texts(".chart").is_empty());
    assert!(home.texts("#card-invoices").is_empty());
}

/// The figure of a dashboard's card line that contains `words`.
fn card_figure(page: &Page, card: &str, words: &str) -> Option<i64> {
    page.texts(&format!("section[aria-labelledby={card}] p"))
        .iter()
        .find(|p| p.contains(words))
        .and_then(|p| p.split_whitespace().next()?.parse().ok())
}

#[tokio::test]
async fn a_pending_invitation_waits_on_both_dashboards_and_counts_as_no_partner() {
    let app = spawn_demo().await;
    let carla = app.logged_in("carla@beta.test").await;
    let petra = app.logged_in("petra@studio.test").await;
    let partners_before = card_figure(&carla.get("/").await, "card-partners", "partner");
    let clients_before = card_figure(&petra.get("/").await, "card-clients", "client");
    assert!(
        carla
            .get("/")
            .await
            .texts("#card-open-invitations")
            .is_empty()
    );

    let studio = org_id(&app, STUDIO).await;
    let sent = invite_with_full_access(&carla, &studio).await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.text());
    let id = sent
        .location()
        .unwrap()
        .trim_start_matches("/partners/")
        .to_owned();

    let beta_home = carla.get("/").await;
    assert_eq!(
        card_figure(&beta_home, "card-partners", "partner"),
        partners_before
    );
    assert_eq!(
        card_figure(&beta_home, "card-open-invitations", "sent, waiting"),
        Some(1)
    );
    assert_eq!(
        card_figure(
            &beta_home,
            "card-open-invitations",
            "waiting for your answer"
        ),
        Some(0)
    );
    let studio_home = petra.get("/").await;
    assert_eq!(
        card_figure(&studio_home, "card-clients", "client"),
        clients_before
    );
    assert_eq!(
        card_figure(
            &studio_home,
            "card-open-invitations",
            "waiting for your answer"
        ),
        Some(1)
    );

    let status = |page: Page| page.row("Status").unwrap_or_default();
    let waiting = |page: Page| page.texts("#card-open-invitations").len();
    assert!(status(carla.get(&format!("/partners/{id}")).await).starts_with("Invitation pending"));

    // Refused: nothing waits any more on either side, and both say it was refused.
    let refused = petra.submit(&format!("/clients/{id}/refuse"), &[]).await;
    assert_eq!(refused.status, StatusCode::SEE_OTHER, "{}", refused.text());
    assert_eq!(waiting(carla.get("/").await), 0);
    assert_eq!(waiting(petra.get("/").await), 0);
    assert!(status(carla.get(&format!("/partners/{id}")).await).starts_with("Refused"));
    assert!(status(petra.get(&format!("/clients/{id}")).await).starts_with("Refused"));

    // Sent again and withdrawn: withdrawn. Sent again and left 31 days: expired, even
    // before the job that closes it has run, and waiting for nobody.
    let invite = || invite_with_full_access(&carla, &studio);
    let again = invite().await;
    let second = again
        .location()
        .unwrap()
        .trim_start_matches("/partners/")
        .to_owned();
    let withdrawn = carla
        .submit(&format!("/partners/{second}/withdraw"), &[])
        .await;
    assert_eq!(
        withdrawn.status,
        StatusCode::SEE_OTHER,
        "{}",
        withdrawn.text()
    );
    assert!(status(petra.get(&format!("/clients/{second}")).await).starts_with("Withdrawn"));
    let third = invite().await;
    let third = third
        .location()
        .unwrap()
        .trim_start_matches("/partners/")
        .to_owned();
    let late = third.clone();
    app.with_db(move |conn| {
        use diesel::prelude::*;
        use partnerdesk::db::schema::partnerships;
        diesel::update(partnerships::table.find(&late))
            .set(partnerships::invited_at.eq(partnerdesk::db::now() - chrono::TimeDelta::days(31)))
            .execute(conn)
            .unwrap();
    })
    .await;
    assert!(
        status(carla.get(&format!("/partners/{third}")).await).starts_with("Invitation expired")
    );
    assert_eq!(waiting(carla.get("/").await), 0);
    assert_eq!(waiting(petra.get("/").await), 0);
}
