//! The `partnerdesk` command line.

use std::io::{BufRead, IsTerminal};
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::format::FmtSpan;

use partnerdesk::commands::{self, NewUser};
use partnerdesk::config::Config;
use partnerdesk::db::Db;
use partnerdesk::startup::Application;
use partnerdesk::{bench_data, demo};

/// mimalloc rather than the system's allocator: the server's threads each kept an arena
/// of freed memory, so its memory grew with the number of threads rather than with the
/// work; allocation is also a large share of what a page costs.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Memory a thread frees goes back to the system at once, not a second later: requests
/// move between threads, so what one freed was seldom reused before then.
fn return_freed_memory_at_once() {
    /// `mi_option_purge_delay` in mimalloc.h (the Rust bindings do not name it).
    const PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;
    // SAFETY: sets one of mimalloc's options, which it reads on each purge; no memory is
    // touched.
    unsafe { libmimalloc_sys::mi_option_set(PURGE_DELAY, 0) }
}

#[derive(Parser)]
#[command(name = "partnerdesk", version, about = "A partner-billing console")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the web server (migrating the database first).
    Serve,
    /// Migrate, seed the demo data if the database is empty, print the demo logins, and serve.
    Demo,
    /// Apply the pending database migrations.
    Migrate,
    /// Fill an empty database: with the demo data, or with `--bench` the benchmark's.
    Seed {
        /// Ten years of a large partner business instead of the demo (see bench/README.md).
        #[arg(long)]
        bench: bool,
        /// The benchmark dataset's size, in invoices (a multiple of 1000); the numbers of
        /// organizations, partners and products follow.
        #[arg(long, default_value_t = 1_000_000, requires = "bench")]
        invoices: u64,
    },
    /// Bill the automatic renewals that are due and remind the payers of overdue invoices
    /// (serve also does both every hour).
    Renew {
        /// Bill what is due on this day (YYYY-MM-DD) instead of today.
        #[arg(long)]
        date: Option<chrono::NaiveDate>,
    },
    /// Manage user accounts.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Payments from the bank.
    Payments {
        #[command(subcommand)]
        command: PaymentsCommand,
    },
    /// Invoices.
    Invoices {
        #[command(subcommand)]
        command: InvoicesCommand,
    },
}

#[derive(Subcommand)]
enum InvoicesCommand {
    /// Cancel an unpaid invoice by a credit note (its own number series, its own PDF);
    /// an invoice cancelled already is told, not cancelled twice.
    Cancel {
        /// The invoice's number, e.g. 2026-000123.
        number: String,
        /// Why, as the credit note tells it.
        #[arg(long)]
        reason: String,
    },
}

#[derive(Subcommand)]
enum PaymentsCommand {
    /// Read a bank notification (camt.054) or statement (camt.053) and mark paid the
    /// invoices its credits settle; importing a file again changes nothing.
    Import { file: std::path::PathBuf },
    /// List the payments that settled nothing: partial, over, or of unknown reference.
    Unmatched,
}

#[derive(Subcommand)]
enum UserCommand {
    /// Add a user to an organization (created if it does not exist). The password is
    /// asked for, or read from the first line of standard input when it is not a terminal.
    Add {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        /// The organization's exact name.
        #[arg(long)]
        org: String,
        /// legal_rep, admin, billing or technical.
        #[arg(long, default_value = "legal_rep")]
        role: String,
        /// Currency of a new organization: CHF or EUR.
        #[arg(long, default_value = "CHF")]
        currency: String,
        /// Register the organization as a partner with this rate, in basis points (2000 = 20 %).
        #[arg(long)]
        partner_rate: Option<i32>,
    },
    /// Set a user's password; all of the user's sessions end.
    Password {
        #[arg(long)]
        email: String,
    },
}

fn main() -> ExitCode {
    return_freed_memory_at_once();
    if let Err(e) = dotenvy::dotenv()
        && !e.not_found()
    {
        eprintln!("error: cannot read .env: {e}");
        return ExitCode::FAILURE;
    }
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .with_span_events(FmtSpan::CLOSE)
        .with_writer(std::io::stderr)
        .init();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<()> {
    let mut config = Config::from_env().map_err(anyhow::Error::msg)?;
    match cli.command {
        Command::Serve => serve(config, None),
        Command::Demo => {
            if config.session_key.is_none() {
                // A fresh key per demo run: nothing to configure for a first look.
                config.session_key = Some(hex::encode(rand::random::<[u8; 32]>()));
            }
            // Invoices issued by a demo provider, unless one is configured.
            config
                .provider
                .get_or_insert_with(partnerdesk::provider::Provider::demo);
            serve(config, Some(print_demo_logins))
        }
        Command::Migrate => {
            Db::connect(&config.database_url, 1)?;
            println!("database {} is up to date", config.database_url.redacted());
            Ok(())
        }
        Command::Seed { bench, invoices } => {
            let db = Db::connect(&config.database_url, 1)?;
            let mut conn = db.get()?;
            if !bench {
                if !demo::seed_if_empty(&mut conn)? {
                    anyhow::bail!("the database is not empty: the demo data needs an empty one");
                }
                println!("demo data written to {}", config.database_url.redacted());
                return Ok(());
            }
            let size =
                bench_data::BenchSize::with_invoices(invoices).map_err(anyhow::Error::msg)?;
            let started = std::time::Instant::now();
            bench_data::seed(&mut conn, size, |step| {
                eprintln!("[{:>6.0} s] {step}", started.elapsed().as_secs_f64());
            })?;
            println!(
                "benchmark data written to {} in {:.0} s; logins (password {}): {} (partner), {} (its client)",
                config.database_url.redacted(),
                started.elapsed().as_secs_f64(),
                demo::PASSWORD,
                bench_data::AGENCY_LOGIN,
                bench_data::CLIENT_LOGIN,
            );
            Ok(())
        }
        Command::Renew { date } => {
            let db = Db::connect(&config.database_url, 1)?;
            let at = partnerdesk::db::now();
            let today = date.unwrap_or(at.date());
            let run =
                partnerdesk::orders::renew_due(&mut *db.get()?, today, at, config.conditions())?;
            println!(
                "{} renewal(s) billed, {} failed (due on or before {today})",
                run.renewed, run.failed
            );
            let mail = partnerdesk::mail::MailContext::new(config.base_url.clone());
            // Overdue as of the real day, whatever day was billed.
            let reminded = partnerdesk::reminders::send_due(
                &mut *db.get()?,
                &mail,
                &config.reminder_steps,
                at.date(),
                at,
            )?;
            println!(
                "{reminded} overdue invoice(s) reminded (the emails leave with the server's outbox)"
            );
            if run.failed > 0 {
                anyhow::bail!("{} renewal(s) could not be billed; see the log", run.failed);
            }
            Ok(())
        }
        Command::Payments { command } => {
            let db = Db::connect(&config.database_url, 1)?;
            match command {
                PaymentsCommand::Import { file } => {
                    for line in commands::import_payments(&db, &file)? {
                        println!("{line}");
                    }
                }
                PaymentsCommand::Unmatched => {
                    for line in commands::unmatched_payments(&db)? {
                        println!("{line}");
                    }
                }
            }
            Ok(())
        }
        Command::Invoices {
            command: InvoicesCommand::Cancel { number, reason },
        } => {
            let db = Db::connect(&config.database_url, 1)?;
            println!("{}", commands::cancel_invoice(&db, &number, &reason)?);
            Ok(())
        }
        Command::User { command } => {
            let db = Db::connect(&config.database_url, 2)?;
            match command {
                UserCommand::Add {
                    email,
                    name,
                    org,
                    role,
                    currency,
                    partner_rate,
                } => {
                    let password = read_password()?;
                    let new = NewUser {
                        email,
                        name,
                        org,
                        role,
                        currency,
                        partner_rate_bp: partner_rate,
                        password,
                    };
                    for line in commands::add_user(&db, new)? {
                        println!("{line}");
                    }
                }
                UserCommand::Password { email } => {
                    let password = read_password()?;
                    let ended = commands::set_password(&db, &email, &password)?;
                    println!("password changed for {email}; {ended} session(s) ended");
                }
            }
            Ok(())
        }
    }
}

fn serve(config: Config, before_serving: Option<fn(&Config, bool)>) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Runtime::new()?;
    runtime.block_on(async move {
        let url = config.database_url.clone();
        let max = config.db_max_connections;
        let seed = before_serving.is_some();
        let (db, seeded) = tokio::task::spawn_blocking(move || -> anyhow::Result<(Db, bool)> {
            let db = Db::connect(&url, max)?;
            let seeded = if seed {
                demo::seed_if_empty(&mut *db.get()?)?
            } else {
                false
            };
            Ok((db, seeded))
        })
        .await??;
        let app = Application::build_with_db(config.clone(), db).await?;
        if let Some(announce) = before_serving {
            announce(&config, seeded);
        }
        tracing::info!(address = %config.bind, port = app.port(), "serving");
        app.run_until_stopped().await?;
        Ok(())
    })
}

fn print_demo_logins(config: &Config, seeded: bool) {
    let url = config.base_url.as_str();
    println!();
    if seeded {
        println!("Demo data created in {}.", config.database_url.redacted());
    }
    println!("partnerdesk is running at {url}");
    println!(
        "Log in with any of these accounts (password: {}):",
        demo::PASSWORD
    );
    for login in demo::LOGINS {
        println!(
            "  {:<22} {} — {}",
            login.email,
            login.org,
            login.role.label().to_lowercase()
        );
    }
    match &config.mail.smtp_url {
        Some(_) => println!("Emails are sent through SMTP_URL."),
        None => println!(
            "Emails are written as .eml files to {}/",
            config.mail.dir.display()
        ),
    }
    println!("Stop with Ctrl-C.");
    println!();
}

/// Reads a new password: asked twice on a terminal, else the first line of stdin.
fn read_password() -> anyhow::Result<String> {
    if std::io::stdin().is_terminal() {
        let first = rpassword::prompt_password("Password: ")?;
        if rpassword::prompt_password("Password again: ")? != first {
            anyhow::bail!("the two passwords differ");
        }
        Ok(first)
    } else {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line)?;
        Ok(line.trim_end_matches(['\r', '\n']).to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::Cli;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_well_formed() {
        Cli::command().debug_assert();
    }
}
