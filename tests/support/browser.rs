//! A cookie-keeping browser, the pages it reads, and the journeys many tests walk.

use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use scraper::{Html, Selector};

/// A cookie-keeping HTTP client that does not follow redirects, so tests see them.
pub struct Browser {
    pub client: reqwest::Client,
    pub address: String,
}

/// A response, read whole.
pub struct Page {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

impl Page {
    async fn read(response: reqwest::Response) -> Page {
        Page {
            status: response.status(),
            headers: response.headers().clone(),
            body: response.text().await.unwrap(),
        }
    }

    pub fn location(&self) -> Option<&str> {
        self.headers.get("location").and_then(|v| v.to_str().ok())
    }

    pub fn html(&self) -> Html {
        Html::parse_document(&self.body)
    }

    /// The text of every element matching `selector`, whitespace collapsed.
    pub fn texts(&self, selector: &str) -> Vec<String> {
        let selector = Selector::parse(selector).unwrap();
        self.html()
            .select(&selector)
            .map(|e| {
                e.text()
                    .collect::<String>()
                    .split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect()
    }

    /// The text of the whole page, whitespace collapsed.
    pub fn text(&self) -> String {
        self.texts("body").join(" ")
    }

    /// The value shown next to `label` in a page's rows (`<dt>label</dt><dd>value</dd>`).
    pub fn row(&self, label: &str) -> Option<String> {
        let rows = Selector::parse(".row").unwrap();
        let dt = Selector::parse("dt").unwrap();
        let dd = Selector::parse("dd").unwrap();
        let collapse = |e: scraper::ElementRef<'_>| {
            e.text()
                .collect::<String>()
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
        };
        self.html().select(&rows).find_map(|row| {
            let term = row.select(&dt).next().map(collapse)?;
            (term == label)
                .then(|| row.select(&dd).next().map(collapse))
                .flatten()
        })
    }

    /// The value of the first form field named `name`.
    pub fn field(&self, name: &str) -> Option<String> {
        let selector = Selector::parse(&format!("[name=\"{name}\"]")).unwrap();
        self.html()
            .select(&selector)
            .next()
            .and_then(|e| e.value().attr("value").map(str::to_owned))
    }

    /// Whether a link to `href` is on the page.
    pub fn has_link(&self, href: &str) -> bool {
        let selector = Selector::parse(&format!("a[href=\"{href}\"]")).unwrap();
        self.html().select(&selector).next().is_some()
    }
}

impl Browser {
    pub async fn get(&self, path: &str) -> Page {
        Page::read(
            self.client
                .get(format!("{}{path}", self.address))
                .send()
                .await
                .unwrap(),
        )
        .await
    }

    /// A download: its status, headers and bytes.
    pub async fn download(&self, path: &str) -> (StatusCode, HeaderMap, Vec<u8>) {
        let response = self
            .client
            .get(format!("{}{path}", self.address))
            .send()
            .await
            .unwrap();
        let (status, headers) = (response.status(), response.headers().clone());
        (status, headers, response.bytes().await.unwrap().to_vec())
    }

    /// Posts a form as a browser would, fields as given (add the CSRF token yourself).
    pub async fn post(&self, path: &str, form: &[(&str, &str)]) -> Page {
        Page::read(
            self.client
                .post(format!("{}{path}", self.address))
                .form(form)
                .send()
                .await
                .unwrap(),
        )
        .await
    }

    /// Posts a form with this session's CSRF token added.
    pub async fn submit(&self, path: &str, form: &[(&str, &str)]) -> Page {
        let token = self.csrf_token().await;
        let mut fields = vec![("csrf_token", token.as_str())];
        fields.extend_from_slice(form);
        self.post(path, &fields).await
    }

    /// The session's CSRF token, as the pages carry it.
    pub async fn csrf_token(&self) -> String {
        let mut page = self.get("/").await;
        // Signed in but sent to set up two-factor: the account page has forms too.
        for elsewhere in ["/account", "/login"] {
            if page.status == StatusCode::OK {
                break;
            }
            page = self.get(elsewhere).await;
        }
        page.field("csrf_token")
            .expect("a page with a form carries the CSRF token")
    }

    pub async fn login(&self, email: &str, password: &str) -> Page {
        let form = self.get("/login").await;
        let token = form
            .field("csrf_token")
            .expect("the login form has a CSRF token");
        self.login_with_token(&token, email, password).await
    }

    /// Sends the login form with the token of a login page fetched before.
    pub async fn login_with_token(&self, token: &str, email: &str, password: &str) -> Page {
        self.post(
            "/login",
            &[
                ("csrf_token", token),
                ("email", email),
                ("password", password),
            ],
        )
        .await
    }
}

/// The customer's whole flow: the pencil's form, verify, confirm. Returns the confirm's response.
pub async fn change_payment_mode(browser: &Browser, partnership_id: &str, mode: &str) -> Page {
    let edit = browser
        .get(&format!("/partners/{partnership_id}/payment/edit"))
        .await;
    assert_eq!(edit.status, StatusCode::OK, "edit form: {}", edit.body);
    let version = edit.field("version").expect("the form carries the version");
    let verify = browser
        .submit(
            &format!("/partners/{partnership_id}/payment/verify"),
            &[("payment_mode", mode), ("version", &version)],
        )
        .await;
    assert_eq!(
        verify.status,
        StatusCode::OK,
        "verify step: {}",
        verify.body
    );
    let token = verify.field("csrf_token").unwrap();
    let confirmed_version = verify.field("version").unwrap();
    browser
        .post(
            &format!("/partners/{partnership_id}/payment"),
            &[
                ("csrf_token", &token),
                ("payment_mode", mode),
                ("version", &confirmed_version),
            ],
        )
        .await
}

/// Submits an order (or renewal) form, checks the confirmation page, and confirms it.
/// Returns the confirmation page and the answer to the confirmation.
pub async fn order_and_confirm(
    browser: &Browser,
    action: &str,
    form: &[(&str, &str)],
) -> (Page, Page) {
    let confirmation = browser.submit(action, form).await;
    assert_eq!(
        confirmation.status,
        StatusCode::OK,
        "confirmation of {action}: {}",
        confirmation.text()
    );
    let field = |name: &str| confirmation.field(name).unwrap_or_default();
    let mut fields: Vec<(String, String)> = ["csrf_token", "intent"]
        .into_iter()
        .filter(|name| confirmation.field(name).is_some())
        .map(|name| (name.to_owned(), field(name)))
        .collect();
    fields.push(("confirm".into(), "1".into()));
    let fields: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let placed = browser.post(action, &fields).await;
    (confirmation, placed)
}

/// A cookie-keeping browser for an application served at `address`.
pub fn browser_at(address: &str) -> Browser {
    browser_with(address, HeaderMap::new())
}

/// A cookie-keeping browser for `address` that sends `headers` with every request.
pub fn browser_with(address: &str, headers: HeaderMap) -> Browser {
    // A fresh connection per request: the server may close a kept-alive connection
    // after answering early (before reading a refused form), and a reused one would
    // then fail on the client's side.
    let client = reqwest::Client::builder()
        .default_headers(headers)
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .pool_max_idle_per_host(0)
        .build()
        .unwrap();
    Browser {
        client,
        address: address.to_owned(),
    }
}
