//! The application under test: on a random port, with a fresh database of its own.

use std::path::{Path, PathBuf};
use std::sync::Once;

use diesel::Connection;
use diesel::connection::SimpleConnection;
use partnerdesk::config::{BaseUrl, Config, MailConfig};
use partnerdesk::db::models::orgs;
use partnerdesk::db::models::partnerships::{self, Side};
use partnerdesk::db::{DatabaseUrl, Db, DbConn};
use partnerdesk::startup::Application;
use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use tempfile::TempDir;

use super::{Browser, PASSWORD, browser_with};

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

pub async fn seed_demo(app: &TestApp) {
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
        browser_with(&self.address, headers)
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
        payment_days: 30,
        run_renewals: false,
        reminder_steps: partnerdesk::reminders::Steps::default(),
        provider: Some(partnerdesk::provider::Provider::demo()),
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

/// The `partnerdesk` command run in `dir`, on the SQLite database `dir/pd.db`.
pub fn command_in(dir: &Path) -> std::process::Command {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_partnerdesk"));
    command
        .current_dir(dir)
        .env("DATABASE_URL", dir.join("pd.db"))
        .env("RUST_LOG", "warn");
    command
}

/// Has `browser`, one of Acme's people who may order, order a .ch domain for Acme and
/// confirm it: one more invoice of Acme's.
pub async fn order_domain_for_acme(app: &TestApp, browser: &super::Browser) {
    let acme = super::org_id(app, super::ACME).await;
    let form = [("customer_org_id", acme.as_str()), ("offer", "domain-ch")];
    let (_, placed) = super::order_and_confirm(browser, "/orders", &form).await;
    assert_eq!(placed.status, StatusCode::SEE_OTHER, "{}", placed.text());
}
