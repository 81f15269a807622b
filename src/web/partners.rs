//! The customer's side: its partners, a partner's page, and changing who pays
//! (pencil → edit → verify → confirm).

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, http::header, web};
use askama::Template;
use serde::Deserialize;

use crate::auth::{FlashKind, Member};
use crate::db::models::orgs::{self, PartnerMatch};
use crate::db::models::partnerships::{self, PartnershipView, Scope, Side};
use crate::db::now;
use crate::domain::{Money, PaymentMode};
use crate::i18n::{Text, t, t1};
use crate::partnerships::{
    self as modes, self as lifecycle, AccessChange, Actor, ModeChange, ModeChangeError,
    RenewalPreview,
};
use crate::startup::AppState;
use crate::web::csrf::CsrfForm;
use crate::web::errors::AppError;
use crate::web::layout::{Layout, Section, page, page_with_status};
use crate::web::relationships::{
    GrantFields, GrantForm, grant_from, manageable, refusal, run_action,
};
use crate::web::views::{PAGE_SIZE, PageQuery, Summary, next_page_link};

const MANAGERS_ONLY: &str =
    "Only the organization's legal representatives and administrators can change the payment mode.";

#[derive(Template)]
#[template(path = "partners/list.html")]
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
    let org_id = member.org_id().to_owned();
    let cursor = query.cursor();
    let views = state
        .db
        .run(move |conn| {
            let scope = Scope {
                side: Side::Customer,
                org_id: &org_id,
                after: cursor.as_ref(),
                limit: PAGE_SIZE,
            };
            partnerships::views(conn, scope).map_err(AppError::from)
        })
        .await?;
    page(&ListPage {
        layout: Layout::new(&member, Section::Partners)?,
        can_invite: member.role().manages_partners(),
        rows: views
            .iter()
            .map(|p| Summary::new(p, Side::Customer))
            .collect(),
        next_page: next_page_link("/partners", &views, Side::Customer),
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
    let view = manageable(&member, &state, Side::Customer, id.into_inner()).await?;
    let Some(current) = view.access.payment_mode() else {
        return Err(mode_refusal(ModeChangeError::LimitedAccess));
    };
    if view.status != crate::domain::PartnershipStatus::Active {
        return Err(mode_refusal(ModeChangeError::NotActive));
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

fn mode_refusal(e: ModeChangeError) -> AppError {
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
            let notice = t1(
                "“%{mode}” is already the payment mode. Choose the other mode to change it.",
                "mode",
                t(mode.label()),
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
                &edit_page(member, &current, mode, Some(t(STALE)))?,
            )
        }
        Err(other) => Err(mode_refusal(other)),
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
            renews_on: crate::i18n::date(r.renews_on),
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
    let view = manageable(&member, &state, Side::Customer, id.into_inner()).await?;
    let (to, version) = form.0.parse()?;
    let org_id = member.org_id().to_owned();
    let outcome = state
        .db
        .write(move |conn| {
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
    let view = manageable(&member, &state, Side::Customer, id.into_inner()).await?;
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
        .write(move |conn| {
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
            let message = Text::new(
                "Payment mode changed to “%{mode}”. %{partner} has been notified by email.",
            )
            .text("mode", to.label())
            .arg("partner", &partnership.partner_name);
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
                Text::new("“%{mode}” was already the payment mode: nothing was changed.")
                    .text("mode", mode),
            )
        }
        other => return edit_again(&member, other),
    };
    member.session.flash(kind, message)?;
    Ok(HttpResponse::SeeOther()
        .insert_header((header::LOCATION, format!("/partners/{partnership_id}")))
        .finish())
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
                let grant = GrantFields::load(conn, &org_id, true, PaymentMode::CustomerPays, &[])?;
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
            Ok::<_, AppError>(lifecycle::invite_partner(
                conn,
                &mail,
                &actor,
                &partner,
                &grant,
                now(),
            ))
        })
        .await?
        .map_err(refusal)?;
    state.mail_wake.notify_one();
    member.session.flash(
        FlashKind::Success,
        Text::new("Invitation sent. The partner has %{days} days to accept or refuse it.")
            .arg("days", lifecycle::INVITATION_DAYS),
    )?;
    Ok(HttpResponse::SeeOther()
        .insert_header((header::LOCATION, format!("/partners/{id}")))
        .finish())
}

#[derive(Template)]
#[template(path = "partners/edit_access.html")]
struct AccessPage {
    layout: Layout,
    current_access: &'static str,
    p: Summary,
    grant: GrantFields,
    partner_name: String,
    customer_name: String,
}

/// The customer's form to change what its partner may do.
pub async fn edit_access(
    member: Member,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let view = manageable(&member, &state, Side::Customer, id.into_inner()).await?;
    if view.status != crate::domain::PartnershipStatus::Active {
        return Err(AppError::conflict(
            "Only an active collaboration's access can be changed.",
        ));
    }
    let (customer, partnership, access) =
        (view.customer_org_id.clone(), view.id.clone(), view.access);
    let grant = state
        .db
        .run(move |conn| -> Result<_, AppError> {
            let managed = crate::db::models::products::managed_by(conn, &partnership)?;
            let mode = access.payment_mode().unwrap_or(PaymentMode::CustomerPays);
            GrantFields::load(
                conn,
                &customer,
                access.payment_mode().is_some(),
                mode,
                &managed,
            )
        })
        .await?;
    page(&AccessPage {
        current_access: view.access.label(),
        layout: Layout::new(&member, Section::Partners)?,
        p: Summary::new(&view, Side::Customer),
        partner_name: view.partner_name.clone(),
        customer_name: view.customer_name.clone(),
        grant,
    })
}

pub async fn save_access(
    member: Member,
    state: web::Data<AppState>,
    id: web::Path<String>,
    form: CsrfForm<GrantForm>,
) -> Result<HttpResponse, AppError> {
    let view = manageable(&member, &state, Side::Customer, id.into_inner()).await?;
    let grant = form.0.grant()?;
    let version = form.0.version()?;
    run_action(
        &member,
        &state,
        Side::Customer,
        view,
        move |conn, mail, actor, id| {
            lifecycle::change_access(conn, mail, actor, id, &grant, version, now())
        },
        |change| match change {
            AccessChange::Changed { to, .. } => {
                Text::new("Access changed to: %{access}. Both organizations have been told.")
                    .text("access", to.label())
            }
            AccessChange::Unchanged => {
                Text::new("The access was already this one: nothing was changed.")
            }
        },
    )
    .await
}
