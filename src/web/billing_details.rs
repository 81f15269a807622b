//! The organization's billing details: who its invoices are addressed to. Its legal
//! representatives, administrators and billing staff see and change them; anyone else
//! gets 404, like the invoices.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;

use crate::db::models::billing_details;
use crate::db::now;
use crate::domain::address::{BillingDetails, Problem, Typed};
use crate::startup::AppState;
use crate::web::act::done;
use crate::web::csrf::CsrfForm;
use crate::web::errors::AppError;
use crate::web::layout::{Layout, Section, page, page_with_status};
use crate::web::{FlashKind, Member};

#[derive(Template)]
#[template(path = "invoices/billing_details.html")]
struct DetailsPage {
    layout: Layout,
    fields: Vec<Field>,
    /// The address as invoices print it, when saved.
    printed: Option<Vec<String>>,
}

impl DetailsPage {
    /// Whether something typed was refused.
    fn refused(&self) -> bool {
        self.fields.iter().any(|f| f.problem.is_some())
    }
}

/// A field of the form as shown: what it holds and what is wrong with it.
struct Field {
    name: &'static str,
    label: &'static str,
    autocomplete: &'static str,
    required: bool,
    value: String,
    problem: Option<&'static str>,
}

fn fields(typed: Typed, problems: &[Problem]) -> Vec<Field> {
    let problem = |name: &str| problems.iter().find(|(f, _)| *f == name).map(|(_, m)| *m);
    let field = |name, label, autocomplete, max: usize, required, value: String| Field {
        name,
        label,
        autocomplete,
        required,
        // What was typed stays (`Switzerland` for a country code too), cut to twice
        // what fits, and at least 100 characters.
        value: value.chars().take((max * 2).max(100)).collect(),
        problem: problem(name),
    };
    vec![
        field(
            "legal_name",
            "Legal name",
            "organization",
            70,
            true,
            typed.legal_name,
        ),
        field("street", "Street", "address-line1", 70, true, typed.street),
        field(
            "house_number",
            "Number (optional)",
            "off",
            16,
            false,
            typed.house_number,
        ),
        field(
            "postcode",
            "Postcode",
            "postal-code",
            16,
            true,
            typed.postcode,
        ),
        field("town", "Town", "address-level2", 35, true, typed.town),
        field(
            "country",
            "Country (two letters, like CH, FR or DE)",
            "country",
            2,
            true,
            typed.country,
        ),
        field(
            "vat_number",
            "VAT or UID number (optional), like CHE-123.456.788 MWST",
            "off",
            40,
            false,
            typed.vat_number,
        ),
        field(
            "billing_email",
            "Email for invoices",
            "email",
            254,
            true,
            typed.billing_email,
        ),
    ]
}

fn typed_of(d: &BillingDetails) -> Typed {
    Typed {
        legal_name: d.legal_name.clone(),
        street: d.street.clone(),
        house_number: d.house_number.clone(),
        postcode: d.postcode.clone(),
        town: d.town.clone(),
        country: d.country.clone(),
        vat_number: d.vat_number.clone().unwrap_or_default(),
        billing_email: d.billing_email.clone(),
    }
}

/// `GET /billing`.
pub async fn show(member: Member, state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    member.require_billing()?;
    let org_id = member.org_id().to_owned();
    let saved = state
        .db
        .run(move |conn| billing_details::of_org(conn, &org_id).map_err(AppError::from))
        .await?;
    let typed = saved.as_ref().map_or_else(
        || Typed {
            legal_name: member.current.org_name.clone(),
            billing_email: member.user.email.clone(),
            country: "CH".into(),
            ..Typed::default()
        },
        typed_of,
    );
    page(&DetailsPage {
        layout: Layout::new(&member, Section::Invoices)?,
        fields: fields(typed, &[]),
        printed: saved.map(|d| {
            let mut lines = d.lines();
            lines.extend(d.vat_number);
            lines
        }),
    })
}

/// `POST /billing`: saves the details, or shows what is wrong with them as typed.
pub async fn save(
    member: Member,
    state: web::Data<AppState>,
    form: CsrfForm<Typed>,
) -> Result<HttpResponse, AppError> {
    member.require_billing()?;
    let typed = form.0;
    let details = match BillingDetails::parse(&typed) {
        Ok(details) => details,
        Err(problems) => {
            // What was typed stays, cut to twice what fits.
            return page_with_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &DetailsPage {
                    layout: Layout::new(&member, Section::Invoices)?,
                    fields: fields(typed, &problems),
                    printed: None,
                },
            );
        }
    };
    let org_id = member.org_id().to_owned();
    state
        .db
        .write(move |conn| {
            billing_details::save(conn, &org_id, &details, now()).map_err(AppError::from)
        })
        .await?;
    tracing::info!(org_id = %member.org_id(), "billing details saved");
    done(
        &member,
        FlashKind::Success,
        "Billing details saved. Invoices issued from now on are addressed with them; those issued before keep theirs.",
        crate::paths::BILLING_DETAILS,
    )
}
