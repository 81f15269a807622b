//! What partnerdesk is, and which version answers: public and fixed. It reads no session
//! and no database, which also makes it the benchmark's baseline.

use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use askama::Template;

use crate::i18n::In;
use crate::web::errors::AppError;
use crate::web::layout::page_with_status;

#[derive(Template)]
#[template(path = "about.html")]
struct AboutPage {
    tr: In,
    version: &'static str,
}

pub async fn show() -> Result<HttpResponse, AppError> {
    page_with_status(
        StatusCode::OK,
        &AboutPage {
            tr: In::default(),
            version: env!("CARGO_PKG_VERSION"),
        },
    )
}
