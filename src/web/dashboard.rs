//! The landing page of an organization.

use actix_web::{HttpResponse, web};
use askama::Template;

use chrono::{Datelike, NaiveDate, TimeDelta};

use crate::db::models::activity;
use crate::db::models::invoices;
use crate::db::models::products::{self, Visible};
use crate::db::{DbConn, now};
use crate::domain::{Currency, Money};
use crate::i18n::{current, money, t1};
use crate::members::invitations::{self, Invitation};
use crate::startup::AppState;
use crate::web::Member;
use crate::web::chart::{Chart, first_month};
use crate::web::errors::AppError;
use crate::web::layout::{Layout, Section, page};
use crate::web::products::ProductRow;

#[derive(Template)]
#[template(path = "dashboard.html")]
struct DashboardPage {
    layout: Layout,
    first_name: String,
    partner_count: i64,
    client_count: i64,
    rate: Option<String>,
    role_in_sentence: &'static str,
    /// Invitations to join other organizations, addressed to the person.
    invitations: Vec<Invitation>,
    /// The organization's partnership invitations still open: waiting for its answer,
    /// and sent by it, waiting for the other side's.
    open_invitations: (i64, i64),
    /// For those who see the invoices: how many wait for payment (open, overdue), as
    /// told ("100+" beyond what is counted).
    waiting: Option<(String, String, bool)>,
    /// The products installed here that renew next, soonest first.
    next_renewals: Vec<ProductRow>,
    /// For a partner: its clients' products renewing within 30 days (how many, as
    /// told, and the first of them).
    clients_renewing: Option<(String, Vec<ProductRow>)>,
    /// For a partner's billing people: what it earned this year, per currency.
    earned_this_year: Option<Vec<String>>,
    /// For billing people: spending (a customer) or income (a partner) month by month.
    chart: Option<Chart>,
}

/// How many renewals a dashboard lists.
const LISTED: usize = 5;
/// How far ahead a partner's dashboard looks for its clients' renewals.
const CLIENTS_AHEAD_DAYS: i64 = 30;

/// What the dashboard reads for the organization, beyond its counts.
struct Figures {
    next_renewals: Vec<products::ProductView>,
    clients_renewing: Option<Vec<products::ProductView>>,
    earned: Option<Vec<(Currency, i64)>>,
    months: Option<Vec<activity::Month>>,
}

fn figures(
    conn: &mut DbConn,
    org_id: &str,
    currency: Currency,
    partner: bool,
    billing: bool,
    today: NaiveDate,
) -> Result<Figures, AppError> {
    let year_start = NaiveDate::from_ymd_opt(today.year(), 1, 1).unwrap_or(today);
    let midnight = |day: NaiveDate| day.and_hms_opt(0, 0, 0).unwrap_or_default();
    let next_renewals = products::views(
        conn,
        Visible::NextRenewals {
            org_id,
            for_clients: false,
            until: today + TimeDelta::days(366),
        },
        None,
        LISTED as i64,
    )?;
    let clients_renewing = if partner {
        Some(products::views(
            conn,
            Visible::NextRenewals {
                org_id,
                for_clients: true,
                until: today + TimeDelta::days(CLIENTS_AHEAD_DAYS),
            },
            None,
            COUNTED,
        )?)
    } else {
        None
    };
    let since = midnight(first_month(today));
    let (earned, months) = match (billing, partner) {
        (false, _) => (None, None),
        (true, true) => (
            Some(activity::earned_since(conn, org_id, midnight(year_start))?),
            Some(activity::earned_by_month(conn, org_id, currency, since)?),
        ),
        (true, false) => (
            None,
            Some(activity::spent_by_month(conn, org_id, currency, since)?),
        ),
    };
    Ok(Figures {
        next_renewals,
        clients_renewing,
        earned,
        months,
    })
}

/// How far the dashboard counts the invoices waiting for payment.
const COUNTED: i64 = 100;

fn told(n: usize) -> String {
    if n as i64 >= COUNTED {
        format!("{COUNTED}+")
    } else {
        n.to_string()
    }
}

pub async fn show(member: Member, state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let org_id = member.org_id().to_owned();
    let email = member.user.email.clone();
    let billing = member.role().sees_billing();
    let partner = member.is_partner_org();
    let currency = member.current.currency;
    let today = now().date();
    let ((partner_count, client_count), open_invitations, invitations, waiting, figures) = state
        .db
        .run(move |conn| -> Result<_, AppError> {
            let figures = figures(conn, &org_id, currency, partner, billing, today)?;
            let waiting = if billing {
                Some(invoices::waiting(conn, &org_id, now().date(), COUNTED)?)
            } else {
                None
            };
            Ok((
                activity::counts(conn, &org_id)?,
                activity::open_invitations(
                    conn,
                    &org_id,
                    now() - TimeDelta::days(crate::partnerships::INVITATION_DAYS),
                )?,
                invitations::addressed_to(conn, &email, now())?,
                waiting,
                figures,
            ))
        })
        .await?;
    page(&DashboardPage {
        first_name: member
            .user
            .name
            .split_whitespace()
            .next()
            .unwrap_or_default()
            .to_owned(),
        rate: member
            .current
            .partner_rate_bp
            .and_then(|bp| crate::domain::Rate::from_bp(bp).ok())
            .map(|r| r.to_string()),
        role_in_sentence: member.role().in_sentence(),
        layout: Layout::new(&member, Section::Dashboard)?,
        partner_count,
        client_count,
        invitations,
        open_invitations,
        waiting: waiting.map(|(open, overdue)| (told(open), told(overdue), overdue > 0)),
        next_renewals: rows(&figures.next_renewals, member.org_id(), billing),
        clients_renewing: figures.clients_renewing.map(|all| {
            let first: Vec<_> = all.iter().take(LISTED).cloned().collect();
            (told(all.len()), rows(&first, member.org_id(), billing))
        }),
        earned_this_year: figures.earned.map(|sums| {
            sums.into_iter()
                .map(|(currency, minor)| money(Money::new(minor, currency)))
                .collect()
        }),
        chart: figures.months.map(|months| {
            let caption = if partner {
                t1(
                    "Income per month, in %{currency}",
                    "currency",
                    currency.code(),
                )
            } else {
                t1(
                    "Invoiced per month, in %{currency}",
                    "currency",
                    currency.code(),
                )
            };
            Chart::monthly(caption, &months, today, currency, current())
        }),
    })
}

fn rows(products: &[products::ProductView], viewer: &str, prices: bool) -> Vec<ProductRow> {
    products
        .iter()
        .map(|p| ProductRow::new(p, viewer, false, prices))
        .collect()
}
