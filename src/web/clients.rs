//! The partner's side: its clients, and a client's page (read-only: the access it was
//! granted and who pays).

use actix_web::{HttpResponse, http::header, web};
use askama::Template;
use serde::Deserialize;

use crate::auth::{FlashKind, Member};
use crate::db::models::orgs;
use crate::db::models::partnerships::{self, Scope, Side};
use crate::db::now;
use crate::domain::{AccessKind, EmailAddress};
use crate::i18n::Text;
use crate::partnerships::{self as lifecycle, Actor};
use crate::startup::AppState;
use crate::web::csrf::CsrfForm;
use crate::web::errors::AppError;
use crate::web::layout::{Layout, Section, page};
use crate::web::relationships::refusal;
use crate::web::views::{PAGE_SIZE, PageQuery, Summary, next_page_link};

#[derive(Template)]
#[template(path = "clients/list.html")]
struct ListPage {
    layout: Layout,
    rows: Vec<Summary>,
    next_page: Option<String>,
    can_invite: bool,
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
                after: cursor.as_ref(),
                limit: PAGE_SIZE,
            };
            partnerships::views(conn, scope).map_err(AppError::from)
        })
        .await?;
    page(&ListPage {
        layout: Layout::new(&member, Section::Clients)?,
        can_invite: member.role().manages_partners(),
        rows: views
            .iter()
            .map(|p| Summary::new(p, Side::Partner))
            .collect(),
        next_page: next_page_link("/clients", &views, Side::Partner),
    })
}

#[derive(Template)]
#[template(path = "clients/new.html")]
struct AskPage {
    layout: Layout,
    email: String,
    full: bool,
    /// When the email represents several organizations: which one.
    choices: Vec<(String, String)>,
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
        choices: Vec::new(),
    })
}

#[derive(Deserialize)]
pub struct AskForm {
    email: Option<String>,
    access: Option<String>,
    customer_org_id: Option<String>,
}

pub async fn ask(
    member: Member,
    state: web::Data<AppState>,
    form: CsrfForm<AskForm>,
) -> Result<HttpResponse, AppError> {
    partner_manager(&member)?;
    let form = form.0;
    let requested = match form.access.as_deref() {
        Some("full") => AccessKind::Full,
        Some("limited") => AccessKind::Limited,
        _ => return Err(AppError::bad_request("Choose full or limited access.")),
    };
    let email = EmailAddress::parse(form.email.as_deref().unwrap_or_default())
        .map_err(AppError::bad_request)?;
    let own = member.org_id().to_owned();
    let lookup = email.clone();
    // The organizations this person represents, but those that already work with us.
    let (represented, candidates): (usize, Vec<(String, String)>) = state
        .db
        .run(move |conn| -> Result<_, AppError> {
            let represented: Vec<_> = orgs::represented_by(conn, lookup.as_str())?
                .into_iter()
                .filter(|o| o.id != own)
                .collect();
            let mut open = Vec::new();
            for org in &represented {
                if partnerships::live_between(conn, &org.id, &own)?.is_none() {
                    open.push((org.id.clone(), org.name.clone()));
                }
            }
            Ok((represented.len(), open))
        })
        .await?;
    let customer = match (
        candidates.as_slice(),
        form.customer_org_id.filter(|c| !c.is_empty()),
    ) {
        ([], _) if represented > 0 => {
            return Err(AppError::conflict(
                "Your organization already works with this client, or an invitation between you is pending.",
            ));
        }
        ([], _) => {
            return Err(AppError::bad_request(
                "No organization has a legal representative or administrator with this email. Check the address with your client.",
            ));
        }
        ([(id, _)], None) => id.clone(),
        (_, Some(chosen)) => candidates
            .iter()
            .find(|(id, _)| *id == chosen)
            .map(|(id, _)| id.clone())
            .ok_or_else(|| AppError::bad_request("Choose one of the organizations listed."))?,
        (_, None) => {
            // The person represents several organizations: ask which one.
            return page(&AskPage {
                layout: Layout::new(&member, Section::Clients)?,
                email: email.as_str().to_owned(),
                full: requested == AccessKind::Full,
                choices: candidates,
            });
        }
    };
    let (user_id, user_name, user_email, org_id) = (
        member.user.id.clone(),
        member.user.name.clone(),
        member.user.email.clone(),
        member.org_id().to_owned(),
    );
    let mail = state.mail.clone();
    let id = state
        .db
        .write(move |conn| {
            let actor = Actor {
                user_id: &user_id,
                user_name: &user_name,
                user_email: &user_email,
                org_id: &org_id,
            };
            Ok::<_, AppError>(lifecycle::request_client(
                conn,
                &mail,
                &actor,
                &customer,
                requested,
                now(),
            ))
        })
        .await?
        .map_err(refusal)?;
    state.mail_wake.notify_one();
    member.session.flash(
        FlashKind::Success,
        Text::new("Request sent. The client has %{days} days to answer.")
            .arg("days", lifecycle::INVITATION_DAYS),
    )?;
    Ok(HttpResponse::SeeOther()
        .insert_header((header::LOCATION, format!("/clients/{id}")))
        .finish())
}
