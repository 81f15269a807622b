//! What both sides do with a relationship, under `/partners/{id}/…` (the customer) and
//! `/clients/{id}/…` (the partner): answer, withdraw or resend an invitation, stop the
//! collaboration (two confirmations, the second with the password), export the timeline.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::auth::{FlashKind, Member};
use crate::db::models::events;
use crate::db::models::partnerships::{self, PartnershipView};
use crate::db::{DbConn, now};
use crate::domain::{PaymentMode, Side};
use crate::i18n::{In, Text};
use crate::mail::MailContext;
use crate::partnerships::{self as lifecycle, Actor, Grant, LifecycleError};
use crate::paths;
use crate::startup::AppState;
use crate::web::act::{act, done, own_password};
use crate::web::csrf::{CsrfForm, NoFields};
use crate::web::csv::{self, Csv};
use crate::web::errors::AppError;
use crate::web::layout::{Layout, Section, page, page_with_status};
use crate::web::views::Summary;

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

pub async fn refuse(
    member: Member,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    _form: CsrfForm<NoFields>,
) -> Result<HttpResponse, AppError> {
    let (segment, id) = path.into_inner();
    let side = side_of(&segment)?;
    let view = manageable(&member, &state, side, id).await?;
    run_action(
        &member,
        &state,
        side,
        view,
        move |conn, mail, actor, id| lifecycle::refuse(conn, mail, actor, side, id, now()),
        |_| "Invitation refused. The other organization has been told.".into(),
    )
    .await
}

pub async fn withdraw(
    member: Member,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    _form: CsrfForm<NoFields>,
) -> Result<HttpResponse, AppError> {
    let (segment, id) = path.into_inner();
    let side = side_of(&segment)?;
    let view = manageable(&member, &state, side, id).await?;
    run_action(
        &member,
        &state,
        side,
        view,
        move |conn, mail, actor, id| lifecycle::withdraw(conn, mail, actor, side, id, now()),
        |_| "Invitation withdrawn. The other organization has been told.".into(),
    )
    .await
}

pub async fn resend(
    member: Member,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    _form: CsrfForm<NoFields>,
) -> Result<HttpResponse, AppError> {
    let (segment, id) = path.into_inner();
    let side = side_of(&segment)?;
    let view = manageable(&member, &state, side, id).await?;
    run_action(
        &member,
        &state,
        side,
        view,
        move |conn, mail, actor, id| lifecycle::resend(conn, mail, actor, side, id, now()),
        |_| {
            Text::new("Invitation sent again. It is valid for %{days} more days.")
                .arg("days", lifecycle::INVITATION_DAYS)
        },
    )
    .await
}

/// The rights a customer grants, as its forms send them.
#[derive(Debug, Default, Deserialize)]
pub struct GrantForm {
    pub access: Option<String>,
    pub payment_mode: Option<String>,
    #[serde(default)]
    pub products: Vec<String>,
    pub version: Option<String>,
    /// Present on the verify step's button: the change was verified.
    pub confirm: Option<String>,
}

/// Reads the rights a form grants: an access, a payment mode with full access, the
/// products with limited access.
pub fn grant_from(
    access: Option<&str>,
    payment_mode: Option<&str>,
    products: &[String],
) -> Result<Grant, AppError> {
    match access {
        Some("full") => match payment_mode.map(str::parse::<PaymentMode>) {
            Some(Ok(mode)) => Ok(Grant::Full(mode)),
            _ => Err(AppError::bad_request(
                "With full access, choose who pays: “Customer pays” or “Partner pays”.",
            )),
        },
        Some("limited") => Ok(Grant::Limited {
            products: products.iter().filter(|p| !p.is_empty()).cloned().collect(),
        }),
        _ => Err(AppError::bad_request("Choose full or limited access.")),
    }
}

impl GrantForm {
    pub fn grant(&self) -> Result<Grant, AppError> {
        grant_from(
            self.access.as_deref(),
            self.payment_mode.as_deref(),
            &self.products,
        )
    }

    pub fn version(&self) -> Result<i32, AppError> {
        self.version
            .as_deref()
            .and_then(|v| v.parse().ok())
            .ok_or_else(|| {
                AppError::bad_request(
                    "The form is missing its version. Reload the page and try again.",
                )
            })
    }
}

/// Accepting an invitation: the partner accepts the rights offered; the customer
/// answering a partner's request chooses the rights it grants.
pub async fn accept(
    member: Member,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    form: CsrfForm<GrantForm>,
) -> Result<HttpResponse, AppError> {
    let (segment, id) = path.into_inner();
    let side = side_of(&segment)?;
    let view = manageable(&member, &state, side, id).await?;
    let grant = match side {
        Side::Customer => Some(form.0.grant()?),
        Side::Partner => None,
    };
    run_action(
        &member,
        &state,
        side,
        view,
        move |conn, mail, actor, id| lifecycle::accept(conn, mail, actor, side, id, grant.as_ref(), now()),
        |_| "Invitation accepted: the collaboration has started. The other organization has been told.".into(),
    )
    .await
}

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

/// A product in a grant form's list.
pub struct ProductChoice {
    pub id: String,
    pub label: String,
    pub checked: bool,
}

/// What a grant form shows chosen: full access or not, who pays, the products listed.
#[derive(Debug, Clone, Copy)]
pub struct Preset<'a> {
    pub full: bool,
    pub payment: PaymentMode,
    pub checked: &'a [String],
}

impl Preset<'_> {
    /// Full access with the customer paying, nothing listed: a new grant's defaults.
    pub const NEW: Preset<'static> = Preset {
        full: true,
        payment: PaymentMode::CustomerPays,
        checked: &[],
    };
}

/// The access / payment / products fields of the invite, accept and edit forms.
pub struct GrantFields {
    pub full: bool,
    pub payment: PaymentMode,
    pub products: Vec<ProductChoice>,
}

impl GrantFields {
    /// The fields for `customer_org_id`'s products, `checked` being those already listed.
    /// A product another partner than `partnership_id`'s manages says so: choosing it
    /// moves it.
    /// Read on a blocking thread, where the request's language is not known: `tr` says it.
    pub fn load(
        conn: &mut DbConn,
        tr: In,
        customer_org_id: &str,
        partnership_id: Option<&str>,
        preset: Preset<'_>,
    ) -> Result<GrantFields, AppError> {
        let Preset {
            full,
            payment,
            checked,
        } = preset;
        let products = crate::db::models::products::choices(conn, customer_org_id)?
            .into_iter()
            .map(|p| ProductChoice {
                checked: checked.contains(&p.id),
                label: product_label(tr, &p, partnership_id, Side::Customer),
                id: p.id,
            })
            .collect();
        Ok(GrantFields {
            full,
            payment,
            products,
        })
    }

    pub fn is_partner_pays(&self) -> bool {
        self.payment == PaymentMode::PartnerPays
    }
}

/// A product as a grant or a partnership page lists it. One that another partner
/// manages says so, since giving it to this partner moves it: the customer reads who
/// manages it now, the partner only that another partner does.
fn product_label(
    tr: In,
    p: &crate::db::models::products::Listed,
    partnership_id: Option<&str>,
    reader: Side,
) -> String {
    let renews = tr.t2(
        "%{product} (renews %{date})",
        "product",
        &p.offer_name,
        "date",
        crate::i18n::date_in(tr.0, p.renews_on),
    );
    match (p.managed_elsewhere(partnership_id), reader) {
        (None, _) => renews,
        (Some(m), Side::Customer) if m.pays() => Text::new(
            "%{product}: managed by %{partner}, which pays its renewals; to give it to another partner, first change who pays with %{partner}",
        )
        .arg("product", &renews)
        .arg("partner", &m.partner_name)
        .render(tr.0),
        (Some(m), Side::Customer) => Text::new(
            "%{product}: managed by %{partner} now, it moves to this partner when the access takes effect",
        )
        .arg("product", &renews)
        .arg("partner", &m.partner_name)
        .render(tr.0),
        (Some(_), Side::Partner) => Text::new(
            "%{product}: managed by another partner now, it moves to you when you accept",
        )
        .arg("product", &renews)
        .render(tr.0),
    }
}

/// The names of the products a partnership manages (or, pending, would manage), as
/// `reader` sees them.
pub fn product_names(
    conn: &mut DbConn,
    tr: In,
    view: &PartnershipView,
    reader: Side,
) -> Result<Vec<String>, AppError> {
    let pending = view.status == crate::domain::PartnershipStatus::Pending;
    let products = crate::db::models::products::of_partnership(
        conn,
        &view.customer_org_id,
        &view.id,
        pending,
    )?;
    Ok(products
        .iter()
        .map(|p| product_label(tr, p, Some(&view.id), reader))
        .collect())
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
    access_in_sentence: &'static str,
    timeline: Vec<crate::web::views::TimelineEntry>,
    older_link: Option<String>,
}

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
    let (view, timeline, products, grant) = state
        .db
        .run(move |conn| -> Result<_, AppError> {
            let view = partnerships::find(conn, side, &org_id, &id)?.ok_or(AppError::NotFound)?;
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
            Ok((view, timeline, products, grant))
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
        access_in_sentence: view.access.kind().in_sentence(),
        base,
        can_manage,
        products,
        grant,
        p,
    })
}
