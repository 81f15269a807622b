//! Builds the running application: database, session store, mail sender, HTTP server.

use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

use actix_session::SessionMiddleware;
use actix_session::config::{BrowserSession, CookieContentSecurity, TtlExtensionPolicy};
use actix_web::cookie::{Key, SameSite};
use actix_web::dev::Server;
use actix_web::middleware::{self, DefaultHeaders};
use actix_web::{App, HttpServer, web};
use anyhow::Context;
use lettre::message::Mailbox;
use sha2::{Digest, Sha512};
use tokio::sync::Notify;
use tokio::task::JoinHandle;
use tracing_actix_web::TracingLogger;

use crate::auth::password::Passwords;
use crate::auth::store::DbSessionStore;
use crate::config::Config;
use crate::db::Db;
use crate::db::models::sessions;
use crate::mail::MailContext;
use crate::mail::sender::{Sender, Transport};
use crate::web::csrf::{self, MAX_FORM_BYTES};
use crate::web::errors::AppError;
use crate::web::site::Site;

/// A session ends after this long without a request.
pub const IDLE_TIMEOUT: actix_web::cookie::time::Duration =
    actix_web::cookie::time::Duration::hours(1);

/// What every handler can reach.
pub struct AppState {
    pub db: Db,
    pub passwords: Passwords,
    pub mail: MailContext,
    /// Rung after a transaction that queued emails, so they leave at once.
    pub mail_wake: Arc<Notify>,
    /// The VAT rate and payment term invoices are issued on.
    pub conditions: crate::orders::Conditions,
    /// Whether the client address comes from `X-Forwarded-For` (behind a trusted proxy).
    pub trust_forwarded: bool,
    /// Whether responses tell their database work in a `Server-Timing` header.
    pub server_timing: bool,
    /// The site's origin, for the checks on where a request comes from and leads back to.
    pub site: Site,
    /// Who issues the invoices and where they are paid, if configured.
    pub provider: Option<crate::provider::Provider>,
}

pub struct Application {
    port: u16,
    server: Server,
    db: Db,
    background: Vec<JoinHandle<()>>,
}

impl Application {
    /// Connects to the database (running its migrations), then builds the application.
    pub async fn build(config: Config) -> anyhow::Result<Application> {
        let url = config.database_url.clone();
        let max = config.db_max_connections;
        let db = tokio::task::spawn_blocking(move || Db::connect(&url, max)).await??;
        Application::build_with_db(config, db).await
    }

    pub async fn build_with_db(config: Config, db: Db) -> anyhow::Result<Application> {
        let listener = TcpListener::bind(&config.bind)
            .with_context(|| format!("cannot listen on {}", config.bind))?;
        Application::build_with_listener(config, db, listener).await
    }

    /// Serves on a listener bound already, so that the caller knows the address before
    /// the configuration is made (the browser tests' `BASE_URL` is their own address).
    pub async fn build_with_listener(
        config: Config,
        db: Db,
        listener: TcpListener,
    ) -> anyhow::Result<Application> {
        let port = listener.local_addr()?.port();

        let key = match &config.session_key {
            Some(secret) => Key::from(&Sha512::digest(secret.as_bytes())),
            None => {
                tracing::warn!(
                    "SESSION_KEY is not set: using a random key, so sessions end when the server restarts \
                     and cannot be shared between instances"
                );
                Key::generate()
            }
        };

        let transport = Transport::from_config(&config.mail)?;
        tracing::info!(transport = %transport.describe(&config.mail), "email delivery");
        let from: Mailbox =
            config.mail.from.parse().with_context(|| {
                format!("MAIL_FROM is not a valid sender: {}", config.mail.from)
            })?;
        let wake = Arc::new(Notify::new());
        let sender = Sender {
            db: db.clone(),
            transport,
            from,
            wake: wake.clone(),
        };
        let mut background = vec![
            tokio::spawn(sender.run()),
            tokio::spawn(maintenance(
                db.clone(),
                MailContext::new(config.base_url.clone()),
                wake.clone(),
            )),
        ];
        if config.run_renewals {
            background.push(tokio::spawn(bill_renewals(
                db.clone(),
                config.conditions(),
                (
                    MailContext::new(config.base_url.clone()),
                    config.reminder_steps.clone(),
                    wake.clone(),
                ),
            )));
        }

        if config.provider.is_none() {
            tracing::warn!(
                "the provider's details are not configured (PROVIDER_NAME and the others): invoices show no seller and no account to pay into"
            );
        }
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        let workers = config.workers.unwrap_or(cores);
        let state = web::Data::new(AppState {
            db: db.clone(),
            // One core is left to the pages however many logins are hashed at once.
            passwords: Passwords::new(cores.saturating_sub(1).max(1))?,
            mail: MailContext::new(config.base_url.clone()),
            mail_wake: wake,
            conditions: config.conditions(),
            provider: config.provider.clone(),
            trust_forwarded: config.trust_forwarded,
            server_timing: config.server_timing,
            site: Site::new(
                &config.base_url,
                config.base_url_explicit,
                config.trust_forwarded,
            ),
        });
        let secure = config.base_url.is_https();
        let store = DbSessionStore::new(db.clone(), IDLE_TIMEOUT);
        let server = HttpServer::new(move || {
            let session = SessionMiddleware::builder(store.clone(), key.clone())
                // The __Host- prefix binds the cookie to this exact host over HTTPS.
                .cookie_name(if secure {
                    "__Host-partnerdesk".into()
                } else {
                    "partnerdesk".into()
                })
                .cookie_secure(secure)
                .cookie_http_only(true)
                .cookie_same_site(SameSite::Lax)
                .cookie_content_security(CookieContentSecurity::Private)
                .session_lifecycle(
                    BrowserSession::default()
                        .state_ttl(IDLE_TIMEOUT)
                        // Loading a session extends it (see DbSessionStore::load).
                        .state_ttl_extension_policy(TtlExtensionPolicy::OnStateChanges),
                )
                .build();
            App::new()
                .wrap(middleware::from_fn(crate::web::errors::shown_in_the_shell))
                .wrap(middleware::from_fn(csrf::same_origin_writes))
                .wrap(middleware::from_fn(crate::web::guards::refuse_hostile_urls))
                .wrap(middleware::from_fn(crate::i18n::with_locale))
                .wrap(session)
                .wrap(middleware::from_fn(crate::web::routes::preload_member))
                .wrap(security_headers(secure))
                .wrap(middleware::from_fn(
                    crate::web::timing::measure_database_work,
                ))
                .wrap(TracingLogger::<crate::web::RequestSpan>::new())
                .app_data(state.clone())
                .app_data(web::PayloadConfig::new(MAX_FORM_BYTES))
                .app_data(web::QueryConfig::default().error_handler(|_, _| {
                    AppError::bad_request("This address has a parameter that is not allowed.")
                        .into()
                }))
                .app_data(
                    web::PathConfig::default().error_handler(|_, _| AppError::NotFound.into()),
                )
                .configure(crate::web::routes)
        })
        .workers(workers)
        // Database work runs on each worker's blocking threads: no more of them than the
        // worker's share of the pool, so that threads seldom wait for a connection (the
        // default allows hundreds, which then queue for ten connections).
        .worker_max_blocking_threads((config.db_max_connections as usize / workers).max(1))
        .shutdown_timeout(10)
        .listen(listener)?
        .run();

        Ok(Application {
            port,
            server,
            db,
            background,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn db(&self) -> &Db {
        &self.db
    }

    /// Serves until the server is stopped (SIGINT or SIGTERM).
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let result = self.server.await;
        for task in self.background {
            task.abort();
        }
        result
    }
}

fn security_headers(https: bool) -> DefaultHeaders {
    let mut headers = DefaultHeaders::new()
        .add((
            "Content-Security-Policy",
            "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; \
             frame-ancestors 'none'; base-uri 'none'",
        ))
        .add(("X-Content-Type-Options", "nosniff"))
        .add(("Referrer-Policy", "same-origin"))
        .add(("X-Frame-Options", "DENY"))
        .add(("Cross-Origin-Opener-Policy", "same-origin"))
        .add(("Cache-Control", "no-store"));
    if https {
        headers = headers.add((
            "Strict-Transport-Security",
            "max-age=31536000; includeSubDomains",
        ));
    }
    headers
}

/// Bills the due automatic renewals at start and then every hour, then reminds the payers
/// of overdue invoices. Both are idempotent, so several instances doing it at once bill
/// each renewal and send each reminder once. They run many short transactions, so they
/// do not take the writers' turn ([`Db::write`]) for all of them: pages' writes go
/// between them.
async fn bill_renewals(
    db: Db,
    conditions: crate::orders::Conditions,
    (mail, steps, wake): (MailContext, crate::reminders::Steps, Arc<Notify>),
) {
    let mut every = tokio::time::interval(Duration::from_secs(3600));
    loop {
        every.tick().await;
        let run = db
            .run(move |conn| {
                let at = crate::db::now();
                crate::orders::renew_due(conn, at.date(), at, conditions)
            })
            .await;
        match run {
            Ok(run) if run.renewed == 0 && run.failed == 0 => {}
            Ok(run) => tracing::info!(
                renewed = run.renewed,
                failed = run.failed,
                "automatic renewals billed"
            ),
            Err(e) => tracing::error!(error = ?e, "automatic renewals could not run"),
        }
        let (mail, steps) = (mail.clone(), steps.clone());
        let reminded = db
            .run(move |conn| {
                let at = crate::db::now();
                crate::reminders::send_due(conn, &mail, &steps, at.date(), at)
            })
            .await;
        match reminded {
            Ok(0) => {}
            Ok(reminded) => {
                wake.notify_one();
                tracing::info!(reminded, "overdue invoices reminded");
            }
            Err(e) => tracing::error!(error = ?e, "reminders could not be sent"),
        }
    }
}

/// Hourly housekeeping: expired sessions and old order reviews go, unanswered
/// invitations expire.
async fn maintenance(db: Db, mail: MailContext, wake: Arc<Notify>) {
    let mut every = tokio::time::interval(Duration::from_secs(3600));
    loop {
        every.tick().await;
        let mail = mail.clone();
        let done = db
            .run(move |conn| -> anyhow::Result<(usize, usize)> {
                let sessions = sessions::purge_expired(conn)?;
                // A window is kept while the longest of them (a reset's, a login's) runs.
                let longest = crate::auth::throttle::WINDOW.max(crate::auth::reset::WINDOW);
                crate::db::models::throttle::purge(conn, crate::db::now() - longest)?;
                crate::db::models::account_links::purge(conn, crate::db::now())?;
                crate::db::models::intents::purge(
                    conn,
                    crate::db::now() - chrono::TimeDelta::days(crate::orders::INTENT_KEPT_DAYS),
                )?;
                let invitations =
                    crate::partnerships::expire_invitations(conn, &mail, crate::db::now())?;
                Ok((sessions, invitations))
            })
            .await;
        match done {
            Ok((0, 0)) => {}
            Ok((sessions, invitations)) => {
                tracing::info!(
                    sessions,
                    invitations,
                    "expired sessions purged, unanswered invitations closed"
                );
                wake.notify_one();
            }
            Err(e) => tracing::warn!(error = ?e, "housekeeping failed"),
        }
    }
}
