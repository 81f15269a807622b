//! Two-factor authentication over HTTP: set up from the account page with a first code,
//! asked after the password on its own step, each code accepted once, recovery codes
//! that work once, throttled like the password, turned off only with the password and a
//! code, not bypassed by a password reset, and required by an organization. The codes
//! are computed here from the secret the page shows (`support::totp`).

mod support;

use diesel::prelude::*;
use partnerdesk::db::schema::{recovery_codes, users};
use reqwest::StatusCode;
use support::totp::{code_now, code_of_step, secret_on};
use support::*;

#[test]
fn the_tests_own_codes_are_those_of_rfc_6238() {
    // RFC 6238, appendix B: the secret "12345678901234567890", in base32; the last six
    // digits of its eight-digit codes.
    let secret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";
    assert_eq!(code_of_step(secret, 59 / 30), "287082");
    assert_eq!(code_of_step(secret, 1_111_111_109 / 30), "081804");
    assert_eq!(code_of_step(secret, 1_234_567_890 / 30), "005924");
    assert_eq!(code_of_step(secret, 20_000_000_000 / 30), "353130");
}

/// Sets up two-factor for the signed-in `browser`: its secret and recovery codes.
async fn set_up(app: &TestApp, browser: &Browser, email: &str) -> (String, Vec<String>) {
    let setup = browser.get("/account/two-factor").await;
    assert_eq!(setup.status, StatusCode::OK, "{}", setup.text());
    assert!(
        setup.body.contains("<svg"),
        "a QR code is drawn on the page"
    );
    let secret = secret_on(&setup);
    // Shown again, the page offers the same secret (the app may have scanned it).
    assert_eq!(secret_on(&browser.get("/account/two-factor").await), secret);
    let done = browser
        .submit(
            "/account/two-factor",
            &[
                ("code", &code_now(&secret, 0)),
                ("current_password", PASSWORD),
            ],
        )
        .await;
    let codes = shown_once(browser, done).await;
    let told = app
        .wait_for_email(email, "Two-factor authentication is on")
        .await;
    assert!(told.text.contains("recovery codes"), "{}", told.text);
    (secret, codes)
}

/// The recovery codes a form's answer leads to, shown once: a reload shows them no more.
async fn shown_once(browser: &Browser, answer: Page) -> Vec<String> {
    assert_eq!(answer.status, StatusCode::SEE_OTHER, "{}", answer.text());
    assert_eq!(
        answer.location(),
        Some("/account/two-factor/recovery-codes")
    );
    let shown = browser.get("/account/two-factor/recovery-codes").await;
    assert_eq!(shown.status, StatusCode::OK);
    let codes = shown.texts(".recovery-codes code");
    assert_eq!(codes.len(), 10, "{}", shown.text());
    let reloaded = browser.get("/account/two-factor/recovery-codes").await;
    assert_eq!(reloaded.location(), Some("/account/two-factor"));
    codes
}

/// Sends the password; returns the browser, waiting for its code.
async fn password_step(app: &TestApp, email: &str, password: &str) -> Browser {
    let browser = app.browser();
    let answer = browser.login(email, password).await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER, "{}", answer.text());
    assert_eq!(answer.location(), Some("/login/code"));
    browser
}

async fn send_code(browser: &Browser, code: &str) -> Page {
    let form = browser.get("/login/code").await;
    assert_eq!(form.status, StatusCode::OK, "{}", form.text());
    let token = form.field("csrf_token").unwrap();
    browser
        .post("/login/code", &[("csrf_token", &token), ("code", code)])
        .await
}

async fn two_factor_of(app: &TestApp, email: &'static str) -> bool {
    app.with_db(move |conn| {
        users::table
            .filter(users::email.eq(email))
            .select(users::two_factor_since.is_not_null())
            .first(conn)
            .unwrap()
    })
    .await
}

#[tokio::test]
async fn it_is_set_up_with_a_first_code_then_asked_after_the_password_once_per_code() {
    let app = spawn_demo().await;
    let alice = app.logged_in("alice@acme.test").await;
    let account = alice.get("/account").await;
    assert!(
        account.has_link("/account/two-factor"),
        "{}",
        account.text()
    );

    // A wrong code, or the right one with a wrong password, turns nothing on.
    let setup = alice.get("/account/two-factor").await;
    let secret = secret_on(&setup);
    let wrong = code_of_step(&secret, support::totp::step_now(0) + 5);
    for (code, password) in [
        (wrong.as_str(), PASSWORD),
        (&code_now(&secret, 0), "not it"),
    ] {
        let refused = alice
            .submit(
                "/account/two-factor",
                &[("code", code), ("current_password", password)],
            )
            .await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(refused.text().contains("not"), "{}", refused.text());
        assert_eq!(
            secret_on(&refused),
            secret,
            "the same secret is offered again"
        );
    }
    assert!(!two_factor_of(&app, "alice@acme.test").await);

    let (secret, codes) = set_up(&app, &alice, "alice@acme.test").await;
    assert!(two_factor_of(&app, "alice@acme.test").await);
    // Kept as digests only.
    let stored: Vec<String> = app
        .with_db(|conn| {
            recovery_codes::table
                .select(recovery_codes::digest)
                .load(conn)
                .unwrap()
        })
        .await;
    assert_eq!(stored.len(), 10);
    for code in &codes {
        let bare = code.replace('-', "");
        assert!(
            stored.iter().all(|d| !d.contains(&bare)),
            "{code} stored as is"
        );
    }
    assert!(
        alice
            .get("/account/two-factor")
            .await
            .text()
            .contains("10 of 10")
    );

    // The password alone signs nobody in: the code is asked on its own step.
    let browser = password_step(&app, "alice@acme.test", PASSWORD).await;
    assert_eq!(browser.get("/").await.status, StatusCode::SEE_OTHER);
    let wrong = send_code(&browser, "000000").await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        wrong.text().contains("That code is not right"),
        "{}",
        wrong.text()
    );
    // The code used to set it up was used: the app's next one is accepted.
    assert_eq!(
        send_code(&browser, &code_now(&secret, 0)).await.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "the setup's code works once"
    );
    let next = code_now(&secret, 1);
    let signed_in = send_code(&browser, &next).await;
    assert_eq!(
        signed_in.status,
        StatusCode::SEE_OTHER,
        "{}",
        signed_in.text()
    );
    assert_eq!(signed_in.location(), Some("/"));
    assert_eq!(browser.get("/").await.status, StatusCode::OK);
    // Signed in, the code step has nothing more to ask.
    assert_eq!(browser.get("/login/code").await.location(), Some("/"));

    // The same code again, from another sign-in, is refused.
    let replay = password_step(&app, "alice@acme.test", PASSWORD).await;
    assert_eq!(
        send_code(&replay, &next).await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(replay.get("/").await.status, StatusCode::SEE_OTHER);

    // Without a password step first, the code page sends back to the login page.
    let stranger = app.browser();
    assert_eq!(stranger.get("/login/code").await.location(), Some("/login"));
    let token = stranger.get("/login").await.field("csrf_token").unwrap();
    let blind = stranger
        .post(
            "/login/code",
            &[("csrf_token", &token), ("code", &code_now(&secret, 1))],
        )
        .await;
    assert_eq!(blind.location(), Some("/login"));
}

#[tokio::test]
async fn two_sign_ins_sending_the_same_code_at_once_open_one_session() {
    let app = spawn_demo().await;
    let paul = app.logged_in("paul@webagency.test").await;
    let (secret, _) = set_up(&app, &paul, "paul@webagency.test").await;
    let code = code_now(&secret, 1);
    let mut browsers = Vec::new();
    for _ in 0..6 {
        browsers.push(password_step(&app, "paul@webagency.test", PASSWORD).await);
    }
    let mut tokens = Vec::new();
    for b in &browsers {
        tokens.push(b.get("/login/code").await.field("csrf_token").unwrap());
    }
    let answers = futures_util::future::join_all(browsers.iter().zip(&tokens).map(|(b, t)| {
        let code = code.clone();
        async move {
            b.post(
                "/login/code",
                &[("csrf_token", t.as_str()), ("code", code.as_str())],
            )
            .await
        }
    }))
    .await;
    let opened = answers
        .iter()
        .filter(|a| a.status == StatusCode::SEE_OTHER)
        .count();
    assert_eq!(
        opened,
        1,
        "{:?}",
        answers.iter().map(|a| a.status).collect::<Vec<_>>()
    );
}

#[tokio::test]
async fn a_recovery_code_signs_in_once_and_new_ones_replace_the_old() {
    let app = spawn_demo().await;
    let carla = app.logged_in("carla@beta.test").await;
    let (_, codes) = set_up(&app, &carla, "carla@beta.test").await;

    let browser = password_step(&app, "carla@beta.test", PASSWORD).await;
    let used = send_code(&browser, &codes[0]).await;
    assert_eq!(used.status, StatusCode::SEE_OTHER, "{}", used.text());
    let home = browser.get("/").await;
    assert!(home.text().contains("recovery code"), "{}", home.text());
    let told = app
        .wait_for_email("carla@beta.test", "A recovery code was used")
        .await;
    assert!(told.text.contains("9 remain"), "{}", told.text);

    // Once only; another one works however it is typed.
    let again = password_step(&app, "carla@beta.test", PASSWORD).await;
    assert_eq!(
        send_code(&again, &codes[0]).await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    let typed = format!(" {} ", codes[1].to_uppercase().replace('-', " "));
    assert_eq!(
        send_code(&again, &typed).await.status,
        StatusCode::SEE_OTHER
    );
    assert!(
        carla
            .get("/account/two-factor")
            .await
            .text()
            .contains("8 of 10")
    );

    // New codes need the password; then the old ones no longer work.
    let refused = carla
        .submit(
            "/account/two-factor/recovery-codes",
            &[("current_password", "nope")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    let fresh = carla
        .submit(
            "/account/two-factor/recovery-codes",
            &[("current_password", PASSWORD)],
        )
        .await;
    let new_codes = shown_once(&carla, fresh).await;
    app.wait_for_email("carla@beta.test", "New recovery codes")
        .await;
    assert!(new_codes.iter().all(|c| !codes.contains(c)));
    let old = password_step(&app, "carla@beta.test", PASSWORD).await;
    assert_eq!(
        send_code(&old, &codes[2]).await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        send_code(&old, &new_codes[0]).await.status,
        StatusCode::SEE_OTHER
    );

    // Turned off with a recovery code: the email says it is off, and only that.
    let used = |emails: Vec<Email>| {
        emails
            .into_iter()
            .filter(|e| {
                e.is_to("carla@beta.test") && e.subject.contains("A recovery code was used")
            })
            .count()
    };
    let used_before = used(app.emails_settled().await);
    let off = carla
        .submit(
            "/account/two-factor/off",
            &[("code", &new_codes[1]), ("current_password", PASSWORD)],
        )
        .await;
    assert_eq!(off.status, StatusCode::SEE_OTHER, "{}", off.text());
    app.wait_for_email("carla@beta.test", "Two-factor authentication is off")
        .await;
    assert_eq!(used(app.emails_settled().await), used_before);
}

#[tokio::test]
async fn codes_are_throttled_like_passwords() {
    let app = spawn_demo().await;
    let petra = app.logged_in("petra@studio.test").await;
    let (secret, _) = set_up(&app, &petra, "petra@studio.test").await;
    let browser = password_step(&app, "petra@studio.test", PASSWORD).await;
    for _ in 0..5 {
        let wrong = send_code(&browser, "123456").await;
        assert_eq!(
            wrong.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            wrong.text()
        );
    }
    let throttled = send_code(&browser, &code_now(&secret, 1)).await;
    assert_eq!(throttled.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(
        throttled.text().contains("Too many failed attempts"),
        "{}",
        throttled.text()
    );
    assert_eq!(browser.get("/").await.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn turning_it_off_needs_the_password_and_a_code() {
    let app = spawn_demo().await;
    let alice = app.logged_in("alice@acme.test").await;
    let (secret, _) = set_up(&app, &alice, "alice@acme.test").await;
    for (code, password) in [
        ("", PASSWORD),
        ("000000", PASSWORD),
        (code_now(&secret, 1).as_str(), "wrong password"),
    ] {
        let refused = alice
            .submit(
                "/account/two-factor/off",
                &[("code", code), ("current_password", password)],
            )
            .await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{code:?}");
        assert!(two_factor_of(&app, "alice@acme.test").await);
    }
    let off = alice
        .submit(
            "/account/two-factor/off",
            &[
                ("code", &code_now(&secret, 1)),
                ("current_password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(off.status, StatusCode::SEE_OTHER, "{}", off.text());
    assert!(!two_factor_of(&app, "alice@acme.test").await);
    app.wait_for_email("alice@acme.test", "Two-factor authentication is off")
        .await;
    let signed_in = app.browser().login("alice@acme.test", PASSWORD).await;
    assert_eq!(
        signed_in.location(),
        Some("/"),
        "the password alone signs in again"
    );
}

#[tokio::test]
async fn a_password_reset_does_not_bypass_two_factor() {
    let app = spawn_demo().await;
    let bob = app.logged_in("bob@acme.test").await;
    let (secret, _) = set_up(&app, &bob, "bob@acme.test").await;
    let before = app.emails_settled().await.len();
    let asker = app.browser();
    let token = asker
        .get("/password/forgot")
        .await
        .field("csrf_token")
        .unwrap();
    asker
        .post(
            "/password/forgot",
            &[("csrf_token", &token), ("email", "bob@acme.test")],
        )
        .await;
    let emails = app.wait_for_mail_files(before + 1).await;
    let link = emails
        .iter()
        .find(|e| e.is_to("bob@acme.test") && e.text.contains("/password/reset/"))
        .map(|e| link_in(e, "/password/reset/"))
        .expect("a reset link");
    let token = asker.get(&link).await.field("csrf_token").unwrap();
    let new = "a passphrase after the reset";
    let reset = asker
        .post(
            &link,
            &[
                ("csrf_token", &token),
                ("new_password", new),
                ("confirm_password", new),
            ],
        )
        .await;
    assert_eq!(reset.location(), Some("/login?reset=1"));
    assert_eq!(
        asker.get("/").await.status,
        StatusCode::SEE_OTHER,
        "the reset signs nobody in"
    );
    let browser = password_step(&app, "bob@acme.test", new).await;
    assert_eq!(browser.get("/").await.status, StatusCode::SEE_OTHER);
    assert_eq!(
        send_code(&browser, &code_now(&secret, 1)).await.status,
        StatusCode::SEE_OTHER
    );
}

#[tokio::test]
async fn an_organization_requires_it_of_every_member_before_its_pages() {
    let app = spawn_demo().await;
    let alice = app.logged_in("alice@acme.test").await;
    let bob = app.logged_in("bob@acme.test").await;

    // Only a legal representative requires it, and only one who has it.
    let not_rep = bob.submit("/team/two-factor", &[("required", "on")]).await;
    assert_eq!(not_rep.status, StatusCode::FORBIDDEN);
    let without = alice
        .submit("/team/two-factor", &[("required", "on")])
        .await;
    assert_eq!(without.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        without.text().contains("for your own account first"),
        "{}",
        without.text()
    );
    set_up(&app, &alice, "alice@acme.test").await;
    let required = alice
        .submit("/team/two-factor", &[("required", "on")])
        .await;
    assert_eq!(required.location(), Some("/team"), "{}", required.text());
    let team = alice.get("/team").await;
    assert!(
        team.text().contains("Acme SA requires it"),
        "{}",
        team.text()
    );

    // Bob, without it, is sent to set it up from every page of Acme's, forms too.
    for path in ["/", "/partners", "/products", "/team"] {
        let page = bob.get(path).await;
        assert_eq!(page.location(), Some("/account/two-factor"), "{path}");
    }
    let account = bob.get("/account").await;
    assert_eq!(account.status, StatusCode::OK);
    let setup = bob.get("/account/two-factor").await;
    assert!(
        setup.text().contains("Acme SA asks every member"),
        "{}",
        setup.text()
    );
    let (secret, _) = set_up(&app, &bob, "bob@acme.test").await;
    assert_eq!(bob.get("/partners").await.status, StatusCode::OK);
    let team = alice.get("/team").await;
    let bobs_row = team
        .texts("tbody tr")
        .into_iter()
        .find(|row| row.contains("bob@acme.test"))
        .unwrap();
    assert!(bobs_row.contains("On"), "{bobs_row}");

    // While a member, it stays on.
    let off = bob
        .submit(
            "/account/two-factor/off",
            &[
                ("code", &code_now(&secret, 1)),
                ("current_password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(off.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(off.text().contains("requires two-factor"), "{}", off.text());
    assert!(two_factor_of(&app, "bob@acme.test").await);

    // No longer required: members choose again.
    let lifted = alice
        .submit("/team/two-factor", &[("required", "off")])
        .await;
    assert_eq!(lifted.location(), Some("/team"));
    let crafted = alice
        .submit("/team/two-factor", &[("required", "maybe")])
        .await;
    assert_eq!(crafted.status, StatusCode::BAD_REQUEST);
}

async fn acme_requires_it(app: &TestApp) -> bool {
    use partnerdesk::db::schema::organizations;
    app.with_db(|conn| {
        organizations::table
            .filter(organizations::name.eq(ACME))
            .select(organizations::requires_two_factor)
            .first(conn)
            .unwrap()
    })
    .await
}

#[tokio::test]
async fn turning_it_off_while_it_becomes_required_never_leaves_a_member_without_it() {
    let app = spawn_demo().await;
    let alice = app.logged_in("alice@acme.test").await;
    let bob = app.logged_in("bob@acme.test").await;
    set_up(&app, &alice, "alice@acme.test").await;
    for round in 0..4 {
        let (secret, codes) = set_up(&app, &bob, "bob@acme.test").await;
        let (bob_token, alice_token) = (bob.csrf_token().await, alice.csrf_token().await);
        let code = code_now(&secret, 1);
        let off_form = [
            ("csrf_token", bob_token.as_str()),
            ("code", code.as_str()),
            ("current_password", PASSWORD),
        ];
        let require_form = [("csrf_token", alice_token.as_str()), ("required", "on")];
        let off = bob.post("/account/two-factor/off", &off_form);
        let require = alice.post("/team/two-factor", &require_form);
        let (off, require) = futures_util::future::join(off, require).await;
        assert_eq!(require.location(), Some("/team"), "round {round}");
        let bob_has_it = two_factor_of(&app, "bob@acme.test").await;
        assert!(
            bob_has_it || !acme_requires_it(&app).await,
            "round {round}: off answered {}, Acme requires it and Bob has it off",
            off.status
        );
        assert_eq!(
            bob_has_it,
            off.status != StatusCode::SEE_OTHER,
            "round {round}"
        );
        // Back to the start: not required, Bob without it.
        alice
            .submit("/team/two-factor", &[("required", "off")])
            .await;
        if bob_has_it {
            // (The code was spent by the refused attempt: a recovery code, then.)
            let off = bob
                .submit(
                    "/account/two-factor/off",
                    &[("code", &codes[0]), ("current_password", PASSWORD)],
                )
                .await;
            assert_eq!(off.status, StatusCode::SEE_OTHER, "round {round}");
        }
    }
}

#[tokio::test]
async fn a_password_changed_while_the_code_is_asked_voids_that_sign_in() {
    let app = spawn_demo().await;
    let carla = app.logged_in("carla@beta.test").await;
    let (secret, _) = set_up(&app, &carla, "carla@beta.test").await;
    let waiting = password_step(&app, "carla@beta.test", PASSWORD).await;
    // The password changes meanwhile (its owner, from a session still open).
    let changed = "a passphrase changed meanwhile";
    let answer = carla
        .submit(
            "/account/password",
            &[
                ("current_password", PASSWORD),
                ("new_password", changed),
                ("confirm_password", changed),
            ],
        )
        .await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER, "{}", answer.text());
    let late = send_code(&waiting, &code_now(&secret, 1)).await;
    assert_eq!(late.location(), Some("/login"), "{}", late.text());
    assert_eq!(waiting.get("/").await.status, StatusCode::SEE_OTHER);
}
