//! This site as browsers see it: the origin its pages come from, the paths of it a
//! request may send a browser back to, and the one way to send it there.

use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse};
use url::{Host, Origin, Position, Url};

use crate::config::BaseUrl;
use crate::domain::is_hidden_character;
use crate::web::guards::percent_decoded;

/// No page of this site has a longer address; a longer one is not worth returning to.
const MAX_PATH: usize = 2048;

/// The site's own origin, and who may speak for it.
#[derive(Clone, Debug)]
pub struct Site {
    base: Url,
    /// `BASE_URL` was not set: the local default, which a browser on this machine may
    /// open as `localhost`, `127.0.0.1` or `[::1]` on the same port.
    loopback: bool,
    /// Behind a trusted reverse proxy, the host and scheme it forwards are also this site.
    trust_forwarded: bool,
}

impl Site {
    pub fn new(base: &BaseUrl, explicit: bool, trust_forwarded: bool) -> Site {
        Site {
            base: base.url().clone(),
            loopback: !explicit,
            trust_forwarded,
        }
    }

    /// Whether an `Origin` header names this site. A browser sends a scheme, a host and
    /// a port, nothing more; `null` (a sandboxed or privacy-sensitive context) is not a
    /// site at all.
    pub fn is_own_origin(&self, req: &HttpRequest, origin: &str) -> bool {
        let Ok(url) = Url::parse(origin) else {
            return false;
        };
        let bare = url.path() == "/"
            && url.query().is_none()
            && url.fragment().is_none()
            && url.username().is_empty()
            && url.password().is_none()
            && !origin.ends_with('/');
        bare && self.is_own(req, &url)
    }

    fn is_own(&self, req: &HttpRequest, url: &Url) -> bool {
        let origin = url.origin();
        if origin == self.base.origin() {
            return true;
        }
        if self.loopback && self.is_loopback_twin(url) {
            return true;
        }
        self.trust_forwarded && forwarded_origin(req).is_some_and(|forwarded| forwarded == origin)
    }

    /// `http://localhost:8080` for a site whose default address is `http://127.0.0.1:8080`.
    fn is_loopback_twin(&self, url: &Url) -> bool {
        let loopback = match url.host() {
            Some(Host::Domain(name)) => name == "localhost",
            Some(Host::Ipv4(ip)) => ip == std::net::Ipv4Addr::LOCALHOST,
            Some(Host::Ipv6(ip)) => ip == std::net::Ipv6Addr::LOCALHOST,
            None => false,
        };
        loopback
            && url.scheme() == self.base.scheme()
            && url.port_or_known_default() == self.base.port_or_known_default()
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
        if !self.is_own(req, &url) {
            return None;
        }
        self.local_path(&url[Position::BeforePath..Position::AfterQuery])
    }
}

/// The scheme and host a trusted proxy says the browser used, when it says a host.
fn forwarded_origin(req: &HttpRequest) -> Option<Origin> {
    let headers = req.headers();
    let says_host = headers.contains_key("x-forwarded-host")
        || headers
            .get(header::FORWARDED)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.to_ascii_lowercase().contains("host="));
    if !says_host {
        return None;
    }
    let info = req.connection_info();
    let url = Url::parse(&format!("{}://{}", info.scheme(), info.host())).ok()?;
    Some(url.origin())
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

    fn site(base: &str, explicit: bool, trust_forwarded: bool) -> Site {
        Site::new(&BaseUrl::parse(base).unwrap(), explicit, trust_forwarded)
    }

    #[test]
    fn paths_of_this_site_are_kept() {
        let site = site("https://pd.example", true, false);
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
        let site = site("https://pd.example", true, false);
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
    fn the_origin_is_base_urls_scheme_host_and_port() {
        let site = site("https://pd.example", true, false);
        let req = post(&[]);
        assert!(site.is_own_origin(&req, "https://pd.example"));
        assert!(site.is_own_origin(&req, "https://pd.example:443"));
        assert!(site.is_own_origin(&req, "HTTPS://PD.EXAMPLE"));
        for foreign in [
            "null",
            "",
            "pd.example",
            "http://pd.example",
            "https://pd.example:8443",
            "https://evil.example",
            "https://pd.example.evil.example",
            "https://evil.example#pd.example",
            "https://pd.example@evil.example",
            "https://user@pd.example",
            "https://pd.example/",
            "https://pd.example/path",
            "http://127.0.0.1:8080",
            "http://localhost:8080",
        ] {
            assert!(!site.is_own_origin(&req, foreign), "{foreign:?}");
        }
    }

    #[test]
    fn forwarded_headers_count_only_behind_a_trusted_proxy() {
        let forged = post(&[("x-forwarded-host", "evil.example")]);
        let forged_rfc = post(&[("forwarded", "host=evil.example;proto=http")]);
        let untrusted = site("https://pd.example", true, false);
        assert!(!untrusted.is_own_origin(&forged, "http://evil.example"));
        assert!(!untrusted.is_own_origin(&forged_rfc, "http://evil.example"));

        let trusted = site("https://pd.example", true, true);
        let proxied = post(&[
            ("x-forwarded-host", "pd.internal:8443"),
            ("x-forwarded-proto", "https"),
        ]);
        assert!(trusted.is_own_origin(&proxied, "https://pd.internal:8443"));
        assert!(!trusted.is_own_origin(&proxied, "http://pd.internal:8443"));
        assert!(trusted.is_own_origin(&forged_rfc, "http://evil.example"));
        assert!(trusted.is_own_origin(&proxied, "https://pd.example"));
        // Without a forwarded host, the Host header is not an origin of ours.
        assert!(!trusted.is_own_origin(&post(&[]), "http://127.0.0.1:8080"));
    }

    #[test]
    fn the_local_default_is_also_its_loopback_spellings() {
        let local = site("http://127.0.0.1:8080", false, false);
        let req = post(&[]);
        for own in [
            "http://127.0.0.1:8080",
            "http://localhost:8080",
            "http://[::1]:8080",
        ] {
            assert!(local.is_own_origin(&req, own), "{own}");
        }
        for foreign in [
            "http://localhost:8081",
            "https://localhost:8080",
            "http://127.0.0.2:8080",
            "http://localhost.evil.example:8080",
        ] {
            assert!(!local.is_own_origin(&req, foreign), "{foreign}");
        }
        // A configured BASE_URL is the only origin, even on a loopback address.
        let configured = site("http://127.0.0.1:8080", true, false);
        assert!(!configured.is_own_origin(&req, "http://localhost:8080"));
    }

    #[test]
    fn only_a_referer_of_this_site_is_followed() {
        let site = site("https://pd.example", true, false);
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
