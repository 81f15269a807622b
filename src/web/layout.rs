//! What every page of the signed-in application shows around its content: the header
//! with the user and the organization switcher, the sidebar, the flash message.

use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use askama::Template;

use crate::i18n::In;
use crate::web::Member;
use crate::web::errors::AppError;
use crate::web::session::Flash;

/// The sidebar's sections.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    Dashboard,
    Products,
    Invoices,
    Partners,
    Clients,
    Income,
    Team,
    Account,
}

impl Section {
    /// The section a path belongs to (`/partners/7/access` → Partners), for pages that are
    /// no section's own, such as an error met there.
    pub fn of_path(path: &str) -> Option<Section> {
        let first = path.trim_start_matches('/').split('/').next()?;
        Some(match first {
            "" => Section::Dashboard,
            "products" | "orders" => Section::Products,
            "invoices" => Section::Invoices,
            "partners" => Section::Partners,
            "clients" => Section::Clients,
            "income" => Section::Income,
            "team" => Section::Team,
            "account" => Section::Account,
            _ => return None,
        })
    }
}

pub struct OrgChoice {
    pub id: String,
    pub name: String,
    pub selected: bool,
}

pub struct Layout {
    /// Translation into the request's language: `layout.tr.t("…")` in templates.
    pub tr: In,
    pub user_name: String,
    pub user_email: String,
    pub org_name: String,
    pub role_label: &'static str,
    pub orgs: Vec<OrgChoice>,
    pub is_partner_org: bool,
    /// Invoices, income and payment information are for legal reps, admins and billing staff.
    pub sees_billing: bool,
    pub csrf_token: String,
    /// The logout form's token: the session's, valid whatever organization is chosen.
    pub session_token: String,
    pub flash: Option<Flash>,
    /// The sidebar's current section, if the page is one's.
    pub section: Option<Section>,
}

impl Layout {
    pub fn new(member: &Member, section: Section) -> Result<Layout, AppError> {
        Layout::within(member, Some(section))
    }

    /// The layout of a page that may belong to no section.
    pub fn within(member: &Member, section: Option<Section>) -> Result<Layout, AppError> {
        Ok(Layout {
            tr: In::default(),
            user_name: member.user.name.clone(),
            user_email: member.user.email.clone(),
            org_name: member.current.org_name.clone(),
            role_label: member.role().label(),
            orgs: member
                .memberships
                .iter()
                .map(|m| OrgChoice {
                    id: m.org_id.clone(),
                    name: m.org_name.clone(),
                    selected: m.org_id == member.current.org_id,
                })
                .collect(),
            is_partner_org: member.is_partner_org(),
            sees_billing: member.role().sees_billing(),
            csrf_token: member.session.csrf_token()?,
            session_token: member.session.session_token().unwrap_or_default(),
            flash: member.session.take_flash(),
            section,
        })
    }

    /// `aria-current` for the sidebar link of `section`.
    pub fn current(&self, section: Section) -> &'static str {
        if self.section == Some(section) {
            "page"
        } else {
            "false"
        }
    }

    pub fn flash_class(&self) -> &'static str {
        match self.flash.as_ref().map(|f| f.kind) {
            Some(crate::web::FlashKind::Success) => "flash flash-success",
            _ => "flash flash-info",
        }
    }
}

/// Renders a page as HTML with status 200.
pub fn page<T: Template>(template: &T) -> Result<HttpResponse, AppError> {
    page_with_status(StatusCode::OK, template)
}

/// Renders a page as HTML with the given status (a form shown again after an error).
pub fn page_with_status<T: Template>(
    status: StatusCode,
    template: &T,
) -> Result<HttpResponse, AppError> {
    let body = template.render()?;
    Ok(HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .body(body))
}
