//! Organizations with several people: inviting colleagues, roles, removal, and one's
//! own password.

mod support;

use reqwest::StatusCode;
use support::*;

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

/// The organizations a dashboard's person works in: the switcher's, or the one named.
fn switcher(page: &Page) -> Vec<String> {
    let options = page.texts("#org-switch option");
    if !options.is_empty() {
        return options;
    }
    let lead = page.texts(".lead").join(" ");
    let org = lead
        .strip_prefix("You are working in ")
        .and_then(|rest| rest.split(" as ").next())
        .unwrap_or_default();
    vec![org.to_owned()]
}

#[tokio::test]
async fn someone_with_an_account_becomes_a_member_only_on_accepting() {
    let app = spawn_demo().await;
    let alice = app.logged_in("alice@acme.test").await;
    let invited = alice
        .submit(
            "/team/invite",
            &[
                ("email", "paul@webagency.test"),
                ("name", "Paul"),
                ("role", "technical"),
            ],
        )
        .await;
    assert_eq!(invited.status, StatusCode::SEE_OTHER);
    // The inviter reads what it would read for an address without an account.
    let said = alice.get("/team").await.texts(".flash").join(" ");
    assert!(
        said.contains("Invitation sent to paul@webagency.test"),
        "{said}"
    );
    let paul = app.logged_in("paul@webagency.test").await;
    let home = paul.get("/").await;
    assert_eq!(
        switcher(&home),
        [WEB_AGENCY],
        "not a member before accepting"
    );
    assert!(
        home.text()
            .contains("Acme SA invites you to join as technical"),
        "{}",
        home.text()
    );
    let email = app
        .wait_for_email("paul@webagency.test", "Alice Martin invites you to Acme SA")
        .await;
    let link = link_in(&email, "/welcome/");

    // Someone else with the link cannot answer for Paul.
    let carla = app.logged_in("carla@beta.test").await;
    let page = carla.get(&link).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text().contains("You are signed in as carla@beta.test"));
    let token = carla.csrf_token().await;
    let forged = carla
        .post(&link, &[("csrf_token", &token), ("decision", "accept")])
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    assert_eq!(switcher(&carla.get("/").await), [BETA]);
    // Signed out, the link asks to sign in as the address's owner.
    let anonymous = app.browser().get(&link).await;
    assert!(
        anonymous
            .text()
            .contains("sign in as paul@webagency.test to accept or decline"),
        "{}",
        anonymous.text()
    );

    // Paul accepts from his dashboard.
    let form = home
        .html()
        .select(&scraper::Selector::parse("form[action$='/accept']").unwrap())
        .filter_map(|f| f.value().attr("action").map(str::to_owned))
        .next()
        .expect("an accept button");
    let accepted = paul.submit(&form, &[]).await;
    assert_eq!(
        accepted.status,
        StatusCode::SEE_OTHER,
        "{}",
        accepted.text()
    );
    assert_eq!(switcher(&paul.get("/").await), [ACME, WEB_AGENCY]);
    app.wait_for_email("alice@acme.test", "Paul Favre joined Acme SA")
        .await;
    // The link is used up, and says so; an invitation again is refused: Paul is a member.
    let spent = paul.get(&link).await;
    assert_eq!(spent.status, StatusCode::NOT_FOUND);
    assert!(
        spent.text().contains("This invitation was used already"),
        "{}",
        spent.text()
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
async fn a_declined_invitation_changes_nothing() {
    let app = spawn_demo().await;
    let alice = app.logged_in("alice@acme.test").await;
    alice
        .submit(
            "/team/invite",
            &[
                ("email", "carla@beta.test"),
                ("name", "Carla"),
                ("role", "admin"),
            ],
        )
        .await;
    let email = app
        .wait_for_email("carla@beta.test", "Alice Martin invites you to Acme SA")
        .await;
    let link = link_in(&email, "/welcome/");
    let carla = app.logged_in("carla@beta.test").await;
    let page = carla.get(&link).await;
    let declined = carla
        .post(
            &link,
            &[
                ("csrf_token", &page.field("csrf_token").unwrap()),
                ("decision", "decline"),
            ],
        )
        .await;
    assert_eq!(declined.status, StatusCode::SEE_OTHER);
    assert_eq!(switcher(&carla.get("/").await), [BETA]);
    assert_eq!(carla.get(&link).await.status, StatusCode::NOT_FOUND);
    assert!(
        !alice
            .get("/team")
            .await
            .text()
            .contains("carla@beta.test — "),
        "no longer pending"
    );
}

#[tokio::test]
async fn an_invitation_to_a_new_address_makes_no_account_and_two_organizations_each_invite() {
    let app = spawn_demo().await;
    let alice = app.logged_in("alice@acme.test").await;
    let carla = app.logged_in("carla@beta.test").await;
    for inviter in [&alice, &carla] {
        let sent = inviter
            .submit(
                "/team/invite",
                &[
                    ("email", "nina@example.test"),
                    ("name", "Nina"),
                    ("role", "billing"),
                ],
            )
            .await;
        assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.text());
    }
    let accounts = app
        .with_db(|conn| {
            partnerdesk::db::models::users::find_by_email(
                conn,
                &partnerdesk::domain::EmailAddress::parse("nina@example.test").unwrap(),
            )
            .unwrap()
        })
        .await;
    assert!(accounts.is_none(), "an invitation makes no account");
    let emails: Vec<Email> = app
        .emails_settled()
        .await
        .into_iter()
        .filter(|e| e.is_to("nina@example.test"))
        .collect();
    assert_eq!(emails.len(), 2, "one invitation per organization");
    let acme_link = link_in(
        emails.iter().find(|e| e.subject.contains("Acme")).unwrap(),
        "/welcome/",
    );
    let beta_link = link_in(
        emails.iter().find(|e| e.subject.contains("Beta")).unwrap(),
        "/welcome/",
    );
    // Nina joins Acme with a password of her own: now the account exists.
    let nina = app.browser();
    let welcome = nina.get(&acme_link).await;
    let joined = nina
        .post(
            &acme_link,
            &[
                ("csrf_token", &welcome.field("csrf_token").unwrap()),
                ("name", "Nina Meier"),
                ("new_password", "nina's own password"),
                ("confirm_password", "nina's own password"),
            ],
        )
        .await;
    assert_eq!(joined.status, StatusCode::SEE_OTHER, "{}", joined.text());
    // Beta's invitation is still hers, answered as the account's owner.
    let beta_page = nina.get(&beta_link).await;
    assert!(beta_page.text().contains("Accept and join Beta AG"));
    let accepted = nina
        .post(
            &beta_link,
            &[
                ("csrf_token", &beta_page.field("csrf_token").unwrap()),
                ("decision", "accept"),
            ],
        )
        .await;
    assert_eq!(accepted.status, StatusCode::SEE_OTHER);
    assert_eq!(switcher(&nina.get("/").await), [ACME, BETA]);
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
async fn a_removed_or_demoted_member_loses_access_at_once_and_keeps_their_other_organizations() {
    let app = spawn_demo().await;
    let alice = app.logged_in("alice@acme.test").await;
    let bob = app.logged_in("bob@acme.test").await;
    let bob_id = user_id(&app, "bob@acme.test").await;
    assert_eq!(bob.get("/invoices").await.status, StatusCode::NOT_FOUND);
    assert_eq!(
        alice
            .submit(&format!("/team/{bob_id}/role"), &[("role", "billing")])
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    // The new role applies at Bob's next request, in the session he has.
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
    assert_eq!(
        bob.get("/").await.status,
        StatusCode::FORBIDDEN,
        "no organization left"
    );

    // Paul joins Acme, then is removed: his work for Web Agency goes on, signed in.
    let paul = app.logged_in("paul@webagency.test").await;
    alice
        .submit(
            "/team/invite",
            &[
                ("email", "paul@webagency.test"),
                ("name", "Paul"),
                ("role", "admin"),
            ],
        )
        .await;
    let accept = paul
        .get("/")
        .await
        .html()
        .select(&scraper::Selector::parse("form[action$='/accept']").unwrap())
        .filter_map(|f| f.value().attr("action").map(str::to_owned))
        .next()
        .unwrap();
    paul.submit(&accept, &[]).await;
    let acme_partnership = app.partnership_id(ACME, STUDIO).await;
    assert_eq!(
        paul.get(&format!("/partners/{acme_partnership}"))
            .await
            .status,
        StatusCode::OK,
        "working in Acme"
    );
    let paul_id = user_id(&app, "paul@webagency.test").await;
    alice.submit(&format!("/team/{paul_id}/remove"), &[]).await;
    assert_eq!(
        paul.get(&format!("/partners/{acme_partnership}"))
            .await
            .status,
        StatusCode::NOT_FOUND,
        "Acme's pages are closed at once"
    );
    let clients = paul.get("/clients").await;
    assert_eq!(
        clients.status,
        StatusCode::OK,
        "still signed in for Web Agency"
    );
    assert_eq!(switcher(&paul.get("/").await), [WEB_AGENCY]);
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

/// The form actions of the team page's pending invitations.
async fn invitation_actions(browser: &Browser) -> Vec<String> {
    let page = browser.get("/team").await;
    let html = page.html();
    let forms = scraper::Selector::parse("ul.invitations form").unwrap();
    html.select(&forms)
        .filter_map(|f| f.value().attr("action").map(str::to_owned))
        .collect()
}

#[tokio::test]
async fn a_pending_invitation_is_sent_again_with_a_new_link_or_withdrawn() {
    let app = spawn_demo().await;
    let alice = app.logged_in("alice@acme.test").await;
    let invite = [
        ("email", "zoe@acme.test"),
        ("name", "Zoé"),
        ("role", "billing"),
    ];
    alice.submit("/team/invite", &invite).await;
    let first = app.wait_for_email("zoe@acme.test", "invites you").await;
    let first_link = link_in(&first, "/welcome/");

    let actions = invitation_actions(&alice).await;
    let resend = actions.iter().find(|a| a.ends_with("/resend")).unwrap();
    let sent = alice.submit(resend, &[]).await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER);
    let team = alice.get("/team").await;
    assert!(
        team.text()
            .contains("The invitation was sent to zoe@acme.test again"),
        "{}",
        team.text()
    );
    let emails = app.wait_for_mail_files(2).await;
    let links: Vec<String> = emails
        .iter()
        .filter(|e| e.is_to("zoe@acme.test"))
        .map(|e| link_in(e, "/welcome/"))
        .collect();
    assert_eq!(links.len(), 2, "{links:?}");
    let second_link = links.iter().find(|l| **l != first_link).unwrap().clone();
    assert_eq!(
        app.browser().get(&first_link).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(app.browser().get(&second_link).await.status, StatusCode::OK);

    // Withdrawn: the link no longer opens, the team page no longer lists it.
    let actions = invitation_actions(&alice).await;
    let cancel = actions
        .iter()
        .find(|a| a.ends_with("/cancel"))
        .unwrap()
        .clone();
    let withdrawn = alice.submit(&cancel, &[]).await;
    assert_eq!(withdrawn.status, StatusCode::SEE_OTHER);
    assert_eq!(
        app.browser().get(&second_link).await.status,
        StatusCode::NOT_FOUND
    );
    assert!(invitation_actions(&alice).await.is_empty());
    // Again: nothing left to withdraw.
    assert_eq!(
        alice.submit(&cancel, &[]).await.status,
        StatusCode::NOT_FOUND
    );
    // And the address can be invited anew.
    let again = alice.submit("/team/invite", &invite).await;
    assert_eq!(again.status, StatusCode::SEE_OTHER, "{}", again.text());
}

#[tokio::test]
async fn only_the_organizations_managers_resend_or_withdraw_its_invitations() {
    let app = spawn_demo().await;
    let alice = app.logged_in("alice@acme.test").await;
    alice
        .submit(
            "/team/invite",
            &[
                ("email", "zoe@acme.test"),
                ("name", "Zoé"),
                ("role", "billing"),
            ],
        )
        .await;
    let actions = invitation_actions(&alice).await;
    assert_eq!(actions.len(), 2);
    let bob = app.logged_in("bob@acme.test").await;
    assert!(
        invitation_actions(&bob).await.is_empty(),
        "no buttons for Bob"
    );
    let carla = app.logged_in("carla@beta.test").await;
    for action in &actions {
        assert_eq!(bob.submit(action, &[]).await.status, StatusCode::FORBIDDEN);
        assert_eq!(
            carla.submit(action, &[]).await.status,
            StatusCode::NOT_FOUND
        );
    }
    let emails = app.emails_settled().await;
    let to_zoe = emails.iter().filter(|e| e.is_to("zoe@acme.test")).count();
    assert_eq!(to_zoe, 1, "nothing sent again");
    assert_eq!(
        invitation_actions(&alice).await.len(),
        2,
        "nothing withdrawn"
    );
}
