//! One's own sessions on the account page: each browser signed in is listed with what
//! it says it is, where it signed in from and when; any can be ended, or all but this one.

mod support;

use reqwest::StatusCode;
use support::*;

const FIREFOX: &str =
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:120.0) Gecko/20100101 Firefox/120.0";
const SAFARI: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1";

/// A browser that says it is `agent`, logged in as `email`.
async fn signed_in_with(app: &TestApp, agent: &str, email: &str) -> Browser {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert("user-agent", agent.parse().unwrap());
    let browser = browser_with(&app.address, headers);
    let login = browser.login(email, PASSWORD).await;
    assert_eq!(login.status, StatusCode::SEE_OTHER, "{}", login.text());
    browser
}

/// The account page's sessions: (what the row says, the action of its sign-out form).
async fn sessions_listed(browser: &Browser) -> Vec<(String, String)> {
    let page = browser.get("/account").await;
    assert_eq!(page.status, StatusCode::OK);
    let html = page.html();
    let rows =
        scraper::Selector::parse("section[aria-labelledby=sessions-title] ul.sessions li").unwrap();
    let form = scraper::Selector::parse("form").unwrap();
    html.select(&rows)
        .map(|row| {
            let text = row.text().collect::<Vec<_>>().join(" ");
            let action = row
                .select(&form)
                .next()
                .and_then(|f| f.value().attr("action"))
                .unwrap_or_default()
                .to_owned();
            (text, action)
        })
        .collect()
}

#[tokio::test]
async fn each_browser_signed_in_is_listed_and_another_can_be_signed_out() {
    let app = spawn_demo().await;
    let phone = signed_in_with(&app, SAFARI, "alice@acme.test").await;
    let desktop = signed_in_with(&app, FIREFOX, "alice@acme.test").await;
    let listed = sessions_listed(&phone).await;
    assert_eq!(listed.len(), 2, "{listed:?}");
    let (this, other): (Vec<_>, Vec<_>) =
        listed.iter().partition(|(t, _)| t.contains("(this one)"));
    assert_eq!(this.len(), 1, "{listed:?}");
    assert!(this[0].0.contains("Safari · iPhone"), "{listed:?}");
    assert!(other[0].0.contains("Firefox · Windows 10"), "{listed:?}");
    assert!(other[0].0.contains("127.0.0.1"), "{listed:?}");

    // Signing the desktop out from the phone.
    let token = phone.csrf_token().await;
    let done = phone.post(&other[0].1, &[("csrf_token", &token)]).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER);
    assert_eq!(done.location(), Some("/account"));
    assert_eq!(
        desktop.get("/").await.status,
        StatusCode::SEE_OTHER,
        "the desktop is out"
    );
    assert_eq!(
        phone.get("/").await.status,
        StatusCode::OK,
        "the phone is in"
    );
    assert_eq!(sessions_listed(&phone).await.len(), 1);

    // The same form again finds nothing to end.
    let token = phone.csrf_token().await;
    let again = phone.post(&other[0].1, &[("csrf_token", &token)]).await;
    assert_eq!(again.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn nobody_ends_a_session_of_someone_else() {
    let app = spawn_demo().await;
    let alice = signed_in_with(&app, FIREFOX, "alice@acme.test").await;
    let alices = sessions_listed(&alice).await;
    let bob = signed_in_with(&app, FIREFOX, "bob@acme.test").await;
    let token = bob.csrf_token().await;
    let refused = bob.post(&alices[0].1, &[("csrf_token", &token)]).await;
    assert_eq!(refused.status, StatusCode::NOT_FOUND);
    assert_eq!(
        alice.get("/").await.status,
        StatusCode::OK,
        "Alice is still in"
    );
    // Nor by ending his own others.
    let token = bob.csrf_token().await;
    bob.post("/account/sessions/end-others", &[("csrf_token", &token)])
        .await;
    assert_eq!(
        alice.get("/").await.status,
        StatusCode::OK,
        "Alice is still in"
    );
}

#[tokio::test]
async fn signing_out_everywhere_else_keeps_only_this_browser() {
    let app = spawn_demo().await;
    let here = signed_in_with(&app, SAFARI, "paul@webagency.test").await;
    let others = [
        signed_in_with(&app, FIREFOX, "paul@webagency.test").await,
        signed_in_with(&app, FIREFOX, "paul@webagency.test").await,
    ];
    assert_eq!(sessions_listed(&here).await.len(), 3);
    let token = here.csrf_token().await;
    let done = here
        .post("/account/sessions/end-others", &[("csrf_token", &token)])
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER);
    let account = here.get("/account").await;
    assert!(
        account.text().contains("2 session(s) ended"),
        "{}",
        account.text()
    );
    for other in &others {
        assert_eq!(other.get("/").await.status, StatusCode::SEE_OTHER);
    }
    assert_eq!(here.get("/").await.status, StatusCode::OK);
    assert_eq!(sessions_listed(&here).await.len(), 1);
}

#[tokio::test]
async fn signing_out_this_session_from_the_list_signs_out() {
    let app = spawn_demo().await;
    let browser = signed_in_with(&app, FIREFOX, "carla@beta.test").await;
    let listed = sessions_listed(&browser).await;
    let token = browser.csrf_token().await;
    let done = browser.post(&listed[0].1, &[("csrf_token", &token)]).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER);
    assert_eq!(done.location(), Some("/login?signed_out=1"));
    assert_eq!(browser.get("/").await.status, StatusCode::SEE_OTHER);
}

/// Sends the details form from the account page.
async fn save_details(browser: &Browser, name: &str, email: &str, password: &str) -> Page {
    browser
        .submit(
            "/account/details",
            &[
                ("name", name),
                ("email", email),
                ("current_password", password),
            ],
        )
        .await
}

/// The link of the newest email to `to` that links to `prefix`.
async fn newest_link(app: &TestApp, to: &str, subject: &str) -> String {
    let email = app.wait_for_email(to, subject).await;
    link_in(&email, "/account/email/")
}

#[tokio::test]
async fn a_new_name_is_saved_and_a_name_that_hides_characters_is_refused_on_the_form() {
    let app = spawn_demo().await;
    let alice = app.logged_in("alice@acme.test").await;
    let saved = save_details(&alice, "Alice Martin-Dupont", "alice@acme.test", "").await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER);
    let account = alice.get("/account").await;
    assert!(
        account.text().contains("Your name is saved."),
        "{}",
        account.text()
    );
    assert_eq!(
        account.field("name").as_deref(),
        Some("Alice Martin-Dupont")
    );

    let refused = save_details(&alice, "Eve\u{202e}ecilA", "alice@acme.test", "").await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        refused.texts("#details-error").len(),
        1,
        "{}",
        refused.text()
    );
    assert_eq!(
        refused.field("name").as_deref(),
        Some("Eve\u{202e}ecilA"),
        "kept as typed"
    );
    let account = alice.get("/account").await;
    assert_eq!(
        account.field("name").as_deref(),
        Some("Alice Martin-Dupont"),
        "unchanged"
    );
}

#[tokio::test]
async fn a_new_address_takes_effect_once_confirmed_from_it_and_the_old_one_is_told() {
    let app = spawn_demo().await;
    let alice = app.logged_in("alice@acme.test").await;
    let before = outbox_count(&app).await;
    let no_password = save_details(&alice, "Alice", "alice@new.test", "").await;
    assert_eq!(no_password.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        no_password.field("email").as_deref(),
        Some("alice@new.test")
    );
    assert_eq!(outbox_count(&app).await, before, "nothing sent");
    let wrong = save_details(&alice, "Alice", "alice@new.test", "not the password").await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        wrong
            .text()
            .contains("Your current password is not correct."),
        "{}",
        wrong.text()
    );
    assert_eq!(outbox_count(&app).await, before, "nothing sent");

    let asked = save_details(&alice, "Alice", "alice@new.test", PASSWORD).await;
    assert_eq!(asked.status, StatusCode::SEE_OTHER);
    let told = app
        .wait_for_email("alice@acme.test", "A new address was asked")
        .await;
    assert!(told.text.contains("alice@new.test"), "{}", told.text);
    let link = newest_link(
        &app,
        "alice@new.test",
        "Confirm your new partnerdesk address",
    )
    .await;
    let account = alice.get("/account").await;
    assert!(
        account
            .text()
            .contains("A change to alice@new.test waits for its confirmation"),
        "{}",
        account.text()
    );
    // Until confirmed, nothing changes.
    assert_eq!(
        app.browser()
            .login("alice@acme.test", PASSWORD)
            .await
            .status,
        StatusCode::SEE_OTHER
    );

    let anyone = app.browser();
    let form = anyone.get(&link).await;
    assert!(form.text().contains("alice@new.test"), "{}", form.text());
    let token = form.field("csrf_token").unwrap();
    let confirmed = anyone.post(&link, &[("csrf_token", &token)]).await;
    assert_eq!(confirmed.status, StatusCode::OK);
    assert!(
        confirmed
            .text()
            .contains("Your account now uses alice@new.test")
    );
    app.wait_for_email("alice@acme.test", "Your partnerdesk address was changed")
        .await;
    assert_eq!(
        app.browser().login("alice@new.test", PASSWORD).await.status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        app.browser()
            .login("alice@acme.test", PASSWORD)
            .await
            .status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    // The link works once.
    let token = anyone.get(&link).await.field("csrf_token").unwrap();
    let replay = anyone.post(&link, &[("csrf_token", &token)]).await;
    assert_eq!(replay.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn an_address_another_account_uses_is_not_taken_over() {
    let app = spawn_demo().await;
    let alice = app.logged_in("alice@acme.test").await;
    let asked = save_details(&alice, "Alice", "bob@acme.test", PASSWORD).await;
    assert_eq!(
        asked.status,
        StatusCode::SEE_OTHER,
        "the answer says nothing yet"
    );
    let link = newest_link(
        &app,
        "bob@acme.test",
        "Confirm your new partnerdesk address",
    )
    .await;
    let browser = app.browser();
    let token = browser.get(&link).await.field("csrf_token").unwrap();
    let refused = browser.post(&link, &[("csrf_token", &token)]).await;
    assert_eq!(refused.status, StatusCode::CONFLICT);
    assert!(
        refused
            .text()
            .contains("Another account uses this address already")
    );
    for (email, who) in [("alice@acme.test", "Alice"), ("bob@acme.test", "Bob")] {
        let login = app.browser().login(email, PASSWORD).await;
        assert_eq!(
            login.status,
            StatusCode::SEE_OTHER,
            "{who} keeps their address"
        );
    }
}

#[tokio::test]
async fn asking_again_replaces_the_earlier_link_and_a_link_expires_after_a_day() {
    use diesel::prelude::*;
    use partnerdesk::db::schema::account_links;
    let app = spawn_demo().await;
    let carla = app.logged_in("carla@beta.test").await;
    save_details(&carla, "Carla", "carla@one.test", PASSWORD).await;
    let first = newest_link(&app, "carla@one.test", "Confirm your new").await;
    save_details(&carla, "Carla", "carla@two.test", PASSWORD).await;
    let second = newest_link(&app, "carla@two.test", "Confirm your new").await;
    let page = app.browser().get(&first).await;
    assert!(
        page.text().contains("This link no longer works"),
        "{}",
        page.text()
    );

    let a_day_ago = chrono::Utc::now().naive_utc() - chrono::TimeDelta::hours(25);
    app.with_db(move |conn| {
        diesel::update(account_links::table)
            .set(account_links::expires_at.eq(a_day_ago))
            .execute(conn)
            .unwrap()
    })
    .await;
    let browser = app.browser();
    let token = browser.get(&second).await.field("csrf_token").unwrap();
    let expired = browser.post(&second, &[("csrf_token", &token)]).await;
    assert_eq!(expired.status, StatusCode::NOT_FOUND);
    assert_eq!(
        app.browser()
            .login("carla@beta.test", PASSWORD)
            .await
            .status,
        StatusCode::SEE_OTHER,
        "the address is unchanged"
    );
}

#[tokio::test]
async fn a_sign_in_from_a_browser_not_seen_before_is_told_to_the_address() {
    let app = spawn_demo().await;
    let count = |emails: Vec<Email>| {
        emails
            .iter()
            .filter(|e| e.is_to("petra@studio.test") && e.subject.contains("A new sign-in"))
            .count()
    };
    // The first browser an account signs in from is no news; signing in again from it
    // neither.
    let laptop = signed_in_with(&app, FIREFOX, "petra@studio.test").await;
    laptop.submit("/logout", &[]).await;
    assert_eq!(
        laptop.login("petra@studio.test", PASSWORD).await.status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(count(app.emails_settled().await), 0);

    // Another browser is.
    signed_in_with(&app, SAFARI, "petra@studio.test").await;
    let told = app
        .wait_for_email(
            "petra@studio.test",
            "A new sign-in to your partnerdesk account",
        )
        .await;
    assert!(told.text.contains("Safari · iPhone"), "{}", told.text);
    assert!(told.text.contains("127.0.0.1"), "{}", told.text);
    assert_eq!(count(app.emails_settled().await), 1);
}

#[tokio::test]
async fn changing_or_resetting_the_password_cancels_a_change_of_address_asked_before() {
    let app = spawn_demo().await;
    // Someone who knows Paul's password asks to move his account to their address…
    let intruder = app.logged_in("paul@webagency.test").await;
    save_details(&intruder, "Paul", "paul@evil.test", PASSWORD).await;
    let link = newest_link(&app, "paul@evil.test", "Confirm your new").await;
    // …Paul, told at his address, changes his password.
    let paul = app.logged_in("paul@webagency.test").await;
    let changed = paul
        .submit(
            "/account/password",
            &[
                ("current_password", PASSWORD),
                ("new_password", "a new passphrase for paul"),
                ("confirm_password", "a new passphrase for paul"),
            ],
        )
        .await;
    assert_eq!(changed.status, StatusCode::SEE_OTHER);
    let browser = app.browser();
    let token = browser.get(&link).await.field("csrf_token").unwrap();
    let refused = browser.post(&link, &[("csrf_token", &token)]).await;
    assert_eq!(refused.status, StatusCode::NOT_FOUND, "{}", refused.text());

    // The same through a password reset.
    let intruder = app.logged_in("petra@studio.test").await;
    save_details(&intruder, "Petra", "petra@evil.test", PASSWORD).await;
    let link = newest_link(&app, "petra@evil.test", "Confirm your new").await;
    app.browser()
        .submit("/password/forgot", &[("email", "petra@studio.test")])
        .await;
    let reset = app
        .wait_for_email("petra@studio.test", "Choose a new partnerdesk password")
        .await;
    let reset_link = link_in(&reset, "/password/reset/");
    let form = app.browser();
    let token = form.get(&reset_link).await.field("csrf_token").unwrap();
    let done = form
        .post(
            &reset_link,
            &[
                ("csrf_token", &token),
                ("new_password", "a new passphrase for petra"),
                ("confirm_password", "a new passphrase for petra"),
            ],
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER);
    let token = browser.get(&link).await.field("csrf_token").unwrap();
    let refused = browser.post(&link, &[("csrf_token", &token)]).await;
    assert_eq!(refused.status, StatusCode::NOT_FOUND);
    assert_eq!(
        app.browser()
            .login("petra@studio.test", "a new passphrase for petra")
            .await
            .status,
        StatusCode::SEE_OTHER,
        "Petra keeps her address"
    );
}

#[tokio::test]
async fn a_reset_link_sent_to_the_old_address_dies_with_the_change_of_address() {
    let app = spawn_demo().await;
    app.browser()
        .submit("/password/forgot", &[("email", "bob@acme.test")])
        .await;
    let reset = app
        .wait_for_email("bob@acme.test", "Choose a new partnerdesk password")
        .await;
    let reset_link = link_in(&reset, "/password/reset/");
    let bob = app.logged_in("bob@acme.test").await;
    save_details(&bob, "Bob", "bob@new.test", PASSWORD).await;
    let link = newest_link(&app, "bob@new.test", "Confirm your new").await;
    let token = bob.get(&link).await.field("csrf_token").unwrap();
    assert_eq!(
        bob.post(&link, &[("csrf_token", &token)]).await.status,
        StatusCode::OK
    );
    let old = app.browser().get(&reset_link).await;
    assert!(
        old.text().contains("This link no longer works"),
        "{}",
        old.text()
    );
}

#[tokio::test]
async fn changes_of_address_are_throttled_per_account_and_per_address_asked_for() {
    let app = spawn_demo().await;
    let carla = app.logged_in("carla@beta.test").await;
    for _ in 0..3 {
        let asked = save_details(&carla, "Carla", "someone@else.test", PASSWORD).await;
        assert_eq!(asked.status, StatusCode::SEE_OTHER);
    }
    let fourth = save_details(&carla, "Carla B.", "someone@else.test", PASSWORD).await;
    assert_eq!(fourth.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(fourth.headers.contains_key("retry-after"));
    assert_eq!(fourth.field("email").as_deref(), Some("someone@else.test"));
    let account = carla.get("/account").await;
    assert_eq!(
        account.field("name").as_deref(),
        Some("Carla"),
        "the name waits too"
    );
    let sent = app
        .emails_settled()
        .await
        .iter()
        .filter(|e| e.is_to("someone@else.test"))
        .count();
    assert_eq!(sent, 3);
    // Another address, but the account's own limit comes next.
    for (i, expected) in [
        (0, StatusCode::SEE_OTHER),
        (1, StatusCode::SEE_OTHER),
        (2, StatusCode::TOO_MANY_REQUESTS),
    ] {
        let address = format!("other{i}@else.test");
        let asked = save_details(&carla, "Carla", &address, PASSWORD).await;
        assert_eq!(asked.status, expected, "{address}");
    }
}
