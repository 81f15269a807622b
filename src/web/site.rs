//! This site as browsers see it: the origin its pages come from, the paths of it a
//! request may send a browser back to, and the one way to send it there.

use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse};
use url::{Position, Url};

use crate::config::BaseUrl;
use crate::domain::is_hidden_character;
use crate::web::guards::percent_decoded;

/// No page of this site has a longer address; a longer one is not worth returning to.
const MAX_PATH: usize = 2048;

/// The site's own origin: `BASE_URL`'s.
#[derive(Clone, Debug)]
pub struct Site {
    base: Url,
}

impl Site {
    pub fn new(base: &BaseUrl) -> Site {
        Site {
            base: base.url().clone(),
        }
    }

    /// The path and query of this site that `raw` names, or `None` if it names anything
    /// else: another site (`//evil`, `https://evil`, `/\evil`, which browsers read as
    /// `//evil`), something a parser would quietly rewrite (tabs and line breaks are
    /// dropped, so `/\t/evil` is `//evil`), or characters no address of ours holds, raw or
    /// percent-encoded.
    pub fn local_path(&self, raw: &str) -> Option<String> {
        let plain = |s: &str| {
            !s.starts_with("//") && !s.contains('\\') && !s.chars().any(is_hidden_character)
        };
        if raw.len() > MAX_PATH || !raw.starts_with('/') || !plain(raw) {
            return None;
        }
        if !plain(&percent_decoded(raw)) {
            return None;
        }
        let url = self.base.join(raw).ok()?;
        if url.origin() != self.base.origin() {
            return None;
        }
        // Resolving dot segments can make a path start with `//` again: `/..//evil`.
        let path = &url[Position::BeforePath..Position::AfterQuery];
        plain(path).then(|| path.to_owned())
    }

    /// The page of this site the request was sent from, as its `Referer` says: only if
    /// that page is this site's.
    pub fn referring_path(&self, req: &HttpRequest) -> Option<String> {
        let referer = req.headers().get(header::REFERER)?.to_str().ok()?;
        // The parser would drop a tab where it stands; such a referer is not followed.
        if referer.chars().any(is_hidden_character) {
            return None;
        }
        let url = Url::parse(referer).ok()?;
        if url.origin() != self.base.origin() {
            return None;
        }
        self.local_path(&url[Position::BeforePath..Position::AfterQuery])
    }
}

/// A 303 to `path`, a path of this site. A value that could not be sent as a header, or
/// that would lead elsewhere, sends the browser to the dashboard instead of failing the
/// request.
pub fn see_other(path: &str) -> HttpResponse {
    let sendable = path.starts_with('/')
        && !path.starts_with("//")
        && path.bytes().all(|b| b.is_ascii_graphic() && b != b'\\');
    let location = HeaderValue::from_str(path)
        .ok()
        .filter(|_| sendable)
        .unwrap_or_else(|| HeaderValue::from_static("/"));
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, location))
        .finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    fn site(base: &str) -> Site {
        Site::new(&BaseUrl::parse(base).unwrap())
    }

    #[test]
    fn paths_of_this_site_are_kept() {
        let site = site("https://pd.example");
        for (raw, kept) in [
            ("/", "/"),
            ("/partners/abc", "/partners/abc"),
            ("/partners?after_id=x&q=a+b", "/partners?after_id=x&q=a+b"),
            ("/invoices#top", "/invoices"),
            ("/a/../partners", "/partners"),
            ("/café", "/caf%C3%A9"),
            ("/partners?q=Zoé", "/partners?q=Zo%C3%A9"),
            ("/partners/%2E%2E/clients", "/clients"),
        ] {
            assert_eq!(site.local_path(raw).as_deref(), Some(kept), "{raw:?}");
        }
    }

    #[test]
    fn anything_that_could_lead_elsewhere_is_refused() {
        let site = site("https://pd.example");
        let long = format!("/{}", "a".repeat(MAX_PATH));
        let corpus = [
            "",
            "partners",
            "//evil.example",
            "///evil.example",
            "/\\evil.example",
            "\\/evil.example",
            "/\\/evil.example",
            "https://evil.example",
            "https://pd.example.evil.example/",
            "http:evil.example",
            "http:/evil.example",
            "javascript:alert(1)",
            "data:text/html,x",
            " /partners",
            "/..//evil.example",
            "/.//evil.example",
            "/a/..//evil.example",
            "/%2e%2e//evil.example",
            "/%2F%2Fevil.example",
            "/%5Cevil.example",
            "/%0d%0aSet-Cookie:x",
            "/%0D%0ASet-Cookie:%20x=1",
            "/\r\nSet-Cookie: x=1",
            "/\t/evil.example",
            "/%09/evil.example",
            "/\n/evil.example",
            "/%0a/evil.example",
            "/\r/evil.example",
            "/%0d/evil.example",
            "/\0",
            "/%00",
            "/partners?x=%0a",
            "/\u{7f}",
            "/%7F",
            "/\u{85}",
            "/%C2%85",
            "/\u{2028}",
            "/%E2%80%A8",
            "/\u{2029}",
            "/\u{202e}evil",
            "/%E2%80%AEevil",
            "/\u{2066}",
            &long,
        ];
        for raw in corpus {
            assert_eq!(site.local_path(raw), None, "{raw:?}");
        }
    }

    #[test]
    fn a_redirect_never_fails_on_its_location() {
        let location = |path: &str| {
            see_other(path)
                .headers()
                .get(header::LOCATION)
                .unwrap()
                .to_str()
                .unwrap()
                .to_owned()
        };
        assert_eq!(see_other("/team").status(), 303);
        assert_eq!(location("/partners?after_id=x"), "/partners?after_id=x");
        for bad in [
            "/\r\nSet-Cookie: x=1",
            "/a\tb",
            "/\0",
            "/é",
            "/a b",
            "//evil.example",
            "https://evil.example",
            "/\\evil",
            "",
        ] {
            assert_eq!(location(bad), "/", "{bad:?}");
        }
    }

    fn post(headers: &[(&str, &str)]) -> HttpRequest {
        let mut r = TestRequest::post().insert_header(("host", "127.0.0.1:8080"));
        for (k, v) in headers {
            r = r.insert_header((*k, *v));
        }
        r.to_http_request()
    }

    #[test]
    fn only_a_referer_of_this_site_is_followed() {
        let site = site("https://pd.example");
        let back = |referer: &str| site.referring_path(&post(&[("referer", referer)]));
        assert_eq!(
            back("https://pd.example/clients?after_id=x").as_deref(),
            Some("/clients?after_id=x")
        );
        assert_eq!(back("https://pd.example").as_deref(), Some("/"));
        for foreign in [
            "https://evil.example/clients",
            "http://pd.example/clients",
            "https://pd.example.evil.example/clients",
            "//pd.example/clients",
            "/clients",
            "https://pd.example/\t/evil.example",
            "https://pd.example//evil.example",
            "https://pd.example/..//evil.example",
            "https://pd.example/%0d%0aSet-Cookie:x",
        ] {
            assert_eq!(back(foreign), None, "{foreign:?}");
        }
        assert_eq!(site.referring_path(&post(&[])), None);
    }
}
