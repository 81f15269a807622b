//! The whole URL map on one screen (docs/design.md §5).

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::web::{self, ServiceConfig, get, post};

use crate::web::errors::AppError;
use crate::web::{
    about, account, assets, billing_details, clients, dashboard, details, health, income,
    invoice_pdf, invoices, login, login_code, orders, org, partners, password, products,
    relationships, requests, team, two_factor, welcome,
};

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.route("/", get().to(dashboard::show))
        .route("/login", get().to(login::form))
        .route("/login", post().to(login::submit))
        .route("/login/code", get().to(login_code::form))
        .route("/login/code", post().to(login_code::submit))
        .route("/logout", post().to(login::logout))
        .route("/password/forgot", get().to(password::forgot_form))
        .route("/password/forgot", post().to(password::forgot))
        .route("/password/reset/{token}", get().to(password::reset_form))
        .route("/password/reset/{token}", post().to(password::reset))
        .route("/org", post().to(org::switch))
        .route("/partners", get().to(partners::list))
        .route("/partners", post().to(partners::invite))
        .route("/partners/new", get().to(partners::new_partner))
        .route(
            "/partners/{id}/access/edit",
            get().to(partners::edit_access),
        )
        .route("/partners/{id}/access", post().to(partners::save_access))
        .route(
            "/partners/{id}/payment/edit",
            get().to(partners::edit_payment),
        )
        .route(
            "/partners/{id}/payment/verify",
            post().to(partners::verify_payment),
        )
        .route("/partners/{id}/payment", post().to(partners::save_payment))
        .route("/partners/requests/{id}", get().to(requests::show))
        .route(
            "/partners/requests/{id}/accept",
            post().to(requests::accept),
        )
        .route(
            "/partners/requests/{id}/refuse",
            post().to(requests::refuse),
        )
        .route(
            "/clients/requests/{id}/withdraw",
            post().to(clients::withdraw_request),
        )
        .route("/clients", get().to(clients::list))
        .route("/clients", post().to(clients::ask))
        .route("/clients/new", get().to(clients::new_client))
        .route(
            "/{side:partners|clients}/{id}",
            get().to(relationships::show),
        )
        .route(
            "/{side:partners|clients}/{id}/accept",
            post().to(relationships::accept),
        )
        .route(
            "/{side:partners|clients}/{id}/refuse",
            post().to(relationships::refuse),
        )
        .route(
            "/{side:partners|clients}/{id}/withdraw",
            post().to(relationships::withdraw),
        )
        .route(
            "/{side:partners|clients}/{id}/resend",
            post().to(relationships::resend),
        )
        .route(
            "/{side:partners|clients}/{id}/end",
            get().to(relationships::end_form),
        )
        .route(
            "/{side:partners|clients}/{id}/end",
            post().to(relationships::end),
        )
        .route(
            "/{side:partners|clients}/{id}/timeline.csv",
            get().to(relationships::timeline_csv),
        )
        .route("/products", get().to(products::list))
        .route("/orders", post().to(orders::order))
        .route("/products/{id}/renew", post().to(orders::renew))
        .route("/billing", get().to(billing_details::show))
        .route("/billing", post().to(billing_details::save))
        .route("/invoices", get().to(invoices::list))
        .route("/invoices.csv", get().to(invoices::export))
        .route("/invoices/{id}", get().to(invoices::show))
        .route("/invoices/{id}/pdf", get().to(invoice_pdf::invoice))
        .route(
            "/invoices/{id}/credit-note",
            get().to(invoice_pdf::credit_note),
        )
        .route("/income", get().to(income::ledger))
        .route("/income.csv", get().to(income::export))
        .route("/team", get().to(team::list))
        .route("/team/invite", post().to(team::invite))
        .route(
            "/team/invitations/{id}/resend",
            post().to(team::resend_invitation),
        )
        .route(
            "/team/invitations/{id}/cancel",
            post().to(team::cancel_invitation),
        )
        .route("/team/{user_id}/role", post().to(team::change_role))
        .route("/team/{user_id}/remove", post().to(team::remove))
        .route("/account", get().to(account::show))
        .route("/lang", post().to(account::switch_language))
        .route("/account/password", post().to(account::change_password))
        .route("/account/details", post().to(details::save))
        .route("/account/two-factor", get().to(two_factor::show))
        .route("/account/two-factor", post().to(two_factor::enable))
        .route("/account/two-factor/off", post().to(two_factor::disable))
        .route(
            "/account/two-factor/recovery-codes",
            get().to(two_factor::new_codes),
        )
        .route(
            "/account/two-factor/recovery-codes",
            post().to(two_factor::regenerate),
        )
        .route("/team/two-factor", post().to(team::require_two_factor))
        .route("/account/email/{token}", get().to(details::confirm_form))
        .route("/account/email/{token}", post().to(details::confirm))
        .route(
            "/account/sessions/end-others",
            post().to(account::end_other_sessions),
        )
        .route(
            "/account/sessions/{sid}/end",
            post().to(account::end_session),
        )
        .route("/welcome/{token}", get().to(welcome::welcome))
        .route("/welcome/{token}", post().to(welcome::answer))
        .route(
            "/invitations/{id}/accept",
            post().to(welcome::accept_in_app),
        )
        .route(
            "/invitations/{id}/decline",
            post().to(welcome::decline_in_app),
        )
        // The same for whoever asks: see `for_anyone`.
        .route("/about", get().to(about::show))
        .route("/healthz", get().to(health::check))
        .route("/static/{file}", get().to(assets::serve))
        .route("/favicon.ico", get().to(assets::favicon))
        .default_service(web::to(|| async {
            Err::<actix_web::HttpResponse, _>(AppError::NotFound)
        }));
}

/// The routes above that answer only forms (POST): a page shown at one of them is the
/// answer to a form, and cannot be opened again.
const FORMS_ONLY: &[&str] = &[
    "/logout",
    "/org",
    "/lang",
    "/orders",
    "/products/{id}/renew",
    "/partners/{id}/access",
    "/partners/{id}/payment/verify",
    "/partners/{id}/payment",
    "/partners/requests/{id}/accept",
    "/partners/requests/{id}/refuse",
    "/clients/requests/{id}/withdraw",
    "/{side}/{id}/accept",
    "/{side}/{id}/refuse",
    "/{side}/{id}/withdraw",
    "/{side}/{id}/resend",
    "/team/invite",
    "/team/invitations/{id}/resend",
    "/team/invitations/{id}/cancel",
    "/team/{user_id}/role",
    "/team/{user_id}/remove",
    "/account/password",
    "/account/details",
    "/account/two-factor/off",
    "/team/two-factor",
    "/account/sessions/end-others",
    "/account/sessions/{sid}/end",
    "/invitations/{id}/accept",
    "/invitations/{id}/decline",
    // Paths above them that are no page: the way back goes on up.
    "/account/sessions",
    "/account/sessions/{sid}",
    "/clients/requests/{id}",
    "/clients/requests",
    "/invitations/{id}",
    "/invitations",
    "/products/{id}",
    "/team/invitations/{id}",
    "/team/invitations",
    "/team/{user_id}",
];

/// Whether `path` (without its query) is one of `pattern`'s: `{…}` stands for any segment.
fn matches(pattern: &str, path: &str) -> bool {
    let (pattern, path): (Vec<&str>, Vec<&str>) =
        (pattern.split('/').collect(), path.split('/').collect());
    pattern.len() == path.len()
        && pattern
            .iter()
            .zip(&path)
            .all(|(p, s)| p == s || (p.starts_with('{') && !s.is_empty()))
}

/// The page to show again for `path` (the language switch goes back there): the path
/// itself, or, for the answer to a form, the nearest page above it (`/account/details`
/// → `/account`, `/partners/7/payment/verify` → `/partners/7`).
pub fn page_of(path: &str) -> String {
    let mut page = path.to_owned();
    loop {
        let bare = page.split('?').next().unwrap_or_default();
        if !FORMS_ONLY.iter().any(|pattern| matches(pattern, bare)) {
            return page;
        }
        page = match bare.rsplit_once('/') {
            Some(("", _)) | None => "/".to_owned(),
            Some((parent, _)) => parent.to_owned(),
        };
    }
}

/// The routes a member reaches before setting up the two-factor authentication their
/// organization requires: their own account (where it is set up), the language, and the
/// switch to another of their organizations.
pub fn open_before_two_factor(path: &str) -> bool {
    path == crate::paths::ACCOUNT
        || path.starts_with("/account/")
        || matches!(path, "/lang" | "/org")
}

/// The routes above whose answer does not depend on who asks: for them the member behind
/// the session is not read.
fn for_anyone(path: &str) -> bool {
    path.starts_with("/static/") || matches!(path, "/favicon.ico" | "/healthz" | "/about")
}

/// Middleware, outside the session middleware: reads the member along with the session,
/// except for the routes [`for_anyone`].
pub async fn preload_member(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let wanted = !for_anyone(req.path());
    crate::auth::preload::scope(wanted, next.call(req)).await
}
