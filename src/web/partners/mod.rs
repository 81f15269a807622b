//! The customer's side: its partners, adding one, and (in the submodules) changing
//! who pays (pencil → edit → verify → confirm) and what the partner may do.

mod access;
mod payment;

pub use access::{edit_access, save_access};
pub use payment::{edit_payment, save_payment, verify_payment};

use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::db::models::client_requests::{self, ClientRequest};
use crate::db::models::orgs::{self, PartnerMatch};
use crate::db::models::partnerships::{self, Scope, Side};
use crate::db::now;
use crate::domain::PartnershipStatus;
use crate::web::{FlashKind, Member};

use crate::i18n::{In, Text};
use crate::partnerships as lifecycle;
use crate::startup::AppState;
use crate::web::act::{act, done};
use crate::web::csrf::CsrfForm;
use crate::web::errors::AppError;
use crate::web::layout::{Layout, Section, page};
use crate::web::relationships::{GrantFields, Preset, grant_from};
use crate::web::views::{PAGE_SIZE, PageQuery, Summary, next_page_link};

const MANAGERS_ONLY: &str =
    "Only the organization's legal representatives and administrators can add partners.";

#[derive(Template)]
#[template(path = "partners/list.html")]
struct ListPage {
    layout: Layout,
    rows: Vec<Summary>,
    next_page: Option<String>,
    can_invite: bool,
    /// Partners' requests addressed to the person, to answer for this organization.
    requests: Vec<ClientRequest>,
}

pub async fn list(
    member: Member,
    state: web::Data<AppState>,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, AppError> {
    let org_id = member.org_id().to_owned();
    let cursor = query.cursor();
    let (email, can_invite) = (member.user.email.clone(), member.role().manages_partners());
    let (views, requests) = state
        .db
        .run(move |conn| -> Result<_, AppError> {
            let scope = Scope {
                side: Side::Customer,
                org_id: &org_id,
                after: cursor.as_ref(),
                limit: PAGE_SIZE,
            };
            let requests = if can_invite {
                client_requests::addressed_to(conn, &email, now())?
            } else {
                Vec::new()
            };
            Ok((partnerships::views(conn, scope)?, requests))
        })
        .await?;
    page(&ListPage {
        layout: Layout::new(&member, Section::Partners)?,
        can_invite,
        requests,
        rows: views
            .iter()
            .map(|p| Summary::new(p, Side::Customer))
            .collect(),
        next_page: next_page_link(crate::paths::PARTNERS, &views, Side::Customer),
    })
}

#[derive(Deserialize)]
pub struct InviteQuery {
    q: Option<String>,
    partner: Option<String>,
}

#[derive(Template)]
#[template(path = "partners/new.html")]
struct InvitePage {
    layout: Layout,
    q: String,
    searched: bool,
    results: Vec<PartnerMatch>,
    chosen: Option<PartnerMatch>,
    grant: GrantFields,
    partner_name: String,
    customer_name: String,
}

/// Adding a partner: search the registered partners, choose one, choose the rights.
pub async fn new_partner(
    member: Member,
    state: web::Data<AppState>,
    query: web::Query<InviteQuery>,
) -> Result<HttpResponse, AppError> {
    member.require(member.role().manages_partners(), MANAGERS_ONLY)?;
    let q = query
        .q
        .clone()
        .unwrap_or_default()
        .trim()
        .chars()
        .take(100)
        .collect::<String>();
    let chosen_id = query.partner.clone();
    let org_id = member.org_id().to_owned();
    let searching = q.chars().count() >= 2;
    let tr = In::default();
    let (results, chosen, grant) = {
        let q = q.clone();
        state
            .db
            .run(move |conn| -> Result<_, AppError> {
                let results = if searching {
                    orgs::search_partners(conn, &q, &org_id, 20)?
                } else {
                    Vec::new()
                };
                let chosen = match chosen_id {
                    Some(id) => {
                        Some(orgs::partner_match(conn, &id, &org_id)?.ok_or(AppError::NotFound)?)
                    }
                    None => None,
                };
                let grant = GrantFields::load(conn, tr, &org_id, None, Preset::NEW)?;
                Ok((results, chosen, grant))
            })
            .await?
    };
    page(&InvitePage {
        layout: Layout::new(&member, Section::Partners)?,
        searched: searching,
        partner_name: chosen
            .as_ref()
            .map_or_else(|| "the partner".to_owned(), |c| c.name.clone()),
        customer_name: member.current.org_name.clone(),
        q,
        results,
        chosen,
        grant,
    })
}

#[derive(Deserialize)]
pub struct InviteForm {
    partner_org_id: Option<String>,
    access: Option<String>,
    payment_mode: Option<String>,
    #[serde(default)]
    products: Vec<String>,
}

pub async fn invite(
    member: Member,
    state: web::Data<AppState>,
    form: CsrfForm<InviteForm>,
) -> Result<HttpResponse, AppError> {
    member.require(member.role().manages_partners(), MANAGERS_ONLY)?;
    let form = form.0;
    let grant = grant_from(
        form.access.as_deref(),
        form.payment_mode.as_deref(),
        &form.products,
    )?;
    let partner = form
        .partner_org_id
        .filter(|p| !p.is_empty())
        .ok_or_else(|| AppError::bad_request("Choose a partner to invite."))?;
    let id = act(&member, &state, move |conn, mail, actor| {
        lifecycle::invite_partner(conn, mail, actor, &partner, &grant, now())
    })
    .await?;
    done(
        &member,
        FlashKind::Success,
        Text::new("Invitation sent. The partner has %{days} days to accept or refuse it.")
            .arg("days", lifecycle::INVITATION_DAYS),
        &crate::paths::partnership(Side::Customer, &id),
    )
}
