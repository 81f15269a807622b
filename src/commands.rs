//! The administrative commands of the `partnerdesk` binary (besides serving).

use crate::auth::password;
use crate::db::models::{orgs, sessions, users};
use crate::db::{Db, write_tx};
use crate::domain::{Currency, EmailAddress, Rate, Role, refuse_hidden_characters};

/// `partnerdesk user add`.
pub struct NewUser {
    pub email: String,
    pub name: String,
    pub org: String,
    pub role: String,
    pub currency: String,
    pub partner_rate_bp: Option<i32>,
    pub password: String,
}

/// Adds a user to an organization, creating the organization (and its partner profile,
/// when a rate is given) if it does not exist yet. Returns what was done, in words.
pub fn add_user(db: &Db, new: NewUser) -> anyhow::Result<Vec<String>> {
    let email = EmailAddress::parse(&new.email).map_err(anyhow::Error::msg)?;
    let role: Role = new.role.parse().map_err(|_| {
        anyhow::anyhow!(
            "unknown role '{}': use legal_rep, admin, billing or technical",
            new.role
        )
    })?;
    let name = new.name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        anyhow::bail!("a name has 1 to 100 characters");
    }
    refuse_hidden_characters(name).map_err(|m| anyhow::anyhow!("--name: {m}"))?;
    let org_name = new.org.trim();
    if org_name.is_empty() || org_name.chars().count() > 100 {
        anyhow::bail!("an organization name has 1 to 100 characters");
    }
    refuse_hidden_characters(org_name).map_err(|m| anyhow::anyhow!("--org: {m}"))?;
    let currency: Currency = new
        .currency
        .parse()
        .map_err(|_| anyhow::anyhow!("currency must be CHF or EUR"))?;
    let rate = new
        .partner_rate_bp
        .map(Rate::from_bp)
        .transpose()
        .map_err(anyhow::Error::msg)?;
    password::check_policy(&new.password).map_err(|e| anyhow::anyhow!("{e}"))?;
    let hash = password::hash(&new.password)?;

    let mut conn = db.get()?;
    write_tx(&mut conn, |conn| -> anyhow::Result<Vec<String>> {
        let mut done = Vec::new();
        if users::find_by_email(conn, &email)?.is_some() {
            anyhow::bail!("a user with the email {} already exists", email.as_str());
        }
        let org = match orgs::find_by_name(conn, org_name)? {
            Some(org) => org,
            None => {
                done.push(format!(
                    "created organization {org_name} ({})",
                    currency.code()
                ));
                orgs::create(conn, org_name, currency)?
            }
        };
        if let Some(rate) = rate
            && orgs::partner_rate(conn, &org.id)?.is_none()
        {
            orgs::make_partner(conn, &org.id, rate)?;
            done.push(format!("registered {} as a partner at {rate}", org.name));
        }
        let user = users::create(conn, &email, name, &hash)?;
        orgs::add_member(conn, &org.id, &user.id, role)?;
        done.push(format!(
            "added {} to {} as {}",
            email.as_str(),
            org.name,
            role.label().to_lowercase()
        ));
        Ok(done)
    })
}

/// `partnerdesk user password`: sets a new password and ends all the user's sessions.
pub fn set_password(db: &Db, email: &str, new_password: &str) -> anyhow::Result<usize> {
    let email = EmailAddress::parse(email).map_err(anyhow::Error::msg)?;
    password::check_policy(new_password).map_err(|e| anyhow::anyhow!("{e}"))?;
    let hash = password::hash(new_password)?;
    let mut conn = db.get()?;
    write_tx(&mut conn, |conn| -> anyhow::Result<usize> {
        let user = users::find_by_email(conn, &email)?
            .ok_or_else(|| anyhow::anyhow!("no user with the email {}", email.as_str()))?;
        users::set_password(conn, &user.id, &hash)?;
        Ok(sessions::delete_for_user(conn, &user.id)?)
    })
}

/// `partnerdesk payments import FILE`: what the import did, in words.
pub fn import_payments(db: &Db, file: &std::path::Path) -> anyhow::Result<Vec<String>> {
    use std::io::Read;
    let max = crate::payments::camt::MAX_BYTES;
    let opened = std::fs::File::open(file)
        .and_then(|f| f.metadata().map(|m| (f, m)))
        .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", file.display()))?;
    let (handle, metadata) = opened;
    if !metadata.is_file() || metadata.len() > max as u64 {
        anyhow::bail!(
            "{} was not imported: it is not a file of at most {} MB. Nothing was changed.",
            file.display(),
            max / 1024 / 1024
        );
    }
    let mut bytes = Vec::new();
    handle
        .take(max as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", file.display()))?;
    let xml = String::from_utf8(bytes).map_err(|_| {
        anyhow::anyhow!("{} is not UTF-8 text: nothing was imported", file.display())
    })?;
    let name = file
        .file_name()
        .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
    let report = crate::payments::import(&mut *db.get()?, &xml, &name, crate::db::now()).map_err(
        |e| match e {
            crate::payments::ImportError::Malformed(why) => anyhow::anyhow!(
                "{} was not imported: {why}. Nothing was changed.",
                file.display()
            ),
            other => other.into(),
        },
    )?;
    Ok(vec![
        format!("{} read from {}", report.kind, file.display()),
        format!(
            "{} invoice payment(s) settled, {} partial, {} over, {} in another currency than the invoice's, {} of unknown reference",
            report.settled, report.partial, report.over, report.currency, report.unknown
        ),
        format!(
            "{} imported before, {} debit(s) or entries not booked left out",
            report.known, report.skipped
        ),
        "partnerdesk payments unmatched lists those that settled nothing.".to_owned(),
    ])
}

/// `partnerdesk payments unmatched`: one line per payment that settled nothing, under a
/// header.
pub fn unmatched_payments(db: &Db) -> anyhow::Result<Vec<String>> {
    let payments = crate::db::models::bank_payments::unmatched(&mut *db.get()?)?;
    if payments.is_empty() {
        return Ok(vec![
            "every payment imported settled its invoice".to_owned(),
        ]);
    }
    let mut lines = vec![
        format!("{} payment(s) settled nothing:", payments.len()),
        "booked\toutcome\tamount\tinvoice\treference\tfrom\tbank reference".to_owned(),
    ];
    lines.extend(payments.into_iter().map(|(p, number)| {
        format!(
            "{}\t{}\t{} {}\t{}\t{}\t{}\t{}",
            p.booked_on,
            p.outcome,
            p.currency,
            crate::domain::decimal(p.amount),
            number.as_deref().unwrap_or("none"),
            p.reference.as_deref().unwrap_or("none"),
            p.debtor.as_deref().unwrap_or("?"),
            p.bank_ref
        )
    }));
    Ok(lines)
}

/// `partnerdesk invoices cancel`: the credit note that cancels the invoice, in words;
/// one that did before is told, not made twice.
pub fn cancel_invoice(db: &Db, number: &str, reason: &str) -> anyhow::Result<String> {
    use crate::credit_notes::{CancelError, cancel};
    match cancel(&mut *db.get()?, number, reason, crate::db::now()) {
        Ok(note) => Ok(format!(
            "invoice {} cancelled by credit note {}",
            number.trim(),
            note.number
        )),
        Err(already @ CancelError::AlreadyCancelled { .. }) => Ok(already.to_string()),
        Err(other) => Err(other.into()),
    }
}
