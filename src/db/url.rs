//! `DATABASE_URL`: which backend, where, and a connection to it with the real reason
//! when it cannot be opened (never the password).

use diesel::connection::{Connection, SimpleConnection};
use diesel::{PgConnection, SqliteConnection};

use super::instrument::StatementCounter;
use super::{BackendKind, DbConn};

/// `DATABASE_URL`, checked: a `postgres://` URL, or an SQLite file (`sqlite://path` or a path).
#[derive(Clone)]
pub struct DatabaseUrl {
    backend: BackendKind,
    target: String,
}

impl DatabaseUrl {
    pub fn parse(raw: &str) -> Result<DatabaseUrl, String> {
        let raw = raw.trim();
        if raw.is_empty() {
            return Err("DATABASE_URL is empty".into());
        }
        if raw.starts_with("postgres://") || raw.starts_with("postgresql://") {
            return Ok(DatabaseUrl {
                backend: BackendKind::Postgres,
                target: raw.to_owned(),
            });
        }
        if let Some(path) = raw
            .strip_prefix("sqlite://")
            .or_else(|| raw.strip_prefix("sqlite:"))
        {
            if path.is_empty() {
                return Err("DATABASE_URL names no SQLite file after 'sqlite://'".into());
            }
            return Ok(DatabaseUrl {
                backend: BackendKind::Sqlite,
                target: path.to_owned(),
            });
        }
        if let Some((scheme, _)) = raw.split_once("://") {
            return Err(format!(
                "DATABASE_URL scheme '{scheme}' is not supported: use postgres://… or an SQLite file path"
            ));
        }
        Ok(DatabaseUrl {
            backend: BackendKind::Sqlite,
            target: raw.to_owned(),
        })
    }

    pub fn backend(&self) -> BackendKind {
        self.backend
    }

    /// The URL with any password hidden, for messages and logs.
    pub fn redacted(&self) -> String {
        match self.backend {
            BackendKind::Sqlite => format!("sqlite://{}", self.target),
            BackendKind::Postgres => redact_password(&self.target),
        }
    }

    pub(super) fn establish(&self) -> Result<DbConn, ConnectError> {
        match self.backend {
            BackendKind::Postgres => {
                // libpq would otherwise wait for the operating system's TCP timeout.
                let sep = if self.target.contains('?') { '&' } else { '?' };
                let url = if self.target.contains("connect_timeout=") {
                    self.target.clone()
                } else {
                    format!("{}{sep}connect_timeout=5", self.target)
                };
                let mut conn = PgConnection::establish(&url).map_err(|e| self.error(e))?;
                conn.set_instrumentation(StatementCounter::default());
                Ok(DbConn::Pg(conn))
            }
            BackendKind::Sqlite => {
                let mut conn =
                    SqliteConnection::establish(&self.target).map_err(|e| self.error(e))?;
                // synchronous=FULL: an acknowledged order or invoice must survive a power cut.
                // cache_size: 512 KiB of pages per connection (the default is 2 MiB); the
                // system's file cache holds the rest, and pages were no slower for it.
                conn.batch_execute(
                    "PRAGMA journal_mode = WAL;
                     PRAGMA synchronous = FULL;
                     PRAGMA foreign_keys = ON;
                     PRAGMA busy_timeout = 10000;
                     PRAGMA cache_size = -512;",
                )
                .map_err(|e| ConnectError {
                    url: self.redacted(),
                    message: e.to_string(),
                })?;
                conn.set_instrumentation(StatementCounter::default());
                Ok(DbConn::Sqlite(conn))
            }
        }
    }

    fn error(&self, e: diesel::ConnectionError) -> ConnectError {
        let message = match e {
            diesel::ConnectionError::BadConnection(m) => m.trim().replace('\n', " "),
            other => other.to_string(),
        };
        ConnectError {
            url: self.redacted(),
            message,
        }
    }
}

fn redact_password(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let (authority, tail) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    match authority.rsplit_once('@') {
        Some((userinfo, host)) => {
            let user = userinfo.split(':').next().unwrap_or_default();
            let shown = if userinfo.contains(':') {
                format!("{user}:***")
            } else {
                user.to_owned()
            };
            format!("{scheme}://{shown}@{host}{tail}")
        }
        None => url.to_owned(),
    }
}

/// Why a database could not be opened, in one line.
#[derive(Debug, thiserror::Error)]
#[error("cannot open the database {url}: {message}")]
pub struct ConnectError {
    pub(super) url: String,
    pub(super) message: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_urls_pick_their_backend() {
        assert_eq!(
            DatabaseUrl::parse("partnerdesk.db").unwrap().backend(),
            BackendKind::Sqlite
        );
        assert_eq!(
            DatabaseUrl::parse("sqlite://data/pd.db").unwrap().target,
            "data/pd.db"
        );
        assert_eq!(
            DatabaseUrl::parse("postgres://u:p@h/db").unwrap().backend(),
            BackendKind::Postgres
        );
        assert!(
            DatabaseUrl::parse("mysql://h/db")
                .err()
                .unwrap()
                .contains("not supported")
        );
        assert!(DatabaseUrl::parse("  ").is_err());
    }

    #[test]
    fn passwords_never_appear_in_messages() {
        let url = DatabaseUrl::parse("postgres://app:s3cret@db.example:5432/pd").unwrap();
        assert_eq!(url.redacted(), "postgres://app:***@db.example:5432/pd");
        assert_eq!(
            redact_password("postgres://localhost/pd"),
            "postgres://localhost/pd"
        );
    }
}
