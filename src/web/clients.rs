//! The partner's side: its clients, and a client's page (read-only: the access it was
//! granted and who pays).

use actix_web::{HttpResponse, web};
use askama::Template;

use crate::auth::Member;
use crate::db::models::partnerships::{self, Scope, Side};
use crate::startup::AppState;
use crate::web::errors::AppError;
use crate::web::layout::{Layout, Section, page};
use crate::web::views::{
    PAGE_SIZE, PageQuery, Summary, TimelineEntry, TimelineQuery, next_page_link, timeline_page,
};

#[derive(Template)]
#[template(path = "clients/list.html")]
struct ListPage {
    layout: Layout,
    rows: Vec<Summary>,
    next_page: Option<String>,
}

pub async fn list(
    member: Member,
    state: web::Data<AppState>,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, AppError> {
    if !member.is_partner_org() {
        return Err(AppError::NotFound);
    }
    let org_id = member.org_id().to_owned();
    let cursor = query.cursor();
    let views = state
        .db
        .run(move |conn| {
            let scope = Scope {
                side: Side::Partner,
                org_id: &org_id,
                id: None,
                after: cursor.as_ref(),
                limit: PAGE_SIZE,
            };
            partnerships::views(conn, scope).map_err(AppError::from)
        })
        .await?;
    page(&ListPage {
        layout: Layout::new(&member, Section::Clients)?,
        rows: views
            .iter()
            .map(|p| Summary::new(p, Side::Partner))
            .collect(),
        next_page: next_page_link("/clients", &views, Side::Partner),
    })
}

#[derive(Template)]
#[template(path = "clients/show.html")]
struct ShowPage {
    layout: Layout,
    p: Summary,
    timeline: Vec<TimelineEntry>,
    older_link: Option<String>,
}

pub async fn show(
    member: Member,
    state: web::Data<AppState>,
    id: web::Path<String>,
    query: web::Query<TimelineQuery>,
) -> Result<HttpResponse, AppError> {
    let org_id = member.org_id().to_owned();
    let id = id.into_inner();
    let before = query.into_inner().before;
    let (view, timeline) = state
        .db
        .run(move |conn| -> Result<_, AppError> {
            let view =
                partnerships::find(conn, Side::Partner, &org_id, &id)?.ok_or(AppError::NotFound)?;
            let timeline = timeline_page(conn, &org_id, &view.id, before.as_deref())?;
            Ok((view, timeline))
        })
        .await?;
    let p = Summary::new(&view, Side::Partner);
    page(&ShowPage {
        layout: Layout::new(&member, Section::Clients)?,
        older_link: timeline
            .older_than
            .map(|e| format!("/clients/{}?before={e}#timeline", p.id)),
        timeline: timeline.entries,
        p,
    })
}
