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

use crate::auth::AppSession;
use crate::web::errors::AppError;

/// Forms are small; anything bigger is refused before it is read.
pub const MAX_FORM_BYTES: usize = 64 * 1024;

const STALE_FORM: &str = "This form has expired or did not come from this site. Nothing was changed: reload the page and try again.";

/// A urlencoded form whose `csrf_token` field matched the session's token.
pub struct CsrfForm<T>(pub T);

#[derive(Deserialize)]
struct TokenOnly {
    csrf_token: Option<String>,
}

impl<T: DeserializeOwned + 'static> FromRequest for CsrfForm<T> {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<CsrfForm<T>, AppError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let req = req.clone();
        let body = web::Bytes::from_request(&req, payload);
        Box::pin(async move {
            let is_form = req
                .headers()
                .get(header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
            if !is_form {
                return Err(AppError::bad_request(
                    "This request must be sent from the form on the page.",
                ));
            }
            let body = body.await.map_err(|_| {
                AppError::bad_request("The form is too large or could not be read.")
            })?;
            if crate::web::guards::has_encoded_nul(&body) {
                return Err(AppError::bad_request(crate::web::guards::NUL_REFUSED));
            }
            let session = AppSession::extract(&req)
                .await
                .map_err(|e| AppError::Internal(anyhow::anyhow!("{e}")))?;
            let sent = serde_html_form::from_bytes::<TokenOnly>(&body)
                .ok()
                .and_then(|t| t.csrf_token);
            match (sent, session.expected_csrf_token()) {
                (Some(sent), Some(expected))
                    if constant_time_eq(sent.as_bytes(), expected.as_bytes()) => {}
                _ => return Err(AppError::forbidden(STALE_FORM)),
            }
            let form = serde_html_form::from_bytes::<T>(&body).map_err(|e| {
                tracing::debug!(error = %e, "form rejected");
                AppError::bad_request("The form is incomplete or has a value that is not allowed.")
            })?;
            Ok(CsrfForm(form))
        })
    }
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
    if req.method() != Method::GET && req.method() != Method::HEAD && !is_same_origin(req.request())
    {
        tracing::warn!(path = %req.path(), "cross-origin write refused");
        let response = AppError::forbidden(STALE_FORM).error_response();
        return Ok(req.into_response(response));
    }
    Ok(next.call(req).await?.map_into_boxed_body())
}

fn is_same_origin(req: &HttpRequest) -> bool {
    let header = |name| req.headers().get(name).and_then(|v| v.to_str().ok());
    if let Some(site) = header(header::HeaderName::from_static("sec-fetch-site"))
        && site != "same-origin"
        && site != "none"
    {
        return false;
    }
    match header(header::ORIGIN) {
        None => true,
        Some(origin) => {
            let host = origin.split_once("://").map(|(_, host)| host);
            let own = req.connection_info().host().to_owned();
            host == Some(own.as_str())
        }
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
        let req = |headers: &[(&str, &str)]| {
            let mut r = TestRequest::post().insert_header(("host", "pd.example:8080"));
            for (k, v) in headers {
                r = r.insert_header((*k, *v));
            }
            r.to_http_request()
        };
        assert!(is_same_origin(&req(&[])));
        assert!(is_same_origin(&req(&[(
            "origin",
            "http://pd.example:8080"
        )])));
        assert!(is_same_origin(&req(&[("sec-fetch-site", "same-origin")])));
        assert!(!is_same_origin(&req(&[("origin", "https://evil.example")])));
        assert!(!is_same_origin(&req(&[("origin", "null")])));
        assert!(!is_same_origin(&req(&[("sec-fetch-site", "cross-site")])));
        assert!(!is_same_origin(&req(&[("sec-fetch-site", "same-site")])));
    }
}
