//! The customer's side: its partners, a partner's page, and changing who pays
//! (pencil → edit → verify → confirm).

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, http::header, web};
use askama::Template;
use serde::Deserialize;

use crate::auth::{FlashKind, Member};
use crate::db::models::partnerships::{self, PartnershipView, Scope, Side};
use crate::db::now;
use crate::domain::{Money, PaymentMode};
use crate::partnerships::{self as modes, Actor, ModeChange, ModeChangeError, RenewalPreview};
use crate::startup::AppState;
use crate::web::csrf::CsrfForm;
use crate::web::errors::AppError;
use crate::web::layout::{Layout, Section, page, page_with_status};
use crate::web::views::{
    PAGE_SIZE, PageQuery, Summary, TimelineEntry, TimelineQuery, next_page_link, timeline_page,
};

const MANAGERS_ONLY: &str =
    "Only the organization's legal representatives and administrators can change the payment mode.";

#[derive(Template)]
#[template(path = "partners/list.html")]
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
    let org_id = member.org_id().to_owned();
    let cursor = query.cursor();
    let views = state
        .db
        .run(move |conn| {
            let scope = Scope {
                side: Side::Customer,
                org_id: &org_id,
                id: None,
                after: cursor.as_ref(),
                limit: PAGE_SIZE,
            };
            partnerships::views(conn, scope).map_err(AppError::from)
        })
        .await?;
    page(&ListPage {
        layout: Layout::new(&member, Section::Partners)?,
        rows: views
            .iter()
            .map(|p| Summary::new(p, Side::Customer))
            .collect(),
        next_page: next_page_link("/partners", &views, Side::Customer),
    })
}

#[derive(Template)]
#[template(path = "partners/show.html")]
struct ShowPage {
    layout: Layout,
    p: Summary,
    can_edit_payment: bool,
    timeline: Vec<TimelineEntry>,
    older_link: Option<String>,
}

/// The partner's page as the customer sees it.
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
            let view = partnerships::find(conn, Side::Customer, &org_id, &id)?
                .ok_or(AppError::NotFound)?;
            let timeline = timeline_page(conn, &org_id, &view.id, before.as_deref())?;
            Ok((view, timeline))
        })
        .await?;
    let p = Summary::new(&view, Side::Customer);
    page(&ShowPage {
        layout: Layout::new(&member, Section::Partners)?,
        can_edit_payment: member.role().manages_partners() && p.full_access && p.is_active,
        older_link: timeline
            .older_than
            .map(|e| format!("/partners/{}?before={e}#timeline", p.id)),
        timeline: timeline.entries,
        p,
    })
}

#[derive(Template)]
#[template(path = "partners/edit_payment.html")]
struct EditPage {
    layout: Layout,
    p: Summary,
    selected: PaymentMode,
    /// Why the form is shown again, when it is.
    notice: Option<String>,
}

/// The partnership, if the member's organization is its customer and the member may
/// change who pays: 404 when it is not theirs to see, 403 when they only may look.
async fn manageable(
    member: &Member,
    state: &AppState,
    id: String,
) -> Result<PartnershipView, AppError> {
    let org_id = member.org_id().to_owned();
    let view = state
        .db
        .run(move |conn| {
            partnerships::find(conn, Side::Customer, &org_id, &id).map_err(AppError::from)
        })
        .await?
        .ok_or(AppError::NotFound)?;
    member.require(member.role().manages_partners(), MANAGERS_ONLY)?;
    Ok(view)
}

fn edit_page(
    member: &Member,
    view: &PartnershipView,
    selected: PaymentMode,
    notice: Option<String>,
) -> Result<EditPage, AppError> {
    Ok(EditPage {
        layout: Layout::new(member, Section::Partners)?,
        p: Summary::new(view, Side::Customer),
        selected,
        notice,
    })
}

/// The pencil: the two modes, explained, with the one in force selected.
pub async fn edit_payment(
    member: Member,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let view = manageable(&member, &state, id.into_inner()).await?;
    let Some(current) = view.access.payment_mode() else {
        return Err(refusal(ModeChangeError::LimitedAccess));
    };
    if view.status != crate::domain::PartnershipStatus::Active {
        return Err(refusal(ModeChangeError::NotActive));
    }
    page(&edit_page(&member, &view, current, None)?)
}

#[derive(Deserialize)]
pub struct PaymentForm {
    payment_mode: Option<String>,
    version: Option<String>,
}

impl PaymentForm {
    fn parse(&self) -> Result<(PaymentMode, i32), AppError> {
        let mode = self
            .payment_mode
            .as_deref()
            .and_then(|m| m.parse().ok())
            .ok_or_else(|| {
                AppError::bad_request("Choose who pays: “Customer pays” or “Partner pays”.")
            })?;
        let version = self
            .version
            .as_deref()
            .and_then(|v| v.parse().ok())
            .ok_or_else(|| {
                AppError::bad_request(
                    "The form is missing its version. Reload the page and try again.",
                )
            })?;
        Ok((mode, version))
    }
}

fn refusal(e: ModeChangeError) -> AppError {
    match e {
        ModeChangeError::NotFound => AppError::NotFound,
        ModeChangeError::LimitedAccess => AppError::conflict(
            "This partner has limited access, so there is no payment mode to change: your organization pays for its own orders. Grant full access first.",
        ),
        ModeChangeError::NotActive => AppError::conflict(
            "This collaboration is not active, so its payment mode cannot be changed.",
        ),
        ModeChangeError::Stale { .. } => AppError::conflict(STALE),
        ModeChangeError::Storage(e) => AppError::Internal(e),
    }
}

const STALE: &str = "Someone changed this partnership while you were editing it. Nothing was saved: here is what is in force now. Choose again if you still want a change.";

/// The form again, with why: the mode is already in force, or the partnership changed meanwhile.
fn edit_again(
    member: &Member,
    outcome: Result<ModeChange, ModeChangeError>,
) -> Result<HttpResponse, AppError> {
    match outcome {
        Ok(ModeChange::AlreadyInForce { partnership }) => {
            let mode = partnership
                .access
                .payment_mode()
                .unwrap_or(PaymentMode::CustomerPays);
            let notice = format!(
                "“{}” is already the payment mode. Choose the other mode to change it.",
                mode.label()
            );
            page(&edit_page(member, &partnership, mode, Some(notice))?)
        }
        Err(ModeChangeError::Stale { current }) => {
            let mode = current
                .access
                .payment_mode()
                .unwrap_or(PaymentMode::CustomerPays);
            page_with_status(
                StatusCode::CONFLICT,
                &edit_page(member, &current, mode, Some(STALE.to_owned()))?,
            )
        }
        Err(other) => Err(refusal(other)),
        Ok(ModeChange::Switch { .. }) => Err(AppError::Internal(anyhow::anyhow!(
            "a switch is not shown as a form"
        ))),
    }
}

#[derive(Template)]
#[template(path = "partners/verify_payment.html")]
struct VerifyPage {
    layout: Layout,
    p: Summary,
    from: PaymentMode,
    to: PaymentMode,
    renewals: Vec<RenewalLine>,
    horizon_days: i64,
}

/// A renewal of the next 90 days whose payer the change moves.
struct RenewalLine {
    product: String,
    renews_on: String,
    now_payer: String,
    now_price: String,
    after_payer: String,
    after_price: String,
}

impl RenewalLine {
    fn new(r: &RenewalPreview) -> RenewalLine {
        RenewalLine {
            product: r.offer_name.clone(),
            renews_on: r.renews_on.to_string(),
            now_payer: r.now.0.clone(),
            now_price: Money::new(r.now.1, r.currency).to_string(),
            after_payer: r.after.0.clone(),
            after_price: Money::new(r.after.1, r.currency).to_string(),
        }
    }
}

/// The verify step: what will change, and a button to confirm it.
pub async fn verify_payment(
    member: Member,
    state: web::Data<AppState>,
    id: web::Path<String>,
    form: CsrfForm<PaymentForm>,
) -> Result<HttpResponse, AppError> {
    let view = manageable(&member, &state, id.into_inner()).await?;
    let (to, version) = form.0.parse()?;
    let org_id = member.org_id().to_owned();
    let outcome = state
        .db
        .run(move |conn| {
            let planned =
                modes::plan(conn, &org_id, &view.id, to, version).and_then(
                    |planned| match &planned {
                        ModeChange::Switch {
                            partnership,
                            from,
                            to,
                        } => {
                            let renewals = modes::upcoming_renewals(
                                conn,
                                partnership,
                                *from,
                                *to,
                                now().date(),
                            )?;
                            Ok((planned, renewals))
                        }
                        ModeChange::AlreadyInForce { .. } => Ok((planned, Vec::new())),
                    },
                );
            Ok::<_, AppError>(planned)
        })
        .await?;
    match outcome {
        Ok((
            ModeChange::Switch {
                partnership,
                from,
                to,
            },
            renewals,
        )) => page(&VerifyPage {
            layout: Layout::new(&member, Section::Partners)?,
            p: Summary::new(&partnership, Side::Customer),
            from,
            to,
            renewals: renewals.iter().map(RenewalLine::new).collect(),
            horizon_days: modes::RENEWAL_HORIZON_DAYS,
        }),
        Ok((planned, _)) => edit_again(&member, Ok(planned)),
        Err(e) => edit_again(&member, Err(e)),
    }
}

/// Confirm: saves the change, notifies both sides, and goes back to the partner's page.
pub async fn save_payment(
    member: Member,
    state: web::Data<AppState>,
    id: web::Path<String>,
    form: CsrfForm<PaymentForm>,
) -> Result<HttpResponse, AppError> {
    let view = manageable(&member, &state, id.into_inner()).await?;
    let (to, version) = form.0.parse()?;
    let (user_id, user_name, user_email, org_id) = (
        member.user.id.clone(),
        member.user.name.clone(),
        member.user.email.clone(),
        member.org_id().to_owned(),
    );
    let mail = state.mail.clone();
    let outcome = state
        .db
        .run(move |conn| {
            let actor = Actor {
                user_id: &user_id,
                user_name: &user_name,
                user_email: &user_email,
                org_id: &org_id,
            };
            Ok::<_, AppError>(modes::change(conn, &mail, &actor, &view.id, to, version))
        })
        .await?;
    let (partnership_id, kind, message) = match outcome {
        Ok(ModeChange::Switch {
            partnership, to, ..
        }) => {
            state.mail_wake.notify_one();
            let message = format!(
                "Payment mode changed to “{}”. {} has been notified by email.",
                to.label(),
                partnership.partner_name
            );
            (partnership.id, FlashKind::Success, message)
        }
        Ok(ModeChange::AlreadyInForce { partnership }) => {
            let mode = partnership
                .access
                .payment_mode()
                .map_or("—", PaymentMode::label);
            (
                partnership.id,
                FlashKind::Info,
                format!("“{mode}” was already the payment mode: nothing was changed."),
            )
        }
        other => return edit_again(&member, other),
    };
    member.session.flash(kind, message)?;
    Ok(HttpResponse::SeeOther()
        .insert_header((header::LOCATION, format!("/partners/{partnership_id}")))
        .finish())
}
