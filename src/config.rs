//! Settings, read once from the environment (and a `.env` file, loaded by `main`).

use std::path::PathBuf;

use crate::db::DatabaseUrl;

/// Everything the application needs to start, checked.
#[derive(Clone)]
pub struct Config {
    pub database_url: DatabaseUrl,
    /// Address to listen on; port 0 picks a free port (the tests do).
    pub bind: String,
    pub base_url: BaseUrl,
    /// Whether `BASE_URL` was set. Without it the site is the local default, which a
    /// browser on this machine may open as `localhost`, `127.0.0.1` or `[::1]`.
    pub base_url_explicit: bool,
    pub mail: MailConfig,
    /// Secret for the session cookie. Without one a random key is made at start, and
    /// sessions do not survive a restart nor work across several instances.
    pub session_key: Option<String>,
    /// HTTP worker threads; `None` = one per core.
    pub workers: Option<usize>,
    pub db_max_connections: u32,
    /// VAT charged on invoices, in basis points (810 = 8.1 %, the Swiss standard rate).
    pub vat_rate_bp: i32,
    /// Days from an invoice's issue to its due date.
    pub payment_days: i64,
    /// Whether `serve` bills the due automatic renewals itself (hourly), and sends the
    /// reminders of overdue invoices.
    pub run_renewals: bool,
    /// When overdue invoices are reminded: days after their due date.
    pub reminder_steps: crate::reminders::Steps,
    /// Who issues the invoices and where they are paid (`PROVIDER_*`), if configured.
    pub provider: Option<crate::provider::Provider>,
    /// Behind a reverse proxy: take the client's address from `X-Forwarded-For`.
    pub trust_forwarded: bool,
    /// Tell each response's database work in a `Server-Timing` header (for development
    /// and benchmarks: it shows how much work a page costs).
    pub server_timing: bool,
}

#[derive(Clone)]
pub struct MailConfig {
    /// `smtp://host:port` or `smtps://user:pass@host`; `None` writes `.eml` files to `dir`.
    pub smtp_url: Option<String>,
    pub from: String,
    pub dir: PathBuf,
}

/// The public address of the application, used in the links of emails.
#[derive(Clone, Debug)]
pub struct BaseUrl {
    url: String,
    parsed: url::Url,
}

impl BaseUrl {
    pub fn parse(raw: &str) -> Result<BaseUrl, String> {
        let url = raw.trim().trim_end_matches('/');
        let rest = url
            .strip_prefix("https://")
            .or_else(|| url.strip_prefix("http://"))
            .ok_or_else(|| format!("BASE_URL must start with http:// or https:// (got '{raw}')"))?;
        if rest.is_empty() || rest.contains(['/', '?', '#', ' ']) {
            return Err(format!(
                "BASE_URL must be a scheme and a host, like https://partners.example.com (got '{raw}')"
            ));
        }
        let parsed = url::Url::parse(url)
            .map_err(|e| format!("BASE_URL is not a valid address: {e} (got '{raw}')"))?;
        Ok(BaseUrl {
            url: url.to_owned(),
            parsed,
        })
    }

    /// The address as parsed: its origin is the site's, for comparing with what browsers send.
    pub fn url(&self) -> &url::Url {
        &self.parsed
    }

    pub fn as_str(&self) -> &str {
        &self.url
    }

    pub fn is_https(&self) -> bool {
        self.url.starts_with("https://")
    }

    /// The host (and port), e.g. `partners.example.com`.
    pub fn host(&self) -> &str {
        self.url.split_once("://").map_or("", |(_, host)| host)
    }

    /// An absolute link to `path` (which starts with `/`).
    pub fn link(&self, path: &str) -> String {
        format!("{}{path}", self.url)
    }
}

impl Config {
    /// The conditions invoices are issued on.
    pub fn conditions(&self) -> crate::orders::Conditions {
        crate::orders::Conditions {
            vat_rate_bp: self.vat_rate_bp,
            payment_days: self.payment_days,
            qr_reference: self.provider.as_ref().is_some_and(|p| p.qr_iban()),
        }
    }

    /// Reads the configuration from the environment.
    pub fn from_env() -> Result<Config, String> {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        let database_url =
            DatabaseUrl::parse(&var("DATABASE_URL").unwrap_or_else(|| "partnerdesk.db".into()))?;
        let bind = var("BIND").unwrap_or_else(|| "127.0.0.1:8080".into());
        let base_url_explicit = var("BASE_URL").is_some();
        let base_url = match var("BASE_URL") {
            Some(raw) => BaseUrl::parse(&raw)?,
            None => BaseUrl::parse(&format!("http://{}", local_address(&bind)))?,
        };
        let session_key = var("SESSION_KEY");
        if session_key.as_ref().is_some_and(|key| key.len() < 32) {
            return Err(
                "SESSION_KEY must be at least 32 characters (for example: openssl rand -hex 32)"
                    .into(),
            );
        }
        let workers = match var("WORKERS") {
            Some(n) => Some(
                n.parse()
                    .map_err(|_| format!("WORKERS must be a number (got '{n}')"))?,
            ),
            None => None,
        };
        let db_max_connections = match var("DATABASE_MAX_CONNECTIONS") {
            Some(n) => n
                .parse()
                .map_err(|_| format!("DATABASE_MAX_CONNECTIONS must be a number (got '{n}')"))?,
            None => 10,
        };
        let vat_rate_bp = match var("VAT_RATE") {
            Some(rate) => crate::billing::parse_percent(&rate)
                .ok_or_else(|| format!("VAT_RATE must be a percentage like 8.1 (got '{rate}')"))?,
            None => 810,
        };
        let payment_days = match var("PAYMENT_DAYS") {
            Some(days) => days
                .trim()
                .parse()
                .ok()
                .filter(|d| (1..=365).contains(d))
                .ok_or_else(|| {
                    format!("PAYMENT_DAYS must be a number of days from 1 to 365 (got '{days}')")
                })?,
            None => crate::orders::PAYMENT_TERM_DAYS,
        };
        let switch = |name: &str, default: bool| match var(name).as_deref() {
            None => Ok(default),
            Some("on") => Ok(true),
            Some("off") => Ok(false),
            Some(other) => Err(format!("{name} must be on or off (got '{other}')")),
        };
        let run_renewals = switch("RENEWALS", true)?;
        let provider = crate::provider::Provider::from_vars(var)?;
        let reminder_steps = match var("REMINDER_DAYS") {
            Some(raw) => crate::reminders::Steps::parse(&raw)?,
            None => crate::reminders::Steps::default(),
        };
        let trust_forwarded = switch("TRUST_FORWARDED_FOR", false)?;
        let server_timing = switch("SERVER_TIMING", false)?;
        Ok(Config {
            database_url,
            bind,
            mail: MailConfig {
                smtp_url: var("SMTP_URL"),
                from: var("MAIL_FROM")
                    .unwrap_or_else(|| format!("partnerdesk <noreply@{}>", mail_domain(&base_url))),
                dir: PathBuf::from(var("MAIL_DIR").unwrap_or_else(|| "mail".into())),
            },
            base_url,
            base_url_explicit,
            session_key,
            workers,
            db_max_connections,
            vat_rate_bp,
            payment_days,
            run_renewals,
            reminder_steps,
            provider,
            trust_forwarded,
            server_timing,
        })
    }
}

/// `0.0.0.0:8080` is where the server listens, not an address a browser can open.
fn local_address(bind: &str) -> String {
    match bind.rsplit_once(':') {
        Some(("0.0.0.0" | "[::]", port)) => format!("localhost:{port}"),
        _ => bind.to_owned(),
    }
}

/// The domain used in sender addresses and Message-IDs: the host of `BASE_URL`,
/// without its port; a bare IP address is not a valid mail domain, so it becomes
/// `localhost`.
pub fn mail_domain(base_url: &BaseUrl) -> String {
    let host = base_url.host();
    let host = host.rsplit_once(':').map_or(host, |(h, _)| h);
    if host.parse::<std::net::IpAddr>().is_ok() || host.starts_with('[') || host.is_empty() {
        "localhost".into()
    } else {
        host.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_urls_are_a_scheme_and_a_host() {
        let url = BaseUrl::parse("https://partners.example.com/").unwrap();
        assert_eq!(url.as_str(), "https://partners.example.com");
        assert!(url.is_https());
        assert_eq!(
            url.link("/clients/x"),
            "https://partners.example.com/clients/x"
        );
        assert!(BaseUrl::parse("partners.example.com").is_err());
        assert!(BaseUrl::parse("http://host/path").is_err());
        assert!(BaseUrl::parse("http://host:99999").is_err());
        assert!(BaseUrl::parse("http://ho^st").is_err());
    }

    #[test]
    fn mail_domains_come_from_the_base_url() {
        assert_eq!(
            mail_domain(&BaseUrl::parse("https://pd.example.com:8443").unwrap()),
            "pd.example.com"
        );
        assert_eq!(
            mail_domain(&BaseUrl::parse("http://127.0.0.1:8080").unwrap()),
            "localhost"
        );
        assert_eq!(local_address("0.0.0.0:80"), "localhost:80");
    }
}
