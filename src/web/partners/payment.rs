//! Changing who pays: the pencil's form, the verify step and the confirmation.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, http::header, web};
use askama::Template;
use serde::Deserialize;

use crate::billing::Payer;
use crate::db::models::partnerships::{PartnershipView, Side};
use crate::db::{now, write_tx};
use crate::domain::{Access, Money, PaymentMode};
use crate::i18n::{Text, t, t1};
use crate::partnerships::{self as modes, ModeChange, ModeChangeError, RenewalPreview};
use crate::startup::AppState;
use crate::web::act::still_as_they_were;
use crate::web::csrf::CsrfForm;
use crate::web::errors::{AppError, STALE_PAYMENT_MODE};
use crate::web::layout::{Layout, Section, page, page_with_status};
use crate::web::relationships::manageable;
use crate::web::views::Summary;
use crate::web::{FlashKind, Member};

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
        return Err(ModeChangeError::LimitedAccess.into());
    };
    if view.status != crate::domain::PartnershipStatus::Active {
        return Err(ModeChangeError::NotActive.into());
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
                &edit_page(member, &current, mode, Some(t(STALE_PAYMENT_MODE)))?,
            )
        }
        Err(other) => Err(other.into()),
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

/// A renewal of the next 90 days whose payer a change moves, as the customer reads it:
/// what it pays itself, and only "paid by" where its partner pays (the partner's own
/// price is between the partner and the provider).
pub struct RenewalLine {
    pub product: String,
    pub renews_on: String,
    pub now: String,
    pub after: String,
}

impl RenewalLine {
    pub fn new(r: &RenewalPreview) -> RenewalLine {
        let side = |paid: &modes::PaidBy| match paid.payer {
            Payer::Customer => Text::new("%{payer} pays %{price}")
                .arg("payer", &paid.payer_name)
                .arg(
                    "price",
                    crate::i18n::money(Money::new(paid.price, r.currency)),
                )
                .to_string(),
            Payer::Partner => Text::new("Paid by %{partner}")
                .arg("partner", &paid.payer_name)
                .to_string(),
        };
        RenewalLine {
            product: r.product_name.clone(),
            renews_on: crate::i18n::date(r.renews_on),
            now: side(&r.now),
            after: side(&r.after),
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
                                Access::Full(*from),
                                Access::Full(*to),
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
    let (actor, mail, role) = (member.actor(), state.mail.clone(), member.role());
    // Not `act`: a stale form is shown again, not refused.
    let outcome = state
        .db
        .write(move |conn| {
            write_tx(conn, |conn| {
                still_as_they_were(conn, &actor, role)?;
                Ok::<_, AppError>(modes::change(
                    conn,
                    &mail,
                    &actor.borrow(),
                    &view.id,
                    to,
                    version,
                ))
            })
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
        .insert_header((
            header::LOCATION,
            crate::paths::partnership(Side::Customer, &partnership_id),
        ))
        .finish())
}
