//! Languages: the browser's language is honoured, the switch in the header changes it and
//! the account remembers it, every page of the demo reads in French, and each email is
//! written in its recipient's language.

mod support;

use std::collections::{BTreeSet, VecDeque};

use diesel::prelude::*;
use partnerdesk::db::schema::{invoices, users};
use partnerdesk::domain::{Currency, Money};
use partnerdesk::i18n::{Locale, money_in};
use reqwest::StatusCode;
use scraper::Selector;
use support::*;

const SWISS_FRENCH: &str = "fr-CH,fr;q=0.9,en;q=0.8";

fn html_lang(page: &Page) -> String {
    page.html()
        .select(&Selector::parse("html").unwrap())
        .next()
        .and_then(|html| html.value().attr("lang").map(str::to_owned))
        .unwrap_or_default()
}

fn stored_locale_of(app: &TestApp, email: &'static str) -> impl Future<Output = Option<String>> {
    app.with_db(move |conn| {
        users::table
            .filter(users::email.eq(email))
            .select(users::locale)
            .first::<Option<String>>(conn)
            .unwrap()
    })
}

/// Whether `page` is one, not a download it links (a CSV file, a PDF document).
fn is_html(page: &Page) -> bool {
    page.headers
        .get("content-type")
        .and_then(|t| t.to_str().ok())
        .is_some_and(|t| t.starts_with("text/html"))
}

/// Every page reachable by links from the dashboard, as `email` sees it.
async fn crawl(browser: &Browser) -> Vec<(String, Page)> {
    let links = Selector::parse("a[href^='/']").unwrap();
    let mut seen = BTreeSet::from(["/".to_owned()]);
    let mut queue = VecDeque::from(["/".to_owned()]);
    let mut pages = Vec::new();
    while let Some(path) = queue.pop_front() {
        let page = browser.get(&path).await;
        if is_html(&page) {
            for href in page
                .html()
                .select(&links)
                .filter_map(|a| a.value().attr("href"))
            {
                let href = href.split('#').next().unwrap_or_default().to_owned();
                if !href.starts_with("/static/") && seen.insert(href.clone()) {
                    queue.push_back(href);
                }
            }
        }
        pages.push((path, page));
    }
    pages
}

/// The English of the catalog a French page must not show: each text whose French
/// differs, cut at its placeholders into pieces of at least two words.
fn english_pieces() -> Vec<String> {
    let catalog =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/locales/fr.yml")).unwrap();
    let placeholder = regex::Regex::new(r"%\{[a-z_0-9]+\}").unwrap();
    let mut pieces = BTreeSet::new();
    for line in catalog.lines().filter(|l| l.starts_with('"')) {
        let Ok(pair) = serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(
            &format!("{{{line}}}"),
        ) else {
            continue;
        };
        for (english, french) in pair {
            let french = french.as_str().unwrap_or_default();
            for piece in placeholder.split(&english) {
                let piece = piece.trim_matches(|c: char| !c.is_alphanumeric());
                if piece.split_whitespace().count() >= 2
                    && piece.len() >= 10
                    && !french.contains(piece)
                {
                    pieces.insert(piece.to_owned());
                }
            }
        }
    }
    pieces.into_iter().collect()
}

/// What of `text` is English left behind: pieces of the catalog's English, and days
/// written the English way.
fn english_in(text: &str, pieces: &[String]) -> Vec<String> {
    let english_day =
        regex::Regex::new(r"\b(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{1,2}, \d{4}")
            .unwrap();
    let mut found: Vec<String> = pieces
        .iter()
        .filter(|piece| text.contains(piece.as_str()))
        .cloned()
        .collect();
    found.extend(english_day.find_iter(text).map(|m| m.as_str().to_owned()));
    found
}

#[tokio::test]
async fn every_page_of_the_demo_reads_in_the_browsers_language() {
    let app = spawn_demo().await;

    let visitor = app.browser_speaking(SWISS_FRENCH);
    let login = visitor.get("/login").await;
    assert_eq!(html_lang(&login), "fr-CH");
    assert!(login.text().contains("Se connecter"), "{}", login.text());
    assert!(login.has_link("/about"));
    let about = visitor.get("/about").await;
    assert!(
        about.text().contains("À propos de partnerdesk"),
        "{}",
        about.text()
    );

    let pieces = english_pieces();
    assert!(pieces.len() > 300, "the catalog is read: {}", pieces.len());
    let mut english = Vec::new();
    let mut visited = 0;
    for email in partnerdesk::demo::LOGINS.iter().map(|login| login.email) {
        let browser = app.logged_in_speaking(email, SWISS_FRENCH).await;
        for (path, page) in crawl(&browser).await {
            assert_eq!(
                page.status,
                StatusCode::OK,
                "{email} GET {path}: {}",
                page.text()
            );
            if is_html(&page) {
                assert_eq!(html_lang(&page), "fr-CH", "{email} GET {path}");
                let left = english_in(&page.text(), &pieces);
                if !left.is_empty() {
                    english.push(format!("{email} GET {path}: {left:?}"));
                }
            }
            visited += 1;
        }
    }
    assert!(visited > 30, "only {visited} pages were reached");
    assert!(
        english.is_empty(),
        "English left on French pages:\n{}",
        english.join("\n")
    );

    // What a French reader sees: the sidebar, amounts and dates written the Swiss way.
    let alice = app
        .logged_in_speaking("alice@acme.test", SWISS_FRENCH)
        .await;
    let dashboard = alice.get("/").await;
    assert!(dashboard.text().contains("Tableau de bord"));
    let acme = org_id(&app, ACME).await;
    let payer = acme.clone();
    let (invoice_id, total, issued_at) = app
        .with_db(move |conn| {
            invoices::table
                .filter(invoices::payer_org_id.eq(payer))
                .select((invoices::id, invoices::total, invoices::issued_at))
                .first::<(String, i64, chrono::NaiveDateTime)>(conn)
                .unwrap()
        })
        .await;
    let invoice = alice.get(&format!("/invoices/{invoice_id}")).await;
    let text = invoice.text();
    let amount = money_in(Locale::FrCh, Money::new(total, Currency::Chf));
    assert!(text.contains(&amount), "{amount} not in {text}");
    let day = issued_at.format("%d.%m.%Y").to_string();
    assert!(text.contains(&day), "{day} not in {text}");

    // Errors and flashes too.
    let missing = alice.get("/partners/no-such-partner").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert!(
        missing.text().contains("Page introuvable"),
        "{}",
        missing.text()
    );
    let id = app.partnership_id(ACME, WEB_AGENCY).await;
    let saved = change_payment_mode(&alice, &id, "partner").await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER);
    let partner = alice.get(&format!("/partners/{id}")).await;
    assert!(
        partner.texts(".flash").iter().any(|f| f.contains("paie")),
        "{:?}",
        partner.texts(".flash")
    );
    // The timeline is read from the database on another thread, in the reader's language.
    let timeline = partner.texts("#timeline li").join(" | ");
    assert!(
        timeline.contains("Accès complet, le client paie") && !timeline.contains("Full access"),
        "{timeline}"
    );
    // An invoice's lines are written once, in the language of whoever orders.
    let (_, placed) = order_and_confirm(
        &alice,
        "/orders",
        &[("customer_org_id", &acme), ("offer", "web-hosting")],
    )
    .await;
    assert_eq!(placed.status, StatusCode::SEE_OTHER, "{}", placed.body);
    let ordered = alice
        .get(&format!("/invoices/{}", latest_invoice(&app).await.id))
        .await;
    let lines = ordered.texts("table td").join(" | ");
    assert!(lines.contains(", du "), "{lines}");

    assert_eq!(
        partnerdesk::i18n::untranslated(),
        Vec::<String>::new(),
        "texts shown in English to a French reader"
    );
}

#[tokio::test]
async fn the_switch_changes_the_language_and_the_account_remembers_it() {
    let app = spawn_demo().await;
    let paul = app.logged_in("paul@webagency.test").await;
    assert!(paul.get("/").await.text().contains("Dashboard"));
    assert_eq!(
        stored_locale_of(&app, "paul@webagency.test")
            .await
            .as_deref(),
        Some("en"),
        "the first login keeps the language browsed in"
    );

    let token = paul.csrf_token().await;
    let switched = paul
        .client
        .post(format!("{}/lang", paul.address))
        .header("referer", "http://partnerdesk.test/clients")
        .form(&[("csrf_token", token.as_str()), ("lang", "fr")])
        .send()
        .await
        .unwrap();
    assert_eq!(switched.status(), StatusCode::SEE_OTHER);
    assert_eq!(switched.headers()["location"], "/clients");
    let clients = paul.get("/clients").await;
    assert_eq!(html_lang(&clients), "fr");
    assert!(clients.text().contains("Tableau de bord"));
    assert_eq!(
        stored_locale_of(&app, "paul@webagency.test")
            .await
            .as_deref(),
        Some("fr")
    );

    // An unknown language is refused, and changes nothing.
    let refused = paul.submit("/lang", &[("lang", "klingon")]).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert!(refused.text().contains("Choisissez"), "{}", refused.text());
    assert_eq!(html_lang(&paul.get("/").await), "fr");

    // Logging out ends the session, not the language.
    let token = paul.csrf_token().await;
    let out = paul
        .post("/logout", &[("csrf_token", token.as_str())])
        .await;
    assert_eq!(out.status, StatusCode::SEE_OTHER);
    assert_eq!(paul.get("/").await.status, StatusCode::SEE_OTHER);
    assert_eq!(html_lang(&paul.get("/login").await), "fr");

    // Another browser, whatever its language, finds French after logging in.
    let elsewhere = app.logged_in_speaking("paul@webagency.test", "en-US").await;
    assert_eq!(html_lang(&elsewhere.get("/").await), "fr");

    // A browser in Switzerland keeps its Swiss numbers when it switches language.
    let visitor = app.browser_speaking("de-CH");
    assert_eq!(html_lang(&visitor.get("/login").await), "en-CH");
    let token = visitor.csrf_token().await;
    visitor
        .post("/lang", &[("csrf_token", token.as_str()), ("lang", "fr")])
        .await;
    assert_eq!(html_lang(&visitor.get("/login").await), "fr-CH");
}

#[tokio::test]
async fn each_email_is_written_in_its_recipients_language() {
    let app = spawn_demo().await;
    // Paul reads French (his first login was from a French browser); Alice, English.
    app.logged_in_speaking("paul@webagency.test", "fr").await;
    let alice = app.logged_in("alice@acme.test").await;
    let id = app.partnership_id(ACME, WEB_AGENCY).await;
    assert_eq!(
        change_payment_mode(&alice, &id, "partner").await.status,
        StatusCode::SEE_OTHER
    );

    let emails = app.wait_for_mail_files(2).await;
    let to = |address: &str| emails.iter().find(|e| e.is_to(address)).unwrap();
    let paul = to("paul@webagency.test");
    assert_eq!(
        paul.subject,
        "Acme SA a changé qui paie : désormais « Le partenaire paie »"
    );
    assert!(
        paul.text.starts_with("Bonjour Paul Favre,"),
        "{}",
        paul.text
    );
    assert!(paul.html.contains("lang=\"fr\""), "{}", paul.html);
    let alice = to("alice@acme.test");
    assert_eq!(
        alice.subject,
        "Payment mode for Web Agency Sàrl changed to “Partner pays”"
    );
    assert!(alice.text.starts_with("Hello Alice"), "{}", alice.text);
}
