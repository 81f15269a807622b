//! The steps every handler that changes something takes, once each: act as the member
//! (in a write transaction, then ring the mail sender), leave a message, go on.

use actix_web::HttpResponse;

use crate::auth::{FlashKind, Member};
use crate::db::DbConn;
use crate::i18n::Text;
use crate::mail::MailContext;
use crate::partnerships::Actor;
use crate::startup::AppState;
use crate::web::errors::AppError;
use crate::web::site::see_other;

/// Runs the domain's `action` as `member`, in the organization they work in, then
/// rings the mail sender (the action may have queued emails). The domain's refusal
/// becomes the page it means (`web/errors.rs`).
pub async fn act<T, E, F>(member: &Member, state: &AppState, action: F) -> Result<T, AppError>
where
    F: FnOnce(&mut DbConn, &MailContext, &Actor<'_>) -> Result<T, E> + Send + 'static,
    T: Send + 'static,
    E: Into<AppError> + Send + 'static,
{
    let (actor, mail) = (member.actor(), state.mail.clone());
    let outcome = state
        .db
        .write(move |conn| Ok::<_, AppError>(action(conn, &mail, &actor.borrow())))
        .await?
        .map_err(Into::into)?;
    state.mail_wake.notify_one();
    Ok(outcome)
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
