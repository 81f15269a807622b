//! A partner's request, as the person it was addressed to answers it: for the
//! organization they work in, with the rights they grant, or refused.

use actix_web::{HttpResponse, web};
use askama::Template;

use crate::db::models::client_requests::{self, ClientRequest};
use crate::db::models::partnerships;
use crate::db::now;
use crate::domain::AccessKind;
use crate::i18n::{In, Text};
use crate::partnerships as lifecycle;
use crate::paths;
use crate::startup::AppState;
use crate::web::act::{act, done};
use crate::web::csrf::{CsrfForm, NoFields};
use crate::web::errors::AppError;
use crate::web::layout::{Layout, Section, page};
use crate::web::relationships::{GrantFields, GrantForm, Preset};
use crate::web::{FlashKind, Member};

const MANAGERS_ONLY: &str = "Only the organization's legal representatives and administrators can answer a partner's request.";

#[derive(Template)]
#[template(path = "partners/request.html")]
struct RequestPage {
    layout: Layout,
    request: ClientRequest,
    access_in_sentence: &'static str,
    grant: GrantFields,
    partner_name: String,
    customer_name: String,
    /// The organization worked in already works with the partner (or an invitation
    /// between them is pending): it cannot accept, another of the person's may.
    already: bool,
}

/// `GET /partners/requests/{id}`: the request, and the rights to grant.
pub async fn show(
    member: Member,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let (id, email, org_id) = (
        id.into_inner(),
        member.user.email.clone(),
        member.org_id().to_owned(),
    );
    let tr = In::default();
    let (request, grant, already) = state
        .db
        .run(move |conn| -> Result<_, AppError> {
            let request = client_requests::find_addressed_to(conn, &id, &email)?
                .filter(|r| r.is_open(now()))
                .ok_or(AppError::NotFound)?;
            let already = partnerships::live_between(conn, &org_id, &request.partner_org_id)?
                .is_some()
                || request.partner_org_id == org_id;
            let full = request.access == AccessKind::Full;
            let grant = GrantFields::load(
                conn,
                tr,
                &org_id,
                None,
                Preset {
                    full,
                    ..Preset::NEW
                },
            )?;
            Ok((request, grant, already))
        })
        .await?;
    member.require(member.role().manages_partners(), MANAGERS_ONLY)?;
    page(&RequestPage {
        layout: Layout::new(&member, Section::Partners)?,
        access_in_sentence: request.access.in_sentence(),
        partner_name: request.partner_name.clone(),
        customer_name: member.current.org_name.clone(),
        request,
        grant,
        already,
    })
}

/// `POST /partners/requests/{id}/accept`: the partnership starts, with these rights.
pub async fn accept(
    member: Member,
    state: web::Data<AppState>,
    id: web::Path<String>,
    form: CsrfForm<GrantForm>,
) -> Result<HttpResponse, AppError> {
    let grant = form.0.grant()?;
    let (id, may_answer) = (id.into_inner(), member.role().manages_partners());
    let partnership = act(&member, &state, move |conn, mail, actor| {
        lifecycle::grant_request(conn, mail, actor, may_answer, &id, &grant, now())
    })
    .await?;
    done(
        &member,
        FlashKind::Success,
        Text::new("%{partner} now manages your products with the rights you granted. %{partner} has been told.")
            .arg("partner", &partnership.partner_name),
        &paths::partnership(crate::domain::Side::Customer, &partnership.id),
    )
}

/// `POST /partners/requests/{id}/refuse`.
pub async fn refuse(
    member: Member,
    state: web::Data<AppState>,
    id: web::Path<String>,
    _form: CsrfForm<NoFields>,
) -> Result<HttpResponse, AppError> {
    let (id, may_answer) = (id.into_inner(), member.role().manages_partners());
    let request = act(&member, &state, move |conn, mail, actor| {
        lifecycle::refuse_request(conn, mail, actor, may_answer, &id, now())
    })
    .await?;
    done(
        &member,
        FlashKind::Success,
        Text::new("You refused the request of %{partner}. It has been told.")
            .arg("partner", &request.partner_name),
        paths::PARTNERS,
    )
}
