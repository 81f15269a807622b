//! Partnerships from invitation to end: every allowed transition, the forbidden ones,
//! and what each side is told.

mod support;

use partnerdesk::domain::{Access, PartnershipStatus, PaymentMode};
use reqwest::StatusCode;
use support::*;

/// The status of a partnership, seen from the customer.
async fn status_of(app: &TestApp, customer: &'static str, id: &str) -> PartnershipStatus {
    app.partnership(customer, id).await.status
}

/// Beta AG invites Digital Studio with limited access to its first product; returns
/// the partnership id. (Beta's products are its agency's to pay for in the demo: Beta
/// first pays for them itself, since a product another partner pays for stays put.)
async fn beta_invites_studio(app: &TestApp, carla: &Browser) -> String {
    let agency = app.partnership_id(BETA, WEB_AGENCY).await;
    assert_eq!(
        change_payment_mode(carla, &agency, "customer").await.status,
        StatusCode::SEE_OTHER
    );
    let search = carla.get("/partners/new?q=studio").await;
    assert_eq!(search.status, StatusCode::OK);
    let studio = org_id(app, STUDIO).await;
    let invite_link = format!("/partners/new?partner={studio}");
    assert!(
        search.has_link(&invite_link),
        "the search finds Digital Studio: {}",
        search.text()
    );
    let form = carla.get(&invite_link).await;
    let product = form.field("products").expect("Beta's products are listed");
    let sent = carla
        .submit(
            "/partners",
            &[
                ("partner_org_id", &studio),
                ("access", "limited"),
                ("products", &product),
            ],
        )
        .await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.text());
    sent.location()
        .unwrap()
        .trim_start_matches("/partners/")
        .to_owned()
}

#[tokio::test]
async fn a_customer_invites_a_partner_who_accepts() {
    let app = spawn_demo().await;
    let carla = app.logged_in("carla@beta.test").await;
    let id = beta_invites_studio(&app, &carla).await;
    assert_eq!(status_of(&app, BETA, &id).await, PartnershipStatus::Pending);
    let page = carla.get(&format!("/partners/{id}")).await;
    assert!(page.text().contains("Invitation sent"), "{}", page.text());
    assert!(page.text().contains("has until"));

    // Digital Studio's admin is invited by email, with a link to answer.
    let invitation = app
        .wait_for_email("petra@studio.test", "Beta AG invites Digital Studio GmbH")
        .await;
    assert!(
        invitation
            .text
            .contains("Carla Rossi (carla@beta.test) of Beta AG invites Digital Studio GmbH"),
        "{}",
        invitation.text
    );
    assert!(
        invitation.text.contains("Access: Limited access")
            && invitation.text.contains("Products: 1"),
        "{}",
        invitation.text
    );
    let answer = link_in(&invitation, "/clients/");
    let studio = org_id(&app, STUDIO).await;
    assert_eq!(
        answer,
        format!("/clients/{id}?org={studio}"),
        "in the agency"
    );

    let petra = app.logged_in("petra@studio.test").await;
    let page = petra.get(&answer).await;
    assert!(page.text().contains("Invitation received"));
    let accepted = petra.submit(&format!("/clients/{id}/accept"), &[]).await;
    assert_eq!(
        accepted.status,
        StatusCode::SEE_OTHER,
        "{}",
        accepted.text()
    );
    let p = app.partnership(BETA, &id).await;
    assert_eq!(
        (p.status, p.access),
        (PartnershipStatus::Active, Access::Limited)
    );
    let shown = petra.get(&format!("/clients/{id}")).await;
    assert!(
        shown
            .texts(".compact li")
            .iter()
            .any(|l| l.contains("(renews")),
        "the listed product is managed now"
    );

    let told = app
        .wait_for_email("carla@beta.test", "Digital Studio GmbH accepted")
        .await;
    assert!(
        told.text
            .contains("Petra Schmid (petra@studio.test) of Digital Studio GmbH accepted"),
        "{}",
        told.text
    );
    for browser in [&carla, &petra] {
        let base = if std::ptr::eq(browser, &carla) {
            "partners"
        } else {
            "clients"
        };
        let timeline = browser
            .get(&format!("/{base}/{id}"))
            .await
            .texts(".timeline li")
            .join("\n");
        assert!(
            timeline.contains("Invitation sent: Limited access")
                && timeline.contains("Invitation accepted"),
            "{timeline}"
        );
        let csv = browser.get(&format!("/{base}/{id}/timeline.csv")).await;
        assert_eq!(csv.status, StatusCode::OK);
        let lines: Vec<&str> = csv.body.lines().collect();
        assert_eq!(lines[0], "when,event,by,organization,before,after");
        assert!(
            lines[1].contains("Invitation sent") && lines[2].contains("Invitation accepted"),
            "{lines:?}"
        );
    }
}

/// Petra (Digital Studio) asks `email` for `access`; returns the answer.
async fn ask(petra: &Browser, email: &str, access: &str) -> Page {
    petra
        .submit("/clients", &[("email", email), ("access", access)])
        .await
}

/// The link of the request email sent to `to`.
async fn request_link(app: &TestApp, to: &str) -> String {
    let email = app
        .wait_for_email(
            to,
            "Digital Studio GmbH asks to manage your organization's products",
        )
        .await;
    link_in(&email, "/partners/requests/")
}

#[tokio::test]
async fn a_partner_asks_a_client_who_grants_other_rights() {
    let app = spawn_demo().await;
    let petra = app.logged_in("petra@studio.test").await;
    let form = petra.get("/clients/new").await;
    assert_eq!(form.status, StatusCode::OK);
    let asked = ask(&petra, "carla@beta.test", "full").await;
    assert_eq!(asked.status, StatusCode::SEE_OTHER, "{}", asked.text());
    assert_eq!(asked.location(), Some("/clients"));
    let request = app
        .wait_for_email(
            "carla@beta.test",
            "Digital Studio GmbH asks to manage your organization's products",
        )
        .await;
    assert!(
        request.text.contains("asks for full access"),
        "{}",
        request.text
    );
    let carla = app.logged_in("carla@beta.test").await;
    assert!(
        carla
            .get("/partners")
            .await
            .text()
            .contains("Digital Studio GmbH asks for full access")
    );
    let link = link_in(&request, "/partners/requests/");
    let page = carla.get(&link).await;
    assert!(
        page.text()
            .contains("Digital Studio GmbH asks for full access"),
        "{}",
        page.text()
    );
    // Carla grants limited access to one product instead (one Beta pays for itself:
    // a product its agency pays for does not move).
    let agency = app.partnership_id(BETA, WEB_AGENCY).await;
    assert_eq!(
        change_payment_mode(&carla, &agency, "customer")
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    let product = page.field("products").unwrap();
    let accepted = carla
        .submit(
            &format!("{link}/accept"),
            &[("access", "limited"), ("products", &product)],
        )
        .await;
    assert_eq!(
        accepted.status,
        StatusCode::SEE_OTHER,
        "{}",
        accepted.text()
    );
    let id = accepted
        .location()
        .unwrap()
        .trim_start_matches("/partners/")
        .to_owned();
    let p = app.partnership(BETA, &id).await;
    assert_eq!(
        (p.status, p.access),
        (PartnershipStatus::Active, Access::Limited)
    );
    let told = app
        .wait_for_email("petra@studio.test", "Beta AG accepted")
        .await;
    assert!(
        told.text.contains("Access: Limited access"),
        "{}",
        told.text
    );
    let timeline = carla
        .get(&format!("/partners/{id}"))
        .await
        .texts(".timeline li")
        .join(" | ");
    assert!(
        timeline.contains("Invitation sent") && timeline.contains("Invitation accepted"),
        "{timeline}"
    );
    // The request is answered: its link and its buttons are gone.
    assert_eq!(carla.get(&link).await.status, StatusCode::NOT_FOUND);

    // Full access granted without a payment mode is refused with a message.
    let app2 = spawn_demo().await;
    let petra2 = app2.logged_in("petra@studio.test").await;
    ask(&petra2, "carla@beta.test", "full").await;
    let link2 = request_link(&app2, "carla@beta.test").await;
    let carla2 = app2.logged_in("carla@beta.test").await;
    let refused = carla2
        .submit(&format!("{link2}/accept"), &[("access", "full")])
        .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert!(refused.text().contains("With full access, choose who pays"));
    assert_eq!(
        carla2.get(&link2).await.status,
        StatusCode::OK,
        "still open"
    );
    let granted = carla2
        .submit(
            &format!("{link2}/accept"),
            &[("access", "full"), ("payment_mode", "partner")],
        )
        .await;
    assert_eq!(granted.status, StatusCode::SEE_OTHER);
    let id2 = granted
        .location()
        .unwrap()
        .trim_start_matches("/partners/")
        .to_owned();
    assert_eq!(
        app2.partnership(BETA, &id2).await.access,
        Access::Full(PaymentMode::PartnerPays)
    );
}

#[tokio::test]
async fn asking_answers_the_same_whoever_the_address_belongs_to() {
    let app = spawn_demo().await;
    let petra = app.logged_in("petra@studio.test").await;
    // Nobody's address, technical staff's address, a legal representative's address.
    let mut answers = Vec::new();
    for email in ["nobody@nowhere.test", "bob@acme.test", "carla@beta.test"] {
        let asked = ask(&petra, email, "full").await;
        assert_eq!(asked.status, StatusCode::SEE_OTHER, "{email}");
        let said = petra.get("/clients").await;
        let flash = said.texts(".flash").join(" ").replace(email, "ADDRESS");
        let row = said
            .texts("section[aria-labelledby=requests-title] tbody tr")
            .into_iter()
            .find(|r| r.contains(email))
            .expect("the request is listed")
            .replace(email, "ADDRESS");
        answers.push((asked.location().map(str::to_owned), flash, row));
    }
    assert!(
        answers.windows(2).all(|w| w[0] == w[1]),
        "the same answer for every address: {answers:#?}"
    );
    assert!(
        answers[0].1.contains("Request sent to ADDRESS"),
        "{answers:?}"
    );
    // Each address's owner is told; only a representative is asked to answer.
    let nobody = app
        .wait_for_email(
            "nobody@nowhere.test",
            "asks to manage your organization's products",
        )
        .await;
    assert!(
        nobody.text.contains("there is nothing to answer"),
        "{}",
        nobody.text
    );
    assert!(
        nobody.text.starts_with("Hello,"),
        "no name to greet: {}",
        nobody.text
    );
    let bob = app
        .wait_for_email(
            "bob@acme.test",
            "asks to manage your organization's products",
        )
        .await;
    assert!(bob.text.contains("there is nothing to answer"));
    request_link(&app, "carla@beta.test").await;

    let invalid = ask(&petra, "not an email", "full").await;
    assert_eq!(invalid.status, StatusCode::BAD_REQUEST);
    let twice = ask(&petra, "carla@beta.test", "limited").await;
    assert_eq!(twice.status, StatusCode::CONFLICT);
    // Petra withdraws the request to nobody: it is closed.
    let clients = petra.get("/clients").await;
    let html = clients.html();
    let withdraw = html
        .select(
            &scraper::Selector::parse("section[aria-labelledby=requests-title] tbody tr").unwrap(),
        )
        .find(|row| {
            row.text()
                .collect::<String>()
                .contains("nobody@nowhere.test")
        })
        .and_then(|row| {
            row.select(&scraper::Selector::parse("form").unwrap())
                .next()
                .and_then(|f| f.value().attr("action").map(str::to_owned))
        })
        .expect("the request to nobody can be withdrawn");
    assert_eq!(
        petra.submit(&withdraw, &[]).await.status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        petra.submit(&withdraw, &[]).await.status,
        StatusCode::CONFLICT
    );

    // Acme already works with Digital Studio: Alice's answer for Acme is refused.
    ask(&petra, "alice@acme.test", "full").await;
    let link = request_link(&app, "alice@acme.test").await;
    let alice = app.logged_in("alice@acme.test").await;
    // The request's page says so before anything is chosen, and offers no acceptance.
    let page = alice.get(&link).await;
    assert!(
        page.text()
            .contains("Digital Studio GmbH already works with Acme SA"),
        "{}",
        page.text()
    );
    assert!(!page.body.contains("/accept\""), "no acceptance form");
    let again = alice
        .submit(
            &format!("{link}/accept"),
            &[("access", "full"), ("payment_mode", "customer")],
        )
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert!(
        again
            .text()
            .contains("already works with this organization")
    );
    // Only its addressee sees a request; others get 404.
    assert_eq!(
        app.logged_in("carla@beta.test")
            .await
            .get(&link)
            .await
            .status,
        StatusCode::NOT_FOUND
    );

    // Carla also represents Gamma SA: she answers for it after switching to it.
    let gamma = app
        .with_db(|conn| {
            use partnerdesk::db::models::{orgs, users};
            let carla = users::find_by_email(
                conn,
                &partnerdesk::domain::EmailAddress::parse("carla@beta.test").unwrap(),
            )
            .unwrap()
            .unwrap();
            let gamma = orgs::create(conn, "Gamma SA", partnerdesk::domain::Currency::Chf).unwrap();
            orgs::add_member(
                conn,
                &gamma.id,
                &carla.id,
                partnerdesk::domain::Role::LegalRep,
            )
            .unwrap();
            gamma.id
        })
        .await;
    let carla = app.logged_in("carla@beta.test").await;
    carla.submit("/org", &[("org_id", &gamma)]).await;
    let link = request_link(&app, "carla@beta.test").await;
    let page = carla.get(&link).await;
    assert!(
        page.text().contains("You answer for Gamma SA"),
        "{}",
        page.text()
    );
    let granted = carla
        .submit(
            &format!("{link}/accept"),
            &[("access", "full"), ("payment_mode", "customer")],
        )
        .await;
    assert_eq!(granted.status, StatusCode::SEE_OTHER, "{}", granted.text());
    let clients = petra.get("/clients").await.text();
    assert!(clients.contains("Gamma SA"), "{clients}");
}

#[tokio::test]
async fn invitations_are_refused_withdrawn_resent_and_expire() {
    let app = spawn_demo().await;
    let carla = app.logged_in("carla@beta.test").await;
    let petra = app.logged_in("petra@studio.test").await;

    // Refused by the invited side.
    let id = beta_invites_studio(&app, &carla).await;
    assert_eq!(
        petra
            .submit(&format!("/clients/{id}/refuse"), &[])
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(status_of(&app, BETA, &id).await, PartnershipStatus::Ended);
    let told = app
        .wait_for_email("carla@beta.test", "Digital Studio GmbH refused")
        .await;
    assert!(told.text.contains(
        "Petra Schmid (petra@studio.test) of Digital Studio GmbH refused the invitation"
    ));
    assert_eq!(
        petra
            .submit(&format!("/clients/{id}/accept"), &[])
            .await
            .status,
        StatusCode::CONFLICT,
        "too late"
    );

    // Withdrawn by the inviting side.
    let id = beta_invites_studio(&app, &carla).await;
    assert_eq!(
        carla
            .submit(&format!("/partners/{id}/withdraw"), &[])
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(status_of(&app, BETA, &id).await, PartnershipStatus::Ended);
    app.wait_for_email("petra@studio.test", "Beta AG withdrew the invitation")
        .await;

    // Sent again, then left to expire.
    let id = beta_invites_studio(&app, &carla).await;
    assert_eq!(
        carla
            .submit(&format!("/partners/{id}/resend"), &[])
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    let invitations = app
        .emails_settled()
        .await
        .into_iter()
        .filter(|e| e.is_to("petra@studio.test") && e.subject.contains("invites"))
        .count();
    assert_eq!(invitations, 4, "three invitations and one reminder");
    let sent_at = partnerdesk::db::now() - chrono::TimeDelta::days(31);
    let partnership = id.clone();
    app.with_db(move |conn| {
        use diesel::prelude::*;
        use partnerdesk::db::schema::partnerships;
        diesel::update(partnerships::table.find(partnership))
            .set(partnerships::invited_at.eq(Some(sent_at)))
            .execute(conn)
            .unwrap();
    })
    .await;
    let late = petra.submit(&format!("/clients/{id}/accept"), &[]).await;
    assert_eq!(late.status, StatusCode::CONFLICT);
    assert!(late.text().contains("expired"), "{}", late.text());
    assert!(
        carla
            .get(&format!("/partners/{id}"))
            .await
            .text()
            .contains("This invitation expired on")
    );
    let mail = partnerdesk::mail::MailContext::new(
        partnerdesk::config::BaseUrl::parse("http://partnerdesk.test").unwrap(),
    );
    let expired = app
        .with_db(move |conn| {
            partnerdesk::partnerships::expire_invitations(conn, &mail, partnerdesk::db::now())
                .unwrap()
        })
        .await;
    assert_eq!(expired, 1);
    assert_eq!(status_of(&app, BETA, &id).await, PartnershipStatus::Ended);
    app.wait_for_email(
        "carla@beta.test",
        "Your invitation to Digital Studio GmbH expired",
    )
    .await;
    let timeline = carla
        .get(&format!("/partners/{id}"))
        .await
        .texts(".timeline li")
        .join("\n");
    assert!(
        timeline.contains("Invitation expired") && timeline.contains("Invitation sent again"),
        "{timeline}"
    );
}

#[tokio::test]
async fn each_side_may_only_do_its_part() {
    let app = spawn_demo().await;
    let carla = app.logged_in("carla@beta.test").await;
    let petra = app.logged_in("petra@studio.test").await;
    let id = beta_invites_studio(&app, &carla).await;
    let emails_before = outbox_count(&app).await;

    // The inviter cannot answer its own invitation; the invited side cannot withdraw or resend it.
    assert_eq!(
        carla
            .submit(&format!("/partners/{id}/accept"), &[("access", "limited")])
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        carla
            .submit(&format!("/partners/{id}/refuse"), &[])
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        petra
            .submit(&format!("/clients/{id}/withdraw"), &[])
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        petra
            .submit(&format!("/clients/{id}/resend"), &[])
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    // A pending invitation cannot be "stopped", and its access cannot be edited.
    assert_eq!(
        carla.get(&format!("/partners/{id}/end")).await.status,
        StatusCode::CONFLICT
    );
    assert_eq!(
        carla
            .get(&format!("/partners/{id}/access/edit"))
            .await
            .status,
        StatusCode::CONFLICT
    );
    // Organizations outside the partnership do not see it.
    for email in ["alice@acme.test", "paul@webagency.test"] {
        let other = app.logged_in(email).await;
        for path in [
            format!("/partners/{id}/accept"),
            format!("/clients/{id}/accept"),
            format!("/partners/{id}/withdraw"),
        ] {
            assert_eq!(
                other.submit(&path, &[("access", "limited")]).await.status,
                StatusCode::NOT_FOUND,
                "{email} {path}"
            );
        }
    }
    // Wrong side of the URL: the partner's id on the customer's pages.
    assert_eq!(
        petra.get(&format!("/partners/{id}")).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(status_of(&app, BETA, &id).await, PartnershipStatus::Pending);
    assert_eq!(outbox_count(&app).await, emails_before, "nothing was sent");

    // Inviting a partner one already works with is refused.
    let agency = org_id(&app, WEB_AGENCY).await;
    let twice = carla
        .submit(
            "/partners",
            &[
                ("partner_org_id", &agency),
                ("access", "full"),
                ("payment_mode", "customer"),
            ],
        )
        .await;
    assert_eq!(twice.status, StatusCode::CONFLICT);
    assert!(
        twice.text().contains("already work together"),
        "{}",
        twice.text()
    );
    // Only registered partners can be invited; not oneself.
    let acme = org_id(&app, ACME).await;
    assert_eq!(
        carla
            .submit(
                "/partners",
                &[
                    ("partner_org_id", &acme),
                    ("access", "full"),
                    ("payment_mode", "customer")
                ]
            )
            .await
            .status,
        StatusCode::BAD_REQUEST
    );
    let beta = org_id(&app, BETA).await;
    assert_eq!(
        carla
            .submit(
                "/partners",
                &[
                    ("partner_org_id", &beta),
                    ("access", "full"),
                    ("payment_mode", "customer")
                ]
            )
            .await
            .status,
        StatusCode::BAD_REQUEST
    );
    // Limited access needs products of one's own.
    let studio = org_id(&app, STUDIO).await;
    let acme_product: String = app
        .with_db(move |conn| {
            use diesel::prelude::*;
            use partnerdesk::db::schema::products;
            products::table
                .filter(products::customer_org_id.eq(acme))
                .select(products::id)
                .first(conn)
                .unwrap()
        })
        .await;
    let foreign = carla
        .submit(
            "/partners",
            &[
                ("partner_org_id", &studio),
                ("access", "limited"),
                ("products", &acme_product),
            ],
        )
        .await;
    assert_eq!(foreign.status, StatusCode::BAD_REQUEST);
    // Staff without the right see the partnership but cannot act.
    let bob = app.logged_in("bob@acme.test").await;
    let acme_studio = app.partnership_id(ACME, STUDIO).await;
    assert_eq!(
        bob.get(&format!("/partners/{acme_studio}/end"))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(bob.get("/partners/new").await.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn the_customer_changes_the_access_and_both_sides_are_told() {
    let app = spawn_demo().await;
    let id = app.partnership_id(ACME, WEB_AGENCY).await;
    let alice = app.logged_in("alice@acme.test").await;
    let edit = alice.get(&format!("/partners/{id}/access/edit")).await;
    assert_eq!(edit.status, StatusCode::OK);
    let version = edit.field("version").unwrap();
    let product = edit.field("products").unwrap();

    // Full → limited with one product: the payment mode goes, the customer pays.
    let saved = alice
        .submit(
            &format!("/partners/{id}/access"),
            &[
                ("access", "limited"),
                ("products", &product),
                ("version", &version),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.text());
    let p = app.partnership(ACME, &id).await;
    assert_eq!(p.access, Access::Limited);
    let managed = app
        .with_db({
            let id = id.clone();
            move |conn| partnerdesk::db::models::products::managed_by(conn, &id).unwrap()
        })
        .await;
    assert_eq!(managed, vec![product.clone()]);
    let to_paul = app
        .wait_for_email(
            "paul@webagency.test",
            "Access of Web Agency Sàrl to Acme SA's products changed",
        )
        .await;
    assert!(
        to_paul.text.contains("Before: Full access, customer pays")
            && to_paul.text.contains("Now: Limited access"),
        "{}",
        to_paul.text
    );
    assert!(
        to_paul
            .text
            .contains("Acme SA now pays for all its orders and renewals")
    );
    app.wait_for_email("alice@acme.test", "Access of Web Agency Sàrl")
        .await;
    assert!(
        alice
            .get(&format!("/partners/{id}"))
            .await
            .texts(".timeline li")
            .join(" ")
            .contains("Access changed: Full access, customer pays → Limited access")
    );

    // Back to full needs a payment mode; a stale form is refused.
    let version = app.partnership(ACME, &id).await.version.to_string();
    let missing = alice
        .submit(
            &format!("/partners/{id}/access"),
            &[("access", "full"), ("version", &version)],
        )
        .await;
    assert_eq!(missing.status, StatusCode::BAD_REQUEST);
    let stale = alice
        .submit(
            &format!("/partners/{id}/access"),
            &[
                ("access", "full"),
                ("payment_mode", "partner"),
                ("version", "1"),
            ],
        )
        .await;
    assert_eq!(stale.status, StatusCode::CONFLICT);
    // Going to full access with the partner paying moves who pays: verified first.
    let fields = [
        ("access", "full"),
        ("payment_mode", "partner"),
        ("version", version.as_str()),
    ];
    let verify = alice
        .submit(&format!("/partners/{id}/access"), &fields)
        .await;
    assert_eq!(verify.status, StatusCode::OK, "{}", verify.text());
    assert!(verify.text().contains("Verify the change"));
    assert_eq!(app.partnership(ACME, &id).await.access, Access::Limited);
    let mut confirmed = fields.to_vec();
    confirmed.push(("confirm", "1"));
    let back = alice
        .submit(&format!("/partners/{id}/access"), &confirmed)
        .await;
    assert_eq!(back.status, StatusCode::SEE_OTHER);
    assert_eq!(
        app.partnership(ACME, &id).await.access,
        Access::Full(PaymentMode::PartnerPays)
    );
    // The partner cannot change its own rights.
    let paul = app.logged_in("paul@webagency.test").await;
    assert_eq!(
        paul.get(&format!("/partners/{id}/access/edit"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn stopping_needs_two_confirmations_and_the_password() {
    let app = spawn_demo().await;
    let id = app.partnership_id(ACME, WEB_AGENCY).await;
    let paul = app.logged_in("paul@webagency.test").await;

    let first = paul.get(&format!("/clients/{id}/end")).await;
    assert_eq!(first.status, StatusCode::OK);
    assert!(
        first
            .text()
            .contains("The products stay installed in Acme SA's organization")
    );
    assert!(
        first.field("password").is_none(),
        "the first confirmation asks no password"
    );
    let second = paul.submit(&format!("/clients/{id}/end"), &[]).await;
    assert_eq!(second.status, StatusCode::OK);
    assert!(
        second
            .html()
            .select(&scraper::Selector::parse("input[name=password]").unwrap())
            .next()
            .is_some()
    );
    assert_eq!(
        app.partnership(ACME, &id).await.status,
        PartnershipStatus::Active,
        "nothing happened yet"
    );

    let wrong = paul
        .submit(
            &format!("/clients/{id}/end"),
            &[("password", "not my password")],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        wrong
            .text()
            .contains("This is not your password. Nothing was changed.")
    );
    assert_eq!(
        app.partnership(ACME, &id).await.status,
        PartnershipStatus::Active
    );

    let done = paul
        .submit(&format!("/clients/{id}/end"), &[("password", PASSWORD)])
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER);
    assert_eq!(
        app.partnership(ACME, &id).await.status,
        PartnershipStatus::Ended
    );
    for to in ["paul@webagency.test", "alice@acme.test"] {
        let told = app
            .wait_for_email(
                to,
                "The collaboration between Acme SA and Web Agency Sàrl has ended",
            )
            .await;
        assert!(
            told.text.contains(
                "Paul Favre (paul@webagency.test) of Web Agency Sàrl stopped the collaboration"
            ),
            "{}",
            told.text
        );
        assert!(told.text.contains("their renewals are billed to Acme SA"));
    }
    assert_eq!(
        paul.get(&format!("/clients/{id}/end")).await.status,
        StatusCode::CONFLICT,
        "already ended"
    );

    // The products stay with Acme; the next renewals bill Acme, without income for the agency.
    let alice = app.logged_in("alice@acme.test").await;
    assert!(
        alice
            .get("/products")
            .await
            .texts("tbody tr")
            .iter()
            .any(|r| r.contains("Web Hosting"))
    );
    let in_a_year = partnerdesk::db::now().date() + chrono::TimeDelta::days(366);
    let at = partnerdesk::db::now();
    app.with_db(move |conn| partnerdesk::orders::renew_due(conn, in_a_year, at, 810).unwrap())
        .await;
    let (acme, partnership) = (org_id(&app, ACME).await, id.clone());
    let renewed: Vec<(String, Option<String>)> = app
        .with_db(move |conn| {
            use diesel::prelude::*;
            use partnerdesk::db::schema::{income_entries, orders};
            orders::table
                .left_join(income_entries::table)
                .filter(
                    orders::partnership_id
                        .is_null()
                        .or(orders::partnership_id.eq(partnership)),
                )
                .filter(orders::created_at.eq(at))
                .filter(orders::customer_org_id.eq(acme))
                .select((orders::payer_org_id, income_entries::id.nullable()))
                .load(conn)
                .unwrap()
        })
        .await;
    let acme = org_id(&app, ACME).await;
    assert!(!renewed.is_empty());
    assert!(
        renewed
            .iter()
            .all(|(payer, income)| *payer == acme && income.is_none()),
        "{renewed:?}"
    );
}
