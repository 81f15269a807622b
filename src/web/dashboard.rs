//! The landing page of an organization.

use actix_web::{HttpResponse, web};
use askama::Template;

use crate::db::models::{invoices, partnerships};
use crate::db::now;
use crate::members::invitations::{self, Invitation};
use crate::startup::AppState;
use crate::web::Member;
use crate::web::errors::AppError;
use crate::web::layout::{Layout, Section, page};

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
    /// For those who see the invoices: how many wait for payment (open, overdue), as
    /// told ("100+" beyond what is counted).
    waiting: Option<(String, String, bool)>,
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
    let ((partner_count, client_count), invitations, waiting) = state
        .db
        .run(move |conn| -> Result<_, AppError> {
            let waiting = if billing {
                Some(invoices::waiting(conn, &org_id, now().date(), COUNTED)?)
            } else {
                None
            };
            Ok((
                partnerships::counts(conn, &org_id)?,
                invitations::addressed_to(conn, &email, now())?,
                waiting,
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
        waiting: waiting.map(|(open, overdue)| (told(open), told(overdue), overdue > 0)),
    })
}
