//! Logging in and out, and sessions that really end.

mod support;

use partnerdesk::commands;
use reqwest::StatusCode;
use support::*;

fn session_cookie(page: &Page) -> Option<String> {
    page.headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("partnerdesk=") || c.starts_with("__Host-partnerdesk="))
        .map(str::to_owned)
}

fn cookie_pair(set_cookie: &str) -> String {
    set_cookie.split(';').next().unwrap().to_owned()
}

#[tokio::test]
async fn a_page_behind_login_leads_to_the_login_and_back() {
    let app = spawn_demo().await;
    let id = app.partnership_id(ACME, WEB_AGENCY).await;
    let browser = app.browser();
    let wanted = format!("/partners/{id}");
    let page = browser.get(&wanted).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    let login_url = page.location().unwrap().to_owned();
    assert!(login_url.starts_with("/login?next="), "{login_url}");

    let form = browser.get(&login_url).await;
    assert_eq!(form.field("next").as_deref(), Some(wanted.as_str()));
    let token = form.field("csrf_token").unwrap();
    let done = browser
        .post(
            "/login",
            &[
                ("csrf_token", &token),
                ("email", "Alice@Acme.test "),
                ("password", PASSWORD),
                ("next", &wanted),
            ],
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER);
    assert_eq!(done.location(), Some(wanted.as_str()));
    assert_eq!(browser.get(&wanted).await.status, StatusCode::OK);
}

#[tokio::test]
async fn a_wrong_password_and_an_unknown_email_get_the_same_answer() {
    let app = spawn_demo().await;
    let wrong_password = app
        .browser()
        .login("alice@acme.test", "not-the-password")
        .await;
    let unknown_email = app
        .browser()
        .login("nobody@acme.test", "not-the-password")
        .await;
    assert_eq!(wrong_password.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(unknown_email.status, wrong_password.status);
    let message = |p: &Page| p.texts(".flash-error").join(" ");
    assert_eq!(
        message(&wrong_password),
        "The email or the password is not correct."
    );
    assert_eq!(message(&unknown_email), message(&wrong_password));
    // The typed email is kept; the password never comes back.
    assert_eq!(
        wrong_password.field("email").as_deref(),
        Some("alice@acme.test")
    );
    assert!(!wrong_password.body.contains("not-the-password"));
    let empty = app.browser().login("", "").await;
    assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(message(&empty).contains("Enter your email and your password"));
}

#[tokio::test]
async fn logging_in_gives_a_new_session_id_and_logging_out_ends_it_for_good() {
    let app = spawn_demo().await;
    let browser = app.browser();
    let form = browser.get("/login").await;
    let anonymous = session_cookie(&form).expect("the login form starts a session for its token");
    let token = form.field("csrf_token").unwrap();
    let done = browser
        .login_with_token(&token, "alice@acme.test", PASSWORD)
        .await;
    let logged_in = session_cookie(&done).expect("login sets a new session cookie");
    assert_ne!(
        cookie_pair(&anonymous),
        cookie_pair(&logged_in),
        "the session id changes at login"
    );
    assert!(logged_in.contains("HttpOnly"), "{logged_in}");
    assert!(logged_in.contains("SameSite=Lax"), "{logged_in}");
    assert!(
        !logged_in.contains("Secure"),
        "plain-HTTP local use has no Secure flag: {logged_in}"
    );

    // The old anonymous session is worthless after login.
    let replay = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let stale = replay
        .get(format!("{}/partners", app.address))
        .header("cookie", cookie_pair(&anonymous))
        .send()
        .await
        .unwrap();
    assert_eq!(stale.status(), StatusCode::SEE_OTHER);

    // Logging out ends the session on the server: replaying its cookie fails.
    let with_cookie = replay
        .get(format!("{}/partners", app.address))
        .header("cookie", cookie_pair(&logged_in))
        .send()
        .await
        .unwrap();
    assert_eq!(
        with_cookie.status(),
        StatusCode::OK,
        "the cookie works while logged in"
    );
    let out = browser.submit("/logout", &[]).await;
    assert_eq!(out.status, StatusCode::SEE_OTHER);
    assert_eq!(out.location(), Some("/login?signed_out=1"));
    let replayed = replay
        .get(format!("{}/partners", app.address))
        .header("cookie", cookie_pair(&logged_in))
        .send()
        .await
        .unwrap();
    assert_eq!(
        replayed.status(),
        StatusCode::SEE_OTHER,
        "a logged-out cookie opens nothing"
    );
    assert!(
        browser
            .get("/login?signed_out=1")
            .await
            .text()
            .contains("You are signed out.")
    );
}

#[tokio::test]
async fn anonymous_visits_write_nothing_and_their_cookie_cannot_be_forged() {
    use diesel::prelude::*;
    use partnerdesk::db::schema::sessions;
    let app = spawn_demo().await;
    let rows = || app.with_db(|conn| sessions::table.count().get_result::<i64>(conn).unwrap());
    let before = rows().await;

    // Visitors open the login page: each gets a form token, the database gets nothing.
    for _ in 0..5 {
        let page = app.browser().get("/login").await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.field("csrf_token").is_some());
    }
    assert_eq!(rows().await, before);

    // The session lives in an encrypted cookie: changed by one character, it holds
    // nothing, and the form's token is refused.
    let browser = app.browser();
    let form = browser.get("/login").await;
    let token = form.field("csrf_token").unwrap();
    let cookie = cookie_pair(&session_cookie(&form).unwrap());
    let (name, value) = cookie.split_once('=').unwrap();
    let mut forged: Vec<char> = value.chars().collect();
    let middle = forged.len() / 2;
    forged[middle] = if forged[middle] == 'A' { 'B' } else { 'A' };
    let forged = format!("{name}={}", forged.into_iter().collect::<String>());
    let answer = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .post(format!("{}/login", app.address))
        .header("cookie", forged)
        .form(&[
            ("csrf_token", token.as_str()),
            ("email", "alice@acme.test"),
            ("password", PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), StatusCode::FORBIDDEN);
    assert!(answer.text().await.unwrap().contains("expired"));

    // With the real cookie, the same form logs in: now the session has a row.
    let done = browser
        .login_with_token(&token, "alice@acme.test", PASSWORD)
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER);
    assert_eq!(browser.get("/partners").await.status, StatusCode::OK);
    assert_eq!(rows().await, before + 1);
}

#[tokio::test]
async fn a_password_change_ends_every_session_of_the_user() {
    let app = spawn_demo().await;
    let laptop = app.logged_in("alice@acme.test").await;
    let phone = app.logged_in("alice@acme.test").await;
    let paul = app.logged_in("paul@webagency.test").await;
    let db = app.db.clone();
    let ended = tokio::task::spawn_blocking(move || {
        commands::set_password(&db, "alice@acme.test", "a brand new password")
    })
    .await
    .unwrap()
    .unwrap();
    assert!(ended >= 2, "both of Alice's sessions ended ({ended})");
    assert_eq!(laptop.get("/partners").await.status, StatusCode::SEE_OTHER);
    assert_eq!(phone.get("/partners").await.status, StatusCode::SEE_OTHER);
    assert_eq!(
        paul.get("/clients").await.status,
        StatusCode::OK,
        "other users stay logged in"
    );
    assert_eq!(
        app.browser()
            .login("alice@acme.test", PASSWORD)
            .await
            .status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        app.browser()
            .login("alice@acme.test", "a brand new password")
            .await
            .status,
        StatusCode::SEE_OTHER
    );
}

#[tokio::test]
async fn over_https_the_cookie_is_secure_and_host_bound() {
    let app = spawn_app_with(|config| {
        config.base_url =
            partnerdesk::config::BaseUrl::parse("https://partners.example.com").unwrap();
    })
    .await;
    let page = app.browser().get("/login").await;
    let cookie = session_cookie(&page).expect("a session cookie");
    assert!(cookie.starts_with("__Host-partnerdesk="), "{cookie}");
    assert!(
        cookie.contains("Secure") && cookie.contains("HttpOnly") && cookie.contains("Path=/"),
        "{cookie}"
    );
    assert_eq!(
        page.headers
            .get("strict-transport-security")
            .and_then(|v| v.to_str().ok()),
        Some("max-age=31536000; includeSubDomains")
    );
}

#[tokio::test]
async fn pages_carry_the_security_headers() {
    let app = spawn_demo().await;
    let alice = app.logged_in("alice@acme.test").await;
    for path in ["/login", "/", "/partners", "/no-such-page"] {
        let page = if path == "/login" {
            app.browser().get(path).await
        } else {
            alice.get(path).await
        };
        let header = |name: &str| {
            page.headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_owned()
        };
        let csp = header("content-security-policy");
        assert!(
            csp.contains("default-src 'none'") && csp.contains("frame-ancestors 'none'"),
            "{path}: {csp}"
        );
        assert!(!csp.contains("unsafe-inline"), "{path}: {csp}");
        assert_eq!(header("x-content-type-options"), "nosniff", "{path}");
        assert_eq!(header("referrer-policy"), "same-origin", "{path}");
        assert!(
            page.headers.get("strict-transport-security").is_none(),
            "no HSTS over plain HTTP"
        );
    }
    assert_eq!(
        alice.get("/no-such-page").await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn the_health_check_reports_the_database_in_use() {
    let app = spawn_app().await;
    let page = app.browser().get("/healthz").await;
    assert_eq!(page.status, StatusCode::OK);
    let expected = if postgres_admin_url().is_some() {
        "database: postgres"
    } else {
        "database: sqlite"
    };
    assert!(
        page.body.contains("ok") && page.body.contains(expected),
        "{}",
        page.body
    );
    // CI runs the suite twice and names the backend it expects; a run on the wrong one fails.
    if let Ok(wanted) = std::env::var("PARTNERDESK_EXPECT_BACKEND") {
        assert!(
            page.body.contains(&format!("database: {wanted}")),
            "expected {wanted}: {}",
            page.body
        );
    }
}

#[tokio::test]
async fn failed_logins_are_throttled_per_account_without_telling_which_exist() {
    let app = spawn_demo().await;
    for email in ["alice@acme.test", "nobody@acme.test"] {
        let browser = app.browser();
        for attempt in 1..=partnerdesk::auth::throttle::ACCOUNT_LIMIT {
            assert_eq!(
                browser.login(email, "wrong password").await.status,
                StatusCode::UNPROCESSABLE_ENTITY,
                "{email} #{attempt}"
            );
        }
        // Even the right password waits now, and an unknown account looks the same.
        let blocked = browser.login(email, PASSWORD).await;
        assert_eq!(blocked.status, StatusCode::TOO_MANY_REQUESTS, "{email}");
        let retry: i64 = blocked
            .headers
            .get("retry-after")
            .unwrap()
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!(retry > 0 && retry <= 15 * 60, "{retry}");
        assert!(blocked.text().contains("Too many failed attempts"));
    }
    // Another account is not affected, and a success clears the account's count.
    assert_eq!(
        app.browser()
            .login("bob@acme.test", "wrong password")
            .await
            .status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        app.browser().login("bob@acme.test", PASSWORD).await.status,
        StatusCode::SEE_OTHER
    );
}

#[tokio::test]
async fn failed_logins_are_throttled_per_address() {
    let app = spawn_demo().await;
    let browser = app.browser();
    for i in 0..partnerdesk::auth::throttle::ADDRESS_LIMIT {
        let status = browser
            .login(&format!("guess{i}@acme.test"), "wrong password")
            .await
            .status;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    }
    let blocked = app.browser().login("paul@webagency.test", PASSWORD).await;
    assert_eq!(
        blocked.status,
        StatusCode::TOO_MANY_REQUESTS,
        "the address used up its attempts"
    );
    assert!(blocked.headers.get("retry-after").is_some());
}

#[tokio::test]
async fn idle_and_absolute_timeouts_end_a_session() {
    use diesel::prelude::*;
    use partnerdesk::db::schema::sessions;
    let app = spawn_demo().await;

    // Idle: a session not used for an hour is gone, on the server.
    let idle = app.logged_in("alice@acme.test").await;
    assert_eq!(idle.get("/partners").await.status, StatusCode::OK);
    app.with_db(|conn| {
        diesel::update(sessions::table)
            .set(sessions::expires_at.eq(partnerdesk::db::now() - chrono::TimeDelta::seconds(1)))
            .execute(conn)
            .unwrap()
    })
    .await;
    assert_eq!(idle.get("/partners").await.status, StatusCode::SEE_OTHER);

    // Absolute: a session that began more than 12 hours ago ends, however busy.
    let busy = app.logged_in("alice@acme.test").await;
    assert_eq!(busy.get("/partners").await.status, StatusCode::OK);
    let long_ago = (chrono::Utc::now() - chrono::TimeDelta::hours(13)).timestamp();
    app.with_db(move |conn| {
        let rows: Vec<(String, String)> = sessions::table
            .filter(sessions::user_id.is_not_null())
            .select((sessions::id, sessions::state))
            .load(conn)
            .unwrap();
        for (id, state) in rows {
            let mut state: std::collections::HashMap<String, String> =
                serde_json::from_str(&state).unwrap();
            state.insert("auth_at".into(), long_ago.to_string());
            diesel::update(sessions::table.find(id))
                .set(sessions::state.eq(serde_json::to_string(&state).unwrap()))
                .execute(conn)
                .unwrap();
        }
    })
    .await;
    assert_eq!(busy.get("/partners").await.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn using_a_session_keeps_it_alive_without_writing_on_every_page() {
    use diesel::prelude::*;
    use partnerdesk::db::schema::sessions;
    let app = spawn_demo().await;
    let alice = app.logged_in("alice@acme.test").await;
    assert_eq!(alice.get("/partners").await.status, StatusCode::OK);
    let stored = || {
        app.with_db(|conn| {
            sessions::table
                .filter(sessions::user_id.is_not_null())
                .select((sessions::state, sessions::expires_at))
                .first::<(String, chrono::NaiveDateTime)>(conn)
                .unwrap()
        })
    };

    // Reading pages changes nothing in the session's row.
    let before = stored().await;
    for path in ["/", "/partners", "/invoices", "/products"] {
        assert_eq!(alice.get(path).await.status, StatusCode::OK);
    }
    assert_eq!(stored().await, before);

    // A session idle for 59 minutes is used: its deadline moves an hour ahead again.
    app.with_db(|conn| {
        diesel::update(sessions::table)
            .set(sessions::expires_at.eq(partnerdesk::db::now() + chrono::TimeDelta::minutes(1)))
            .execute(conn)
            .unwrap()
    })
    .await;
    assert_eq!(alice.get("/partners").await.status, StatusCode::OK);
    let (_, expires_at) = stored().await;
    let left = expires_at - partnerdesk::db::now();
    assert!(
        left > chrono::TimeDelta::minutes(59),
        "the session now ends in {left}"
    );
}

/// Sends `BURST` wrong passwords for `email` at once, each from a browser of its own
/// holding a fresh login form, and returns how many got each status.
async fn burst_of_wrong_passwords(app: &TestApp, email: &str) -> (usize, usize, Vec<StatusCode>) {
    const BURST: usize = 20;
    let mut browsers = Vec::new();
    for _ in 0..BURST {
        let browser = app.browser();
        let token = browser.get("/login").await.field("csrf_token").unwrap();
        browsers.push((browser, token));
    }
    let answers = futures_util::future::join_all(
        browsers
            .iter()
            .map(|(browser, token)| browser.login_with_token(token, email, "wrong password")),
    )
    .await;
    let statuses: Vec<StatusCode> = answers.iter().map(|page| page.status).collect();
    let wrong = statuses
        .iter()
        .filter(|s| **s == StatusCode::UNPROCESSABLE_ENTITY)
        .count();
    let waiting = statuses
        .iter()
        .filter(|s| **s == StatusCode::TOO_MANY_REQUESTS)
        .count();
    for page in answers
        .iter()
        .filter(|p| p.status == StatusCode::TOO_MANY_REQUESTS)
    {
        assert!(page.headers.get("retry-after").is_some());
        assert!(page.text().contains("Too many failed attempts"));
    }
    (wrong, waiting, statuses)
}

#[tokio::test]
async fn parallel_guesses_are_counted_before_any_password_is_checked() {
    let app = spawn_demo().await;
    let limit = partnerdesk::auth::throttle::ACCOUNT_LIMIT as usize;
    let known = burst_of_wrong_passwords(&app, "alice@acme.test").await;
    // Each 422 is a password the server checked; every other attempt waited.
    assert_eq!((known.0, known.1), (limit, 20 - limit), "{:?}", known.2);
    // The right password waits too now.
    assert_eq!(
        app.browser()
            .login("alice@acme.test", PASSWORD)
            .await
            .status,
        StatusCode::TOO_MANY_REQUESTS
    );
    // An unknown account answers the same burst the same way.
    let unknown = burst_of_wrong_passwords(&app, "nobody@acme.test").await;
    assert_eq!(
        (unknown.0, unknown.1),
        (known.0, known.1),
        "{:?}",
        unknown.2
    );
}

#[tokio::test]
async fn successful_logins_do_not_use_up_the_attempts_of_their_address() {
    let app = spawn_demo().await;
    let limit = partnerdesk::auth::throttle::ADDRESS_LIMIT;
    // An office: everyone logs in from one address, more times than its limit.
    let people = ["alice@acme.test", "bob@acme.test", "paul@webagency.test"];
    for i in 0..=limit {
        let email = people[i as usize % people.len()];
        let status = app.browser().login(email, PASSWORD).await.status;
        assert_eq!(status, StatusCode::SEE_OTHER, "login #{i} of {email}");
    }
    // Its attempts are all still there for a mistyped password.
    assert_eq!(
        app.browser()
            .login("alice@acme.test", "wrong password")
            .await
            .status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
}

#[tokio::test]
async fn an_email_longer_than_any_is_throttled_like_the_others() {
    let app = spawn_demo().await;
    // Random text, which PostgreSQL cannot compress under the size an index allows.
    let long: String = (0..300)
        .map(|_| uuid::Uuid::new_v4().simple().to_string())
        .collect();
    let email = format!("{long}@acme.test");
    let browser = app.browser();
    for attempt in 1..=partnerdesk::auth::throttle::ACCOUNT_LIMIT {
        assert_eq!(
            browser.login(&email, "wrong password").await.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "#{attempt}"
        );
    }
    assert_eq!(
        browser.login(&email, "wrong password").await.status,
        StatusCode::TOO_MANY_REQUESTS
    );
}

#[tokio::test]
async fn a_signed_in_session_guesses_the_password_no_faster_than_the_login_page() {
    let app = spawn_demo().await;
    let alice = app.logged_in("alice@acme.test").await;
    let id = app.partnership_id(ACME, STUDIO).await;
    let limit = partnerdesk::auth::throttle::ACCOUNT_LIMIT as usize;
    let mut statuses = Vec::new();
    for i in 0..limit + 3 {
        let page = if i % 2 == 0 {
            alice
                .submit(
                    "/account/password",
                    &[
                        ("current_password", "a wrong guess"),
                        ("new_password", "a new long password"),
                        ("confirm_password", "a new long password"),
                    ],
                )
                .await
        } else {
            alice
                .submit(
                    &format!("/partners/{id}/end"),
                    &[("password", "a wrong guess")],
                )
                .await
        };
        statuses.push(page.status);
    }
    let refused = statuses
        .iter()
        .filter(|s| **s == StatusCode::UNPROCESSABLE_ENTITY)
        .count();
    let throttled = statuses
        .iter()
        .filter(|s| **s == StatusCode::TOO_MANY_REQUESTS)
        .count();
    assert_eq!(refused, limit, "{statuses:?}");
    assert_eq!(throttled, 3, "{statuses:?}");
    // Even the right password waits now; nothing was changed.
    let right = alice
        .submit(&format!("/partners/{id}/end"), &[("password", PASSWORD)])
        .await;
    assert_eq!(right.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(
        app.partnership(ACME, &id).await.status,
        partnerdesk::domain::PartnershipStatus::Active
    );
}
