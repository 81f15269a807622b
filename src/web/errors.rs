//! The one error type of the web layer. Each variant is a status and a message the
//! user can act on; everything unexpected is `Internal`: logged with its causes,
//! shown as a plain "something went wrong" without internals.

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{StatusCode, header};
use actix_web::middleware::Next;
use actix_web::{FromRequest, HttpResponse, ResponseError};
use askama::Template;

use crate::billing::Refusal;
use crate::i18n::{In, Text, t};
use crate::members::MemberError;
use crate::orders::OrderError;
use crate::partnerships::{LifecycleError, ModeChangeError};
use crate::web::Member;
use crate::web::layout::{Layout, Section};

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// Not logged in (or the session ended): go to the login page, then back to `next`.
    #[error("login required")]
    LoginRequired { next: String },
    /// The organization requires two-factor authentication, and the member has none yet.
    #[error("two-factor authentication required")]
    SetUpTwoFactor,
    #[error("{}", .0.key())]
    BadRequest(Text),
    /// The user may see the thing but not do this to it.
    #[error("{}", .0.key())]
    Forbidden(Text),
    /// Absent, or not the user's to see: the two are indistinguishable on purpose.
    #[error("not found")]
    NotFound,
    /// A secret link that no longer opens anything (used, expired): what to do instead.
    #[error("{}", .0.key())]
    LinkSpent(Text),
    #[error("{}", .0.key())]
    Conflict(Text),
    #[error("too many attempts")]
    TooManyRequests { retry_after_secs: u64 },
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl AppError {
    pub fn bad_request(message: impl Into<Text>) -> AppError {
        AppError::BadRequest(message.into())
    }

    pub fn forbidden(message: impl Into<Text>) -> AppError {
        AppError::Forbidden(message.into())
    }

    pub fn conflict(message: impl Into<Text>) -> AppError {
        AppError::Conflict(message.into())
    }

    /// A refusal the person can fix on the form they sent (its status and reason), or
    /// the error itself for any other.
    pub fn fixable(self) -> Result<(StatusCode, String), AppError> {
        let status = self.status_code();
        match self {
            AppError::BadRequest(m) | AppError::Forbidden(m) | AppError::Conflict(m) => {
                Ok((status, m.to_string()))
            }
            other => Err(other),
        }
    }

    /// The error's title and message in the reader's language, as its page shows them;
    /// none for those answered by sending the reader elsewhere.
    fn words(&self) -> Option<(String, String)> {
        let (title, message) = match self {
            AppError::LoginRequired { .. } | AppError::SetUpTwoFactor => return None,
            AppError::BadRequest(m) => ("The request could not be processed", m.to_string()),
            AppError::Forbidden(m) => ("Not allowed", m.to_string()),
            AppError::NotFound => (
                "Page not found",
                t(
                    "There is nothing here, or it is not yours to see. Check the address, or go back to the dashboard.",
                ),
            ),
            AppError::LinkSpent(m) => ("This link no longer opens anything", m.to_string()),
            AppError::Conflict(m) => ("This cannot be done now", m.to_string()),
            AppError::TooManyRequests { .. } => (
                "Too many attempts",
                t("There were too many attempts. Wait a little, then try again."),
            ),
            AppError::Internal(_) => (
                "Something went wrong",
                t(
                    "Something went wrong on our side. Nothing was changed. Please try again in a moment.",
                ),
            ),
        };
        Some((t(title), message))
    }
}

impl From<diesel::result::Error> for AppError {
    fn from(e: diesel::result::Error) -> AppError {
        match e {
            diesel::result::Error::NotFound => AppError::NotFound,
            other => AppError::Internal(other.into()),
        }
    }
}

/// The refusals of the domain, each with its one status: not found 404, a request to
/// change 400, not the actor's to do 403, the state does not allow it (or changed since
/// the form was opened) 409; storage failures are 500. Their words live here.
impl From<LifecycleError> for AppError {
    fn from(e: LifecycleError) -> AppError {
        match e {
            LifecycleError::NotFound => AppError::NotFound,
            LifecycleError::Invalid(m) => AppError::BadRequest(m),
            LifecycleError::NotAllowed(m) => AppError::Forbidden(m),
            LifecycleError::Conflict(m) => AppError::Conflict(m),
            LifecycleError::Stale => AppError::conflict(
                "Someone changed this partnership meanwhile. Nothing was saved: reload the page to see what is in force now.",
            ),
            LifecycleError::Storage(e) => AppError::Internal(e),
        }
    }
}

/// Said when a payment-mode form was opened before someone else's change.
pub const STALE_PAYMENT_MODE: &str = "Someone changed this partnership while you were editing it. Nothing was saved: here is what is in force now. Choose again if you still want a change.";

impl From<ModeChangeError> for AppError {
    fn from(e: ModeChangeError) -> AppError {
        match e {
            ModeChangeError::NotFound => AppError::NotFound,
            ModeChangeError::LimitedAccess => AppError::conflict(
                "This partner has limited access, so there is no payment mode to change: your organization pays for its own orders. Grant full access first.",
            ),
            ModeChangeError::NotActive => AppError::conflict(
                "This collaboration is not active, so its payment mode cannot be changed.",
            ),
            ModeChangeError::Stale { .. } => AppError::conflict(STALE_PAYMENT_MODE),
            ModeChangeError::Storage(e) => AppError::Internal(e),
        }
    }
}

impl From<MemberError> for AppError {
    fn from(e: MemberError) -> AppError {
        match e {
            MemberError::NotFound => AppError::NotFound,
            MemberError::Invalid(m) => AppError::BadRequest(m),
            MemberError::Conflict(m) => AppError::Conflict(m),
            MemberError::Storage(e) => AppError::Internal(e),
        }
    }
}

impl From<OrderError> for AppError {
    fn from(e: OrderError) -> AppError {
        match e {
            OrderError::NotFound => AppError::NotFound,
            OrderError::UnknownOffer => AppError::bad_request("Choose an offer from the catalog."),
            OrderError::UnknownManager => AppError::bad_request(
                "Choose one of your partners, or nobody, to manage the product.",
            ),
            OrderError::Refused(Refusal::LimitedPartnerCannotOrder) => AppError::forbidden(
                "A partner with limited access cannot order or renew for its client.",
            ),
            OrderError::Refused(Refusal::NotManagedByThePartner) => AppError::forbidden(
                "Only the partner managing this product with full access can renew it.",
            ),
            OrderError::Refused(Refusal::NegativePrice) => {
                AppError::Internal(anyhow::anyhow!("negative catalog price"))
            }
            OrderError::Refused(Refusal::TooLarge) => AppError::conflict(
                "This order's amounts are too large to be invoiced. Nothing was ordered.",
            ),
            OrderError::AlreadyBilled => AppError::conflict(
                "This period was billed meanwhile: the product is already renewed. Nothing was charged twice.",
            ),
            OrderError::NoBillingDetails { payer, ours: true } => AppError::conflict(
                Text::new("Before ordering, give the billing details of %{payer}, which pays this order: Invoices, then Billing details.")
                    .arg("payer", payer),
            ),
            OrderError::NoBillingDetails { payer, ours: false } => AppError::conflict(
                Text::new("%{payer} pays this order but has not given its billing details yet: ask its legal representative to fill them in (Invoices, then Billing details).")
                    .arg("payer", payer),
            ),
            OrderError::Expired => AppError::conflict(
                "This confirmation is too old to be used. Nothing was ordered: start the order again to see the terms in force now.",
            ),
            OrderError::Storage(e) => AppError::Internal(e),
        }
    }
}

impl From<diesel::r2d2::PoolError> for AppError {
    fn from(e: diesel::r2d2::PoolError) -> AppError {
        AppError::Internal(e.into())
    }
}

impl From<actix_web::error::BlockingError> for AppError {
    fn from(e: actix_web::error::BlockingError) -> AppError {
        AppError::Internal(anyhow::anyhow!("blocking task failed: {e}"))
    }
}

impl From<askama::Error> for AppError {
    fn from(e: askama::Error) -> AppError {
        AppError::Internal(e.into())
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    tr: In,
    status: u16,
    title: String,
    message: String,
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        match self {
            AppError::LoginRequired { .. } | AppError::SetUpTwoFactor => StatusCode::SEE_OTHER,
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::Forbidden(_) => StatusCode::FORBIDDEN,
            AppError::NotFound | AppError::LinkSpent(_) => StatusCode::NOT_FOUND,
            AppError::Conflict(_) => StatusCode::CONFLICT,
            AppError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let status = self.status_code();
        if let AppError::Internal(cause) = self {
            tracing::error!(error = ?cause, "request failed");
        }
        let Some((title, message)) = self.words() else {
            return match self {
                AppError::LoginRequired { next } => {
                    crate::web::site::see_other(&crate::paths::login_then(next))
                }
                _ => crate::web::site::see_other(crate::paths::TWO_FACTOR),
            };
        };
        let page = ErrorPage {
            tr: In::default(),
            status: status.as_u16(),
            title,
            message,
        };
        let body = page.render().unwrap_or_else(|_| {
            format!(
                "{} {}",
                status.as_u16(),
                status.canonical_reason().unwrap_or("Error")
            )
        });
        let mut response = HttpResponse::build(status);
        response.content_type("text/html; charset=utf-8");
        if let AppError::TooManyRequests { retry_after_secs } = self {
            response.insert_header((header::RETRY_AFTER, retry_after_secs.to_string()));
        }
        response.body(body)
    }
}

#[derive(Template)]
#[template(path = "error_shell.html")]
struct ErrorInShell {
    layout: Layout,
    status: u16,
    title: String,
    message: String,
}

/// Middleware, inside the session's: an error met by someone signed in is shown in the
/// console's header and sidebar, as any of its pages, rather than on a bare page.
pub async fn shown_in_the_shell(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let res = next.call(req).await?.map_into_boxed_body();
    let Some((title, message)) = res
        .response()
        .error()
        .and_then(|e| e.as_error::<AppError>())
        .and_then(AppError::words)
    else {
        return Ok(res);
    };
    let Ok(member) = Member::extract(res.request()).await else {
        return Ok(res);
    };
    let Ok(layout) = Layout::within(&member, Section::of_path(res.request().path())) else {
        return Ok(res);
    };
    let page = ErrorInShell {
        layout,
        status: res.status().as_u16(),
        title,
        message,
    };
    let Ok(body) = page.render() else {
        return Ok(res);
    };
    Ok(res.map_body(|_, _| BoxBody::new(body)))
}
