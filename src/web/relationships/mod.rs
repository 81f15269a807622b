//! What both sides do with a relationship, under `/partners/{id}/…` (the customer) and
//! `/clients/{id}/…` (the partner): answer, withdraw or resend an invitation, stop the
//! collaboration (two confirmations, the second with the password), export the timeline.

mod answer;
mod end;
mod grant;

pub use answer::{accept, refuse, resend, withdraw};
pub use end::{end, end_form, timeline_csv};
pub use grant::{GrantFields, GrantForm, Preset, grant_from, product_names};

use actix_web::{HttpResponse, web};
use askama::Template;

use crate::db::DbConn;
use crate::db::models::partnerships::{self, PartnershipView};
use crate::domain::Side;
use crate::i18n::{In, Text};
use crate::mail::MailContext;
use crate::partnerships::{Actor, LifecycleError};
use crate::paths;
use crate::startup::AppState;
use crate::web::act::{act, done};
use crate::web::errors::AppError;
use crate::web::layout::{Layout, Section, page};
use crate::web::views::Summary;
use crate::web::{FlashKind, Member};

const MANAGERS_ONLY: &str =
    "Only the organization's legal representatives and administrators can manage its partnerships.";

/// `partners` is the customer's side, `clients` the partner's.
pub fn side_of(segment: &str) -> Result<Side, AppError> {
    match segment {
        "partners" => Ok(Side::Customer),
        "clients" => Ok(Side::Partner),
        _ => Err(AppError::NotFound),
    }
}

fn section(side: Side) -> Section {
    match side {
        Side::Customer => Section::Partners,
        Side::Partner => Section::Clients,
    }
}

/// The partnership, if the member's organization stands at `side` of it (404 otherwise),
/// and if the member may manage partnerships (403 otherwise).
pub async fn manageable(
    member: &Member,
    state: &AppState,
    side: Side,
    id: String,
) -> Result<PartnershipView, AppError> {
    let org_id = member.org_id().to_owned();
    let view = state
        .db
        .run(move |conn| partnerships::find(conn, side, &org_id, &id).map_err(AppError::from))
        .await?
        .ok_or(AppError::NotFound)?;
    member.require(member.role().manages_partners(), MANAGERS_ONLY)?;
    Ok(view)
}

/// Runs a lifecycle action as `member` on a partnership `manageable` returned, leaves
/// the message `done_message` makes of the outcome, and goes back to the partnership's page.
pub async fn run_action<T, F, M>(
    member: &Member,
    state: &AppState,
    side: Side,
    view: PartnershipView,
    action: F,
    done_message: M,
) -> Result<HttpResponse, AppError>
where
    F: FnOnce(&mut DbConn, &MailContext, &Actor<'_>, &str) -> Result<T, LifecycleError>
        + Send
        + 'static,
    T: Send + 'static,
    M: FnOnce(&T) -> Text,
{
    let partnership_id = view.id.clone();
    let outcome = act(member, state, move |conn, mail, actor| {
        action(conn, mail, actor, &partnership_id)
    })
    .await?;
    done(
        member,
        FlashKind::Success,
        done_message(&outcome),
        &paths::partnership(side, &view.id),
    )
}

#[derive(Template)]
#[template(path = "relationships/show.html")]
struct ShowPage {
    layout: Layout,
    p: Summary,
    /// Seen by the customer (`/partners/{id}`), or by the partner (`/clients/{id}`).
    customer_side: bool,
    base: String,
    can_manage: bool,
    can_edit_payment: bool,
    products: Vec<String>,
    /// The customer's answer to a partner's request: the rights it grants.
    grant: Option<GrantFields>,
    partner_name: String,
    customer_name: String,
    customer_id: String,
    access_in_sentence: &'static str,
    timeline: Vec<crate::web::views::TimelineEntry>,
    older_link: Option<String>,
    /// The partner's side of an active partnership: the products it manages there,
    /// soonest renewal first (the first of them).
    managed: Option<Vec<crate::web::products::ProductRow>>,
}

/// How many managed products a partnership's page lists before linking to them all.
const MANAGED_LISTED: i64 = 20;

/// A partnership's page, from either side.
pub async fn show(
    member: Member,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    query: web::Query<crate::web::views::TimelineQuery>,
) -> Result<HttpResponse, AppError> {
    let (segment, id) = path.into_inner();
    let side = side_of(&segment)?;
    let org_id = member.org_id().to_owned();
    let before = query.into_inner().before;
    let can_manage = member.role().manages_partners();
    let tr = In::default();
    let (view, timeline, products, grant, managed) = state
        .db
        .run(move |conn| -> Result<_, AppError> {
            let view = partnerships::find(conn, side, &org_id, &id)?.ok_or(AppError::NotFound)?;
            let managed = if side == Side::Partner
                && view.status == crate::domain::PartnershipStatus::Active
            {
                let visible = crate::db::models::products::Visible::ManagedBy {
                    org_id: &org_id,
                    client: Some(&view.customer_org_id),
                };
                Some(crate::db::models::products::views(
                    conn,
                    visible,
                    None,
                    MANAGED_LISTED,
                )?)
            } else {
                None
            };
            let timeline =
                crate::web::views::timeline_page(conn, &org_id, &view.id, before.as_deref())?;
            let products = product_names(conn, tr, &view, side)?;
            let answering = side == Side::Customer
                && view.status == crate::domain::PartnershipStatus::Pending
                && view.initiated_by == Side::Partner;
            let grant = if answering && can_manage {
                let full = matches!(view.access, crate::domain::Access::Full(_));
                Some(GrantFields::load(
                    conn,
                    tr,
                    &view.customer_org_id,
                    Some(&view.id),
                    Preset {
                        full,
                        ..Preset::NEW
                    },
                )?)
            } else {
                None
            };
            Ok((view, timeline, products, grant, managed))
        })
        .await?;
    let p = Summary::new(&view, side);
    let base = paths::partnership(side, &view.id);
    page(&ShowPage {
        layout: Layout::new(&member, section(side))?,
        customer_side: side == Side::Customer,
        can_edit_payment: side == Side::Customer && can_manage && p.full_access && p.is_active,
        older_link: timeline
            .older_than
            .map(|e| format!("{base}?before={e}#timeline")),
        timeline: timeline.entries,
        partner_name: view.partner_name.clone(),
        customer_name: view.customer_name.clone(),
        customer_id: view.customer_org_id.clone(),
        access_in_sentence: view.access.kind().in_sentence(),
        base,
        can_manage,
        products,
        grant,
        managed: managed.map(|all| {
            all.iter()
                .map(|product| {
                    crate::web::products::ProductRow::new(
                        product,
                        member.org_id(),
                        false,
                        member.role().sees_billing(),
                    )
                })
                .collect()
        }),
        p,
    })
}
