//! The landing page of an organization.

use actix_web::{HttpResponse, web};
use askama::Template;

use crate::auth::Member;
use crate::db::models::partnerships;
use crate::startup::AppState;
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
}

pub async fn show(member: Member, state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let org_id = member.org_id().to_owned();
    let (partner_count, client_count) = state
        .db
        .run(move |conn| partnerships::counts(conn, &org_id).map_err(AppError::from))
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
    })
}
