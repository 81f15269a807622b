//! Input every route refuses before it reaches a handler.

use actix_web::ResponseError;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;

use crate::domain::is_hidden_character;
use crate::web::errors::AppError;

pub const NUL_REFUSED: &str = "The request contains a character that is not allowed (a NUL byte).";

/// Whether percent-encoded text hides a NUL byte, which no field or id may hold (and
/// which PostgreSQL refuses in text).
pub fn has_encoded_nul(raw: &[u8]) -> bool {
    raw.contains(&0)
        || raw
            .windows(3)
            .any(|w| w[0] == b'%' && w[1] == b'0' && w[2] == b'0')
}

/// Percent-encoded text as the router will read it (invalid UTF-8 replaced, `+` kept).
pub fn percent_decoded(raw: &str) -> String {
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| char::from(b).to_digit(16);
        match (
            bytes[i],
            bytes.get(i + 1).and_then(|b| hex(*b)),
            bytes.get(i + 2).and_then(|b| hex(*b)),
        ) {
            (b'%', Some(high), Some(low)) => {
                out.push((high * 16 + low) as u8);
                i += 3;
            }
            (b, _, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Refuses a URL whose path or query holds a NUL byte, and a path that, once decoded,
/// holds a character no address of this site has: a control character (a line break
/// in an id would end up in a log line or a header), a line separator or a bidirectional
/// control. Such a path names nothing, so it is not found, whoever asks.
pub async fn refuse_hostile_urls(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<actix_web::body::BoxBody>, actix_web::Error> {
    let uri = req.uri().to_string();
    if has_encoded_nul(uri.as_bytes()) {
        let response = AppError::bad_request(NUL_REFUSED).error_response();
        return Ok(req.into_response(response));
    }
    if percent_decoded(req.path()).chars().any(is_hidden_character) {
        tracing::info!(path = %req.path(), "path with hidden characters refused");
        let response = AppError::NotFound.error_response();
        return Ok(req.into_response(response));
    }
    Ok(next.call(req).await?.map_into_boxed_body())
}

#[cfg(test)]
mod tests {
    use super::{has_encoded_nul, percent_decoded};

    #[test]
    fn nul_bytes_are_found_raw_or_encoded() {
        assert!(has_encoded_nul(b"a=%00"));
        assert!(has_encoded_nul(b"a=x\0"));
        assert!(!has_encoded_nul(b"a=%100&b=200"));
        assert!(!has_encoded_nul(b"/partners/00000000"));
    }

    #[test]
    fn paths_are_decoded_as_the_router_reads_them() {
        assert_eq!(percent_decoded("/partners/%0D%0Ax"), "/partners/\r\nx");
        assert_eq!(percent_decoded("/caf%C3%A9%e2%80%ae"), "/café\u{202e}");
        assert_eq!(percent_decoded("/a+b%2"), "/a+b%2");
        assert_eq!(percent_decoded("/%zz%4"), "/%zz%4");
        assert_eq!(percent_decoded("/%FF"), "/\u{fffd}");
    }
}
