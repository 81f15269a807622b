//! Hostile input into every form field and query parameter gets a clear 4xx or the
//! normal page — never a 500, never a change of state — and what users type is shown
//! escaped on every page and in emails.

mod support;

use diesel::prelude::*;
use partnerdesk::db::schema::{
    invoices, memberships, orders, outbox_emails, partnership_events, partnerships, products, users,
};
use reqwest::StatusCode;
use support::*;

/// A selection of the "big list of naughty strings", and numbers and values that
/// break naive parsers.
fn naughty() -> Vec<String> {
    let mut list: Vec<String> = [
        "",
        " ",
        "\u{0}",
        "a\u{0}b",
        "NULL",
        "null",
        "undefined",
        "nil",
        "true",
        "false",
        "[]",
        "{}",
        "-1",
        "0",
        "-0",
        "1.0",
        "99999999999999999999999999",
        "-99999999999999999999",
        "2147483648",
        "9223372036854775808",
        "1e308",
        "NaN",
        "Infinity",
        "0x1f",
        "<script>alert(1)</script>",
        "'\"><img src=x onerror=alert(1)>",
        "' OR '1'='1",
        "'; DROP TABLE users; --",
        "\" OR \"\"=\"",
        "../../../../etc/passwd",
        "..\\..\\windows\\win.ini",
        "%00",
        "%s%s%s%n",
        "{{7*7}}",
        "${7*7}",
        "`rm -rf /`",
        "$(reboot)",
        "javascript:alert(1)",
        "😀🚀",
        "𝕿𝖍𝖊",
        "ﷺ",
        "\u{202e}evil",
        "Ω≈ç√∫",
        "田中さん",
        "العربية",
        "\r\nSet-Cookie: x=1",
        "\t",
        "\\",
        "customer ",
        " partner",
        "PARTNER",
        "limited\n",
        "full\u{0}",
        "legal_rep ",
        "2026-02-30",
        "2026-13-01",
        "0000-00-00",
        "9999-99-99",
        "-2026-01-01",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    list.push("a".repeat(10_000));
    list.push("é".repeat(5_000));
    list
}

/// Everything a request could change.
async fn fingerprint(app: &TestApp) -> Vec<i64> {
    app.with_db(|conn| {
        let versions: Vec<i32> = partnerships::table
            .select(partnerships::version)
            .load(conn)
            .unwrap();
        vec![
            versions.iter().map(|v| i64::from(*v)).sum(),
            partnerships::table.count().get_result(conn).unwrap(),
            partnership_events::table.count().get_result(conn).unwrap(),
            outbox_emails::table.count().get_result(conn).unwrap(),
            orders::table.count().get_result(conn).unwrap(),
            invoices::table.count().get_result(conn).unwrap(),
            memberships::table.count().get_result(conn).unwrap(),
            products::table.count().get_result(conn).unwrap(),
            users::table.count().get_result(conn).unwrap(),
        ]
    })
    .await
}

#[tokio::test]
async fn hostile_form_fields_and_query_parameters_never_break_or_change_anything() {
    let app = spawn_demo().await;
    let alice = app.logged_in("alice@acme.test").await;
    let paul = app.logged_in("paul@webagency.test").await;
    let acme_agency = app.partnership_id(ACME, WEB_AGENCY).await;
    let product: String = {
        let p = acme_agency.clone();
        app.with_db(move |conn| {
            products::table
                .filter(products::partnership_id.eq(p))
                .select(products::id)
                .first(conn)
                .unwrap()
        })
        .await
    };
    let alice_id: String = app
        .with_db(|conn| {
            users::table
                .filter(users::email.eq("alice@acme.test"))
                .select(users::id)
                .first(conn)
                .unwrap()
        })
        .await;
    let before = fingerprint(&app).await;

    // (who, path, fields that path reads)
    let forms: Vec<(&Browser, String, &[&str])> = vec![
        (&alice, "/org".into(), &["org_id"]),
        (
            &alice,
            "/partners".into(),
            &["partner_org_id", "access", "payment_mode", "products"],
        ),
        (
            &alice,
            format!("/partners/{acme_agency}/access"),
            &["access", "payment_mode", "products", "version"],
        ),
        (
            &alice,
            format!("/partners/{acme_agency}/payment/verify"),
            &["payment_mode", "version"],
        ),
        (
            &alice,
            format!("/partners/{acme_agency}/payment"),
            &["payment_mode", "version"],
        ),
        (
            &alice,
            format!("/partners/{acme_agency}/accept"),
            &["access", "payment_mode", "products"],
        ),
        (
            &alice,
            format!("/partners/{acme_agency}/end"),
            &["password"],
        ),
        (
            &paul,
            "/clients".into(),
            &["email", "access", "customer_org_id"],
        ),
        (
            &alice,
            "/orders".into(),
            &[
                "customer_org_id",
                "offer",
                "managed_by",
                "confirm",
                "intent",
            ],
        ),
        (
            &alice,
            format!("/products/{product}/renew"),
            &["confirm", "intent"],
        ),
        (&alice, "/team/invite".into(), &["email", "role"]),
        (&alice, format!("/team/{alice_id}/role"), &["role"]),
        (
            &alice,
            "/account/password".into(),
            &["current_password", "new_password", "confirm_password"],
        ),
        (
            &alice,
            "/welcome/not-a-token".into(),
            &["name", "new_password", "confirm_password"],
        ),
    ];
    let strings = naughty();
    let mut sent = 0;
    for (browser, path, fields) in &forms {
        let token = browser.csrf_token().await;
        for field in *fields {
            for value in &strings {
                let page = browser
                    .post(
                        path,
                        &[("csrf_token", token.as_str()), (field, value.as_str())],
                    )
                    .await;
                sent += 1;
                assert!(
                    page.status.is_client_error()
                        || page.status.is_success()
                        || page.status == StatusCode::SEE_OTHER,
                    "POST {path} {field}={value:?}: {}",
                    page.status
                );
                assert!(
                    !page.body.contains("<script>alert(1)</script>"),
                    "POST {path} echoed a script unescaped"
                );
            }
        }
    }
    // The one field that may legitimately redirect: a role change to the role in force.
    let queries: Vec<(&Browser, &str, &[&str])> = vec![
        (&alice, "/invoices", &["from", "to", "status", "before"]),
        (&alice, "/invoices.csv", &["from", "to", "status"]),
        (&paul, "/income", &["client", "before"]),
        (&paul, "/income.csv", &["client"]),
        (&alice, "/partners", &["after_name", "after_id"]),
        (&paul, "/clients", &["after_name", "after_id"]),
        (&alice, "/products", &["view", "after"]),
        (&alice, "/partners/new", &["q", "partner"]),
        (&alice, "/login", &["next", "signed_out"]),
    ];
    for (browser, path, params) in &queries {
        for param in *params {
            for value in &strings {
                let query = serde_urlencoded::to_string([(param, value)]).unwrap();
                let page = browser.get(&format!("{path}?{query}")).await;
                sent += 1;
                assert!(
                    page.status.as_u16() < 500,
                    "GET {path}?{param}={value:?}: {}",
                    page.status
                );
                assert!(
                    !page.body.contains("<script>alert(1)</script>"),
                    "GET {path} echoed a script unescaped"
                );
            }
        }
    }
    // Hostile ids in paths.
    for value in &strings {
        let id: String = value
            .chars()
            .filter(|c| *c != '/' && *c != '?' && *c != '#')
            .collect();
        let encoded = serde_urlencoded::to_string([("x", &id)])
            .unwrap()
            .trim_start_matches("x=")
            .to_owned();
        for path in [
            "/partners/{}",
            "/clients/{}",
            "/invoices/{}",
            "/partners/{}/payment/edit",
            "/welcome/{}",
        ] {
            let status = alice.get(&path.replace("{}", &encoded)).await.status;
            sent += 1;
            assert!(
                status.is_client_error() || status.is_redirection(),
                "GET {path} with {id:?}: {status}"
            );
        }
    }
    assert!(sent > 2_000, "{sent}");
    assert_eq!(
        fingerprint(&app).await,
        before,
        "no hostile request changed anything"
    );
}

#[tokio::test]
async fn malformed_bodies_are_refused_cleanly() {
    let app = spawn_demo().await;
    let alice = app.logged_in("alice@acme.test").await;
    let id = app.partnership_id(ACME, WEB_AGENCY).await;
    let token = alice.csrf_token().await;
    let url = format!("{}/partners/{id}/payment", app.address);
    let before = fingerprint(&app).await;
    let send = |content_type: &'static str, body: Vec<u8>| {
        alice
            .client
            .post(&url)
            .header("content-type", content_type)
            .body(body)
            .send()
    };
    let form = "application/x-www-form-urlencoded";
    let cases: Vec<(&str, &'static str, Vec<u8>)> = vec![
        ("a 1 MB body", form, format!("csrf_token={token}&payment_mode=partner&version=1&pad={}", "x".repeat(1 << 20)).into_bytes()),
        ("invalid UTF-8", form, [format!("csrf_token={token}&payment_mode=").into_bytes(), vec![0xff, 0xfe, 0xfd], b"&version=1".to_vec()].concat()),
        ("percent-encoded invalid UTF-8", form, format!("csrf_token={token}&payment_mode=%FF%FE&version=1").into_bytes()),
        ("a NUL byte", form, format!("csrf_token={token}&payment_mode=partner%00&version=1").into_bytes()),
        ("repeated fields", form, format!("csrf_token={token}&payment_mode=partner&payment_mode=customer&version=1&version=2").into_bytes()),
        ("a repeated token", form, format!("csrf_token={token}&csrf_token=other&payment_mode=partner&version=1").into_bytes()),
        ("a negative version", form, format!("csrf_token={token}&payment_mode=partner&version=-1").into_bytes()),
        ("a huge version", form, format!("csrf_token={token}&payment_mode=partner&version=99999999999999999999").into_bytes()),
        ("JSON", "application/json", format!(r#"{{"csrf_token":"{token}","payment_mode":"partner","version":"1"}}"#).into_bytes()),
        ("multipart", "multipart/form-data; boundary=x", format!("--x\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n{token}\r\n--x--\r\n").into_bytes()),
        ("plain text", "text/plain", format!("csrf_token={token}&payment_mode=partner&version=1").into_bytes()),
        ("garbage", form, (0u8..=255).cycle().take(4096).collect()),
    ];
    for (what, content_type, body) in cases {
        let response = send(content_type, body).await.unwrap();
        let status = response.status();
        let text = response.text().await.unwrap_or_default();
        assert!(status.is_client_error(), "{what}: {status}");
        assert!(
            !text.contains("panicked") && !text.contains("diesel") && !text.contains("sqlite"),
            "{what} leaks internals: {text}"
        );
    }
    assert_eq!(fingerprint(&app).await, before);
    // The right request still works afterwards.
    assert_eq!(
        change_payment_mode(&alice, &id, "partner").await.status,
        StatusCode::SEE_OTHER
    );
}

#[tokio::test]
async fn names_people_type_are_shown_escaped_on_pages_and_in_emails() {
    let app = spawn_demo().await;
    let hostile_org = HOSTILE_ORG;
    let hostile_person = "<img src=x onerror=alert(1)>";
    // The agency calls itself something dangerous, and one of its people too.
    app.with_db(move |conn| {
        use partnerdesk::db::schema::organizations;
        diesel::update(organizations::table.filter(organizations::name.eq(WEB_AGENCY)))
            .set(organizations::name.eq(hostile_org))
            .execute(conn)
            .unwrap();
        diesel::update(users::table.filter(users::email.eq("paul@webagency.test")))
            .set(users::name.eq(hostile_person))
            .execute(conn)
            .unwrap();
    })
    .await;
    let id = app.partnership_id(ACME, HOSTILE_ORG).await;
    let alice = app.logged_in("alice@acme.test").await;
    let paul = app.logged_in("paul@webagency.test").await;
    let pages = [
        (&alice, "/partners".to_owned()),
        (&alice, format!("/partners/{id}")),
        (&alice, format!("/partners/{id}/payment/edit")),
        (&alice, "/products".to_owned()),
        (&paul, "/".to_owned()),
        (&paul, "/clients".to_owned()),
        (&paul, "/team".to_owned()),
        (&paul, "/income".to_owned()),
        (&paul, "/products?view=clients".to_owned()),
    ];
    for (browser, path) in pages {
        let page = browser.get(&path).await;
        assert_eq!(page.status, StatusCode::OK, "{path}");
        assert!(
            !page.body.contains("<script>alert(\"org\")</script>"),
            "{path} shows the org name unescaped"
        );
        assert!(
            !page.body.contains(hostile_person),
            "{path} shows the person's name unescaped"
        );
        assert!(
            page.text().contains(hostile_org) || page.text().contains(hostile_person),
            "{path} shows the names, as text"
        );
    }
    assert_eq!(
        change_payment_mode(&alice, &id, "partner").await.status,
        StatusCode::SEE_OTHER
    );
    let emails = app.wait_for_mail_files(2).await;
    for email in emails {
        assert!(
            !email.html.contains("<script>alert(\"org\")</script>")
                && !email.html.contains(hostile_person),
            "{}",
            email.html
        );
        let escaped = ["&lt;script", "&#60;script", "&lt;img", "&#60;img"];
        assert!(
            escaped.iter().any(|e| email.html.contains(e)),
            "{}",
            email.html
        );
    }
}

const HOSTILE_ORG: &str = "<script>alert(\"org\")</script> & Co";

/// Where a redirect sends the browser.
fn location(page: &Page) -> &str {
    page.location().expect("a redirect")
}

/// `next` values and referers that try to send the browser to another site, or to smuggle
/// a header into the answer.
const FOREIGN_NEXTS: &[&str] = &[
    "//evil.example",
    "///evil.example",
    "/\\evil.example",
    "https://evil.example/partners",
    "http:evil.example",
    "/..//evil.example",
    "/%2e%2e//evil.example",
    "/\t/evil.example",
    "/%09/evil.example",
    "/%0d%0aSet-Cookie:x=1",
    "/\r\nSet-Cookie: x=1",
    "/%00",
    "/\u{2028}",
    "/\u{202e}evil",
    "/login",
];

#[tokio::test]
async fn after_login_the_browser_goes_back_only_to_a_page_of_this_site() {
    let app = spawn_demo().await;
    let id = app.partnership_id(ACME, WEB_AGENCY).await;
    let long = format!("/partners?after_name={}", "a".repeat(5_000));
    let mut foreign: Vec<&str> = FOREIGN_NEXTS.to_vec();
    foreign.push(&long);
    let own = format!("/partners/{id}");
    let unicode = "/partners?after_name=Zoé";
    let expected = [
        (own.as_str(), own.as_str()),
        (unicode, "/partners?after_name=Zo%C3%A9"),
    ];

    // Posted with the login form.
    let login = |next: String| {
        let browser = app.browser();
        async move {
            let form = browser.get("/login").await;
            let token = form.field("csrf_token").unwrap();
            let fields = [
                ("csrf_token", token.as_str()),
                ("email", "alice@acme.test"),
                ("password", PASSWORD),
                ("next", next.as_str()),
            ];
            browser.post("/login", &fields).await
        }
    };
    for next in &foreign {
        let done = login(next.to_string()).await;
        assert_eq!(done.status, StatusCode::SEE_OTHER, "{next:?}");
        assert_eq!(location(&done), "/", "{next:?}");
    }
    for (next, kept) in expected {
        assert_eq!(location(&login(next.to_owned()).await), kept, "{next:?}");
    }

    // In the login page's address: carried in its form, or followed at once when the
    // browser is logged in already.
    let anonymous = app.browser();
    let alice = app.logged_in("alice@acme.test").await;
    for next in &foreign {
        let query = serde_urlencoded::to_string([("next", next)]).unwrap();
        let form = anonymous.get(&format!("/login?{query}")).await;
        assert_eq!(form.status, StatusCode::OK, "{next:?}");
        assert_eq!(form.field("next").as_deref(), Some("/"), "{next:?}");
        let followed = alice.get(&format!("/login?{query}")).await;
        assert_eq!(location(&followed), "/", "{next:?}");
    }
    let query = serde_urlencoded::to_string([("next", &own)]).unwrap();
    assert_eq!(location(&alice.get(&format!("/login?{query}")).await), own);
}

#[tokio::test]
async fn the_language_switch_goes_back_only_to_a_page_of_this_site() {
    let app = spawn_demo().await;
    let alice = app.logged_in("alice@acme.test").await;
    let token = alice.csrf_token().await;
    let switch = |referer: String| {
        let request = alice
            .client
            .post(format!("{}/lang", app.address))
            .form(&[("csrf_token", token.as_str()), ("lang", "en")]);
        let request = if referer.is_empty() {
            request
        } else {
            request.header("referer", referer)
        };
        async move { request.send().await.unwrap() }
    };
    let own = "http://partnerdesk.test";
    let foreign = [
        String::new(),
        "https://evil.example/partners".into(),
        "http://partnerdesk.test.evil.example/partners".into(),
        "https://partnerdesk.test/partners".into(),
        // Where the server listens is not BASE_URL.
        format!("{}/partners", app.address),
        format!("{own}//evil.example/partners"),
        format!("{own}/..//evil.example"),
        format!("{own}/\t/evil.example"),
        format!("{own}/%0d%0aSet-Cookie:x=1"),
        format!("{own}/%E2%80%AEevil"),
        "/partners".into(),
        "//partnerdesk.test/partners".into(),
    ];
    for referer in foreign {
        let answer = switch(referer.clone()).await;
        assert_eq!(answer.status(), StatusCode::SEE_OTHER, "{referer:?}");
        assert_eq!(answer.headers()["location"], "/", "{referer:?}");
    }
    for (referer, back) in [
        (format!("{own}/clients?after_id=x"), "/clients?after_id=x"),
        (format!("{own}:80/invoices#top"), "/invoices"),
        (
            format!("{own}/partners?after_name=Zo%C3%A9"),
            "/partners?after_name=Zo%C3%A9",
        ),
        // The answer to a form cannot be opened again: the page above it can.
        (format!("{own}/account/details"), "/account"),
        (format!("{own}/partners/p1/payment/verify"), "/partners/p1"),
        (format!("{own}/products/p1/renew"), "/products"),
    ] {
        let answer = switch(referer.clone()).await;
        assert_eq!(answer.headers()["location"], back, "{referer:?}");
    }
}

/// The routes of `src/web/routes.rs` with a segment taken from the request, each side of
/// a `{side:partners|clients}` spelled out: (method, path with `{}` for the segment).
fn routes_with_a_segment() -> Vec<(String, String)> {
    let source = include_str!("../src/web/routes.rs");
    let mut routes = Vec::new();
    let mut rest = source;
    while let Some(start) = rest.find(".route(") {
        rest = &rest[start + ".route(".len()..];
        let open = rest.find('"').unwrap();
        let close = open + 1 + rest[open + 1..].find('"').unwrap();
        let path = &rest[open + 1..close];
        let after = rest[close..].trim_start_matches(['"', ',', ' ', '\n']);
        let method = if after.starts_with("post()") {
            "POST"
        } else {
            "GET"
        };
        for side in ["partners", "clients"] {
            let path = path.replace("{side:partners|clients}", side);
            let mut segments: Vec<String> = path.split('/').map(str::to_owned).collect();
            for segment in segments.iter_mut().filter(|s| s.starts_with('{')) {
                *segment = "{}".into();
            }
            let path = segments.join("/");
            if path.contains("{}") && !routes.contains(&(method.to_owned(), path.clone())) {
                routes.push((method.to_owned(), path));
            }
        }
    }
    routes
}

#[tokio::test]
async fn a_path_with_control_or_bidirectional_characters_is_not_found_before_any_handler() {
    let app = spawn_demo().await;
    let alice = app.logged_in("alice@acme.test").await;
    let anonymous = app.browser();
    let token = alice.csrf_token().await;
    let anonymous_token = anonymous.csrf_token().await;
    let routes = routes_with_a_segment();
    assert!(routes.len() >= 20, "{routes:?}");
    let before = fingerprint(&app).await;
    // As the router decodes them: CR LF, LF, tab, DEL, C1 NEL, line and paragraph
    // separators, a right-to-left override, an isolate, a mark.
    let ids = [
        "%0D%0ASet-Cookie:%20x=1",
        "x%0Ay",
        "%09",
        "%7F",
        "%C2%85",
        "%E2%80%A8",
        "%E2%80%A9",
        "%E2%80%AEx",
        "%E2%81%A6x",
        "%E2%80%8F",
    ];
    let mut sent = 0;
    for (method, route) in &routes {
        for id in ids {
            let path = route.replace("{}", id);
            for (who, browser, token) in [
                ("alice", &alice, &token),
                ("a visitor", &anonymous, &anonymous_token),
            ] {
                let page = if method == "POST" {
                    let fields = [
                        ("csrf_token", token.as_str()),
                        ("payment_mode", "partner"),
                        ("version", "1"),
                        ("access", "full"),
                        ("role", "admin"),
                        ("confirm", "1"),
                        ("password", PASSWORD),
                        ("name", "Zoé"),
                        ("new_password", "a long enough password"),
                        ("confirm_password", "a long enough password"),
                    ];
                    browser.post(&path, &fields).await
                } else {
                    browser.get(&path).await
                };
                sent += 1;
                assert_eq!(
                    page.status,
                    StatusCode::NOT_FOUND,
                    "{method} {path} by {who}: {}",
                    page.body
                );
                assert!(page.text().contains("Page not found"), "{method} {path}");
                assert!(
                    page.headers
                        .get("set-cookie")
                        .is_none_or(|c| { !c.to_str().unwrap_or_default().starts_with("x=") })
                );
            }
        }
    }
    assert!(sent >= 400, "{sent}");
    assert_eq!(fingerprint(&app).await, before, "nothing changed");
}

#[tokio::test]
async fn a_name_that_hides_its_direction_or_breaks_lines_is_refused() {
    let app = spawn_demo().await;
    let alice = app.logged_in("alice@acme.test").await;
    let before = fingerprint(&app).await;
    // "Eve\u{202e}ecilA" is shown as "EveAlice"; the others isolate, mark or break lines.
    let hidden = [
        "Eve\u{202e}ecilA",
        "Eve\u{202d}",
        "\u{2066}Eve\u{2069}",
        "Eve\u{200f}",
        "Eve\u{061c}",
        "Eve\u{2028}Alice",
        "Eve\u{2029}Alice",
        "Eve\tAlice",
        "Eve\u{85}Alice",
        // Invisible: a zero-width space, joiner and word joiner, a soft hyphen, a
        // byte-order mark, and a name of blank fillers.
        "Al\u{200b}ice",
        "Al\u{200d}ice",
        "Al\u{2060}ice",
        "Al\u{ad}ice",
        "\u{feff}Alice",
        "\u{3164}\u{3164}",
        // A joiner between letters that are not spelled with it; a blank Braille cell.
        "Zoé\u{200d}é",
        "\u{2800}",
    ];
    for name in hidden {
        let page = alice
            .submit(
                "/team/invite",
                &[
                    ("email", "eve@acme.test"),
                    ("name", name),
                    ("role", "technical"),
                ],
            )
            .await;
        assert_eq!(page.status, StatusCode::BAD_REQUEST, "{name:?}");
        assert!(
            page.text().contains("direction of text"),
            "{name:?}: {}",
            page.text()
        );
    }
    assert_eq!(fingerprint(&app).await, before, "nobody was invited");

    // Choosing one's name when joining follows the same rule.
    let invited = alice
        .submit(
            "/team/invite",
            &[
                ("email", "zoe@acme.test"),
                ("name", "Zoé Dupont"),
                ("role", "billing"),
            ],
        )
        .await;
    assert_eq!(invited.status, StatusCode::SEE_OTHER, "{}", invited.text());
    let email = app.wait_for_email("zoe@acme.test", "invites you").await;
    let link = link_in(&email, "/welcome/");
    let zoe = app.browser();
    let token = zoe.get(&link).await.field("csrf_token").unwrap();
    for name in hidden {
        let page = zoe
            .post(
                &link,
                &[
                    ("csrf_token", &token),
                    ("name", name),
                    ("new_password", "zoe's long password"),
                    ("confirm_password", "zoe's long password"),
                ],
            )
            .await;
        assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY, "{name:?}");
        assert!(page.text().contains("direction of text"), "{name:?}");
    }
    assert_eq!(
        app.browser()
            .login("zoe@acme.test", "zoe's long password")
            .await
            .status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "Zoé has not joined"
    );
}
