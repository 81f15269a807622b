//! The landing page of an organization.

use actix_web::{HttpResponse, web};
use askama::Template;

use crate::db::models::partnerships;
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
}

pub async fn show(member: Member, state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let org_id = member.org_id().to_owned();
    let email = member.user.email.clone();
    let ((partner_count, client_count), invitations) = state
        .db
        .run(move |conn| -> Result<_, AppError> {
            Ok((
                partnerships::counts(conn, &org_id)?,
                invitations::addressed_to(conn, &email, now())?,
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
    })
}
