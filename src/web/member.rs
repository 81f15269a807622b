//! Who is asking: the logged-in user and their current organization, loaded from the
//! database on every request so that a removed membership or a changed password takes
//! effect at once.

use std::future::Future;
use std::pin::Pin;

use actix_web::{FromRequest, HttpRequest, dev::Payload, http::Method, web};
use chrono::{DateTime, Utc};

use crate::auth::preload;
use crate::db::models::users::{MembershipView, User};
use crate::domain::Role;
use crate::partnerships::OwnedActor;
use crate::startup::AppState;
use crate::web::errors::AppError;
use crate::web::session::AppSession;

/// A session ends this long after login, however active it is.
pub const ABSOLUTE_TIMEOUT_SECS: i64 = 12 * 3600;

/// A logged-in member of the organization they are working in.
pub struct Member {
    pub user: User,
    /// The organization currently selected, and the member's role in it.
    pub current: MembershipView,
    /// All of the user's organizations, for the switcher.
    pub memberships: Vec<MembershipView>,
    pub session: AppSession,
}

impl Member {
    pub fn org_id(&self) -> &str {
        &self.current.org_id
    }

    pub fn role(&self) -> Role {
        self.current.role
    }

    pub fn is_partner_org(&self) -> bool {
        self.current.partner_rate_bp.is_some()
    }

    /// The member as the one who acts, in their current organization.
    pub fn actor(&self) -> OwnedActor {
        OwnedActor {
            user_id: self.user.id.clone(),
            user_name: self.user.name.clone(),
            user_email: self.user.email.clone(),
            org_id: self.current.org_id.clone(),
            locale: crate::i18n::current(),
        }
    }

    /// Refuses with 404 unless the member sees the organization's billing (its invoices,
    /// its billing details): to anyone else they do not exist.
    pub fn require_billing(&self) -> Result<(), AppError> {
        if self.role().sees_billing() {
            Ok(())
        } else {
            Err(AppError::NotFound)
        }
    }

    /// Refuses with 403 and `message` unless `allowed`.
    pub fn require(&self, allowed: bool, message: &'static str) -> Result<(), AppError> {
        if allowed {
            Ok(())
        } else {
            Err(AppError::forbidden(message))
        }
    }
}

/// The organization a link names in its `org` parameter.
fn linked_org(req: &HttpRequest) -> Option<String> {
    serde_urlencoded::from_str::<Vec<(String, String)>>(req.query_string())
        .ok()?
        .into_iter()
        .find_map(|(key, value)| (key == "org").then_some(value))
}

fn login_required(req: &HttpRequest) -> AppError {
    // Only a page can be returned to; after a refused form, go to the start.
    let next = if req.method() == Method::GET {
        req.uri()
            .path_and_query()
            .map_or("/", |pq| pq.as_str())
            .to_owned()
    } else {
        "/".to_owned()
    };
    AppError::LoginRequired { next }
}

/// The signed-in user behind the request's session and their organizations, read from
/// the database (or from what the session store read with the session), or `None` when
/// nobody is signed in or the session is over (timed out, or older than a password
/// change: it is then ended).
async fn signed_in(
    req: &HttpRequest,
    session: &AppSession,
) -> Result<Option<(User, Vec<MembershipView>)>, AppError> {
    let state = req
        .app_data::<web::Data<AppState>>()
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("application state missing")))?
        .clone();
    let (Some(user_id), Some(auth_at)) = (session.user_id()?, session.authenticated_at()?) else {
        return Ok(None);
    };
    if Utc::now().timestamp() - auth_at > ABSOLUTE_TIMEOUT_SECS {
        session.log_out();
        return Ok(None);
    }
    let loaded = match preload::take(&user_id) {
        Some(loaded) => loaded,
        None => {
            state
                .db
                .run(move |conn| -> Result<_, AppError> { Ok(preload::load(conn, &user_id)?) })
                .await?
        }
    };
    let Some(user) = loaded.user else {
        session.log_out();
        return Ok(None);
    };
    // A password change ends the sessions that began before it.
    let changed_at =
        DateTime::<Utc>::from_naive_utc_and_offset(user.password_changed_at, Utc).timestamp();
    if changed_at > auth_at {
        session.log_out();
        return Ok(None);
    }
    Ok(Some((user, loaded.memberships)))
}

impl FromRequest for Member {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Member, AppError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let session = AppSession::extract(&req)
                .await
                .map_err(|e| AppError::Internal(anyhow::anyhow!("{e}")))?;
            let Some((user, memberships)) = signed_in(&req, &session).await? else {
                return Err(login_required(&req));
            };
            // A link that names its organization (those of emails) opens it, if it is
            // one of the person's.
            let named = (req.method() == Method::GET)
                .then(|| linked_org(&req))
                .flatten()
                .filter(|org| memberships.iter().any(|m| &m.org_id == org));
            if let Some(org) = &named {
                session.set_org(org)?;
            }
            let selected = named.or(session.org_id()?);
            let chosen = memberships
                .iter()
                .find(|m| Some(&m.org_id) == selected.as_ref());
            let current = chosen
                .or_else(|| memberships.first())
                .cloned()
                .ok_or_else(|| {
                    AppError::forbidden("Your account does not belong to any organization. Ask an administrator to invite you.")
                })?;
            if chosen.is_none() {
                // The organization the session worked in is not the person's any more
                // (they were removed from it): pages go on in another one, but a form
                // sent for the old one is not applied to it.
                session.set_org(&current.org_id)?;
                if req.method() != Method::GET && req.method() != Method::HEAD {
                    return Err(AppError::conflict(
                        "You no longer belong to the organization this form was for. Nothing was done.",
                    ));
                }
            }
            // An organization that requires two-factor shows its pages only to members
            // who sign in with it; the others set it up first.
            if current.requires_two_factor
                && user.two_factor_since.is_none()
                && !crate::web::routes::open_before_two_factor(req.path())
            {
                return Err(AppError::SetUpTwoFactor);
            }
            Ok(Member {
                user,
                current,
                memberships,
                session,
            })
        })
    }
}

/// Whoever is signed in, member of an organization or not (`None`: nobody): for the
/// pages a person reaches as themselves, such as answering an invitation.
pub struct SignedIn {
    pub user: Option<User>,
    pub session: AppSession,
}

impl FromRequest for SignedIn {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<SignedIn, AppError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let session = AppSession::extract(&req)
                .await
                .map_err(|e| AppError::Internal(anyhow::anyhow!("{e}")))?;
            let user = signed_in(&req, &session).await?.map(|(user, _)| user);
            Ok(SignedIn { user, session })
        })
    }
}
