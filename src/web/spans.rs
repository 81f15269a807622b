//! The span each request is logged under: its method, route pattern, client, status and
//! time — never its path as sent, whose segments can be the tokens of links that open
//! an account (a password reset, an invitation, a new address to confirm).

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::{Error, HttpMessage};
use tracing::Span;
use tracing_actix_web::{DefaultRootSpanBuilder, RequestId, RootSpanBuilder};

pub struct RequestSpan;

impl RootSpanBuilder for RequestSpan {
    fn on_request_start(request: &ServiceRequest) -> Span {
        let route = request
            .match_pattern()
            .unwrap_or_else(|| "(no route)".to_owned());
        let request_id = request
            .extensions()
            .get::<RequestId>()
            .map(ToString::to_string)
            .unwrap_or_default();
        let info = request.connection_info();
        tracing::info_span!(
            "HTTP request",
            http.method = %request.method(),
            http.route = %route,
            http.client_ip = %info.realip_remote_addr().unwrap_or(""),
            request_id = %request_id,
            http.status_code = tracing::field::Empty,
            otel.status_code = tracing::field::Empty,
            exception.message = tracing::field::Empty,
            exception.details = tracing::field::Empty,
        )
    }

    /// An answer below 500 (a redirect to the login page, a refused form) is no error of
    /// the server's: only its status is recorded. A 500 is logged as the error it is.
    fn on_request_end<B: MessageBody>(span: Span, outcome: &Result<ServiceResponse<B>, Error>) {
        if let Ok(response) = outcome
            && !response.status().is_server_error()
        {
            span.record("http.status_code", i32::from(response.status().as_u16()));
            span.record("otel.status_code", "OK");
            return;
        }
        DefaultRootSpanBuilder::on_request_end(span, outcome);
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use actix_web::{App, HttpResponse, test, web};
    use tracing_actix_web::TracingLogger;
    use tracing_subscriber::fmt::format::FmtSpan;

    use super::RequestSpan;

    /// Everything logged, as text.
    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Captured {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[actix_web::test]
    async fn a_token_in_the_path_is_logged_as_the_routes_pattern_only() {
        let captured = Captured::default();
        let writer = captured.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_writer(move || writer.clone())
            .with_span_events(FmtSpan::CLOSE)
            .with_ansi(false)
            .finish();
        let _guard = tracing::subscriber::set_default(subscriber);
        let app = test::init_service(
            App::new()
                .wrap(TracingLogger::<RequestSpan>::new())
                .route("/password/reset/{token}", web::get().to(HttpResponse::Ok)),
        )
        .await;
        let req = test::TestRequest::get()
            .uri("/password/reset/SECRETTOKEN?next=/x")
            .to_request();
        assert!(test::call_service(&app, req).await.status().is_success());
        let logged = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
        assert!(
            logged.contains("http.route=/password/reset/{token}"),
            "{logged}"
        );
        assert!(logged.contains("http.status_code=200"), "{logged}");
        assert!(!logged.contains("SECRETTOKEN"), "{logged}");
    }

    #[actix_web::test]
    async fn a_redirect_to_the_login_page_is_no_error_in_the_log() {
        let captured = Captured::default();
        let writer = captured.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_writer(move || writer.clone())
            .with_span_events(FmtSpan::CLOSE)
            .with_ansi(false)
            .finish();
        let _guard = tracing::subscriber::set_default(subscriber);
        let app = test::init_service(App::new().wrap(TracingLogger::<RequestSpan>::new()).route(
            "/",
            web::get().to(|| async {
                Err::<HttpResponse, _>(crate::web::errors::AppError::LoginRequired {
                    next: "/".into(),
                })
            }),
        ))
        .await;
        let req = test::TestRequest::get().uri("/").to_request();
        assert_eq!(test::call_service(&app, req).await.status().as_u16(), 303);
        let logged = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
        assert!(logged.contains("http.status_code=303"), "{logged}");
        assert!(!logged.contains("ERROR"), "{logged}");
    }
}
