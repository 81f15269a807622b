//! Ordering and renewing by hand: the form's first post shows the confirmation (who
//! pays, how much) under a single-use intent; the confirmation's post carries only that
//! intent and places the order once, however often it is sent.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, http::header, web};
use askama::Template;
use serde::Deserialize;

use crate::db::{now, write_tx};
use crate::domain::{Access, Money, OrderKind, PaymentMode, Placer, Rate};
use crate::i18n::{Text, date, t, t2};
use crate::orders::{self, Acting, Confirmation, Placed, Quote, Request, Review};
use crate::paths;
use crate::startup::AppState;
use crate::web::act::still_as_they_were;
use crate::web::csrf::CsrfForm;
use crate::web::errors::AppError;
use crate::web::layout::{Layout, Section, page, page_with_status};
use crate::web::{FlashKind, Member};

const BUYERS_ONLY: &str = "Only the organization's legal representatives and administrators can order and renew products.";
const TERMS_CHANGED: &str = "The terms changed since you reviewed them (for example, the payment mode). Nothing was ordered: check the new terms and confirm again.";

/// The fields of the order and renewal forms, and of their confirmation.
#[derive(Deserialize)]
pub struct OrderForm {
    customer_org_id: Option<String>,
    offer: Option<String>,
    managed_by: Option<String>,
    /// The new product's own name, if given.
    label: Option<String>,
    /// The confirmation's button: place what the intent names.
    confirm: Option<String>,
    intent: Option<String>,
}

impl OrderForm {
    /// The intent confirmed, if this is the confirmation.
    fn intent(&self) -> Result<Option<String>, AppError> {
        match (
            &self.confirm,
            self.intent.as_deref().filter(|i| !i.is_empty()),
        ) {
            (_, Some(intent)) => Ok(Some(intent.to_owned())),
            (Some(_), None) => Err(AppError::bad_request(
                "The confirmation is incomplete. Start the order again.",
            )),
            (None, None) => Ok(None),
        }
    }
}

#[derive(Template)]
#[template(path = "products/confirm.html")]
struct ConfirmPage {
    layout: Layout,
    action: String,
    intent: String,
    quote: Quote,
    notice: Option<&'static str>,
    payer_is_us: bool,
    /// A customer ordering a product whose renewals its partner pays: this one it pays.
    pays_this_one: Option<String>,
    /// The same order, placed minutes ago by the same person.
    placed_already: Option<String>,
    lines: Vec<(String, String)>,
    subtotal: String,
    vat_rate: String,
    vat: String,
    total: String,
    income: Option<String>,
    back: &'static str,
    is_renewal: bool,
    period: String,
}

fn back_to_products(placer: Placer) -> &'static str {
    paths::products_for(placer == Placer::Partner)
}

fn confirm_page(
    member: &Member,
    action: String,
    review: Review,
    notice: Option<&'static str>,
) -> Result<ConfirmPage, AppError> {
    let Review {
        quote,
        intent_id,
        recently_placed,
    } = review;
    let placed_already = recently_placed.map(|p| match p.kind {
        OrderKind::New => Text::new("You placed this same order a few minutes ago (invoice %{number}). Confirm only if you want one more.")
            .arg("number", &p.invoice_number)
            .to_string(),
        OrderKind::Renewal => Text::new("You renewed this product a few minutes ago, until %{date} (invoice %{number}). Confirming renews it for one more year.")
            .arg("date", date(p.period_end))
            .arg("number", &p.invoice_number)
            .to_string(),
    });
    let money = |minor: i64| crate::i18n::money(Money::new(minor, quote.currency));
    let placer_is_partner = quote.placer == Placer::Partner;
    let pays_this_one = quote
        .managed_by
        .as_ref()
        .filter(|m| {
            quote.placer == Placer::Customer && m.access == Access::Full(PaymentMode::PartnerPays)
        })
        .map(|m| {
            Text::new("%{partner} pays the automatic renewals of this product, but this one you order yourself: %{customer} pays it, %{total}, at the public price, and receives the invoice.")
                .arg("partner", &m.partner_name)
                .arg("customer", &quote.customer_name)
                .arg("total", money(quote.totals.total))
                .to_string()
        });
    Ok(ConfirmPage {
        is_renewal: quote.kind == OrderKind::Renewal,
        period: t2(
            "%{start} to %{end}",
            "start",
            date(quote.period_start),
            "end",
            date(quote.period_end),
        ),
        layout: Layout::new(member, Section::Products)?,
        payer_is_us: quote.payer_org_id == member.org_id(),
        pays_this_one,
        placed_already,
        lines: quote
            .lines
            .iter()
            .map(|(d, a)| (d.to_string(), money(*a)))
            .collect(),
        subtotal: money(quote.totals.subtotal),
        vat_rate: Rate::from_bp(quote.totals.vat_rate_bp)
            .map_or_else(|_| String::new(), |r| r.to_string()),
        vat: money(quote.totals.vat),
        total: money(quote.totals.total),
        // The partner sees what it earns; the customer is not shown its partner's rate.
        income: quote
            .charge
            .income
            .filter(|_| placer_is_partner)
            .map(|(kind, amount)| {
                t2(
                    "%{kind} of %{amount}",
                    "kind",
                    t(kind.label()),
                    "amount",
                    money(amount),
                )
            }),
        back: back_to_products(quote.placer),
        action,
        intent: intent_id,
        quote,
        notice,
    })
}

/// What the confirmation says once the order is placed (now, or by an earlier click).
fn placed_message(member: &Member, placed: &Placed, again: bool) -> Text {
    let invoice = if placed.payer_org_id == member.org_id() {
        Text::new("Invoice %{number} was issued to %{payer}.")
            .arg("number", &placed.invoice_number)
            .arg("payer", &placed.payer_name)
    } else {
        Text::new("The invoice was issued to %{payer}.").arg("payer", &placed.payer_name)
    };
    let what = match placed.kind {
        OrderKind::New => Text::new("%{offer} ordered for %{customer}.")
            .arg("offer", &placed.product_name)
            .arg("customer", &placed.customer_name),
        OrderKind::Renewal => Text::new("%{offer} of %{customer} renewed until %{date}.")
            .arg("offer", &placed.product_name)
            .arg("customer", &placed.customer_name)
            .arg("date", date(placed.period_end)),
    };
    let done = Text::new("%{what} %{invoice}")
        .text("what", what)
        .text("invoice", invoice);
    if again {
        Text::new("%{done} This order was already confirmed: nothing was charged again.")
            .text("done", done)
    } else {
        done
    }
}

/// What was posted: an order or renewal to review, or an intent to confirm.
enum Step {
    Review(OwnedRequest),
    Confirm {
        intent: String,
        product_id: Option<String>,
    },
}

/// Reviews or confirms, and answers with the confirmation page or the result.
async fn review_or_confirm(
    member: &Member,
    state: web::Data<AppState>,
    step: Step,
    action: String,
) -> Result<HttpResponse, AppError> {
    let (actor, role, vat) = (member.actor(), member.role(), state.conditions);
    let outcome = state
        .db
        .write(move |conn| {
            write_tx(conn, |conn| {
                still_as_they_were(conn, &actor, role)?;
                let acting = Acting::Member {
                    org_id: &actor.org_id,
                    user_id: &actor.user_id,
                    locale: actor.locale,
                };
                Ok::<_, AppError>(match step {
                    Step::Review(request) => {
                        orders::review(conn, acting, request.borrow(), now(), vat).map(Err)
                    }
                    Step::Confirm { intent, product_id } => {
                        orders::confirm(conn, acting, &intent, product_id.as_deref(), now(), vat)
                            .map(Ok)
                    }
                })
            })
        })
        .await?;
    let (placed, again) = match outcome {
        Ok(Err(review)) => return page(&confirm_page(member, action, review, None)?),
        Ok(Ok(Confirmation::Changed(review))) => {
            return page_with_status(
                StatusCode::CONFLICT,
                &confirm_page(member, action, *review, Some(TERMS_CHANGED))?,
            );
        }
        Ok(Ok(Confirmation::Placed(placed))) => (placed, false),
        Ok(Ok(Confirmation::AlreadyPlaced(placed))) => (placed, true),
        Err(e) => return Err(e.into()),
    };
    let message = placed_message(member, &placed, again);
    // The invoice is one click away for those who may open it.
    if placed.payer_org_id == member.org_id() && member.role().sees_billing() {
        let words = Text::new("Open invoice %{number}").arg("number", &placed.invoice_number);
        member.session.flash_with_link(
            FlashKind::Success,
            message,
            (words, crate::paths::invoice(&placed.invoice_id)),
        )?;
    } else {
        member.session.flash(FlashKind::Success, message)?;
    }
    Ok(HttpResponse::SeeOther()
        .insert_header((header::LOCATION, back_to_products(placed.placer)))
        .finish())
}

/// What the order form held when it was sent, to show it again if it is refused.
pub struct Typed {
    pub customer_org_id: String,
    pub offer: String,
    pub managed_by: String,
    pub label: String,
}

/// A request that can cross into the blocking pool.
enum OwnedRequest {
    New {
        customer_org_id: String,
        offer_code: String,
        managed_by: Option<String>,
        label: String,
    },
    Renewal {
        product_id: String,
    },
}

impl OwnedRequest {
    fn borrow(&self) -> Request<'_> {
        match self {
            OwnedRequest::New {
                customer_org_id,
                offer_code,
                managed_by,
                label,
            } => Request::New {
                customer_org_id,
                offer_code,
                managed_by: managed_by.as_deref(),
                label,
            },
            OwnedRequest::Renewal { product_id } => Request::Renewal { product_id },
        }
    }
}

/// `POST /orders`: the order form shows its confirmation; the confirmation orders.
pub async fn order(
    member: Member,
    state: web::Data<AppState>,
    form: CsrfForm<OrderForm>,
) -> Result<HttpResponse, AppError> {
    member.require(member.role().manages_partners(), BUYERS_ONLY)?;
    let form = form.0;
    if let Some(intent) = form.intent()? {
        let step = Step::Confirm {
            intent,
            product_id: None,
        };
        return review_or_confirm(&member, state, step, "/orders".into()).await;
    }
    let typed = Typed {
        customer_org_id: form.customer_org_id.clone().unwrap_or_default(),
        offer: form.offer.clone().unwrap_or_default(),
        managed_by: form.managed_by.clone().unwrap_or_default(),
        label: form.label.clone().unwrap_or_default(),
    };
    let reviewed = async {
        let step = Step::Review(OwnedRequest::New {
            customer_org_id: Some(typed.customer_org_id.clone())
                .filter(|c| !c.is_empty())
                .unwrap_or_else(|| member.org_id().to_owned()),
            offer_code: Some(typed.offer.clone())
                .filter(|o| !o.is_empty())
                .ok_or_else(|| AppError::bad_request("Choose an offer from the catalog."))?,
            managed_by: Some(typed.managed_by.clone()).filter(|m| !m.is_empty()),
            label: crate::domain::parse_label(&typed.label).map_err(AppError::bad_request)?,
        });
        review_or_confirm(&member, state.clone(), step, "/orders".into()).await
    }
    .await;
    match reviewed {
        // A refusal the orderer can fix: the order form again, with what was typed.
        Err(e) => {
            let (status, message) = e.fixable()?;
            crate::web::products::order_refused(&member, &state, typed, status, message).await
        }
        answer => answer,
    }
}

/// `POST /products/{id}/renew`: the renew button shows its confirmation; the
/// confirmation renews the period it named.
pub async fn renew(
    member: Member,
    state: web::Data<AppState>,
    id: web::Path<String>,
    form: CsrfForm<OrderForm>,
) -> Result<HttpResponse, AppError> {
    member.require(member.role().manages_partners(), BUYERS_ONLY)?;
    let product_id = id.into_inner();
    let action = paths::renew(&product_id);
    let step = match form.0.intent()? {
        Some(intent) => Step::Confirm {
            intent,
            product_id: Some(product_id),
        },
        None => Step::Review(OwnedRequest::Renewal { product_id }),
    };
    review_or_confirm(&member, state, step, action).await
}
