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
    let sent = carla
        .submit(
            "/partners",
            &[
                ("partner_org_id", &studio),
                ("access", "full"),
                ("payment_mode", "customer"),
            ],
        )
        .await;
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
