//! About one's own account: the link that resets a forgotten password, and the notice
//! that it was reset. Each goes to the account's own address only.

use super::{Notice, recipient, send_notice};
use crate::db::DbConn;
use crate::db::models::users::User;
use crate::i18n::Text;
use crate::mail::MailContext;

/// The link to choose a new password, valid `minutes`.
pub fn reset_link(
    conn: &mut DbConn,
    mail: &MailContext,
    user: &User,
    path: &str,
    minutes: i64,
) -> anyhow::Result<()> {
    let notice = Notice {
        subject: "Choose a new partnerdesk password".into(),
        paragraphs: vec![
            "Someone asked to reset the password of your partnerdesk account.".into(),
            Text::new(
                "The link below lets you choose a new one. It works once, for %{minutes} minutes.",
            )
            .arg("minutes", minutes),
            "If you did not ask for it, ignore this email: your password stays as it is.".into(),
        ],
        facts: Vec::new(),
        action: Some(("Choose a new password".into(), path.to_owned())),
    };
    send_notice(conn, mail, &[recipient(user)], &notice)?;
    Ok(())
}

/// The password was reset through a link sent to this address; every session ended.
pub fn password_reset(conn: &mut DbConn, mail: &MailContext, user: &User) -> anyhow::Result<()> {
    let notice = Notice {
        subject: "Your partnerdesk password was reset".into(),
        paragraphs: vec![
            "The password of your account was reset with a link sent to this address, and you were signed out everywhere.".into(),
            "If you did not do this, choose a new password at once and contact your organization's legal representative."
                .into(),
        ],
        facts: Vec::new(),
        action: Some(("Sign in".into(), crate::paths::LOGIN.to_owned())),
    };
    send_notice(conn, mail, &[recipient(user)], &notice)?;
    Ok(())
}
