//! A forgotten password, reset through the link sent to the account's address: once
//! only, for an hour, with the same answer for an address without an account, throttled,
//! and ending every session of the account.

mod support;

use diesel::prelude::*;
use partnerdesk::db::schema::{account_links, sessions, users};
use reqwest::StatusCode;
use support::*;

const NEW_PASSWORD: &str = "a brand new passphrase";

/// Asks for a link for `email` and returns the answer's page.
async fn ask(browser: &Browser, email: &str) -> Page {
    let form = browser.get("/password/forgot").await;
    assert_eq!(form.status, StatusCode::OK);
    let token = form.field("csrf_token").unwrap();
    browser
        .post(
            "/password/forgot",
            &[("csrf_token", &token), ("email", email)],
        )
        .await
}

/// The reset links sent to `email` so far.
fn links_to(emails: &[Email], email: &str) -> Vec<String> {
    emails
        .iter()
        .filter(|e| e.is_to(email) && e.text.contains("/password/reset/"))
        .map(|e| link_in(e, "/password/reset/"))
        .collect()
}

/// Asks for a link for `email` and returns the link's path, from the email it sent.
async fn link_for(app: &TestApp, email: &str) -> String {
    let before = app.emails_settled().await;
    let answer = ask(&app.browser(), email).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text());
    let sent_before = links_to(&before, email);
    let after = app.wait_for_mail_files(before.len() + 1).await;
    let mut new: Vec<String> = links_to(&after, email);
    new.retain(|link| !sent_before.contains(link));
    assert_eq!(new.len(), 1, "one new link: {new:?}");
    new.remove(0)
}

/// Sends the link's form with `password` twice (every page of the reset, a dead link's
/// too, carries the CSRF token in its language switch).
async fn choose(browser: &Browser, link: &str, password: &str) -> Page {
    let token = browser.get(link).await.field("csrf_token").unwrap();
    browser
        .post(
            link,
            &[
                ("csrf_token", &token),
                ("new_password", password),
                ("confirm_password", password),
            ],
        )
        .await
}

#[tokio::test]
async fn the_link_sets_a_new_password_once_and_ends_every_session() {
    let app = spawn_demo().await;
    let elsewhere = app.logged_in("alice@acme.test").await;
    assert_eq!(elsewhere.get("/").await.status, StatusCode::OK);

    let link = link_for(&app, "alice@acme.test").await;
    let browser = app.browser();
    let form = browser.get(&link).await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.text().contains("alice@acme.test"), "{}", form.text());

    let done = choose(&browser, &link, NEW_PASSWORD).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.text());
    assert_eq!(done.location(), Some("/login?reset=1"));
    let login = browser.get("/login?reset=1").await;
    assert!(
        login.text().contains("Your password was changed"),
        "{}",
        login.text()
    );

    // The other session ended, its row gone; the old password no longer opens the account.
    assert_eq!(elsewhere.get("/").await.status, StatusCode::SEE_OTHER);
    let alices_sessions: i64 = app
        .with_db(|conn| {
            sessions::table
                .inner_join(users::table)
                .filter(users::email.eq("alice@acme.test"))
                .count()
                .get_result(conn)
                .unwrap()
        })
        .await;
    assert_eq!(alices_sessions, 0);
    let old = app.browser().login("alice@acme.test", PASSWORD).await;
    assert_eq!(old.status, StatusCode::UNPROCESSABLE_ENTITY);
    let new = app.browser().login("alice@acme.test", NEW_PASSWORD).await;
    assert_eq!(new.status, StatusCode::SEE_OTHER);

    // The person is told, at the account's address.
    let told = app
        .wait_for_email("alice@acme.test", "Your partnerdesk password was reset")
        .await;
    assert!(told.text.contains("signed out everywhere"), "{}", told.text);

    // Used once: the link now says so, and sets nothing.
    let again = browser.get(&link).await;
    assert!(
        again.text().contains("This link no longer works"),
        "{}",
        again.text()
    );
    assert!(again.has_link("/password/forgot"), "{}", again.text());
    let replay = choose(&app.browser(), &link, "yet another passphrase").await;
    assert_eq!(replay.status, StatusCode::NOT_FOUND);
    let still = app.browser().login("alice@acme.test", NEW_PASSWORD).await;
    assert_eq!(
        still.status,
        StatusCode::SEE_OTHER,
        "the replay changed nothing"
    );
}

#[tokio::test]
async fn an_address_without_an_account_gets_the_same_answer_and_no_email() {
    let app = spawn_demo().await;
    let known = ask(&app.browser(), "bob@acme.test").await;
    app.wait_for_email("bob@acme.test", "Choose a new partnerdesk password")
        .await;
    let before = outbox_count(&app).await;
    let unknown = ask(&app.browser(), "nobody@acme.test").await;
    assert_eq!(known.status, unknown.status);
    assert_eq!(
        known.text().replace("bob@acme.test", "ADDRESS"),
        unknown.text().replace("nobody@acme.test", "ADDRESS"),
        "the answer says nothing of which addresses have an account"
    );
    assert_eq!(outbox_count(&app).await, before, "no email for no account");
}

#[tokio::test]
async fn a_link_expires_after_its_hour() {
    let app = spawn_demo().await;
    let link = link_for(&app, "carla@beta.test").await;
    let an_hour_ago = chrono::Utc::now().naive_utc() - chrono::TimeDelta::minutes(61);
    app.with_db(move |conn| {
        diesel::update(account_links::table)
            .set((
                account_links::created_at.eq(an_hour_ago),
                account_links::expires_at.eq(an_hour_ago + chrono::TimeDelta::hours(1)),
            ))
            .execute(conn)
            .unwrap()
    })
    .await;
    let page = app.browser().get(&link).await;
    assert!(
        page.text().contains("This link no longer works"),
        "{}",
        page.text()
    );
    let refused = choose(&app.browser(), &link, NEW_PASSWORD).await;
    assert_eq!(refused.status, StatusCode::NOT_FOUND);
    let old = app.browser().login("carla@beta.test", PASSWORD).await;
    assert_eq!(
        old.status,
        StatusCode::SEE_OTHER,
        "the password is unchanged"
    );
}

#[tokio::test]
async fn resetting_through_one_link_spends_the_others() {
    let app = spawn_demo().await;
    let first = link_for(&app, "carla@beta.test").await;
    let second = link_for(&app, "carla@beta.test").await;
    assert_ne!(first, second);
    let done = choose(&app.browser(), &second, NEW_PASSWORD).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER);
    let older = choose(&app.browser(), &first, "yet another passphrase").await;
    assert_eq!(older.status, StatusCode::NOT_FOUND);
    let login = app.browser().login("carla@beta.test", NEW_PASSWORD).await;
    assert_eq!(login.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn a_link_used_many_times_at_once_sets_one_password() {
    let app = spawn_demo().await;
    let link = link_for(&app, "bob@acme.test").await;
    let tries = (0..6).map(|i| {
        let (browser, link) = (app.browser(), link.clone());
        async move {
            let password = format!("concurrent passphrase {i}");
            (choose(&browser, &link, &password).await.status, password)
        }
    });
    let answers = futures_util::future::join_all(tries).await;
    let won: Vec<&String> = answers
        .iter()
        .filter(|(status, _)| *status == StatusCode::SEE_OTHER)
        .map(|(_, password)| password)
        .collect();
    assert_eq!(won.len(), 1, "{answers:?}");
    assert!(
        answers
            .iter()
            .all(|(s, _)| *s == StatusCode::SEE_OTHER || *s == StatusCode::NOT_FOUND),
        "{answers:?}"
    );
    let login = app.browser().login("bob@acme.test", won[0]).await;
    assert_eq!(login.status, StatusCode::SEE_OTHER);
    let emails = app.emails_settled().await;
    let told = emails
        .iter()
        .filter(|e| e.is_to("bob@acme.test") && e.subject.contains("was reset"))
        .count();
    assert_eq!(told, 1, "one reset, one email");
}

#[tokio::test]
async fn a_new_password_that_breaks_the_rules_is_refused_on_the_form_and_the_link_still_works() {
    let app = spawn_demo().await;
    let link = link_for(&app, "alice@acme.test").await;
    let short = choose(&app.browser(), &link, "short").await;
    assert_eq!(short.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(short.texts("[role=alert]").len() == 1, "{}", short.text());
    let browser = app.browser();
    let token = browser.get(&link).await.field("csrf_token").unwrap();
    let differ = browser
        .post(
            &link,
            &[
                ("csrf_token", &token),
                ("new_password", NEW_PASSWORD),
                ("confirm_password", "another passphrase entirely"),
            ],
        )
        .await;
    assert_eq!(differ.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        differ.text().contains("The two new passwords differ."),
        "{}",
        differ.text()
    );
    let old = app.browser().login("alice@acme.test", PASSWORD).await;
    assert_eq!(old.status, StatusCode::SEE_OTHER, "nothing changed");
    let done = choose(&app.browser(), &link, NEW_PASSWORD).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "the link still works");
}

#[tokio::test]
async fn asking_is_throttled_alike_for_addresses_with_and_without_an_account() {
    let app = spawn_demo().await;
    for email in ["petra@studio.test", "nobody@studio.test"] {
        for _ in 0..3 {
            assert_eq!(ask(&app.browser(), email).await.status, StatusCode::OK);
        }
        let fourth = ask(&app.browser(), email).await;
        assert_eq!(fourth.status, StatusCode::TOO_MANY_REQUESTS, "{email}");
        assert!(fourth.headers.contains_key("retry-after"));
        assert_eq!(
            fourth.field("email").as_deref(),
            Some(email),
            "what was typed is kept"
        );
    }
    let links = app
        .emails_settled()
        .await
        .iter()
        .filter(|e| e.is_to("petra@studio.test") && e.subject.contains("Choose a new"))
        .count();
    assert_eq!(links, 3, "three links, not four");
    // Signing in is counted apart: asking for links locks no one out.
    let login = app.browser().login("petra@studio.test", PASSWORD).await;
    assert_eq!(login.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn an_address_that_is_not_one_is_refused_on_the_form() {
    let app = spawn_demo().await;
    let page = ask(&app.browser(), "not an address").await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(page.field("email").as_deref(), Some("not an address"));
    assert!(
        page.text()
            .contains("Enter the email address of your account.")
    );
}

#[tokio::test]
async fn the_link_and_its_pages_speak_the_accounts_language() {
    let app = spawn_demo().await;
    // Signing in from a French browser makes French the account's language.
    app.logged_in_speaking("carla@beta.test", "fr-CH").await;
    let link = link_for(&app, "carla@beta.test").await;
    let email = app
        .wait_for_email("carla@beta.test", "Choisissez un nouveau mot de passe")
        .await;
    assert!(email.text.contains("pendant une heure"), "{}", email.text);
    let page = app.browser_speaking("fr").get(&link).await;
    assert!(
        page.text().contains("Choisir un nouveau mot de passe"),
        "{}",
        page.text()
    );
}

#[tokio::test]
async fn a_reset_forgives_the_failed_logins_of_the_account() {
    let app = spawn_demo().await;
    for _ in 0..5 {
        let wrong = app
            .browser()
            .login("paul@webagency.test", "not it at all")
            .await;
        assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    }
    let locked = app.browser().login("paul@webagency.test", PASSWORD).await;
    assert_eq!(locked.status, StatusCode::TOO_MANY_REQUESTS);
    let link = link_for(&app, "paul@webagency.test").await;
    assert_eq!(
        choose(&app.browser(), &link, NEW_PASSWORD).await.status,
        StatusCode::SEE_OTHER
    );
    let login = app
        .browser()
        .login("paul@webagency.test", NEW_PASSWORD)
        .await;
    assert_eq!(login.status, StatusCode::SEE_OTHER, "{}", login.text());
}
