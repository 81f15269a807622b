//! Products, and ordering: a customer orders for itself, a partner with full access
//! orders or renews for its client. Every order is shown for confirmation first (who
//! pays, how much), then placed with the terms in force at that moment.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, http::header, web};
use askama::Template;
use serde::Deserialize;

use crate::auth::{FlashKind, Member};
use crate::billing::{self, Management, Payer};
use crate::db::models::offers::{self, Offer};
use crate::db::models::partnerships::{self, PartnershipView, Scope, Side};
use crate::db::models::products::{self, ProductView, Visible};
use crate::db::now;
use crate::domain::{Access, Money, PartnershipStatus, Placer};
use crate::i18n::{Text, date, t, t1, t2};
use crate::orders::{self, Acting, Confirmed, OrderError, Quote, Request};
use crate::startup::AppState;
use crate::web::csrf::CsrfForm;
use crate::web::errors::AppError;
use crate::web::layout::{Layout, Section, page, page_with_status};

const PAGE_SIZE: i64 = 50;
const BUYERS_ONLY: &str = "Only the organization's legal representatives and administrators can order and renew products.";

/// A product as its row shows it: where it is installed, who manages it, who pays next.
struct ProductRow {
    id: String,
    offer_name: String,
    installed_in: String,
    managed_by: String,
    next_payer: String,
    next_price: String,
    renews_on: String,
    auto_renew: String,
    can_renew: bool,
}

impl ProductRow {
    fn new(p: &ProductView, viewer_org_id: &str, may_buy: bool) -> ProductRow {
        let active = p
            .manager
            .as_ref()
            .filter(|m| m.status == PartnershipStatus::Active);
        let management = active.map_or(Management::Unmanaged, |m| Management::Partner {
            access: m.access,
            rate: m.rate,
        });
        let next = billing::charge(management, Placer::Scheduler, p.yearly_price).ok();
        let next_payer = match (next.map(|c| c.payer), active) {
            (Some(Payer::Partner), Some(m)) => m.partner_name.clone(),
            _ => p.customer_name.clone(),
        };
        let is_customer = p.customer_org_id == viewer_org_id;
        let partner_may_renew = active.is_some_and(|m| {
            m.partner_org_id == viewer_org_id && matches!(m.access, Access::Full(_))
        });
        ProductRow {
            id: p.id.clone(),
            offer_name: p.offer_name.clone(),
            installed_in: p.customer_name.clone(),
            managed_by: active.map_or_else(
                || "—".to_owned(),
                |m| {
                    t2(
                        "%{partner} (%{access})",
                        "partner",
                        &m.partner_name,
                        "access",
                        t(m.access.kind().in_sentence()),
                    )
                },
            ),
            next_payer,
            next_price: next
                .map_or_else(String::new, |c| Money::new(c.price, p.currency).to_string()),
            renews_on: date(p.renews_on),
            auto_renew: if p.auto_renew { t("Yes") } else { t("No") },
            can_renew: may_buy && (is_customer || partner_may_renew),
        }
    }
}

struct Choice {
    value: String,
    label: String,
}

#[derive(Template)]
#[template(path = "products/list.html")]
struct ListPage {
    layout: Layout,
    clients_view: bool,
    rows: Vec<ProductRow>,
    next_page: Option<String>,
    may_buy: bool,
    org_id: String,
    offers: Vec<Choice>,
    /// Customer view: the partners that may manage a new product. Clients view: the clients.
    targets: Vec<Choice>,
    default_target: String,
}

#[derive(Deserialize)]
pub struct ListQuery {
    view: Option<String>,
    after: Option<String>,
}

fn offer_choices(offers: &[Offer], currency: crate::domain::Currency) -> Vec<Choice> {
    offers
        .iter()
        .map(|o| Choice {
            value: o.code.clone(),
            label: t2(
                "%{offer} — %{price} a year",
                "offer",
                &o.name,
                "price",
                Money::new(o.yearly_price(currency), currency),
            ),
        })
        .collect()
}

pub async fn list(
    member: Member,
    state: web::Data<AppState>,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, AppError> {
    let clients_view = query.view.as_deref() == Some("clients");
    if clients_view && !member.is_partner_org() {
        return Err(AppError::NotFound);
    }
    let org_id = member.org_id().to_owned();
    let after = query.after.clone();
    let (products, offers, partnerships) = state
        .db
        .run(move |conn| -> Result<_, AppError> {
            let after = match after {
                Some(id) => products::position(conn, &org_id, &id)?,
                None => None,
            };
            let visible = if clients_view {
                Visible::ManagedBy(&org_id)
            } else {
                Visible::InstalledIn(&org_id)
            };
            let products = products::views(conn, visible, after.as_ref(), PAGE_SIZE)?;
            let side = if clients_view {
                Side::Partner
            } else {
                Side::Customer
            };
            let scope = Scope {
                side,
                org_id: &org_id,
                after: None,
                limit: 500,
            };
            let partnerships: Vec<PartnershipView> = partnerships::views(conn, scope)?
                .into_iter()
                .filter(|p| p.status == PartnershipStatus::Active)
                .collect();
            Ok((products, offers::all(conn)?, partnerships))
        })
        .await?;
    let may_buy = member.role().manages_partners();
    let (targets, default_target) = if clients_view {
        let clients = partnerships
            .iter()
            .filter(|p| matches!(p.access, Access::Full(_)))
            .map(|p| Choice {
                value: p.customer_org_id.clone(),
                label: p.customer_name.clone(),
            })
            .collect();
        (clients, String::new())
    } else {
        let mut managers = vec![Choice {
            value: String::new(),
            label: t1("Nobody: %{org} manages it", "org", &member.current.org_name),
        }];
        managers.extend(partnerships.iter().map(|p| Choice {
            value: p.id.clone(),
            label: t2(
                "%{partner} (%{access})",
                "partner",
                &p.partner_name,
                "access",
                t(p.access.kind().in_sentence()),
            ),
        }));
        // A sole full-access partner manages new products unless the customer says otherwise.
        let full: Vec<&PartnershipView> = partnerships
            .iter()
            .filter(|p| matches!(p.access, Access::Full(_)))
            .collect();
        let default = if full.len() == 1 {
            full[0].id.clone()
        } else {
            String::new()
        };
        (managers, default)
    };
    let next_page = (products.len() as i64 == PAGE_SIZE).then(|| {
        let last = &products[products.len() - 1].id;
        if clients_view {
            format!("/products?view=clients&after={last}")
        } else {
            format!("/products?after={last}")
        }
    });
    page(&ListPage {
        layout: Layout::new(&member, Section::Products)?,
        rows: products
            .iter()
            .map(|p| ProductRow::new(p, member.org_id(), may_buy))
            .collect(),
        clients_view,
        next_page,
        may_buy,
        org_id: member.org_id().to_owned(),
        offers: offer_choices(&offers, member.current.currency),
        targets,
        default_target,
    })
}

/// The fields of the order and renewal forms, and of their confirmation.
#[derive(Deserialize)]
pub struct OrderForm {
    customer_org_id: Option<String>,
    offer: Option<String>,
    managed_by: Option<String>,
    /// Present on the confirmation's button: place the order.
    confirm: Option<String>,
    expected_payer: Option<String>,
    expected_total: Option<String>,
}

impl OrderForm {
    fn confirmed(&self) -> Result<Option<Confirmed>, AppError> {
        if self.confirm.is_none() {
            return Ok(None);
        }
        let total = self.expected_total.as_deref().and_then(|t| t.parse().ok());
        match (&self.expected_payer, total) {
            (Some(payer), Some(total)) => Ok(Some(Confirmed {
                payer_org_id: payer.clone(),
                total,
            })),
            _ => Err(AppError::bad_request(
                "The confirmation is incomplete. Start the order again.",
            )),
        }
    }
}

/// What the confirmation page posts back.
struct Resubmit {
    action: String,
    customer_org_id: String,
    offer: String,
    managed_by: String,
}

#[derive(Template)]
#[template(path = "products/confirm.html")]
struct ConfirmPage {
    layout: Layout,
    resubmit: Resubmit,
    quote: Quote,
    notice: Option<&'static str>,
    payer_is_us: bool,
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

fn confirm_page(
    member: &Member,
    quote: Quote,
    resubmit: Resubmit,
    notice: Option<&'static str>,
) -> Result<ConfirmPage, AppError> {
    let money = |minor: i64| Money::new(minor, quote.currency).to_string();
    let placer_is_partner = quote.placer == Placer::Partner;
    Ok(ConfirmPage {
        is_renewal: quote.kind == crate::domain::OrderKind::Renewal,
        period: t2(
            "%{start} to %{end}",
            "start",
            date(quote.period_start),
            "end",
            date(quote.period_end),
        ),
        layout: Layout::new(member, Section::Products)?,
        payer_is_us: quote.payer_org_id == member.org_id(),
        lines: quote
            .lines
            .iter()
            .map(|(d, a)| (d.clone(), money(*a)))
            .collect(),
        subtotal: money(quote.totals.subtotal),
        vat_rate: crate::domain::Rate::from_bp(quote.totals.vat_rate_bp)
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
        back: if placer_is_partner {
            "/products?view=clients"
        } else {
            "/products"
        },
        quote,
        resubmit,
        notice,
    })
}

fn order_refusal(e: OrderError) -> AppError {
    match e {
        OrderError::NotFound => AppError::NotFound,
        OrderError::UnknownOffer => AppError::bad_request("Choose an offer from the catalog."),
        OrderError::UnknownManager => {
            AppError::bad_request("Choose one of your partners, or nobody, to manage the product.")
        }
        OrderError::Refused(billing::Refusal::LimitedPartnerCannotOrder) => AppError::forbidden(
            "A partner with limited access cannot order or renew for its client.",
        ),
        OrderError::Refused(billing::Refusal::NotManagedByThePartner) => AppError::forbidden(
            "Only the partner managing this product with full access can renew it.",
        ),
        OrderError::Refused(billing::Refusal::NegativePrice) => {
            AppError::Internal(anyhow::anyhow!("negative catalog price"))
        }
        OrderError::AlreadyBilled => AppError::conflict(
            "This period was billed meanwhile: the product is already renewed. Nothing was charged twice.",
        ),
        OrderError::Changed { .. } => {
            AppError::conflict("The terms of this order changed. Start again.")
        }
        OrderError::Storage(e) => AppError::Internal(e),
    }
}

const TERMS_CHANGED: &str = "The terms changed since you reviewed them (for example, the payment mode). Nothing was ordered: check the new terms and confirm again.";

/// Quotes, or (once confirmed) places, an order or a renewal, and answers.
async fn quote_or_place(
    member: Member,
    state: web::Data<AppState>,
    request: OwnedRequest,
    confirmed: Option<Confirmed>,
    resubmit: Resubmit,
) -> Result<HttpResponse, AppError> {
    let (org_id, user_id) = (member.org_id().to_owned(), member.user.id.clone());
    let vat = state.vat_rate_bp;
    let outcome = state
        .db
        .write(move |conn| {
            let acting = Acting::Member {
                org_id: &org_id,
                user_id: &user_id,
            };
            let request = request.borrow();
            let at = now();
            Ok::<_, AppError>(match &confirmed {
                None => orders::quote(conn, acting, request, at.date(), vat).map(Err),
                Some(c) => orders::place(conn, acting, request, Some(c), at, vat).map(Ok),
            })
        })
        .await?;
    match outcome {
        Ok(Err(quote)) => page(&confirm_page(&member, quote, resubmit, None)?),
        Ok(Ok(placed)) => {
            let q = &placed.quote;
            let invoice = if q.payer_org_id == member.org_id() {
                Text::new("Invoice %{number} was issued to %{payer}.")
                    .arg("number", &placed.invoice_number)
                    .arg("payer", &q.payer_name)
            } else {
                Text::new("The invoice was issued to %{payer}.").arg("payer", &q.payer_name)
            };
            let what = match q.kind {
                crate::domain::OrderKind::New => Text::new("%{offer} ordered for %{customer}.")
                    .arg("offer", &q.offer_name)
                    .arg("customer", &q.customer_name),
                crate::domain::OrderKind::Renewal => {
                    Text::new("%{offer} of %{customer} renewed until %{date}.")
                        .arg("offer", &q.offer_name)
                        .arg("customer", &q.customer_name)
                        .arg("date", date(q.period_end))
                }
            };
            member.session.flash(
                FlashKind::Success,
                Text::new("%{what} %{invoice}")
                    .text("what", what)
                    .text("invoice", invoice),
            )?;
            let back = if q.placer == Placer::Partner {
                "/products?view=clients"
            } else {
                "/products"
            };
            Ok(HttpResponse::SeeOther()
                .insert_header((header::LOCATION, back))
                .finish())
        }
        Err(OrderError::Changed { quote }) => page_with_status(
            StatusCode::CONFLICT,
            &confirm_page(&member, *quote, resubmit, Some(TERMS_CHANGED))?,
        ),
        Err(other) => Err(order_refusal(other)),
    }
}

/// A request that can cross into the blocking pool.
enum OwnedRequest {
    New {
        customer_org_id: String,
        offer_code: String,
        managed_by: Option<String>,
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
            } => Request::New {
                customer_org_id,
                offer_code,
                managed_by: managed_by.as_deref(),
            },
            OwnedRequest::Renewal { product_id } => Request::Renewal { product_id },
        }
    }
}

/// `POST /orders`: without `confirm`, the confirmation page; with it, the order.
pub async fn order(
    member: Member,
    state: web::Data<AppState>,
    form: CsrfForm<OrderForm>,
) -> Result<HttpResponse, AppError> {
    member.require(member.role().manages_partners(), BUYERS_ONLY)?;
    let form = form.0;
    let confirmed = form.confirmed()?;
    let customer_org_id = form
        .customer_org_id
        .clone()
        .filter(|c| !c.is_empty())
        .unwrap_or_else(|| member.org_id().to_owned());
    let offer = form
        .offer
        .clone()
        .filter(|o| !o.is_empty())
        .ok_or_else(|| AppError::bad_request("Choose an offer from the catalog."))?;
    let managed_by = form.managed_by.clone().filter(|m| !m.is_empty());
    let resubmit = Resubmit {
        action: "/orders".into(),
        customer_org_id: customer_org_id.clone(),
        offer: offer.clone(),
        managed_by: managed_by.clone().unwrap_or_default(),
    };
    let request = OwnedRequest::New {
        customer_org_id,
        offer_code: offer,
        managed_by,
    };
    quote_or_place(member, state, request, confirmed, resubmit).await
}

/// `POST /products/{id}/renew`: without `confirm`, the confirmation page; with it, the renewal.
pub async fn renew(
    member: Member,
    state: web::Data<AppState>,
    id: web::Path<String>,
    form: CsrfForm<OrderForm>,
) -> Result<HttpResponse, AppError> {
    member.require(member.role().manages_partners(), BUYERS_ONLY)?;
    let confirmed = form.0.confirmed()?;
    let product_id = id.into_inner();
    let resubmit = Resubmit {
        action: format!("/products/{product_id}/renew"),
        customer_org_id: String::new(),
        offer: String::new(),
        managed_by: String::new(),
    };
    quote_or_place(
        member,
        state,
        OwnedRequest::Renewal { product_id },
        confirmed,
        resubmit,
    )
    .await
}
