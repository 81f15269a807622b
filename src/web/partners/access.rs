//! The customer changes what its partner may do: limited or full access, the products
//! it manages, who pays. A change that moves who pays renewals goes through the same
//! verify step as the pencil: a summary and the renewals whose payer changes, then a
//! confirmation.

use actix_web::{HttpResponse, web};
use askama::Template;

use crate::db::models::partnerships::Side;
use crate::db::now;
use crate::domain::{Access, PartnershipStatus, PaymentMode};
use crate::i18n::{In, Text};
use crate::partnerships::{self as lifecycle, AccessChange, RENEWAL_HORIZON_DAYS};
use crate::startup::AppState;
use crate::web::Member;
use crate::web::csrf::CsrfForm;
use crate::web::errors::AppError;
use crate::web::layout::{Layout, Section, page};
use crate::web::partners::payment::RenewalLine;
use crate::web::relationships::{GrantFields, GrantForm, Preset, manageable, run_action};
use crate::web::views::Summary;

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
    let tr = In::default();
    let grant = state
        .db
        .run(move |conn| -> Result<_, AppError> {
            let managed = crate::db::models::products::managed_by(conn, &partnership)?;
            let preset = Preset {
                full: access.payment_mode().is_some(),
                payment: access.payment_mode().unwrap_or(PaymentMode::CustomerPays),
                checked: &managed,
            };
            GrantFields::load(conn, tr, &customer, Some(&partnership), preset)
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

#[derive(Template)]
#[template(path = "partners/verify_access.html")]
struct VerifyPage {
    layout: Layout,
    p: Summary,
    from: Access,
    to: Access,
    /// Who pays the renewals after the change.
    to_mode: PaymentMode,
    form: GrantForm,
    renewals: Vec<RenewalLine>,
    horizon_days: i64,
}

/// Saves the new rights; first shows the verify step when the change moves who pays.
pub async fn save_access(
    member: Member,
    state: web::Data<AppState>,
    id: web::Path<String>,
    form: CsrfForm<GrantForm>,
) -> Result<HttpResponse, AppError> {
    let view = manageable(&member, &state, Side::Customer, id.into_inner()).await?;
    let form = form.0;
    let grant = form.grant()?;
    let version = form.version()?;
    let (from, to) = (view.access, grant.access());
    let moves_payer = lifecycle::renewals_paid_under(from) != lifecycle::renewals_paid_under(to);
    let fresh = view.status == PartnershipStatus::Active && view.version == version;
    if moves_payer && fresh && form.confirm.is_none() {
        let partnership = view.clone();
        let renewals = state
            .db
            .run(move |conn| {
                lifecycle::upcoming_renewals(conn, &partnership, from, to, now().date())
                    .map_err(AppError::from)
            })
            .await?;
        return page(&VerifyPage {
            layout: Layout::new(&member, Section::Partners)?,
            p: Summary::new(&view, Side::Customer),
            from,
            to,
            to_mode: lifecycle::renewals_paid_under(to),
            form,
            renewals: renewals.iter().map(RenewalLine::new).collect(),
            horizon_days: RENEWAL_HORIZON_DAYS,
        });
    }
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
