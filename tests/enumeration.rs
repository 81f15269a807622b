//! Messages tell nobody whether an address has an account: logging in, inviting a
//! colleague and finding a partner answer alike for an unknown address, one invited
//! but without an account, and one with an account. (Asking a client is covered in
//! tests/lifecycle.rs; the same work is done on each path, see SECURITY.md.)

mod support;

use reqwest::StatusCode;
use support::*;

const UNKNOWN: &str = "nobody@nowhere.test";
const INVITED: &str = "newcomer@example.test";
const KNOWN: &str = "petra@studio.test";

/// Beta invites `INVITED`, who has no account yet.
async fn with_an_invited_address(app: &TestApp) {
    let carla = app.logged_in("carla@beta.test").await;
    let sent = carla
        .submit(
            "/team/invite",
            &[("email", INVITED), ("name", "Newcomer"), ("role", "admin")],
        )
        .await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn logging_in_answers_alike_for_unknown_invited_and_known_addresses() {
    let app = spawn_demo().await;
    with_an_invited_address(&app).await;
    let mut answers = Vec::new();
    for email in [UNKNOWN, INVITED, KNOWN] {
        for password in ["wrong password", ""] {
            let page = app.browser().login(email, password).await;
            answers.push((
                email,
                page.status,
                page.texts(".flash").join(" "),
                page.field("email"),
            ));
        }
    }
    for (email, status, message, typed) in &answers {
        assert_eq!(*status, answers[0].1, "{email}");
        assert_eq!(typed.as_deref(), Some(*email), "what was typed is kept");
        assert!(!message.is_empty(), "{email}: a message is shown");
    }
    let messages: std::collections::BTreeSet<&String> =
        answers.iter().map(|(_, _, m, _)| m).collect();
    assert_eq!(
        messages.len(),
        2,
        "one message for a wrong password, one for a missing one, whoever: {answers:#?}"
    );
}

#[tokio::test]
async fn inviting_a_colleague_answers_alike_for_unknown_invited_and_known_addresses() {
    let app = spawn_demo().await;
    with_an_invited_address(&app).await;
    let alice = app.logged_in("alice@acme.test").await;
    let mut answers = Vec::new();
    for email in [UNKNOWN, INVITED, KNOWN] {
        let sent = alice
            .submit(
                "/team/invite",
                &[("email", email), ("name", "Someone"), ("role", "billing")],
            )
            .await;
        let team = alice.get("/team").await;
        answers.push((
            sent.status,
            sent.location().map(str::to_owned),
            team.texts(".flash").join(" ").replace(email, "ADDRESS"),
        ));
    }
    assert!(
        answers.windows(2).all(|w| w[0] == w[1]),
        "the same answer for every address: {answers:#?}"
    );
    // Nobody was made a member: each address's owner decides.
    assert!(
        !alice
            .get("/team")
            .await
            .texts("tbody tr")
            .iter()
            .any(|r| r.contains(KNOWN))
    );
}

#[tokio::test]
async fn the_partner_search_does_not_look_up_people() {
    let app = spawn_demo().await;
    let alice = app.logged_in("alice@acme.test").await;
    // By name, the agency is found; by its legal representative's address, nothing is.
    let by_name = alice.get("/partners/new?q=agency").await;
    assert!(by_name.text().contains(WEB_AGENCY), "{}", by_name.text());
    let by_address = alice
        .get("/partners/new?q=paul%40webagency.test")
        .await
        .text();
    assert!(!by_address.contains(WEB_AGENCY), "{by_address}");
    assert!(
        by_address.contains("No registered partner matches"),
        "{by_address}"
    );
}
