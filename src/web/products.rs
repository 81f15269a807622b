//! The Products page: what is installed in the organization (and, for a partner, what
//! it manages for its clients), who manages it and who pays its next renewal, with the
//! order form (ordering itself is in [`crate::web::orders`]).

use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::billing::{self, Payer};
use crate::db::models::offers::{self, Offer};
use crate::db::models::partnerships::{self, PartnershipView, Scope, Side};
use crate::db::models::products::{self, ProductView, Visible};
use crate::domain::{Access, Money, PartnershipStatus};
use crate::i18n::{date, t, t1, t2};
use crate::startup::AppState;
use crate::web::Member;
use crate::web::errors::AppError;
use crate::web::layout::{Layout, Section, page, page_with_status};
use crate::web::orders::Typed;
use crate::web::views::PAGE_SIZE;
use actix_web::http::StatusCode;

/// A product as its row shows it: where it is installed, who manages it, who pays next.
pub struct ProductRow {
    pub id: String,
    pub product_name: String,
    pub installed_in: String,
    pub managed_by: String,
    pub next_payer: String,
    /// What the next renewal costs its payer before VAT; not shown to a customer whose
    /// partner pays (the partner's own price is none of the customer's business), nor to
    /// those who see no billing (technical staff).
    pub next_price: Option<String>,
    pub renews_on: String,
    pub auto_renew: String,
    pub can_renew: bool,
}

impl ProductRow {
    pub fn new(
        p: &ProductView,
        viewer_org_id: &str,
        may_buy: bool,
        sees_prices: bool,
    ) -> ProductRow {
        let active = p.active_manager();
        let next = billing::next_renewal(p.management(), p.yearly_price).ok();
        let next_payer = match active {
            Some(m) => next
                .map_or(Payer::Customer, |c| c.payer)
                .of(&p.customer_name, &m.partner_name),
            None => &p.customer_name,
        }
        .clone();
        let is_customer = p.customer_org_id == viewer_org_id;
        let price_shown =
            sees_prices && !(is_customer && next.is_some_and(|c| c.payer == Payer::Partner));
        let partner_may_renew = active.is_some_and(|m| {
            m.partner_org_id == viewer_org_id && matches!(m.access, Access::Full(_))
        });
        ProductRow {
            id: p.id.clone(),
            product_name: p.product_name.clone(),
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
                .filter(|_| price_shown)
                .map(|c| crate::i18n::money(Money::new(c.price, p.currency))),
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
    /// The clients view: the clients to filter by, and the one chosen (empty: all).
    clients: Vec<Choice>,
    client: String,
    /// What the order form holds, and why it was refused when it was.
    typed: Typed,
    order_error: Option<String>,
}

#[derive(Deserialize)]
pub struct ListQuery {
    view: Option<String>,
    after: Option<String>,
    /// The clients view: one client's products only.
    client: Option<String>,
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
                crate::i18n::money(Money::new(o.yearly_price(currency), currency)),
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
    page(&list_page(&member, &state, clients_view, query.into_inner()).await?)
}

/// The order form refused what was sent: the products page again, the form holding
/// what was typed, the reason said above it and at the top of the page.
pub async fn order_refused(
    member: &Member,
    state: &AppState,
    typed: Typed,
    status: StatusCode,
    message: String,
) -> Result<HttpResponse, AppError> {
    let clients_view = !typed.customer_org_id.is_empty()
        && typed.customer_org_id != member.org_id()
        && member.is_partner_org();
    let query = ListQuery {
        view: None,
        after: None,
        client: None,
    };
    let mut list = list_page(member, state, clients_view, query).await?;
    list.order_error = Some(message);
    if !typed.managed_by.is_empty() {
        list.default_target = typed.managed_by.clone();
    }
    list.typed = typed;
    page_with_status(status, &list)
}

async fn list_page(
    member: &Member,
    state: &AppState,
    clients_view: bool,
    query: ListQuery,
) -> Result<ListPage, AppError> {
    let org_id = member.org_id().to_owned();
    let after = query.after.clone();
    let client = query
        .client
        .clone()
        .filter(|c| clients_view && !c.is_empty());
    let chosen = client.clone();
    let (products, offers, partnerships) = state
        .db
        .run(move |conn| -> Result<_, AppError> {
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
            if let Some(client) = &chosen
                && !partnerships.iter().any(|p| &p.customer_org_id == client)
            {
                return Err(AppError::bad_request("Choose one of your clients."));
            }
            let after = match after {
                Some(id) => products::position(conn, &org_id, &id)?,
                None => None,
            };
            let visible = if clients_view {
                Visible::ManagedBy {
                    org_id: &org_id,
                    client: chosen.as_deref(),
                }
            } else {
                Visible::InstalledIn(&org_id)
            };
            let products = products::views(conn, visible, after.as_ref(), PAGE_SIZE)?;
            Ok((products, offers::all(conn)?, partnerships))
        })
        .await?;
    let may_buy = member.role().manages_partners();
    let clients: Vec<Choice> = if clients_view {
        partnerships
            .iter()
            .map(|p| Choice {
                value: p.customer_org_id.clone(),
                label: p.customer_name.clone(),
            })
            .collect()
    } else {
        Vec::new()
    };
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
        match (clients_view, &client) {
            (true, Some(client)) => format!("/products?view=clients&client={client}&after={last}"),
            (true, None) => format!("/products?view=clients&after={last}"),
            (false, _) => format!("/products?after={last}"),
        }
    });
    Ok(ListPage {
        layout: Layout::new(member, Section::Products)?,
        rows: products
            .iter()
            .map(|p| ProductRow::new(p, member.org_id(), may_buy, member.role().sees_billing()))
            .collect(),
        clients_view,
        next_page,
        may_buy,
        org_id: member.org_id().to_owned(),
        offers: offer_choices(&offers, member.current.currency),
        targets,
        default_target,
        clients,
        client: client.unwrap_or_default(),
        typed: Typed {
            customer_org_id: String::new(),
            offer: String::new(),
            managed_by: String::new(),
            label: String::new(),
        },
        order_error: None,
    })
}
