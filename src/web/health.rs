//! Liveness and database check for load balancers and monitoring.

use actix_web::{HttpResponse, web};
use diesel::connection::SimpleConnection;

use crate::startup::AppState;

pub async fn check(state: web::Data<AppState>) -> HttpResponse {
    let backend = state.db.backend().name();
    let reachable = state
        .db
        .run(|conn| -> anyhow::Result<()> { Ok(conn.batch_execute("SELECT 1")?) })
        .await;
    match reachable {
        Ok(()) => HttpResponse::Ok()
            .content_type("text/plain; charset=utf-8")
            .body(format!("ok\ndatabase: {backend}\n")),
        Err(e) => {
            tracing::error!(error = ?e, "health check: database unreachable");
            HttpResponse::ServiceUnavailable()
                .content_type("text/plain; charset=utf-8")
                .body(format!("unavailable\ndatabase: {backend} unreachable\n"))
        }
    }
}
