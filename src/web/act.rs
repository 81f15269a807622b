//! The steps every handler that changes something takes, once each: act as the member
//! (in a write transaction, then ring the mail sender), leave a message, go on.

use actix_web::{HttpRequest, HttpResponse};

use crate::auth::login::is_own_password;
use crate::db::models::members;
use crate::db::{DbConn, write_tx};
use crate::domain::Role;
use crate::i18n::Text;
use crate::mail::MailContext;
use crate::partnerships::{Actor, OwnedActor};
use crate::startup::AppState;
use crate::web::errors::AppError;
use crate::web::site::see_other;
use crate::web::{FlashKind, Member};

/// Runs the domain's `action` as `member`, in the organization they work in, then
/// rings the mail sender (the action may have queued emails). The domain's refusal
/// becomes the page it means (`web/errors.rs`).
pub async fn act<T, E, F>(member: &Member, state: &AppState, action: F) -> Result<T, AppError>
where
    F: FnOnce(&mut DbConn, &MailContext, &Actor<'_>) -> Result<T, E> + Send + 'static,
    T: Send + 'static,
    E: Into<AppError> + Send + 'static,
{
    let (actor, mail, role) = (member.actor(), state.mail.clone(), member.role());
    let outcome = state
        .db
        .write(move |conn| {
            write_tx(conn, |conn| {
                still_as_they_were(conn, &actor, role)?;
                Ok::<_, AppError>(action(conn, &mail, &actor.borrow()))
            })
        })
        .await?
        .map_err(Into::into)?;
    state.mail_wake.notify_one();
    Ok(outcome)
}

/// Checks, inside the transaction that acts, that the member still belongs to the
/// organization with the role the request was let in with: a request sent just before
/// a removal or a demotion does nothing rather than act with rights now gone.
pub fn still_as_they_were(
    conn: &mut DbConn,
    actor: &OwnedActor,
    role: Role,
) -> Result<(), AppError> {
    match members::role_held(conn, &actor.org_id, &actor.user_id)? {
        Some(now) if now == role => Ok(()),
        _ => Err(AppError::conflict(
            "Your role in this organization changed, or you were removed from it, while this was sent. Nothing was done: reload the page.",
        )),
    }
}

/// Leaves `message` for the next page and goes to `location`.
pub fn done(
    member: &Member,
    kind: FlashKind,
    message: impl Into<Text>,
    location: &str,
) -> Result<HttpResponse, AppError> {
    member.session.flash(kind, message)?;
    Ok(see_other(location))
}

/// Whether `password` is the member's own, counted like a sign-in (too many wrong ones,
/// and the answer is 429 for a while).
pub async fn own_password(
    req: &HttpRequest,
    state: &AppState,
    member: &Member,
    password: String,
) -> Result<bool, AppError> {
    let address = crate::web::login::client_address(req, state.trust_forwarded);
    let checked = is_own_password(
        &state.db,
        &state.passwords,
        &member.user.id,
        &member.user.email,
        password,
        address,
    )
    .await?;
    checked.map_err(|wait| AppError::TooManyRequests {
        retry_after_secs: wait.num_seconds().max(1).unsigned_abs(),
    })
}
