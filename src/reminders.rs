//! Reminders of overdue invoices: the payer's legal representatives, administrators and
//! billing staff are emailed at each step (so many days after the due date) that an
//! unpaid invoice reaches, each step once per invoice.
//!
//! A step is claimed by inserting its row in the transaction that queues its emails
//! (`invoice_reminders`, keyed by invoice and step): two runs at once, or a run again
//! after a crash, send it once. An invoice found past several steps at once (the
//! scheduler was off for a while) gets one email, for the latest, and the earlier steps
//! are recorded as passed.

use chrono::{NaiveDate, NaiveDateTime, TimeDelta};

use crate::db::models::orgs;
use crate::db::models::reminders::{self, Unpaid};
use crate::db::{DbConn, write_tx};
use crate::domain::{Money, Role};
use crate::i18n::{Text, date_in, money_in};
use crate::mail::MailContext;
use crate::mail::notifications::{Notice, send_notice};

/// The steps, in days after the due date, strictly increasing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Steps(Vec<i32>);

/// No step is later than this many days.
const LATEST_STEP: i32 = 365;
/// How many invoices one batch reads.
const BATCH: i64 = 500;

impl Default for Steps {
    /// A week, two weeks and a month after the due date.
    fn default() -> Steps {
        Steps(vec![7, 14, 30])
    }
}

impl Steps {
    /// Reads `7,14,30`: days after the due date, increasing, from 1 to 365; `off` or
    /// nothing sends no reminder.
    pub fn parse(raw: &str) -> Result<Steps, String> {
        let raw = raw.trim();
        if raw.is_empty() || raw == "off" {
            return Ok(Steps(Vec::new()));
        }
        let mut steps = Vec::new();
        for part in raw.split(',') {
            let day: i32 = part.trim().parse().map_err(|_| {
                format!("REMINDER_DAYS must be days after the due date, like 7,14,30 (got '{raw}')")
            })?;
            if !(1..=LATEST_STEP).contains(&day) || steps.last().is_some_and(|last| *last >= day) {
                return Err(format!(
                    "REMINDER_DAYS must be increasing days from 1 to {LATEST_STEP}, like 7,14,30 (got '{raw}')"
                ));
            }
            steps.push(day);
        }
        Ok(Steps(steps))
    }

    pub fn days(&self) -> &[i32] {
        &self.0
    }

    /// The latest step an invoice due on `due_on` has reached on `today`.
    fn reached(&self, due_on: NaiveDate, today: NaiveDate) -> Option<i32> {
        let late = (today - due_on).num_days();
        self.0.iter().rev().copied().find(|d| late >= i64::from(*d))
    }
}

/// Sends the reminders due on `today` (at `at`); returns how many invoices were reminded.
pub fn send_due(
    conn: &mut DbConn,
    mail: &MailContext,
    steps: &Steps,
    today: NaiveDate,
    at: NaiveDateTime,
) -> anyhow::Result<usize> {
    let Some(first) = steps.days().first() else {
        return Ok(0);
    };
    let due_by = today - TimeDelta::days(i64::from(*first));
    let (mut after, mut reminded) = (String::new(), 0);
    loop {
        let batch = reminders::unpaid_due_by(conn, due_by, &after, BATCH)?;
        let Some(last) = batch.last() else {
            return Ok(reminded);
        };
        after = last.id.clone();
        for invoice in &batch {
            let Some(step) = steps.reached(invoice.due_on, today) else {
                continue;
            };
            if invoice.sent.first().is_some_and(|sent| *sent >= step) {
                continue;
            }
            if remind(conn, mail, steps, invoice, step, (today, at))? {
                reminded += 1;
            }
        }
    }
}

/// Claims `step` of `invoice` (and the earlier ones it passed) and queues its emails, in
/// one transaction: `false` when another run had claimed it or the invoice was paid.
fn remind(
    conn: &mut DbConn,
    mail: &MailContext,
    steps: &Steps,
    invoice: &Unpaid,
    step: i32,
    (today, at): (NaiveDate, NaiveDateTime),
) -> anyhow::Result<bool> {
    write_tx(conn, |conn| {
        if !reminders::is_unpaid(conn, &invoice.id)?
            || !reminders::claim(conn, &invoice.id, step, at)?
        {
            return Ok(false);
        }
        for passed in steps.days().iter().filter(|d| **d < step) {
            reminders::claim(conn, &invoice.id, *passed, at)?;
        }
        let people = orgs::recipients(
            conn,
            &invoice.payer_org_id,
            &[Role::LegalRep, Role::Admin, Role::Billing],
        )?;
        let late = (today - invoice.due_on).num_days();
        let total = Money::new(invoice.total, invoice.currency);
        let path = crate::paths::in_org(&crate::paths::invoice(&invoice.id), &invoice.payer_org_id);
        // Each reads the amount and the date the way their language writes them.
        for person in people {
            let locale = person.locale();
            let value = |v: String| Text::new("%{value}").arg("value", v);
            let notice = Notice {
                subject: Text::new("Reminder: invoice %{number} is overdue").arg("number", &invoice.number),
                paragraphs: vec![
                    Text::new("Invoice %{number} of %{total} was due on %{due} and is not paid yet.")
                        .arg("number", &invoice.number)
                        .arg("total", money_in(locale, total))
                        .arg("due", date_in(locale, invoice.due_on)),
                    "Please pay it now. If it was paid in the last few days, there is nothing to do: the payment will be recorded.".into(),
                ],
                facts: vec![
                    ("Invoice".into(), value(invoice.number.clone())),
                    ("Total".into(), value(money_in(locale, total))),
                    ("Due on".into(), value(date_in(locale, invoice.due_on))),
                    ("Days overdue".into(), value(late.to_string())),
                    (
                        "Payment reference".into(),
                        value(invoice.reference().printed()),
                    ),
                ],
                action: Some(("Open the invoice".into(), path.clone())),
            };
            send_notice(conn, mail, &[person], &notice)?;
        }
        tracing::info!(invoice = %invoice.number, step, "reminder queued");
        Ok(true)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_are_increasing_days_within_a_year() {
        assert_eq!(Steps::parse("7,14,30").unwrap().days(), &[7, 14, 30]);
        assert_eq!(Steps::parse(" 3 , 10 ").unwrap().days(), &[3, 10]);
        assert!(Steps::parse("off").unwrap().days().is_empty());
        assert!(Steps::parse("").unwrap().days().is_empty());
        for wrong in ["14,7", "7,7", "0", "-3", "366", "7,,14", "seven", "7;14"] {
            assert!(Steps::parse(wrong).is_err(), "{wrong}");
        }
    }

    #[test]
    fn an_invoice_reaches_the_latest_step_its_delay_passed() {
        let steps = Steps::default();
        let due = NaiveDate::from_ymd_opt(2026, 1, 31).unwrap();
        let on = |days: i64| due + TimeDelta::days(days);
        assert_eq!(steps.reached(due, on(-3)), None);
        assert_eq!(steps.reached(due, on(6)), None);
        assert_eq!(steps.reached(due, on(7)), Some(7));
        assert_eq!(steps.reached(due, on(13)), Some(7));
        assert_eq!(steps.reached(due, on(14)), Some(14));
        assert_eq!(steps.reached(due, on(400)), Some(30));
    }
}
