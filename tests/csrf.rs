//! Every state-changing request needs this session's CSRF token and must come from
//! this site; a refused request changes nothing.

mod support;

use reqwest::StatusCode;
use support::*;

async fn assert_unchanged(app: &TestApp, id: &str) {
    assert_eq!(app.partnership(ACME, id).await.version, 1);
    assert_eq!(outbox_count(app).await, 0);
}

#[tokio::test]
async fn a_missing_wrong_or_foreign_token_is_refused() {
    let app = spawn_demo().await;
    let id = app.partnership_id(ACME, WEB_AGENCY).await;
    let alice = app.logged_in("alice@acme.test").await;
    let paul = app.logged_in("paul@webagency.test").await;
    let pauls_token = paul.csrf_token().await;
    let path = format!("/partners/{id}/payment");
    let cases: [(&str, Vec<(&str, &str)>); 4] = [
        (
            "missing",
            vec![("payment_mode", "partner"), ("version", "1")],
        ),
        (
            "empty",
            vec![
                ("csrf_token", ""),
                ("payment_mode", "partner"),
                ("version", "1"),
            ],
        ),
        (
            "wrong",
            vec![
                ("csrf_token", "not-the-token"),
                ("payment_mode", "partner"),
                ("version", "1"),
            ],
        ),
        (
            "another session's",
            vec![
                ("csrf_token", &pauls_token),
                ("payment_mode", "partner"),
                ("version", "1"),
            ],
        ),
    ];
    for (what, form) in &cases {
        for target in [path.clone(), format!("{path}/verify")] {
            let page = alice.post(&target, form).await;
            assert_eq!(
                page.status,
                StatusCode::FORBIDDEN,
                "{what} token on {target}"
            );
            assert!(page.text().contains("reload the page"), "{}", page.text());
        }
    }
    assert_unchanged(&app, &id).await;
}

#[tokio::test]
async fn a_request_from_another_site_is_refused_even_with_the_token() {
    let app = spawn_demo().await;
    let id = app.partnership_id(ACME, WEB_AGENCY).await;
    let alice = app.logged_in("alice@acme.test").await;
    let token = alice.csrf_token().await;
    let url = format!("{}/partners/{id}/payment", app.address);
    let form = [
        ("csrf_token", token.as_str()),
        ("payment_mode", "partner"),
        ("version", "1"),
    ];
    for (header, value) in [
        ("origin", "https://evil.example"),
        ("origin", "null"),
        ("sec-fetch-site", "cross-site"),
    ] {
        let response = alice
            .client
            .post(&url)
            .header(header, value)
            .form(&form)
            .send()
            .await
            .unwrap();
        assert_eq!(
            response.status(),
            StatusCode::FORBIDDEN,
            "{header}: {value}"
        );
    }
    assert_unchanged(&app, &id).await;

    // The same request from this site goes through.
    let own_origin = app.address.clone();
    let response = alice
        .client
        .post(&url)
        .header("origin", own_origin)
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(app.partnership(ACME, &id).await.version, 2);
}

#[tokio::test]
async fn login_logout_and_switching_organization_need_the_token_too() {
    let app = spawn_demo().await;
    let browser = app.browser();
    let page = browser
        .post(
            "/login",
            &[("email", "alice@acme.test"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(page.status, StatusCode::FORBIDDEN, "login without a token");
    assert_eq!(
        browser.get("/partners").await.status,
        StatusCode::SEE_OTHER,
        "still logged out"
    );

    let alice = app.logged_in("alice@acme.test").await;
    assert_eq!(
        alice.post("/logout", &[]).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        alice.get("/partners").await.status,
        StatusCode::OK,
        "still logged in"
    );
    assert_eq!(
        alice.post("/org", &[("org_id", "anything")]).await.status,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn a_form_that_is_not_a_form_is_refused() {
    let app = spawn_demo().await;
    let id = app.partnership_id(ACME, WEB_AGENCY).await;
    let alice = app.logged_in("alice@acme.test").await;
    let token = alice.csrf_token().await;
    let url = format!("{}/partners/{id}/payment", app.address);
    let json = format!(r#"{{"csrf_token":"{token}","payment_mode":"partner","version":"1"}}"#);
    let response = alice
        .client
        .post(&url)
        .header("content-type", "application/json")
        .body(json)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let huge = format!(
        "csrf_token={token}&payment_mode=partner&version=1&pad={}",
        "x".repeat(200_000)
    );
    let response = alice
        .client
        .post(&url)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(huge)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert_unchanged(&app, &id).await;
}
