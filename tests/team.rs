//! Organizations with several people: inviting colleagues, roles, removal, and one's
//! own password.

mod support;

use reqwest::StatusCode;
use support::*;

async fn user_id(app: &TestApp, email: &'static str) -> String {
    app.with_db(move |conn| {
        partnerdesk::db::models::users::find_by_email(
            conn,
            &partnerdesk::domain::EmailAddress::parse(email).unwrap(),
        )
        .unwrap()
        .expect("the user exists")
        .id
    })
    .await
}

#[tokio::test]
async fn a_new_colleague_is_invited_and_joins_with_a_password() {
    let app = spawn_demo().await;
    let alice = app.logged_in("alice@acme.test").await;
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
    let team = alice.get("/team").await;
    assert!(
        team.text().contains("Invitation sent to zoe@acme.test"),
        "{}",
        team.text()
    );
    assert!(
        team.text().contains("zoe@acme.test — Billing"),
        "the pending invitation is listed"
    );

    let email = app
        .wait_for_email("zoe@acme.test", "Alice Martin invites you to Acme SA")
        .await;
    assert!(
        email.text.contains("join Acme SA as billing"),
        "{}",
        email.text
    );
    let link = link_in(&email, "/welcome/");
    // Until she chooses a password, nobody can log in as Zoé.
    assert_eq!(
        app.browser().login("zoe@acme.test", "").await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );

    let zoe = app.browser();
    let welcome = zoe.get(&link).await;
    assert_eq!(welcome.status, StatusCode::OK);
    assert_eq!(welcome.field("name").as_deref(), Some("Zoé Dupont"));
    let token = welcome.field("csrf_token").unwrap();
    let short = zoe
        .post(
            &link,
            &[
                ("csrf_token", &token),
                ("name", "Zoé"),
                ("new_password", "short"),
                ("confirm_password", "short"),
            ],
        )
        .await;
    assert_eq!(short.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(short.text().contains("at least 10 characters"));
    let joined = zoe
        .post(
            &link,
            &[
                ("csrf_token", &token),
                ("name", "Zoé Dupont"),
                ("new_password", "zoe's long password"),
                ("confirm_password", "zoe's long password"),
            ],
        )
        .await;
    assert_eq!(joined.status, StatusCode::SEE_OTHER, "{}", joined.text());
    let home = zoe.get("/").await;
    assert!(
        home.text().contains("Welcome to Acme SA."),
        "{}",
        home.text()
    );
    assert!(
        home.text()
            .contains("You are working in Acme SA as billing")
    );
    assert_eq!(
        zoe.get("/invoices").await.status,
        StatusCode::OK,
        "billing staff see invoices"
    );
    // The link works once.
    assert_eq!(app.browser().get(&link).await.status, StatusCode::NOT_FOUND);
    assert_eq!(
        app.browser().get("/welcome/not-a-token").await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.browser()
            .login("zoe@acme.test", "zoe's long password")
            .await
            .status,
        StatusCode::SEE_OTHER
    );
}

#[tokio::test]
async fn someone_with_an_account_is_added_at_once() {
    let app = spawn_demo().await;
    let alice = app.logged_in("alice@acme.test").await;
    let added = alice
        .submit(
            "/team/invite",
            &[
                ("email", "paul@webagency.test"),
                ("name", "Paul"),
                ("role", "technical"),
            ],
        )
        .await;
    assert_eq!(added.status, StatusCode::SEE_OTHER);
    let told = app
        .wait_for_email("paul@webagency.test", "You now have access to Acme SA")
        .await;
    assert!(told.text.contains("Role: Technical"), "{}", told.text);
    app.wait_for_email("alice@acme.test", "You now have access to Acme SA")
        .await;
    let paul = app.logged_in("paul@webagency.test").await;
    assert_eq!(
        paul.get("/").await.texts("#org-switch option"),
        [ACME, WEB_AGENCY]
    );
    let again = alice
        .submit(
            "/team/invite",
            &[
                ("email", "paul@webagency.test"),
                ("name", "Paul"),
                ("role", "admin"),
            ],
        )
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    for (form, what) in [
        (
            [
                ("email", "not-an-email"),
                ("name", "X"),
                ("role", "billing"),
            ],
            "email",
        ),
        (
            [("email", "x@acme.test"), ("name", " "), ("role", "billing")],
            "name",
        ),
        (
            [("email", "x@acme.test"), ("name", "X"), ("role", "owner")],
            "role",
        ),
    ] {
        assert_eq!(
            alice.submit("/team/invite", &form).await.status,
            StatusCode::BAD_REQUEST,
            "{what}"
        );
    }
}

#[tokio::test]
async fn the_last_legal_representative_stays() {
    let app = spawn_demo().await;
    let alice = app.logged_in("alice@acme.test").await;
    let (alice_id, bob_id) = (
        user_id(&app, "alice@acme.test").await,
        user_id(&app, "bob@acme.test").await,
    );

    let demote = alice
        .submit(&format!("/team/{alice_id}/role"), &[("role", "admin")])
        .await;
    assert_eq!(demote.status, StatusCode::CONFLICT);
    assert!(demote.text().contains("last legal representative"));
    assert_eq!(
        alice
            .submit(&format!("/team/{alice_id}/remove"), &[])
            .await
            .status,
        StatusCode::CONFLICT
    );

    // With a second legal representative, Alice may step down.
    assert_eq!(
        alice
            .submit(&format!("/team/{bob_id}/role"), &[("role", "legal_rep")])
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    let told = app
        .wait_for_email("bob@acme.test", "Bob Keller's role in Acme SA changed")
        .await;
    assert!(
        told.text.contains("from technical to legal representative"),
        "{}",
        told.text
    );
    assert_eq!(
        alice
            .submit(&format!("/team/{alice_id}/role"), &[("role", "admin")])
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    assert!(
        alice.get("/").await.text().contains("as administrator"),
        "her own session goes on with the new role"
    );
    // Now Bob is the last legal representative.
    let bob = app.logged_in("bob@acme.test").await;
    assert_eq!(
        bob.submit(&format!("/team/{bob_id}/role"), &[("role", "billing")])
            .await
            .status,
        StatusCode::CONFLICT
    );
}

#[tokio::test]
async fn a_removed_or_demoted_member_loses_access_at_once() {
    let app = spawn_demo().await;
    let alice = app.logged_in("alice@acme.test").await;
    let bob = app.logged_in("bob@acme.test").await;
    let bob_id = user_id(&app, "bob@acme.test").await;
    assert_eq!(
        alice
            .submit(&format!("/team/{bob_id}/role"), &[("role", "billing")])
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        bob.get("/partners").await.status,
        StatusCode::SEE_OTHER,
        "a role change ends the person's sessions"
    );
    let bob = app.logged_in("bob@acme.test").await;
    assert_eq!(
        bob.get("/invoices").await.status,
        StatusCode::OK,
        "billing now"
    );
    assert_eq!(
        alice
            .submit(&format!("/team/{bob_id}/remove"), &[])
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    app.wait_for_email(
        "bob@acme.test",
        "Bob Keller no longer has access to Acme SA",
    )
    .await;
    assert_eq!(bob.get("/partners").await.status, StatusCode::SEE_OTHER);
    let bob_again = app.browser();
    assert_eq!(
        bob_again.login("bob@acme.test", PASSWORD).await.status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        bob_again.get("/").await.status,
        StatusCode::FORBIDDEN,
        "no organization left"
    );
}

#[tokio::test]
async fn only_legal_reps_and_admins_manage_people_of_their_own_organization() {
    let app = spawn_demo().await;
    let (alice_id, bob_id) = (
        user_id(&app, "alice@acme.test").await,
        user_id(&app, "bob@acme.test").await,
    );
    let bob = app.logged_in("bob@acme.test").await;
    let team = bob.get("/team").await;
    assert_eq!(team.status, StatusCode::OK, "everyone sees the team");
    assert!(!team.body.contains("/team/invite"), "without the forms");
    assert_eq!(
        bob.submit(
            "/team/invite",
            &[("email", "x@acme.test"), ("name", "X"), ("role", "admin")]
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        bob.submit(&format!("/team/{bob_id}/role"), &[("role", "legal_rep")])
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        bob.submit(&format!("/team/{alice_id}/remove"), &[])
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    // Carla manages Beta, not Acme: Acme's people are not hers to touch.
    let carla = app.logged_in("carla@beta.test").await;
    assert_eq!(
        carla
            .submit(&format!("/team/{bob_id}/role"), &[("role", "admin")])
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        carla
            .submit(&format!("/team/{bob_id}/remove"), &[])
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let alice = app.logged_in("alice@acme.test").await;
    assert!(alice.get("/team").await.text().contains("Bob Keller"));
    assert_eq!(
        outbox_count(&app).await,
        0,
        "nothing was changed, nobody was told"
    );
}

#[tokio::test]
async fn changing_ones_password_needs_the_current_one_and_ends_other_sessions() {
    let app = spawn_demo().await;
    let laptop = app.logged_in("alice@acme.test").await;
    let phone = app.logged_in("alice@acme.test").await;
    let form = [
        ("current_password", "wrong password"),
        ("new_password", "a new long password"),
        ("confirm_password", "a new long password"),
    ];
    let wrong = laptop.submit("/account/password", &form).await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        wrong
            .text()
            .contains("Your current password is not correct")
    );
    let mismatch = laptop
        .submit(
            "/account/password",
            &[
                ("current_password", PASSWORD),
                ("new_password", "a new long password"),
                ("confirm_password", "another one entirely"),
            ],
        )
        .await;
    assert_eq!(mismatch.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        phone.get("/partners").await.status,
        StatusCode::OK,
        "nothing changed yet"
    );

    let changed = laptop
        .submit(
            "/account/password",
            &[
                ("current_password", PASSWORD),
                ("new_password", "a new long password"),
                ("confirm_password", "a new long password"),
            ],
        )
        .await;
    assert_eq!(changed.status, StatusCode::SEE_OTHER);
    let account = laptop.get("/account").await;
    assert_eq!(account.status, StatusCode::OK, "this session goes on");
    assert!(
        account
            .text()
            .contains("You were signed out everywhere else")
    );
    assert_eq!(
        phone.get("/partners").await.status,
        StatusCode::SEE_OTHER,
        "the other session ended"
    );
    app.wait_for_email("alice@acme.test", "Your partnerdesk password was changed")
        .await;
    assert_eq!(
        app.browser()
            .login("alice@acme.test", "a new long password")
            .await
            .status,
        StatusCode::SEE_OTHER
    );
}
