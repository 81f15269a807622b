//! Cross-site request forgery defences: a session-bound token in every form, and a
//! check that a state-changing request comes from this site.

use std::future::Future;
use std::pin::Pin;

use actix_web::body::MessageBody;
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::{Method, header};
use actix_web::middleware::Next;
use actix_web::{FromRequest, HttpRequest, ResponseError, web};
use serde::Deserialize;
use serde::de::DeserializeOwned;

use crate::startup::AppState;
use crate::web::AppSession;
use crate::web::errors::AppError;
use crate::web::site::Site;

/// Forms are small; anything bigger is refused before it is read.
pub const MAX_FORM_BYTES: usize = 64 * 1024;

const STALE_FORM: &str = "This form has expired or did not come from this site. Nothing was changed: reload the page and try again.";

/// A urlencoded form whose `csrf_token` field matched the session's token.
pub struct CsrfForm<T>(pub T);

/// The form of a button that sends nothing but its token.
#[derive(Deserialize)]
pub struct NoFields {}

#[derive(Deserialize)]
struct TokenOnly {
    csrf_token: Option<String>,
}

/// Which token a form must carry.
#[derive(Clone, Copy)]
enum Bound {
    /// The one of the organization the session works in (every form but logging out).
    ToOrganization,
    /// That one, or the session's own whatever organization a page was shown for:
    /// logging out works from a tab shown before a switch.
    ToSession,
}

/// Reads a form whose token is the session's, or refuses it.
async fn checked<T: DeserializeOwned>(
    req: HttpRequest,
    body: impl Future<Output = Result<web::Bytes, actix_web::Error>>,
    bound: Bound,
) -> Result<T, AppError> {
    let is_form = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(is_form_content_type);
    if !is_form {
        return Err(AppError::bad_request(
            "This request must be sent from the form on the page.",
        ));
    }
    let body = body
        .await
        .map_err(|_| AppError::bad_request("The form is too large or could not be read."))?;
    if crate::web::guards::has_encoded_nul(&body) {
        return Err(AppError::bad_request(crate::web::guards::NUL_REFUSED));
    }
    let session = AppSession::extract(&req)
        .await
        .map_err(|e| AppError::Internal(anyhow::anyhow!("{e}")))?;
    let sent = serde_html_form::from_bytes::<TokenOnly>(&body)
        .ok()
        .and_then(|t| t.csrf_token);
    let mut expected = vec![session.expected_csrf_token()];
    if let Bound::ToSession = bound {
        expected.push(session.session_token());
    }
    let accepted = sent.is_some_and(|sent| {
        expected
            .iter()
            .flatten()
            .any(|token| constant_time_eq(sent.as_bytes(), token.as_bytes()))
    });
    if !accepted {
        return Err(AppError::forbidden(STALE_FORM));
    }
    serde_html_form::from_bytes::<T>(&body).map_err(|e| {
        tracing::debug!(error = %e, "form rejected");
        AppError::bad_request("The form is incomplete or has a value that is not allowed.")
    })
}

impl<T: DeserializeOwned + 'static> FromRequest for CsrfForm<T> {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<CsrfForm<T>, AppError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let body = web::Bytes::from_request(req, payload);
        let req = req.clone();
        Box::pin(async move {
            checked(req, body, Bound::ToOrganization)
                .await
                .map(CsrfForm)
        })
    }
}

/// A form carrying the session's own token (see [`Bound::ToSession`]).
pub struct SessionForm<T>(pub T);

impl<T: DeserializeOwned + 'static> FromRequest for SessionForm<T> {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<SessionForm<T>, AppError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let body = web::Bytes::from_request(req, payload);
        let req = req.clone();
        Box::pin(async move { checked(req, body, Bound::ToSession).await.map(SessionForm) })
    }
}

/// Exactly a urlencoded form, in UTF-8 if it says: `application/x-www-form-urlencodedX`
/// is another type, and a form in another charset would be read wrongly.
fn is_form_content_type(value: &str) -> bool {
    let mut parts = value.split(';');
    let media_type = parts.next().unwrap_or_default().trim();
    media_type.eq_ignore_ascii_case("application/x-www-form-urlencoded")
        && parts.all(|parameter| {
            let Some((name, value)) = parameter.split_once('=') else {
                return false;
            };
            let value = value.trim();
            let value = value
                .strip_prefix('"')
                .and_then(|v| v.strip_suffix('"'))
                .unwrap_or(value);
            name.trim().eq_ignore_ascii_case("charset") && value.eq_ignore_ascii_case("utf-8")
        })
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Refuses a state-changing request that a browser says comes from another site.
/// Requests without these headers (not from a browser) still need the CSRF token.
pub async fn same_origin_writes(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<actix_web::body::BoxBody>, actix_web::Error> {
    let site = req
        .app_data::<web::Data<AppState>>()
        .map(|state| &state.site);
    let writes = req.method() != Method::GET && req.method() != Method::HEAD;
    if writes && !site.is_some_and(|site| is_same_origin(req.request(), site)) {
        tracing::warn!(path = %req.path(), "cross-origin write refused");
        let response = AppError::forbidden(STALE_FORM).error_response();
        return Ok(req.into_response(response));
    }
    Ok(next.call(req).await?.map_into_boxed_body())
}

/// The origin is compared with `BASE_URL`, never with the request's `Host` or forwarded
/// headers (unless a trusted proxy sets them): whoever sends the request chooses those,
/// so comparing with them would let any origin pass as this site.
fn is_same_origin(req: &HttpRequest, site: &Site) -> bool {
    // A header that is there but unreadable is not taken for a missing one.
    let header = |name| {
        req.headers()
            .get(name)
            .map(|v| v.to_str().ok().map(str::trim))
    };
    match header(header::HeaderName::from_static("sec-fetch-site")) {
        None | Some(Some("same-origin" | "none")) => {}
        Some(_) => return false,
    }
    match header(header::ORIGIN) {
        None => true,
        Some(origin) => origin.is_some_and(|origin| site.is_own_origin(req, origin)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    #[test]
    fn tokens_compare_exactly() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"abcd"));
    }

    #[test]
    fn only_this_site_may_write() {
        let site = Site::new(
            &crate::config::BaseUrl::parse("https://pd.example").unwrap(),
            true,
            false,
        );
        let allowed = |headers: &[(&str, &str)]| {
            let mut r = TestRequest::post().insert_header(("host", "pd.internal:8080"));
            for (k, v) in headers {
                r = r.insert_header((*k, *v));
            }
            is_same_origin(&r.to_http_request(), &site)
        };
        assert!(allowed(&[]));
        assert!(allowed(&[("origin", "https://pd.example")]));
        assert!(allowed(&[("sec-fetch-site", "same-origin")]));
        assert!(allowed(&[("sec-fetch-site", "none")]));
        assert!(allowed(&[
            ("sec-fetch-site", "same-origin"),
            ("origin", "https://pd.example")
        ]));
        assert!(!allowed(&[("origin", "https://evil.example")]));
        assert!(!allowed(&[("origin", "null")]));
        assert!(!allowed(&[("origin", "http://pd.internal:8080")]));
        assert!(!allowed(&[
            ("x-forwarded-host", "evil.example"),
            ("origin", "http://evil.example")
        ]));
        assert!(!allowed(&[("sec-fetch-site", "cross-site")]));
        assert!(!allowed(&[("sec-fetch-site", "same-site")]));
        assert!(!allowed(&[
            ("sec-fetch-site", "cross-site"),
            ("origin", "https://pd.example")
        ]));
        let unreadable = header::HeaderValue::from_bytes(b"https://pd.example\xff").unwrap();
        let req = TestRequest::post()
            .insert_header((header::ORIGIN, unreadable))
            .to_http_request();
        assert!(!is_same_origin(&req, &site));
    }

    #[test]
    fn forms_are_exactly_urlencoded_and_in_utf8() {
        for accepted in [
            "application/x-www-form-urlencoded",
            "Application/X-WWW-Form-URLEncoded",
            " application/x-www-form-urlencoded ",
            "application/x-www-form-urlencoded; charset=UTF-8",
            "application/x-www-form-urlencoded;charset=utf-8",
            "application/x-www-form-urlencoded; charset=\"utf-8\"",
            "application/x-www-form-urlencoded; CHARSET = Utf-8 ",
        ] {
            assert!(is_form_content_type(accepted), "{accepted:?}");
        }
        for refused in [
            "",
            "application/x-www-form-urlencodedX",
            "application/x-www-form-urlencoded-evil",
            "application/x-www-form-urlencoded;charset=latin1",
            "application/x-www-form-urlencoded; charset=utf-8; boundary=x",
            "application/x-www-form-urlencoded; charset=\"utf-8",
            "application/x-www-form-urlencoded; charset",
            "application/x-www-form-urlencoded;",
            "application/x-www-form-urlencoded, text/plain",
            "text/plain",
            "text/plain; application/x-www-form-urlencoded",
            "multipart/form-data; boundary=x",
            "application/json",
        ] {
            assert!(!is_form_content_type(refused), "{refused:?}");
        }
    }
}
