//! The rights a customer grants, as its forms show and send them.

use serde::Deserialize;

use crate::db::DbConn;
use crate::db::models::partnerships::PartnershipView;
use crate::domain::{PaymentMode, Side};
use crate::i18n::{In, Text};
use crate::partnerships::Grant;
use crate::web::errors::AppError;

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
        &p.product_name,
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
