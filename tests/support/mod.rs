//! What every integration test needs: the real application on a random port with a
//! fresh database of its own (SQLite by default; PostgreSQL when `TEST_DATABASE_URL`
//! names a PostgreSQL server), and a cookie-keeping browser to drive it over HTTP.
#![allow(dead_code, unused_imports)] // each test file uses its own part of this module

pub mod smtp;

use std::path::{Path, PathBuf};
use std::sync::Once;
use std::time::Duration;

use diesel::Connection;
use diesel::connection::SimpleConnection;
use partnerdesk::config::{BaseUrl, Config, MailConfig};
use partnerdesk::db::models::orgs;
use partnerdesk::db::models::partnerships::{self, Side};
use partnerdesk::db::{DatabaseUrl, Db, DbConn};
use partnerdesk::startup::Application;
use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use scraper::{Html, Selector};
use tempfile::TempDir;

pub use partnerdesk::demo::{ACME, BETA, PASSWORD, STUDIO, WEB_AGENCY};

pub struct TestApp {
    pub address: String,
    pub port: u16,
    pub db: Db,
    pub mail_dir: PathBuf,
    _database: TestDb,
}

/// Which database the tests run on: PostgreSQL when `TEST_DATABASE_URL` is set.
pub fn postgres_admin_url() -> Option<String> {
    std::env::var("TEST_DATABASE_URL")
        .ok()
        .filter(|u| u.starts_with("postgres"))
}

/// A throwaway PostgreSQL database, dropped with the test.
struct PgTestDatabase {
    admin_url: String,
    name: String,
}

impl PgTestDatabase {
    fn create(admin_url: &str) -> (PgTestDatabase, String) {
        let name = format!("partnerdesk_test_{}", uuid::Uuid::new_v4().simple());
        let mut admin = diesel::PgConnection::establish(admin_url)
            .expect("TEST_DATABASE_URL must reach PostgreSQL");
        admin
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .expect("create the test database");
        let (server, _) = admin_url
            .rsplit_once('/')
            .expect("TEST_DATABASE_URL ends with /database");
        let url = format!("{server}/{name}");
        (
            PgTestDatabase {
                admin_url: admin_url.to_owned(),
                name,
            },
            url,
        )
    }
}

impl Drop for PgTestDatabase {
    fn drop(&mut self) {
        if let Ok(mut admin) = diesel::PgConnection::establish(&self.admin_url) {
            let _ = admin.batch_execute(&format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.name
            ));
        }
    }
}

fn init_logging() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        if std::env::var("TEST_LOG").is_ok() {
            tracing_subscriber::fmt()
                .with_env_filter("info")
                .with_test_writer()
                .init();
        }
    });
}

/// The application with an empty (migrated) database.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// The application with the demo data.
pub async fn spawn_demo() -> TestApp {
    let app = spawn_app().await;
    seed_demo(&app).await;
    app
}

async fn seed_demo(app: &TestApp) {
    let db = app.db.clone();
    tokio::task::spawn_blocking(move || {
        let mut conn = db.get().unwrap();
        assert!(partnerdesk::demo::seed_if_empty(&mut conn).unwrap());
    })
    .await
    .unwrap();
}

/// A fresh, migrated database of its own: an SQLite file in a temporary directory, or a
/// new PostgreSQL database when `TEST_DATABASE_URL` is set. Dropped with the value.
pub struct TestDb {
    pub db: Db,
    pub url: String,
    pub files: TempDir,
    _database: Option<PgTestDatabase>,
}

impl TestDb {
    /// Blocking: call from a blocking thread (or a plain `#[test]`).
    pub fn new() -> TestDb {
        let files = tempfile::tempdir().expect("a temporary directory");
        let (url, database) = match postgres_admin_url() {
            Some(admin) => {
                let (db, url) = PgTestDatabase::create(&admin);
                (url, Some(db))
            }
            None => (files.path().join("test.db").display().to_string(), None),
        };
        let db =
            Db::connect(&DatabaseUrl::parse(&url).unwrap(), 5).expect("the test database opens");
        TestDb {
            db,
            url,
            files,
            _database: database,
        }
    }
}

/// The application with its configuration adjusted by `customize` (an SMTP server, …).
/// Its `BASE_URL` is `http://partnerdesk.test`, the address its emails link to, while it
/// listens on a random local port: a browser's `Origin` would not be this site's.
pub async fn spawn_app_with(customize: impl FnOnce(&mut Config)) -> TestApp {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    spawn_app_on(listener, customize).await
}

/// The application with the demo data, whose `BASE_URL` is left unset, as on a laptop:
/// the site is the address it listens on, as a real browser opens it.
pub async fn spawn_demo_at_own_address() -> TestApp {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let own = format!("http://{}", listener.local_addr().unwrap());
    let app = spawn_app_on(listener, |config| {
        config.base_url = BaseUrl::parse(&own).unwrap();
        config.base_url_explicit = false;
    })
    .await;
    seed_demo(&app).await;
    app
}

async fn spawn_app_on(
    listener: std::net::TcpListener,
    customize: impl FnOnce(&mut Config),
) -> TestApp {
    init_logging();
    let database = tokio::task::spawn_blocking(TestDb::new).await.unwrap();
    let mail_dir = database.files.path().join("mail");
    let mut config = test_config(&database.url, &mail_dir);
    customize(&mut config);
    let app = Application::build_with_listener(config, database.db.clone(), listener)
        .await
        .expect("the application starts");
    let port = app.port();
    tokio::spawn(app.run_until_stopped());
    TestApp {
        address: format!("http://127.0.0.1:{port}"),
        port,
        db: database.db.clone(),
        mail_dir,
        _database: database,
    }
}

impl TestApp {
    /// A new browser with an empty cookie jar.
    pub fn browser(&self) -> Browser {
        self.browser_speaking("")
    }

    /// A new browser whose `Accept-Language` is `languages` (none if empty).
    pub fn browser_speaking(&self, languages: &str) -> Browser {
        let mut headers = HeaderMap::new();
        if !languages.is_empty() {
            headers.insert("accept-language", languages.parse().unwrap());
        }
        // A fresh connection per request: the server may close a kept-alive connection
        // after answering early (before reading a refused form), and a reused one would
        // then fail on the client's side.
        let client = reqwest::Client::builder()
            .default_headers(headers)
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .pool_max_idle_per_host(0)
            .build()
            .unwrap();
        Browser {
            client,
            address: self.address.clone(),
        }
    }

    /// A browser logged in as `email` with the demo password.
    pub async fn logged_in(&self, email: &str) -> Browser {
        self.logged_in_speaking(email, "").await
    }

    /// A browser speaking `languages`, logged in as `email` with the demo password.
    pub async fn logged_in_speaking(&self, email: &str, languages: &str) -> Browser {
        let browser = self.browser_speaking(languages);
        let page = browser.login(email, PASSWORD).await;
        assert_eq!(
            page.status,
            StatusCode::SEE_OTHER,
            "login of {email} failed: {}",
            page.body
        );
        browser
    }

    /// Runs `f` on a database connection, off the async runtime.
    pub async fn with_db<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut DbConn) -> T + Send + 'static,
    ) -> T {
        let db = self.db.clone();
        tokio::task::spawn_blocking(move || f(&mut db.get().unwrap()))
            .await
            .unwrap()
    }

    /// The id of the partnership between two demo organizations.
    pub async fn partnership_id(&self, customer: &'static str, partner: &'static str) -> String {
        self.with_db(move |conn| {
            let customer = orgs::find_by_name(conn, customer).unwrap().unwrap();
            let partner = orgs::find_by_name(conn, partner).unwrap().unwrap();
            let scope = partnerships::Scope {
                side: Side::Customer,
                org_id: &customer.id,
                after: None,
                limit: 100,
            };
            partnerships::views(conn, scope)
                .unwrap()
                .into_iter()
                .find(|p| p.partner_org_id == partner.id)
                .expect("the demo partnership exists")
                .id
        })
        .await
    }

    pub async fn partnership(
        &self,
        customer: &'static str,
        id: &str,
    ) -> partnerships::PartnershipView {
        let id = id.to_owned();
        self.with_db(move |conn| {
            let customer = orgs::find_by_name(conn, customer).unwrap().unwrap();
            partnerships::find(conn, Side::Customer, &customer.id, &id)
                .unwrap()
                .unwrap()
        })
        .await
    }

    /// Waits until `count` emails are in the mail directory, and returns them all.
    pub async fn wait_for_mail_files(&self, count: usize) -> Vec<Email> {
        for _ in 0..100 {
            let emails = read_mail_dir(&self.mail_dir);
            if emails.len() >= count {
                return emails;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let found = read_mail_dir(&self.mail_dir);
        panic!(
            "expected {count} emails in {}, found {}",
            self.mail_dir.display(),
            found.len()
        );
    }
}

/// An email as a recipient reads it.
#[derive(Debug, Clone)]
pub struct Email {
    pub to: Vec<String>,
    pub subject: String,
    pub text: String,
    pub html: String,
    pub message_id: String,
}

impl Email {
    pub fn parse(raw: &[u8]) -> Email {
        let message = mail_parser::MessageParser::default()
            .parse(raw)
            .expect("a parsable email");
        Email {
            to: message
                .to()
                .and_then(|a| a.as_list())
                .map(|list| {
                    list.iter()
                        .filter_map(|a| a.address().map(str::to_owned))
                        .collect()
                })
                .unwrap_or_default(),
            subject: message.subject().unwrap_or_default().to_owned(),
            text: message
                .body_text(0)
                .map(|t| t.into_owned())
                .unwrap_or_default(),
            html: message
                .body_html(0)
                .map(|t| t.into_owned())
                .unwrap_or_default(),
            message_id: message.message_id().unwrap_or_default().to_owned(),
        }
    }

    pub fn is_to(&self, address: &str) -> bool {
        self.to.iter().any(|a| a == address)
    }
}

pub fn read_mail_dir(dir: &Path) -> Vec<Email> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut emails: Vec<Email> = entries
        .filter_map(Result::ok)
        .filter(|e| e.path().extension().is_some_and(|x| x == "eml"))
        // A file the sender is still writing is read at the next look.
        .filter_map(|e| std::fs::read(e.path()).ok())
        .filter(|raw| mail_parser::MessageParser::default().parse(raw).is_some())
        .map(|raw| Email::parse(&raw))
        .collect();
    emails.sort_by(|a, b| a.to.cmp(&b.to));
    emails
}

/// A cookie-keeping HTTP client that does not follow redirects, so tests see them.
pub struct Browser {
    pub client: reqwest::Client,
    pub address: String,
}

/// A response, read whole.
pub struct Page {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

impl Page {
    async fn read(response: reqwest::Response) -> Page {
        Page {
            status: response.status(),
            headers: response.headers().clone(),
            body: response.text().await.unwrap(),
        }
    }

    pub fn location(&self) -> Option<&str> {
        self.headers.get("location").and_then(|v| v.to_str().ok())
    }

    pub fn html(&self) -> Html {
        Html::parse_document(&self.body)
    }

    /// The text of every element matching `selector`, whitespace collapsed.
    pub fn texts(&self, selector: &str) -> Vec<String> {
        let selector = Selector::parse(selector).unwrap();
        self.html()
            .select(&selector)
            .map(|e| {
                e.text()
                    .collect::<String>()
                    .split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect()
    }

    /// The text of the whole page, whitespace collapsed.
    pub fn text(&self) -> String {
        self.texts("body").join(" ")
    }

    /// The value shown next to `label` in a page's rows (`<dt>label</dt><dd>value</dd>`).
    pub fn row(&self, label: &str) -> Option<String> {
        let rows = Selector::parse(".row").unwrap();
        let dt = Selector::parse("dt").unwrap();
        let dd = Selector::parse("dd").unwrap();
        let collapse = |e: scraper::ElementRef<'_>| {
            e.text()
                .collect::<String>()
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
        };
        self.html().select(&rows).find_map(|row| {
            let term = row.select(&dt).next().map(collapse)?;
            (term == label)
                .then(|| row.select(&dd).next().map(collapse))
                .flatten()
        })
    }

    /// The value of the first form field named `name`.
    pub fn field(&self, name: &str) -> Option<String> {
        let selector = Selector::parse(&format!("[name=\"{name}\"]")).unwrap();
        self.html()
            .select(&selector)
            .next()
            .and_then(|e| e.value().attr("value").map(str::to_owned))
    }

    /// Whether a link to `href` is on the page.
    pub fn has_link(&self, href: &str) -> bool {
        let selector = Selector::parse(&format!("a[href=\"{href}\"]")).unwrap();
        self.html().select(&selector).next().is_some()
    }
}

impl Browser {
    pub async fn get(&self, path: &str) -> Page {
        Page::read(
            self.client
                .get(format!("{}{path}", self.address))
                .send()
                .await
                .unwrap(),
        )
        .await
    }

    /// Posts a form as a browser would, fields as given (add the CSRF token yourself).
    pub async fn post(&self, path: &str, form: &[(&str, &str)]) -> Page {
        Page::read(
            self.client
                .post(format!("{}{path}", self.address))
                .form(form)
                .send()
                .await
                .unwrap(),
        )
        .await
    }

    /// Posts a form with this session's CSRF token added.
    pub async fn submit(&self, path: &str, form: &[(&str, &str)]) -> Page {
        let token = self.csrf_token().await;
        let mut fields = vec![("csrf_token", token.as_str())];
        fields.extend_from_slice(form);
        self.post(path, &fields).await
    }

    /// The session's CSRF token, as the pages carry it.
    pub async fn csrf_token(&self) -> String {
        let page = self.get("/").await;
        let page = if page.status == StatusCode::OK {
            page
        } else {
            self.get("/login").await
        };
        page.field("csrf_token")
            .expect("a page with a form carries the CSRF token")
    }

    pub async fn login(&self, email: &str, password: &str) -> Page {
        let form = self.get("/login").await;
        let token = form
            .field("csrf_token")
            .expect("the login form has a CSRF token");
        self.login_with_token(&token, email, password).await
    }

    /// Sends the login form with the token of a login page fetched before.
    pub async fn login_with_token(&self, token: &str, email: &str, password: &str) -> Page {
        self.post(
            "/login",
            &[
                ("csrf_token", token),
                ("email", email),
                ("password", password),
            ],
        )
        .await
    }
}

/// The customer's whole flow: the pencil's form, verify, confirm. Returns the confirm's response.
pub async fn change_payment_mode(browser: &Browser, partnership_id: &str, mode: &str) -> Page {
    let edit = browser
        .get(&format!("/partners/{partnership_id}/payment/edit"))
        .await;
    assert_eq!(edit.status, StatusCode::OK, "edit form: {}", edit.body);
    let version = edit.field("version").expect("the form carries the version");
    let verify = browser
        .submit(
            &format!("/partners/{partnership_id}/payment/verify"),
            &[("payment_mode", mode), ("version", &version)],
        )
        .await;
    assert_eq!(
        verify.status,
        StatusCode::OK,
        "verify step: {}",
        verify.body
    );
    let token = verify.field("csrf_token").unwrap();
    let confirmed_version = verify.field("version").unwrap();
    browser
        .post(
            &format!("/partners/{partnership_id}/payment"),
            &[
                ("csrf_token", &token),
                ("payment_mode", mode),
                ("version", &confirmed_version),
            ],
        )
        .await
}

/// Emails waiting in the outbox or sent, as rows.
pub async fn outbox_count(app: &TestApp) -> i64 {
    use diesel::prelude::*;
    use partnerdesk::db::schema::outbox_emails;
    app.with_db(|conn| {
        outbox_emails::table
            .count()
            .get_result::<i64>(conn)
            .unwrap()
    })
    .await
}

/// How many events a partnership's timeline holds.
pub async fn event_count(app: &TestApp, partnership_id: &str) -> i64 {
    use diesel::prelude::*;
    use partnerdesk::db::schema::partnership_events;
    let id = partnership_id.to_owned();
    app.with_db(move |conn| {
        partnership_events::table
            .filter(partnership_events::partnership_id.eq(id))
            .count()
            .get_result::<i64>(conn)
            .unwrap()
    })
    .await
}

/// The id of a demo organization.
pub async fn org_id(app: &TestApp, name: &'static str) -> String {
    app.with_db(move |conn| {
        orgs::find_by_name(conn, name)
            .unwrap()
            .expect("the organization exists")
            .id
    })
    .await
}

/// Submits an order (or renewal) form, checks the confirmation page, and confirms it.
/// Returns the confirmation page and the answer to the confirmation.
pub async fn order_and_confirm(
    browser: &Browser,
    action: &str,
    form: &[(&str, &str)],
) -> (Page, Page) {
    let confirmation = browser.submit(action, form).await;
    assert_eq!(
        confirmation.status,
        StatusCode::OK,
        "confirmation of {action}: {}",
        confirmation.text()
    );
    let field = |name: &str| confirmation.field(name).unwrap_or_default();
    let mut fields: Vec<(String, String)> = ["csrf_token", "intent"]
        .into_iter()
        .filter(|name| confirmation.field(name).is_some())
        .map(|name| (name.to_owned(), field(name)))
        .collect();
    fields.push(("confirm".into(), "1".into()));
    let fields: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let placed = browser.post(action, &fields).await;
    (confirmation, placed)
}

/// An invoice as stored, for checking where it lives.
#[derive(Debug, Clone)]
pub struct StoredInvoice {
    pub id: String,
    pub number: String,
    pub payer_org_id: String,
    pub total: i64,
    pub order_id: String,
}

/// The most recently issued invoice.
pub async fn latest_invoice(app: &TestApp) -> StoredInvoice {
    use diesel::prelude::*;
    use partnerdesk::db::schema::invoices;
    app.with_db(|conn| {
        let (id, number, payer_org_id, total, order_id) = invoices::table
            .order((invoices::issued_at.desc(), invoices::sequence.desc()))
            .select((
                invoices::id,
                invoices::number,
                invoices::payer_org_id,
                invoices::total,
                invoices::order_id,
            ))
            .first::<(String, String, String, i64, String)>(conn)
            .unwrap();
        StoredInvoice {
            id,
            number,
            payer_org_id,
            total,
            order_id,
        }
    })
    .await
}

/// The income entry of an order, if any: (partner org id, kind, amount).
pub async fn income_of(app: &TestApp, order_id: &str) -> Option<(String, String, i64)> {
    use diesel::prelude::*;
    use partnerdesk::db::schema::income_entries;
    let order_id = order_id.to_owned();
    app.with_db(move |conn| {
        income_entries::table
            .filter(income_entries::order_id.eq(order_id))
            .select((
                income_entries::partner_org_id,
                income_entries::kind,
                income_entries::amount,
            ))
            .first::<(String, String, i64)>(conn)
            .optional()
            .unwrap()
    })
    .await
}

/// How many orders, invoices and income entries exist.
pub async fn billing_counts(app: &TestApp) -> (i64, i64, i64) {
    use diesel::prelude::*;
    use partnerdesk::db::schema::{income_entries, invoices, orders};
    app.with_db(|conn| {
        (
            orders::table.count().get_result(conn).unwrap(),
            invoices::table.count().get_result(conn).unwrap(),
            income_entries::table.count().get_result(conn).unwrap(),
        )
    })
    .await
}

impl TestApp {
    /// Waits for an email to `to` whose subject contains `subject`, and returns it.
    pub async fn wait_for_email(&self, to: &str, subject: &str) -> Email {
        for _ in 0..100 {
            if let Some(email) = read_mail_dir(&self.mail_dir)
                .into_iter()
                .find(|e| e.is_to(to) && e.subject.contains(subject))
            {
                return email;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let seen: Vec<(Vec<String>, String)> = read_mail_dir(&self.mail_dir)
            .into_iter()
            .map(|e| (e.to, e.subject))
            .collect();
        panic!("no email to {to} about {subject:?}; emails: {seen:?}");
    }

    /// The emails delivered so far (after a short wait for the sender).
    pub async fn emails_settled(&self) -> Vec<Email> {
        let unsent = |app: &TestApp| {
            let db = app.db.clone();
            async move {
                tokio::task::spawn_blocking(move || {
                    partnerdesk::db::models::outbox::unsent_count(&mut db.get().unwrap()).unwrap()
                })
                .await
                .unwrap()
            }
        };
        for _ in 0..100 {
            if unsent(self).await == 0 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        read_mail_dir(&self.mail_dir)
    }
}

/// The link of a path in an email's text (`http://partnerdesk.test/…`), as a path.
pub fn link_in(email: &Email, prefix: &str) -> String {
    let start = email
        .text
        .find(&format!("http://partnerdesk.test{prefix}"))
        .expect("the email links to the page");
    let rest = &email.text[start + "http://partnerdesk.test".len()..];
    rest.split_whitespace().next().unwrap().to_owned()
}

/// A cookie-keeping browser for an application served at `address`.
pub fn browser_at(address: &str) -> Browser {
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .pool_max_idle_per_host(0)
        .build()
        .unwrap();
    Browser {
        client,
        address: address.to_owned(),
    }
}

/// The configuration of a test's application: its database, its mail folder, and
/// `http://partnerdesk.test` as its public address (emails' links start with it).
fn test_config(database_url: &str, mail_dir: &Path) -> Config {
    Config {
        database_url: DatabaseUrl::parse(database_url).unwrap(),
        bind: "127.0.0.1:0".into(),
        base_url: BaseUrl::parse("http://partnerdesk.test").unwrap(),
        base_url_explicit: true,
        mail: MailConfig {
            smtp_url: None,
            from: "partnerdesk <noreply@partnerdesk.test>".into(),
            dir: mail_dir.to_owned(),
        },
        session_key: Some("a test session key that is long enough to use".into()),
        workers: Some(2),
        db_max_connections: 5,
        vat_rate_bp: 810,
        run_renewals: false,
        trust_forwarded: false,
        server_timing: true,
    }
}

/// Serves the application on an existing database (emails go to `mail_dir`); returns
/// its address. Nothing stops the server before the process ends (its threads outlive
/// the runtime that spawned it): start one per test, not one per case.
pub async fn serve_on_database(db: Db, mail_dir: &Path) -> String {
    init_logging();
    let mut config = test_config("unused.db", mail_dir);
    config.workers = Some(1);
    config.db_max_connections = 4;
    config.server_timing = false;
    let app = Application::build_with_db(config, db)
        .await
        .expect("the application starts");
    let port = app.port();
    tokio::spawn(app.run_until_stopped());
    format!("http://127.0.0.1:{port}")
}
