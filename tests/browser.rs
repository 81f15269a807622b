//! The main flows in a real headless Chromium (driven through chromedriver): every page
//! passed is screenshotted under `target/browser-screenshots/`, checked with axe-core (no
//! serious or critical violation), and must log no console error and load nothing from
//! another site. Without Chromium the tests say they are skipped; with
//! `PARTNERDESK_REQUIRE_BROWSER=1` (CI) a missing browser or axe-core is a failure.

mod support;

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::actions::{InputSource, KeyAction, KeyActions};
use fantoccini::key::Key;
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::{Value, json};
use support::*;

fn required() -> bool {
    std::env::var("PARTNERDESK_REQUIRE_BROWSER").is_ok_and(|v| v == "1")
}

fn find_file(env: &str, candidates: &[PathBuf]) -> Option<PathBuf> {
    std::env::var(env)
        .ok()
        .map(PathBuf::from)
        .into_iter()
        .chain(candidates.iter().cloned())
        .find(|p| p.exists())
}

/// A chromedriver with one headless Chromium session, and where its screenshots go.
struct Browser {
    client: Client,
    driver: Child,
    driver_url: String,
    session: String,
    axe: Option<String>,
    shots: PathBuf,
    shot: usize,
    base: String,
    _profile: tempfile::TempDir,
}

impl Drop for Browser {
    /// Ends the WebDriver session first, so that chromedriver closes Chromium: killed on
    /// its own, it would leave the browser's processes running after the test.
    fn drop(&mut self) {
        end_session(&self.driver_url, &self.session);
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

/// `DELETE /session/{id}`, waited for (Drop cannot await the async client).
fn end_session(driver_url: &str, session: &str) {
    use std::io::{Read, Write};
    let Some(host) = driver_url.strip_prefix("http://") else {
        return;
    };
    let Ok(mut stream) = std::net::TcpStream::connect(host) else {
        return;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
    let request =
        format!("DELETE /session/{session} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n");
    if stream.write_all(request.as_bytes()).is_ok() {
        let _ = stream.read_to_end(&mut Vec::new());
    }
}

async fn open(test: &str, app: &TestApp) -> Option<Browser> {
    let driver_path = find_file("CHROMEDRIVER", &[PathBuf::from("/usr/bin/chromedriver")]);
    let chrome_path = find_file(
        "CHROME",
        &[
            PathBuf::from("/usr/bin/chromium"),
            PathBuf::from("/usr/bin/chromium-browser"),
        ],
    );
    let (Some(driver_path), Some(chrome_path)) = (driver_path, chrome_path) else {
        assert!(
            !required(),
            "Chromium and chromedriver are required (PARTNERDESK_REQUIRE_BROWSER=1) but not installed"
        );
        eprintln!(
            "skipped {test}: no Chromium / chromedriver on this machine (apt-get install chromium chromium-driver)"
        );
        return None;
    };
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let axe_path = find_file(
        "AXE_CORE_JS",
        &[
            manifest.join("target/npm/node_modules/axe-core/axe.min.js"),
            manifest.join("node_modules/axe-core/axe.min.js"),
        ],
    );
    assert!(
        axe_path.is_some() || !required(),
        "axe-core is required: set AXE_CORE_JS or npm install axe-core"
    );
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let driver = Command::new(driver_path)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let driver_url = format!("http://127.0.0.1:{port}");
    for _ in 0..100 {
        if reqwest::get(format!("{driver_url}/status")).await.is_ok() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let profile = tempfile::tempdir().unwrap();
    let shots = manifest.join("target/browser-screenshots").join(test);
    let _ = std::fs::remove_dir_all(&shots);
    std::fs::create_dir_all(&shots).unwrap();
    let mut capabilities = serde_json::Map::new();
    capabilities.insert(
        "goog:chromeOptions".into(),
        json!({
            "binary": chrome_path,
            "args": [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--no-first-run", "--disable-extensions", "--window-size=1280,900",
                format!("--user-data-dir={}", profile.path().display()),
            ],
            // What a page downloads goes beside its screenshots, unasked.
            "prefs": {
                "download.default_directory": shots.join("downloads"),
                "download.prompt_for_download": false,
            },
        }),
    );
    capabilities.insert("goog:loggingPrefs".into(), json!({ "browser": "ALL" }));
    let client = ClientBuilder::new(HttpConnector::new())
        .capabilities(capabilities)
        .connect(&driver_url)
        .await
        .expect("a Chromium session");
    let session = client.session_id().await.unwrap().expect("a session id");
    Some(Browser {
        client,
        driver,
        driver_url,
        session,
        axe: axe_path.map(|p| std::fs::read_to_string(p).unwrap()),
        shots,
        shot: 0,
        base: app.address.clone(),
        _profile: profile,
    })
}

impl Browser {
    async fn goto(&self, path: &str) {
        self.client
            .goto(&format!("{}{path}", self.base))
            .await
            .unwrap();
    }

    /// Clicks something that loads a new page, and waits for it.
    async fn follow(&self, locator: Locator<'_>) {
        let old = self.client.find(Locator::Css("html")).await.unwrap();
        let target = self
            .client
            .find(locator)
            .await
            .unwrap_or_else(|e| panic!("nothing to click at {locator:?}: {e}"));
        target.click().await.unwrap();
        self.wait_for_new_page(old).await;
    }

    async fn wait_for_new_page(&self, old: fantoccini::elements::Element) {
        for _ in 0..200 {
            // The old page's root goes stale once the new page is there.
            if old.tag_name().await.is_err() {
                let ready = self
                    .client
                    .execute("return document.readyState;", vec![])
                    .await
                    .unwrap();
                if ready == "complete" {
                    return;
                }
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        panic!("the next page did not load");
    }

    async fn click(&self, css: &str) {
        self.follow(Locator::Css(css)).await;
    }

    async fn click_link(&self, text: &str) {
        self.follow(Locator::LinkText(text)).await;
    }

    /// Clicks a control that stays on the page (a radio button, a checkbox).
    async fn choose(&self, css: &str) {
        self.client
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("no {css}: {e}"))
            .click()
            .await
            .unwrap();
    }

    /// Picks an option of a drop-down list.
    async fn select(&self, css: &str, value: &str) {
        self.client
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("no {css}: {e}"))
            .select_by_value(value)
            .await
            .unwrap();
    }

    /// The page's language, as its `<html lang>` says.
    async fn language(&self) -> String {
        self.client
            .find(Locator::Css("html"))
            .await
            .unwrap()
            .attr("lang")
            .await
            .unwrap()
            .unwrap_or_default()
    }

    /// Fails if the page is wider than the window (it would scroll sideways).
    async fn assert_fits_the_window(&self, what: &str) {
        let overflow = self
            .client
            .execute(
                "return document.documentElement.scrollWidth - window.innerWidth;",
                vec![],
            )
            .await
            .unwrap();
        if overflow.as_i64().unwrap() > 0 {
            let culprits = self
                .client
                .execute(
                    "return [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > window.innerWidth + 1).map(e => e.tagName + '.' + e.className).slice(0, 8);",
                    vec![],
                )
                .await
                .unwrap();
            panic!("{what} scrolls sideways by {overflow}px: {culprits}");
        }
    }

    /// Presses and releases a key, as a person at the keyboard does.
    async fn press(&self, key: char) {
        let actions = KeyActions::new("keyboard".into())
            .then(KeyAction::Down { value: key })
            .then(KeyAction::Up { value: key });
        self.client.perform_actions(actions).await.unwrap();
    }

    async fn type_text(&self, text: &str) {
        for c in text.chars() {
            self.press(c).await;
        }
    }

    async fn fill(&self, css: &str, value: &str) {
        let field = self.client.find(Locator::Css(css)).await.unwrap();
        field.clear().await.unwrap();
        field.send_keys(value).await.unwrap();
    }

    async fn text(&self, css: &str) -> String {
        self.client
            .find(Locator::Css(css))
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    }

    async fn path(&self) -> String {
        self.client.current_url().await.unwrap().path().to_owned()
    }

    /// The page as the user sees it now: screenshot, accessibility, console, resources.
    async fn check_page(&mut self, name: &str) {
        self.shot += 1;
        let png = self.client.screenshot().await.unwrap();
        std::fs::write(self.shots.join(format!("{:02}-{name}.png", self.shot)), png).unwrap();

        if let Some(axe) = &self.axe {
            self.client.execute(axe, vec![]).await.unwrap();
            let results = self
                .client
                .execute_async(
                    "const done = arguments[arguments.length - 1];
                     axe.run(document, { resultTypes: ['violations'] }).then(r => done(r.violations.map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.map(n => n.target.join(' '))})))).catch(e => done([{id: 'axe-error', impact: 'critical', nodes: [String(e)]}]));",
                    vec![],
                )
                .await
                .unwrap();
            let serious: Vec<&Value> = results
                .as_array()
                .unwrap()
                .iter()
                .filter(|v| matches!(v["impact"].as_str(), Some("serious" | "critical")))
                .collect();
            assert!(
                serious.is_empty(),
                "{name}: accessibility violations {serious:?}"
            );
        }

        let resources = self
            .client
            .execute("return performance.getEntriesByType('resource').map(e => [e.name, e.responseStatus || 0]);", vec![])
            .await
            .unwrap();
        for entry in resources.as_array().unwrap() {
            let url = entry[0].as_str().unwrap();
            assert!(
                url.starts_with(&self.base),
                "{name} loads a resource from another site: {url}"
            );
            let status = entry[1].as_u64().unwrap_or(0);
            assert!(
                status == 0 || status < 400,
                "{name}: {url} answered {status}"
            );
        }

        let logs = reqwest::Client::new()
            .post(format!(
                "{}/session/{}/se/log",
                self.driver_url, self.session
            ))
            .header("content-type", "application/json")
            .body(json!({ "type": "browser" }).to_string())
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let logs: Value = serde_json::from_str(&logs).unwrap_or(Value::Null);
        assert!(
            logs["value"].is_array(),
            "{name}: the browser's console cannot be read: {logs}"
        );
        let errors: Vec<&Value> = logs["value"]
            .as_array()
            .map(|v| v.iter().filter(|e| e["level"] == "SEVERE").collect())
            .unwrap_or_default();
        assert!(errors.is_empty(), "{name}: console errors {errors:?}");
    }

    async fn log_in(&mut self, email: &str) {
        self.goto("/login").await;
        self.check_page(&format!("login-{}", email.split('@').next().unwrap()))
            .await;
        self.fill("#email", email).await;
        self.fill("#password", PASSWORD).await;
        self.click("button[type=submit]").await;
        assert_eq!(self.path().await, "/");
        self.check_page("dashboard").await;
    }

    /// Whether the first element `css` selects is shown.
    async fn shown(&self, css: &str) -> bool {
        self.client
            .execute(
                "return document.querySelector(arguments[0]).checkVisibility();",
                vec![json!(css)],
            )
            .await
            .unwrap()
            .as_bool()
            .unwrap()
    }

    /// Logs out with the header's button, opening the menu first at phone width.
    async fn log_out(&self) {
        if self.shown(".menu-button").await {
            self.choose(".menu-button").await;
        }
        self.click("form[action='/logout'] button").await;
        assert_eq!(self.path().await, "/login");
    }
}

#[tokio::test]
async fn the_customer_changes_who_pays_and_the_partner_sees_it() {
    let app = spawn_demo_at_own_address().await;
    let Some(mut b) = open("customer-and-partner", &app).await else {
        return;
    };

    b.log_in("alice@acme.test").await;
    b.click_link("Partner").await;
    b.check_page("partners").await;
    b.click_link(WEB_AGENCY).await;
    b.check_page("partner").await;
    b.click("a.pencil").await;
    b.check_page("payment-edit").await;
    b.choose("#mode-partner").await;
    b.click("form[action$='/payment/verify'] button[type=submit]")
        .await;
    b.check_page("payment-verify").await;
    assert!(b.text("h1").await.contains("Verify the change"));
    b.click("form[action$='/payment'] button[type=submit]")
        .await;
    assert!(
        b.text(".flash")
            .await
            .contains("Payment mode changed to “Partner pays”")
    );
    b.check_page("partner-after-change").await;
    b.log_out().await;

    b.log_in("paul@webagency.test").await;
    b.click_link("Clients").await;
    b.check_page("clients").await;
    b.click_link(ACME).await;
    assert_eq!(b.text(".payment-value").await, "Partner pays");
    b.check_page("client").await;
    b.click_link("Income").await;
    b.check_page("income").await;
    b.click_link("Invoices").await;
    b.check_page("invoices").await;
    b.click("tbody a").await;
    b.check_page("invoice").await;
}

#[tokio::test]
async fn a_partner_orders_for_its_client() {
    let app = spawn_demo_at_own_address().await;
    let Some(mut b) = open("ordering", &app).await else {
        return;
    };
    b.log_in("paul@webagency.test").await;
    b.click_link("Products").await;
    b.check_page("products").await;
    b.click_link("Managed for clients").await;
    b.check_page("products-of-clients").await;
    let customer = b.client.find(Locator::Css("#customer")).await.unwrap();
    customer.select_by_label(BETA).await.unwrap();
    let offer = b.client.find(Locator::Css("#offer")).await.unwrap();
    offer.select_by_value("kdrive").await.unwrap();
    b.click("form[action='/orders'] button[type=submit]").await;
    b.check_page("order-confirmation").await;
    assert!(
        b.text(".payer")
            .await
            .contains("Web Agency Sàrl (your organization) pays")
    );
    b.click("button[name=confirm]").await;
    assert!(
        b.text(".flash")
            .await
            .contains("kDrive 1 TB ordered for Beta AG")
    );
    b.check_page("ordered").await;
}

#[tokio::test]
async fn a_customer_invites_a_partner_who_accepts_then_stops() {
    let app = spawn_demo_at_own_address().await;
    let Some(mut b) = open("invitation-and-end", &app).await else {
        return;
    };
    // Beta pays for its products itself first: one its agency pays for stays put.
    let agency = app.partnership_id(BETA, WEB_AGENCY).await;
    let carla = app.logged_in("carla@beta.test").await;
    change_payment_mode(&carla, &agency, "customer").await;
    b.log_in("carla@beta.test").await;
    b.click_link("Partner").await;
    b.click_link("Add a partner").await;
    b.fill("#q", "studio").await;
    b.click("form[role=search] button").await;
    b.check_page("partner-search").await;
    b.click("tbody a").await;
    b.choose("#access-limited").await;
    b.choose("#product-1").await;
    b.check_page("invite").await;
    b.click("form[action='/partners'] button[type=submit]")
        .await;
    assert!(b.text(".flash").await.contains("Invitation sent"));
    b.check_page("invited").await;
    b.log_out().await;

    b.log_in("petra@studio.test").await;
    b.click_link("Clients").await;
    b.click_link(BETA).await;
    b.check_page("invitation-received").await;
    b.click("form[action$='/accept'] button").await;
    assert!(b.text(".flash").await.contains("Invitation accepted"));
    b.click_link("Stop the collaboration").await;
    b.check_page("stop-1").await;
    b.click("form[action$='/end'] button").await;
    b.check_page("stop-2").await;
    b.fill("#password", PASSWORD).await;
    b.click("form[action$='/end'] button").await;
    assert!(b.text(".flash").await.contains("has ended"));
    b.check_page("stopped").await;
}

/// Tabs until the focused control's text (or id) contains `label`, checks that the
/// focus is visible, and presses `key` there (a key that loads a page waits for it).
async fn tab_to(b: &Browser, label: &str, key: Option<char>) {
    for _ in 0..80 {
        b.press(char::from(Key::Tab)).await;
        let active = b.client.active_element().await.unwrap();
        let text = active.text().await.unwrap_or_default();
        let id = active
            .attr("id")
            .await
            .unwrap_or_default()
            .unwrap_or_default();
        // A control, not a region that merely holds the text (a scrollable table).
        let tag = active.tag_name().await.unwrap_or_default();
        let control = ["a", "button", "input", "select", "textarea"].contains(&tag.as_str());
        if control && (text.contains(label) || id == label) {
            let outline = active.css_value("outline-style").await.unwrap();
            assert_ne!(outline, "none", "the focus on {label:?} is visible");
            if let Some(key) = key {
                let old = b.client.find(Locator::Css("html")).await.unwrap();
                b.press(key).await;
                if key == char::from(Key::Enter) {
                    b.wait_for_new_page(old).await;
                }
            }
            return;
        }
    }
    panic!("{label:?} cannot be reached with the Tab key");
}

#[tokio::test]
async fn the_whole_payment_flow_works_with_the_keyboard_alone() {
    let app = spawn_demo_at_own_address().await;
    let Some(mut b) = open("keyboard", &app).await else {
        return;
    };
    b.goto("/login").await;
    let enter = Some(char::from(Key::Enter));
    tab_to(&b, "email", None).await;
    b.type_text("alice@acme.test").await;
    tab_to(&b, "password", None).await;
    b.type_text(PASSWORD).await;
    let old = b.client.find(Locator::Css("html")).await.unwrap();
    b.press(char::from(Key::Enter)).await;
    b.wait_for_new_page(old).await;
    assert_eq!(b.path().await, "/");
    tab_to(&b, "Partner", enter).await;
    tab_to(&b, WEB_AGENCY, enter).await;
    tab_to(&b, "Change who pays", enter).await;
    assert!(b.path().await.ends_with("/payment/edit"));
    b.check_page("keyboard-edit").await;
    // In the radio group, an arrow key moves the choice to the other mode.
    tab_to(&b, "mode-customer", Some(char::from(Key::Down))).await;
    tab_to(&b, "Verify", enter).await;
    b.check_page("keyboard-verify").await;
    tab_to(&b, "Confirm", enter).await;
    assert!(
        b.text(".flash")
            .await
            .contains("Payment mode changed to “Partner pays”")
    );
    b.check_page("keyboard-done").await;
}

/// Whether the page's first heading starts within `pixels` of the top of the window.
async fn heading_within(b: &Browser, pixels: i64) -> bool {
    let top = b
        .client
        .execute(
            "return Math.round(document.querySelector('main h1').getBoundingClientRect().top);",
            vec![],
        )
        .await
        .unwrap();
    top.as_i64().unwrap() <= pixels
}

/// Whether the sidebar's link to `href` can be seen (not behind a closed menu).
async fn section_link_shown(b: &Browser, href: &str) -> bool {
    b.shown(&format!("nav.sidebar a[href='{href}']")).await
}

#[tokio::test]
async fn pages_hold_from_phone_width_to_a_wide_screen() {
    let app = spawn_demo_at_own_address().await;
    let Some(mut b) = open("widths", &app).await else {
        return;
    };
    let id = app.partnership_id(ACME, WEB_AGENCY).await;
    let customer: Vec<String> = [
        "/",
        "/partners",
        &format!("/partners/{id}"),
        &format!("/partners/{id}/access/edit"),
        &format!("/partners/{id}/payment/edit"),
        "/partners/new?q=studio",
        "/products",
        "/invoices",
        "/billing",
        "/team",
        "/account",
        "/account/two-factor",
    ]
    .map(str::to_owned)
    .to_vec();
    let partner: Vec<String> = [
        "/",
        "/clients",
        &format!("/clients/{id}"),
        "/clients/new",
        "/products?view=clients",
        "/income",
        "/invoices",
    ]
    .map(str::to_owned)
    .to_vec();
    for (who, email, pages) in [
        ("customer", "alice@acme.test", customer),
        ("partner", "paul@webagency.test", partner),
    ] {
        b.log_in(email).await;
        for (width, height) in [(390, 844), (1366, 768)] {
            b.client.set_window_size(width, height).await.unwrap();
            for path in &pages {
                b.goto(path).await;
                let what = format!("{path} as the {who} at {width}px");
                b.assert_fits_the_window(&what).await;
                // The content comes first: at phone width the header is one line and
                // the sections wait behind "Menu"; wider, they are always shown.
                assert!(
                    heading_within(&b, 140).await,
                    "{what}: the heading starts below the first 140px"
                );
                assert_eq!(
                    section_link_shown(&b, "/team").await,
                    width > 768,
                    "{what}: the sections are shown only on a wide screen until the menu is opened"
                );
                assert_eq!(
                    b.shown(".menu-button").await,
                    width <= 768,
                    "{what}: the menu button is for phones"
                );
                let name: String = path
                    .replace(&id, "ID")
                    .chars()
                    .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
                    .collect();
                b.check_page(&format!("{width}px-{who}{name}")).await;
            }
        }
        // At phone width the menu opens without a script and leads to a section.
        b.client.set_window_size(390, 844).await.unwrap();
        b.goto("/").await;
        b.choose(".menu-button").await;
        assert!(section_link_shown(&b, "/team").await, "the menu opens");
        b.check_page(&format!("390px-{who}-menu-open")).await;
        b.follow(Locator::Css("nav.sidebar a[href='/team']")).await;
        assert_eq!(b.path().await, "/team");
        // Left open while the screen grows wider (a phone turned), the menu stays usable
        // until closed; then the sections are in their column.
        b.choose(".menu-button").await;
        b.client.set_window_size(1366, 768).await.unwrap();
        assert!(b.shown(".menu-close").await, "the open menu can be closed");
        b.check_page(&format!("1366px-{who}-menu-left-open")).await;
        b.choose(".menu-close button").await;
        assert!(!b.shown(".menu-close").await, "closed");
        assert!(section_link_shown(&b, "/team").await);
        b.log_out().await;
    }
}

#[tokio::test]
async fn the_header_switch_turns_the_console_french() {
    let app = spawn_demo_at_own_address().await;
    let Some(mut b) = open("french", &app).await else {
        return;
    };
    b.log_in("alice@acme.test").await;
    assert_eq!(b.language().await, "en");
    b.select("#lang-switch", "fr").await;
    b.click(".lang-switcher button").await;
    assert_eq!(b.path().await, "/");
    assert_eq!(b.language().await, "fr");
    assert_eq!(b.text("h1").await, "Bonjour Alice");
    b.check_page("tableau-de-bord").await;

    // The customer's flow, in French, at phone width where French's longer words must fit.
    b.client.set_window_size(390, 844).await.unwrap();
    b.choose(".menu-button").await;
    b.check_page("menu").await;
    b.click_link("Partenaire").await;
    b.check_page("partenaires").await;
    b.click_link(WEB_AGENCY).await;
    b.assert_fits_the_window("the partner page in French").await;
    b.check_page("partenaire").await;
    b.click("a.pencil").await;
    b.check_page("paiement").await;
    b.choose("#mode-partner").await;
    b.click("form[action$='/payment/verify'] button[type=submit]")
        .await;
    b.assert_fits_the_window("the verify page in French").await;
    b.check_page("verifier").await;
    b.click("form[action$='/payment'] button[type=submit]")
        .await;
    let flash = b.text(".flash").await;
    assert!(
        flash.contains("Mode de paiement changé en « Le partenaire paie »"),
        "{flash}"
    );
    b.check_page("change").await;

    // The choice outlives the session.
    b.log_out().await;
    assert_eq!(b.language().await, "fr");
    b.log_in("alice@acme.test").await;
    assert_eq!(b.text("h1").await, "Bonjour Alice");
}

#[tokio::test]
async fn a_forgotten_password_is_reset_from_the_login_page() {
    let app = spawn_demo_at_own_address().await;
    let Some(mut b) = open("reset", &app).await else {
        return;
    };
    b.goto("/login").await;
    b.click_link("Forgot your password?").await;
    assert_eq!(b.path().await, "/password/forgot");
    b.check_page("forgot").await;
    b.fill("#email", "bob@acme.test").await;
    b.click("form[action='/password/forgot'] button[type=submit]")
        .await;
    assert!(
        b.text("[role=status]").await.contains("bob@acme.test"),
        "the page says where the link went"
    );
    b.check_page("forgot-sent").await;

    let email = app
        .wait_for_email("bob@acme.test", "Choose a new partnerdesk password")
        .await;
    let start = email.text.find("/password/reset/").expect("the link");
    let link = email.text[start..].split_whitespace().next().unwrap();
    b.goto(link).await;
    b.check_page("reset").await;
    b.fill("#new-password", "a new passphrase for bob").await;
    b.fill("#confirm-password", "a new passphrase for bob")
        .await;
    b.click("form[action^='/password/reset/'] button[type=submit]")
        .await;
    assert_eq!(b.path().await, "/login");
    assert!(
        b.text("[role=status]")
            .await
            .contains("Your password was changed")
    );
    b.check_page("reset-done").await;

    b.fill("#email", "bob@acme.test").await;
    b.fill("#password", "a new passphrase for bob").await;
    b.click("form[action='/login'] button[type=submit]").await;
    assert_eq!(b.path().await, "/");

    // The link is spent: it says so, and leads to asking again.
    b.goto(link).await;
    assert_eq!(b.text("h1").await, "This link no longer works");
    b.check_page("reset-spent").await;
}

#[tokio::test]
async fn two_factor_is_set_up_from_the_account_page_and_asked_at_the_next_sign_in() {
    let app = spawn_demo_at_own_address().await;
    let Some(mut b) = open("two-factor", &app).await else {
        return;
    };
    b.log_in("paul@webagency.test").await;
    b.goto("/account").await;
    b.click_link("Set up two-factor authentication").await;
    assert_eq!(b.path().await, "/account/two-factor");
    for (width, height) in [(390, 844), (1366, 900)] {
        b.client.set_window_size(width, height).await.unwrap();
        b.goto("/account/two-factor").await;
        b.assert_fits_the_window(&format!("the setup at {width}px"))
            .await;
        b.check_page(&format!("two-factor-setup-{width}px")).await;
    }
    let secret: String = b.text("#totp-secret").await.split_whitespace().collect();
    b.fill("#totp-code", &support::totp::code_now(&secret, 0))
        .await;
    b.fill("#totp-password", PASSWORD).await;
    b.click("form[action='/account/two-factor'] button[type=submit]")
        .await;
    assert_eq!(b.text("h1").await, "Your recovery codes");
    b.assert_fits_the_window("the recovery codes").await;
    b.check_page("recovery-codes").await;
    b.goto("/account/two-factor").await;
    assert!(b.text("main").await.contains("10 of 10"));
    b.check_page("two-factor-on").await;

    b.log_out().await;
    b.fill("#email", "paul@webagency.test").await;
    b.fill("#password", PASSWORD).await;
    b.click("form[action='/login'] button[type=submit]").await;
    assert_eq!(b.path().await, "/login/code");
    b.check_page("login-code").await;
    b.fill("#code", "000000").await;
    b.click("form[action='/login/code'] button[type=submit]")
        .await;
    assert!(
        b.text("[role=alert]")
            .await
            .contains("That code is not right")
    );
    // (No screenshot: a form refused with 422 is a console error to the browser.)
    b.fill("#code", &support::totp::code_now(&secret, 1)).await;
    b.click("form[action='/login/code'] button[type=submit]")
        .await;
    assert_eq!(b.path().await, "/");
}

/// The file `name` once the browser has finished downloading it.
async fn downloaded(b: &Browser, name: &str) -> Vec<u8> {
    let path = b.shots.join("downloads").join(name);
    for _ in 0..200 {
        if let Ok(bytes) = std::fs::read(&path)
            && !bytes.is_empty()
        {
            return bytes;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{name} was not downloaded");
}

#[tokio::test]
async fn an_invoice_is_downloaded_as_a_pdf_and_its_first_page_pictured() {
    let app = spawn_demo_at_own_address().await;
    let Some(mut b) = open("invoice-pdf", &app).await else {
        return;
    };
    b.log_in("alice@acme.test").await;
    b.goto("/invoices").await;
    b.click("tbody a").await;
    for (width, height) in [(390, 844), (1366, 900)] {
        b.client.set_window_size(width, height).await.unwrap();
        b.assert_fits_the_window(&format!("the invoice at {width}px"))
            .await;
        b.check_page(&format!("invoice-{width}px")).await;
    }
    let number = b.text(".breadcrumb [aria-current=page]").await;
    // The link downloads the document; nothing else loads.
    b.client
        .find(Locator::LinkText("Download the PDF"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let pdf = downloaded(&b, &format!("invoice-{number}.pdf")).await;
    assert!(pdf.starts_with(b"%PDF-"));
    assert!(support::pdf::text(&pdf).contains(&number));
    // Its first page as a picture, with Poppler's pdftoppm.
    let picture = b
        .shots
        .join(format!("{:02}-invoice-pdf-page-1", b.shot + 1));
    let drawn = Command::new("pdftoppm")
        .args(["-png", "-r", "100", "-f", "1", "-l", "1", "-singlefile"])
        .arg(
            b.shots
                .join("downloads")
                .join(format!("invoice-{number}.pdf")),
        )
        .arg(&picture)
        .status();
    match drawn {
        Ok(status) => assert!(status.success(), "pdftoppm drew the first page"),
        Err(_) if !required() => {
            eprintln!("no picture of the PDF: pdftoppm (poppler-utils) is not installed")
        }
        Err(e) => panic!("pdftoppm (poppler-utils) is required: {e}"),
    }
}
