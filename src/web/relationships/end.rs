//! Stopping a collaboration (two confirmations, the second with the password), and the
//! timeline as CSV.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::db::models::events;
use crate::db::models::partnerships::{self, PartnershipView};
use crate::db::now;
use crate::domain::Side;
use crate::i18n::Text;
use crate::partnerships::{self as lifecycle};
use crate::paths;
use crate::startup::AppState;
use crate::web::Member;
use crate::web::act::own_password;
use crate::web::csrf::CsrfForm;
use crate::web::csv::{self, Csv};
use crate::web::errors::AppError;
use crate::web::layout::{Layout, Section, page, page_with_status};
use crate::web::views::Summary;

use super::{manageable, run_action, section, side_of};

#[derive(Template)]
#[template(path = "relationships/end.html")]
struct EndPage {
    layout: Layout,
    p: Summary,
    action: String,
    back: String,
    /// The second confirmation asks for the password.
    ask_password: bool,
    error: Option<&'static str>,
}

fn end_page(
    member: &Member,
    view: &PartnershipView,
    side: Side,
    ask_password: bool,
    error: Option<&'static str>,
) -> Result<EndPage, AppError> {
    Ok(EndPage {
        layout: Layout::new(member, section(side))?,
        p: Summary::new(view, side),
        action: paths::partnership_action(side, &view.id, "end"),
        back: paths::partnership(side, &view.id),
        ask_password,
        error,
    })
}

/// The first confirmation: what stopping means.
pub async fn end_form(
    member: Member,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, AppError> {
    let (segment, id) = path.into_inner();
    let side = side_of(&segment)?;
    let view = manageable(&member, &state, side, id).await?;
    if view.status != crate::domain::PartnershipStatus::Active {
        return Err(AppError::conflict(
            "Only an active collaboration can be stopped.",
        ));
    }
    page(&end_page(&member, &view, side, false, None)?)
}

#[derive(Deserialize)]
pub struct EndForm {
    password: Option<String>,
}

/// The second confirmation (without a password: ask for it), then the end.
pub async fn end(
    req: actix_web::HttpRequest,
    member: Member,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    form: CsrfForm<EndForm>,
) -> Result<HttpResponse, AppError> {
    let (segment, id) = path.into_inner();
    let side = side_of(&segment)?;
    let view = manageable(&member, &state, side, id).await?;
    let Some(password) = form.0.password else {
        return page(&end_page(&member, &view, side, true, None)?);
    };
    if !own_password(&req, &state, &member, password).await? {
        let page = end_page(
            &member,
            &view,
            side,
            true,
            Some("This is not your password. Nothing was changed."),
        )?;
        return page_with_status(StatusCode::UNPROCESSABLE_ENTITY, &page);
    }
    let other = view.counterpart_name(side).to_owned();
    run_action(
        &member,
        &state,
        side,
        view,
        move |conn, mail, actor, id| lifecycle::end(conn, mail, actor, side, id, now()),
        |_| {
            Text::new("The collaboration with %{other} has ended. %{other} has been told.")
                .arg("other", &other)
        },
    )
    .await
}

/// `GET /{partners|clients}/{id}/timeline.csv`: the whole timeline, oldest first.
pub async fn timeline_csv(
    member: Member,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, AppError> {
    let (segment, id) = path.into_inner();
    let side = side_of(&segment)?;
    let org_id = member.org_id().to_owned();
    let body = state
        .db
        .run(move |conn| -> Result<Vec<u8>, AppError> {
            let view = partnerships::find(conn, side, &org_id, &id)?.ok_or(AppError::NotFound)?;
            let mut out =
                Csv::with_columns(&["when", "event", "by", "organization", "before", "after"])?;
            let mut all = Vec::new();
            let mut before = None;
            loop {
                let page = events::timeline(conn, &org_id, &view.id, before.as_ref(), 500)?;
                let full = page.len() == 500;
                before = page.last().map(|e| events::Before {
                    occurred_at: e.occurred_at,
                    id: e.id.clone(),
                });
                all.extend(page);
                if !full {
                    break;
                }
            }
            for e in all.iter().rev() {
                let entry = crate::web::views::TimelineEntry::new(e);
                let (old, new) = crate::web::views::describe_change(e);
                out.record([
                    csv::moment(e.occurred_at),
                    entry.what.to_owned(),
                    csv::text(e.actor_name.as_deref().unwrap_or("partnerdesk")),
                    csv::text(e.actor_org_name.as_deref().unwrap_or("")),
                    old,
                    new,
                ])?;
            }
            out.into_bytes()
        })
        .await?;
    Ok(csv::download("timeline.csv", body))
}
