//! Each request's database work — how many statements, how long — logged at debug level
//! and, with `SERVER_TIMING=on`, told in a `Server-Timing` header (development and
//! benchmarks read it there; the query-count tests too).

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::web;

use crate::db::DatabaseWork;
use crate::startup::AppState;

pub async fn measure_database_work(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let expose = req
        .app_data::<web::Data<AppState>>()
        .is_some_and(|state| state.server_timing);
    let (response, work) = DatabaseWork::measure(next.call(req)).await;
    let mut response = response?;
    let millis = work.time().as_secs_f64() * 1000.0;
    tracing::debug!(
        statements = work.statements(),
        database_ms = millis,
        "database work"
    );
    if expose {
        let value = format!(
            "db;desc=\"{} statements\";dur={millis:.2}",
            work.statements()
        );
        if let Ok(value) = HeaderValue::from_str(&value) {
            response
                .headers_mut()
                .insert(HeaderName::from_static("server-timing"), value);
        }
    }
    Ok(response)
}
