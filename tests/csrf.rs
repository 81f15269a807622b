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
    let response = alice
        .client
        .post(&url)
        .header("origin", "http://partnerdesk.test")
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

/// Posts the payment-mode change with this session's token and the given headers.
async fn post_with(
    app: &TestApp,
    browser: &Browser,
    id: &str,
    headers: &[(&str, &str)],
) -> StatusCode {
    let token = browser.csrf_token().await;
    let mut request = browser
        .client
        .post(format!("{}/partners/{id}/payment", app.address))
        .form(&[
            ("csrf_token", token.as_str()),
            ("payment_mode", "partner"),
            ("version", "1"),
        ]);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    request.send().await.unwrap().status()
}

#[tokio::test]
async fn the_origin_must_be_base_url_whatever_the_request_says_its_host_is() {
    let app = spawn_demo().await;
    let id = app.partnership_id(ACME, WEB_AGENCY).await;
    let alice = app.logged_in("alice@acme.test").await;
    let listening = app.address.clone();
    let refused: Vec<Vec<(&str, &str)>> = vec![
        vec![("origin", "https://evil.example")],
        vec![("origin", "https://partnerdesk.test")],
        vec![("origin", "http://partnerdesk.test:8080")],
        // Where the server listens, which is not BASE_URL.
        vec![("origin", listening.as_str())],
        // Headers anyone can send do not make their origin this site's.
        vec![("x-forwarded-host", "evil"), ("origin", "http://evil")],
        vec![
            ("x-forwarded-host", "evil"),
            ("x-forwarded-proto", "https"),
            ("origin", "https://evil"),
        ],
        vec![
            ("forwarded", "host=evil;proto=http"),
            ("origin", "http://evil"),
        ],
        vec![("host", "evil"), ("origin", "http://evil")],
    ];
    for headers in &refused {
        assert_eq!(
            post_with(&app, &alice, &id, headers).await,
            StatusCode::FORBIDDEN,
            "{headers:?}"
        );
    }
    assert_unchanged(&app, &id).await;
    // BASE_URL's origin, its default port spelled out, goes through.
    assert_eq!(
        post_with(
            &app,
            &alice,
            &id,
            &[("origin", "http://partnerdesk.test:80")]
        )
        .await,
        StatusCode::SEE_OTHER
    );
    assert_eq!(app.partnership(ACME, &id).await.version, 2);
}

#[tokio::test]
async fn behind_a_trusted_proxy_the_forwarded_origin_is_this_site() {
    let app = spawn_app_with(|config| config.trust_forwarded = true).await;
    let db = app.db.clone();
    tokio::task::spawn_blocking(move || {
        partnerdesk::demo::seed_if_empty(&mut db.get().unwrap()).unwrap()
    })
    .await
    .unwrap();
    let id = app.partnership_id(ACME, WEB_AGENCY).await;
    let alice = app.logged_in("alice@acme.test").await;
    // Without a forwarded host, the Host header is still no origin of ours.
    assert_eq!(
        post_with(&app, &alice, &id, &[("origin", app.address.as_str())]).await,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        post_with(
            &app,
            &alice,
            &id,
            &[
                ("x-forwarded-host", "pd.proxy.test"),
                ("x-forwarded-proto", "https"),
                ("origin", "http://pd.proxy.test"),
            ]
        )
        .await,
        StatusCode::FORBIDDEN,
        "the forwarded scheme counts too"
    );
    assert_unchanged(&app, &id).await;
    assert_eq!(
        post_with(
            &app,
            &alice,
            &id,
            &[
                ("x-forwarded-host", "pd.proxy.test"),
                ("x-forwarded-proto", "https"),
                ("origin", "https://pd.proxy.test"),
            ]
        )
        .await,
        StatusCode::SEE_OTHER
    );
    assert_eq!(app.partnership(ACME, &id).await.version, 2);
}

#[tokio::test]
async fn without_base_url_the_local_address_is_this_site_however_it_is_spelled() {
    let app = spawn_demo_at_own_address().await;
    let id = app.partnership_id(ACME, WEB_AGENCY).await;
    let alice = app.logged_in("alice@acme.test").await;
    let port = app.port;
    let other_port = format!("http://localhost:{}", port.wrapping_add(1));
    let https = format!("https://localhost:{port}");
    for origin in [
        other_port.as_str(),
        https.as_str(),
        "http://partnerdesk.test",
    ] {
        assert_eq!(
            post_with(&app, &alice, &id, &[("origin", origin)]).await,
            StatusCode::FORBIDDEN,
            "{origin}"
        );
    }
    assert_unchanged(&app, &id).await;
    for (version, origin) in [
        (2, app.address.clone()),
        (3, format!("http://localhost:{port}")),
        (4, format!("http://[::1]:{port}")),
    ] {
        let mode = if version % 2 == 0 {
            "partner"
        } else {
            "customer"
        };
        let token = alice.csrf_token().await;
        let status = alice
            .client
            .post(format!("{}/partners/{id}/payment", app.address))
            .header("origin", &origin)
            .form(&[
                ("csrf_token", token.as_str()),
                ("payment_mode", mode),
                ("version", &(version - 1).to_string()),
            ])
            .send()
            .await
            .unwrap()
            .status();
        assert_eq!(status, StatusCode::SEE_OTHER, "{origin}");
        assert_eq!(app.partnership(ACME, &id).await.version, version);
    }
}

#[tokio::test]
async fn a_form_must_say_exactly_that_it_is_a_urlencoded_form_in_utf8() {
    let app = spawn_demo().await;
    let id = app.partnership_id(ACME, WEB_AGENCY).await;
    let alice = app.logged_in("alice@acme.test").await;
    let token = alice.csrf_token().await;
    let body = format!("csrf_token={token}&payment_mode=partner&version=1");
    let send = |content_type: Option<&'static str>| {
        let mut request = alice
            .client
            .post(format!("{}/partners/{id}/payment", app.address))
            .body(body.clone());
        if let Some(content_type) = content_type {
            request = request.header("content-type", content_type);
        }
        request.send()
    };
    for content_type in [
        Some("application/x-www-form-urlencodedX"),
        Some("application/x-www-form-urlencoded-json"),
        Some("application/x-www-form-urlencoded;charset=latin1"),
        Some("application/x-www-form-urlencoded; charset=utf-8; x=y"),
        Some("text/plain"),
        Some("text/plain; application/x-www-form-urlencoded"),
        None,
    ] {
        let status = send(content_type).await.unwrap().status();
        assert_eq!(status, StatusCode::BAD_REQUEST, "{content_type:?}");
    }
    assert_unchanged(&app, &id).await;
    let status = send(Some("application/x-www-form-urlencoded; charset=UTF-8"))
        .await
        .unwrap()
        .status();
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(app.partnership(ACME, &id).await.version, 2);
}
