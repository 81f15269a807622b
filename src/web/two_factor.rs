//! One's own two-factor authentication: setting it up (a QR code for the app, then a
//! first code to confirm it), the recovery codes (shown once, made again on demand), and
//! turning it off (the password and a code).

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::auth::two_factor::{self, Checked, Off, On};
use crate::db::models::two_factor as rows;
use crate::db::now;
use crate::i18n::{datetime, t};
use crate::startup::AppState;
use crate::web::act::{done, own_password};
use crate::web::csrf::CsrfForm;
use crate::web::errors::AppError;
use crate::web::layout::{Layout, Section, page, page_with_status};
use crate::web::login::wait_message;
use crate::web::{FlashKind, Member};

/// What the page shows: how to set it up, or that it is on.
enum State {
    Off {
        /// The secret offered to the app, grouped for typing, and its QR code.
        secret: String,
        qr_svg: String,
        /// The `otpauth://` address, for a link on a phone that cannot scan itself.
        uri: String,
    },
    On {
        since: String,
        codes_left: i64,
    },
}

#[derive(Template)]
#[template(path = "account/two_factor.html")]
struct TwoFactorPage {
    layout: Layout,
    state: State,
    /// The organizations of the person's that require two-factor.
    required_by: Vec<String>,
    /// Whether it is the current organization's requirement that brought the person here.
    required_here: bool,
    error: Option<String>,
}

#[derive(Template)]
#[template(path = "account/recovery_codes.html")]
struct RecoveryCodesPage {
    layout: Layout,
    codes: Vec<String>,
    /// Just turned on (rather than codes made again).
    first: bool,
}

/// The organizations of `member`'s that require two-factor.
pub(super) fn required_by(member: &Member) -> Vec<String> {
    member
        .memberships
        .iter()
        .filter(|m| m.requires_two_factor)
        .map(|m| m.org_name.clone())
        .collect()
}

async fn two_factor_page(
    member: &Member,
    state: &AppState,
    error: Option<String>,
) -> Result<TwoFactorPage, AppError> {
    let shown = match member.user.two_factor_since {
        Some(since) => {
            let user_id = member.user.id.clone();
            let codes_left = state
                .db
                .run(move |conn| rows::codes_left(conn, &user_id).map_err(AppError::from))
                .await?;
            State::On {
                since: datetime(since),
                codes_left,
            }
        }
        None => {
            // The same secret until it is confirmed: a page shown again (a wrong code,
            // the language switched) does not invalidate what the app already scanned.
            let secret = match member.session.totp_setup() {
                Some(secret) => secret,
                None => {
                    let secret = two_factor::new_secret();
                    member.session.set_totp_setup(Some(&secret))?;
                    secret
                }
            };
            let uri = two_factor::setup_uri(&secret, &member.user.email)?;
            State::Off {
                qr_svg: two_factor::qr_svg(&uri)?,
                secret: crate::domain::in_fours(&secret),
                uri,
            }
        }
    };
    Ok(TwoFactorPage {
        layout: Layout::new(member, Section::Account)?,
        state: shown,
        required_by: required_by(member),
        required_here: member.current.requires_two_factor && member.user.two_factor_since.is_none(),
        error,
    })
}

/// `GET /account/two-factor`.
pub async fn show(member: Member, state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    page(&two_factor_page(&member, &state, None).await?)
}

fn refused(page: TwoFactorPage) -> Result<HttpResponse, AppError> {
    page_with_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
}

#[derive(Deserialize)]
pub struct ConfirmForm {
    #[serde(default)]
    current_password: String,
    #[serde(default)]
    code: String,
}

const REQUIRED: &str = "An organization you belong to requires two-factor authentication: it stays on while you are a member.";
const WRONG_PASSWORD: &str = "Your password is not correct. Nothing was changed.";

/// The code of a form that also asks for the member's password, once both are given
/// and the password is right (counted like a sign-in); otherwise the page again, saying
/// what to do (`missing`: when either is left out).
async fn code_after_password(
    req: &HttpRequest,
    member: &Member,
    state: &AppState,
    form: ConfirmForm,
    missing: &str,
) -> Result<Result<String, HttpResponse>, AppError> {
    let ConfirmForm {
        current_password,
        code,
    } = form;
    let problem = if code.trim().is_empty() || current_password.is_empty() {
        missing
    } else if !own_password(req, state, member, current_password).await? {
        WRONG_PASSWORD
    } else {
        return Ok(Ok(code));
    };
    Ok(Err(refused(
        two_factor_page(member, state, Some(t(problem))).await?,
    )?))
}

/// `POST /account/two-factor`: the first code from the app turns two-factor on.
pub async fn enable(
    req: HttpRequest,
    member: Member,
    state: web::Data<AppState>,
    form: CsrfForm<ConfirmForm>,
) -> Result<HttpResponse, AppError> {
    if member.user.two_factor_since.is_some() {
        return done(
            &member,
            FlashKind::Info,
            "Two-factor authentication is on already.",
            crate::paths::TWO_FACTOR,
        );
    }
    let missing = "Enter your password and the code your app shows.";
    let code = match code_after_password(&req, &member, &state, form.0, missing).await? {
        Ok(code) => code,
        Err(again) => return Ok(again),
    };
    let again = |message: String| two_factor_page(&member, &state, Some(message));
    let Some(secret) = member.session.totp_setup() else {
        // The page was shown in another session: show a fresh one.
        return refused(
            again(t(
                "This setup expired. Scan the new QR code, then enter its code.",
            ))
            .await?,
        );
    };
    let (mail, user) = (state.mail.clone(), member.user.clone());
    let codes = state
        .db
        .write(move |conn| two_factor::enable(conn, &mail, &user, &secret, &code, now()))
        .await?;
    let codes = match codes {
        On::Done(codes) => codes,
        On::WrongCode => {
            return refused(
                again(t(
                    "That code is not right. Enter the code your app shows now for partnerdesk.",
                ))
                .await?,
            );
        }
        // Another tab confirmed first.
        On::WasOn => {
            return done(
                &member,
                FlashKind::Info,
                "Two-factor authentication is on already.",
                crate::paths::TWO_FACTOR,
            );
        }
    };
    state.mail_wake.notify_one();
    member.session.set_totp_setup(None)?;
    tracing::info!(user_id = %member.user.id, "two-factor turned on");
    show_once(&member, codes, true)
}

/// Shows `codes` on their own page, once (a reload of the form's answer makes no new
/// ones): kept in the session for the page they are shown on.
fn show_once(member: &Member, codes: Vec<String>, first: bool) -> Result<HttpResponse, AppError> {
    member.session.keep_recovery_codes(codes, first)?;
    Ok(crate::web::site::see_other(
        crate::paths::NEW_RECOVERY_CODES,
    ))
}

/// `GET /account/two-factor/recovery-codes`: the codes just made, once; after that, the
/// two-factor page.
pub async fn new_codes(member: Member) -> Result<HttpResponse, AppError> {
    let Some((codes, first)) = member.session.take_recovery_codes() else {
        return Ok(crate::web::site::see_other(crate::paths::TWO_FACTOR));
    };
    page(&RecoveryCodesPage {
        layout: Layout::new(&member, Section::Account)?,
        codes,
        first,
    })
}

#[derive(Deserialize)]
pub struct PasswordOnly {
    #[serde(default)]
    current_password: String,
}

/// `POST /account/two-factor/recovery-codes`: new recovery codes, shown once; the old ones
/// stop working.
pub async fn regenerate(
    req: HttpRequest,
    member: Member,
    state: web::Data<AppState>,
    form: CsrfForm<PasswordOnly>,
) -> Result<HttpResponse, AppError> {
    if !own_password(&req, &state, &member, form.0.current_password).await? {
        return refused(two_factor_page(&member, &state, Some(t(WRONG_PASSWORD))).await?);
    }
    let (mail, user) = (state.mail.clone(), member.user.clone());
    let codes = state
        .db
        .write(move |conn| two_factor::regenerate(conn, &mail, &user))
        .await?;
    let Some(codes) = codes else {
        return done(
            &member,
            FlashKind::Info,
            "Two-factor authentication is off: there are no recovery codes to make.",
            crate::paths::TWO_FACTOR,
        );
    };
    state.mail_wake.notify_one();
    show_once(&member, codes, false)
}

/// `POST /account/two-factor/off`: the password and a code (or a recovery code) turn
/// two-factor off, unless an organization of the person's requires it.
pub async fn disable(
    req: HttpRequest,
    member: Member,
    state: web::Data<AppState>,
    form: CsrfForm<ConfirmForm>,
) -> Result<HttpResponse, AppError> {
    if member.user.two_factor_since.is_none() {
        return done(
            &member,
            FlashKind::Info,
            "Two-factor authentication is off already.",
            crate::paths::TWO_FACTOR,
        );
    }
    // Said before a code is spent on it; decided again as it is turned off.
    if !required_by(&member).is_empty() {
        return refused(two_factor_page(&member, &state, Some(t(REQUIRED))).await?);
    }
    let missing = "Enter your password and a code from your app.";
    let code = match code_after_password(&req, &member, &state, form.0, missing).await? {
        Ok(code) => code,
        Err(again) => return Ok(again),
    };
    let again = |message: String| two_factor_page(&member, &state, Some(message));
    let address = crate::web::login::client_address(&req, state.trust_forwarded);
    match two_factor::verify(&state.db, None, &member.user, code, address).await? {
        Err(wait) => {
            let page = page_with_status(
                StatusCode::TOO_MANY_REQUESTS,
                &again(wait_message(wait)).await?,
            )?;
            return Ok(crate::web::login::with_retry_after(page, wait));
        }
        Ok(Checked::Wrong) => {
            return refused(
                again(t(
                    "That code is not right, or was used already. Nothing was changed.",
                ))
                .await?,
            );
        }
        Ok(Checked::Code | Checked::Recovery { .. }) => {}
    }
    let (mail, user) = (state.mail.clone(), member.user.clone());
    let off = state
        .db
        .write(move |conn| two_factor::disable(conn, &mail, &user))
        .await?;
    match off {
        Off::Done => {}
        Off::WasOff => {
            return done(
                &member,
                FlashKind::Info,
                "Two-factor authentication is off already.",
                crate::paths::TWO_FACTOR,
            );
        }
        // Required since the page was read.
        Off::Required => {
            return refused(again(t(REQUIRED)).await?);
        }
    }
    state.mail_wake.notify_one();
    tracing::info!(user_id = %member.user.id, "two-factor turned off");
    done(
        &member,
        FlashKind::Success,
        "Two-factor authentication is off. Signing in asks for your password only.",
        crate::paths::ACCOUNT,
    )
}
