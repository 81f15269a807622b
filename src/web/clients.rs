//! The partner's side: its clients, and a client's page (read-only: the access it was
//! granted and who pays).

use actix_web::{HttpResponse, web};
use askama::Template;
use chrono::NaiveDateTime;
use serde::Deserialize;

use crate::db::models::client_requests::{self, ClientRequest};
use crate::db::models::partnerships::{self, Scope, Side};
use crate::db::now;
use crate::domain::{AccessKind, EmailAddress};
use crate::i18n::Text;
use crate::partnerships as lifecycle;
use crate::startup::AppState;
use crate::web::act::{act, done};
use crate::web::csrf::{CsrfForm, NoFields};
use crate::web::errors::AppError;
use crate::web::layout::{Layout, Section, page, page_with_status};
use crate::web::views::{PAGE_SIZE, PageQuery, Summary, date, next_page_link};
use crate::web::{FlashKind, Member};

#[derive(Template)]
#[template(path = "clients/list.html")]
struct ListPage {
    layout: Layout,
    rows: Vec<Summary>,
    next_page: Option<String>,
    can_invite: bool,
    requests: Vec<RequestRow>,
}

/// A request for a client, as the partner follows it.
struct RequestRow {
    id: String,
    email: String,
    access: &'static str,
    sent_on: String,
    status: &'static str,
    open: bool,
}

impl RequestRow {
    fn new(r: &ClientRequest, at: NaiveDateTime) -> RequestRow {
        let status = match r.outcome.as_deref() {
            Some("accepted") => "Accepted",
            Some("refused") => "Refused",
            Some("withdrawn") => "Withdrawn",
            _ if r.expires_at <= at => "Expired",
            _ => "Waiting for an answer",
        };
        RequestRow {
            id: r.id.clone(),
            email: r.email.clone(),
            access: r.access.label(),
            sent_on: date(r.created_at),
            status,
            open: r.is_open(at),
        }
    }
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
    let first_page = cursor.is_none();
    let (views, requests) = state
        .db
        .run(move |conn| -> Result<_, AppError> {
            let scope = Scope {
                side: Side::Partner,
                org_id: &org_id,
                after: cursor.as_ref(),
                limit: PAGE_SIZE,
            };
            let requests = if first_page {
                client_requests::sent_by(conn, &org_id)?
            } else {
                Vec::new()
            };
            Ok((partnerships::views(conn, scope)?, requests))
        })
        .await?;
    let at = now();
    page(&ListPage {
        layout: Layout::new(&member, Section::Clients)?,
        can_invite: member.role().manages_partners(),
        rows: views
            .iter()
            .map(|p| Summary::new(p, Side::Partner))
            .collect(),
        next_page: next_page_link(crate::paths::CLIENTS, &views, Side::Partner),
        requests: requests
            .iter()
            .filter(|r| r.outcome.as_deref() != Some("accepted"))
            .map(|r| RequestRow::new(r, at))
            .collect(),
    })
}

#[derive(Template)]
#[template(path = "clients/new.html")]
struct AskPage {
    layout: Layout,
    email: String,
    full: bool,
    /// Why the request sent was refused, shown on the form.
    error: Option<String>,
}

const MANAGERS_ONLY: &str =
    "Only the organization's legal representatives and administrators can ask for clients.";

fn partner_manager(member: &Member) -> Result<(), AppError> {
    if !member.is_partner_org() {
        return Err(AppError::NotFound);
    }
    member.require(member.role().manages_partners(), MANAGERS_ONLY)
}

/// Asking a customer for access: its legal representative's or administrator's email.
pub async fn new_client(member: Member) -> Result<HttpResponse, AppError> {
    partner_manager(&member)?;
    page(&AskPage {
        layout: Layout::new(&member, Section::Clients)?,
        email: String::new(),
        full: true,
        error: None,
    })
}

#[derive(Deserialize)]
pub struct AskForm {
    email: Option<String>,
    access: Option<String>,
}

/// `POST /clients`: the request is sent to the address, whoever it belongs to; the
/// answer here says nothing about whether it belongs to anyone.
pub async fn ask(
    member: Member,
    state: web::Data<AppState>,
    form: CsrfForm<AskForm>,
) -> Result<HttpResponse, AppError> {
    partner_manager(&member)?;
    let form = form.0;
    let sent = async {
        let access = match form.access.as_deref() {
            Some("full") => AccessKind::Full,
            Some("limited") => AccessKind::Limited,
            _ => return Err(AppError::bad_request("Choose full or limited access.")),
        };
        let email = EmailAddress::parse(form.email.as_deref().unwrap_or_default())
            .map_err(AppError::bad_request)?;
        let address = email.as_str().to_owned();
        act(&member, &state, move |conn, mail, actor| {
            lifecycle::ask(conn, mail, actor, &email, access, now())
        })
        .await?;
        Ok(address)
    }
    .await;
    let address = match sent {
        Ok(address) => address,
        Err(e) => {
            let (status, message) = e.fixable()?;
            return page_with_status(
                status,
                &AskPage {
                    layout: Layout::new(&member, Section::Clients)?,
                    email: form.email.unwrap_or_default(),
                    full: form.access.as_deref() != Some("limited"),
                    error: Some(message),
                },
            );
        }
    };
    done(
        &member,
        FlashKind::Success,
        Text::new("Request sent to %{email}. If this address is a legal representative or an administrator of an organization on partnerdesk, they can answer it within %{days} days.")
            .arg("email", &address)
            .arg("days", lifecycle::INVITATION_DAYS),
        crate::paths::CLIENTS,
    )
}

/// `POST /clients/requests/{id}/withdraw`: the partner takes back a request.
pub async fn withdraw_request(
    member: Member,
    state: web::Data<AppState>,
    id: web::Path<String>,
    _form: CsrfForm<NoFields>,
) -> Result<HttpResponse, AppError> {
    partner_manager(&member)?;
    let id = id.into_inner();
    let request = act(&member, &state, move |conn, _, actor| {
        lifecycle::withdraw_request(conn, actor, &id, now())
    })
    .await?;
    done(
        &member,
        FlashKind::Success,
        Text::new("Your request to %{email} is withdrawn.").arg("email", &request.email),
        crate::paths::CLIENTS,
    )
}
