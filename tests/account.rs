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
    let client = reqwest::Client::builder()
        .user_agent(agent)
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .pool_max_idle_per_host(0)
        .build()
        .unwrap();
    let browser = Browser {
        client,
        address: app.address.clone(),
    };
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
        scraper::Selector::parse("section[aria-labelledby=sessions-title] tbody tr").unwrap();
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
