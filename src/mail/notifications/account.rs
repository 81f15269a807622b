//! About one's own account: the link that resets a forgotten password, and the notice
//! that it was reset. Each goes to the account's own address only.

use super::{Notice, recipient, send_notice};
use crate::db::DbConn;
use crate::db::models::orgs::Recipient;
use crate::db::models::users::User;
use crate::i18n::{Text, datetime_in};
use crate::mail::MailContext;

/// Tells `to` of something about their own account: a few sentences and, maybe, where to
/// act.
fn tell(
    conn: &mut DbConn,
    mail: &MailContext,
    to: Recipient,
    subject: Text,
    paragraphs: Vec<Text>,
    action: Option<(Text, String)>,
) -> anyhow::Result<()> {
    let notice = Notice {
        subject,
        paragraphs,
        facts: Vec::new(),
        action,
    };
    send_notice(conn, mail, &[to], &notice)?;
    Ok(())
}

/// The link to choose a new password, valid one hour.
pub fn reset_link(
    conn: &mut DbConn,
    mail: &MailContext,
    user: &User,
    path: &str,
) -> anyhow::Result<()> {
    tell(
        conn,
        mail,
        recipient(user),
        "Choose a new partnerdesk password".into(),
        vec![
            "Someone asked to reset the password of your partnerdesk account.".into(),
            "The link below lets you choose a new one. It works once, for one hour.".into(),
            "If you did not ask for it, ignore this email: your password stays as it is.".into(),
        ],
        Some(("Choose a new password".into(), path.to_owned())),
    )
}

/// The password was reset through a link sent to this address; every session ended.
pub fn password_reset(conn: &mut DbConn, mail: &MailContext, user: &User) -> anyhow::Result<()> {
    tell(
        conn,
        mail,
        recipient(user),
        "Your partnerdesk password was reset".into(),
        vec![
            "The password of your account was reset with a link sent to this address, and you were signed out everywhere.".into(),
            "If you did not do this, choose a new password at once and contact your organization's legal representative."
                .into(),
        ],
        Some(("Sign in".into(), crate::paths::LOGIN.to_owned())),
    )
}

/// To the new address: the link that confirms it.
pub fn confirm_new_email(
    conn: &mut DbConn,
    mail: &MailContext,
    user: &User,
    new: &str,
    path: &str,
) -> anyhow::Result<()> {
    let to = Recipient {
        email: new.to_owned(),
        name: user.name.clone(),
        locale: user.locale,
    };
    tell(
        conn,
        mail,
        to,
        "Confirm your new partnerdesk address".into(),
        vec![
            Text::new(
                "You asked to use this address for your partnerdesk account instead of %{old}.",
            )
            .arg("old", &user.email),
            "Confirm it with the link below within 24 hours. Until then, nothing changes.".into(),
            "If you did not ask for it, ignore this email.".into(),
        ],
        Some(("Confirm this address".into(), path.to_owned())),
    )
}

/// To the old address: a new one was asked for.
pub fn email_change_asked(
    conn: &mut DbConn,
    mail: &MailContext,
    user: &User,
    new: &str,
) -> anyhow::Result<()> {
    tell(
        conn,
        mail,
        recipient(user),
        "A new address was asked for your partnerdesk account".into(),
        vec![
            Text::new("Someone signed in to your account asked to use %{new} instead of this address. It changes only once confirmed from %{new}.")
            .arg("new", new),
            "If it was not you, change your password at once from your account page: that cancels the change and signs out every other session.".into(),
        ],
        Some(("Open your account".into(), crate::paths::ACCOUNT.to_owned())),
    )
}

/// To the old address: the account moved to `new`.
pub fn email_changed(
    conn: &mut DbConn,
    mail: &MailContext,
    user: &User,
    new: &str,
) -> anyhow::Result<()> {
    tell(
        conn,
        mail,
        recipient(user),
        "Your partnerdesk address was changed".into(),
        vec![
            Text::new("Your account now uses %{new}: this address no longer receives its emails, and you sign in with the new one.")
            .arg("new", new),
            "If you did not do this, contact your organization's legal representative at once."
            .into(),
        ],
        None,
    )
}

/// A sign-in from a browser the account had not signed in from before.
pub fn new_browser(
    conn: &mut DbConn,
    mail: &MailContext,
    user: &User,
    browser: Option<String>,
    address: Option<&str>,
    at: chrono::NaiveDateTime,
) -> anyhow::Result<()> {
    let to = recipient(user);
    let value = |v: String| Text::new("%{value}").arg("value", v);
    let notice = Notice {
        subject: "A new sign-in to your partnerdesk account".into(),
        paragraphs: vec![
            "Your account was signed in to from a browser it had not been signed in from before.".into(),
            "If it was you, there is nothing to do. If not, change your password at once and sign that session out from your account page.".into(),
        ],
        facts: vec![
            (
                "Browser".into(),
                browser.map_or_else(|| "A browser that does not say which".into(), value),
            ),
            ("Address".into(), value(address.unwrap_or("—").to_owned())),
            // Only the person reads it: in their language.
            ("When".into(), value(datetime_in(to.locale(), at))),
        ],
        action: Some(("Open your account".into(), crate::paths::ACCOUNT.to_owned())),
    };
    send_notice(conn, mail, &[to], &notice)?;
    Ok(())
}

/// Two-factor authentication was turned on.
pub fn two_factor_on(conn: &mut DbConn, mail: &MailContext, user: &User) -> anyhow::Result<()> {
    tell(
        conn,
        mail,
        recipient(user),
        "Two-factor authentication is on for your partnerdesk account".into(),
        vec![
            "From now on, signing in to your account asks for a code from your authenticator app after the password.".into(),
            "Keep your recovery codes somewhere safe: each lets you sign in once without the app.".into(),
            "If you did not do this, change your password at once and contact your organization's legal representative.".into(),
        ],
        Some(("Open your account".into(), crate::paths::ACCOUNT.to_owned())),
    )
}

/// Two-factor authentication was turned off.
pub fn two_factor_off(conn: &mut DbConn, mail: &MailContext, user: &User) -> anyhow::Result<()> {
    tell(
        conn,
        mail,
        recipient(user),
        "Two-factor authentication is off for your partnerdesk account".into(),
        vec![
            "Signing in to your account no longer asks for a code: the password alone opens it. Your recovery codes no longer work.".into(),
            "If you did not do this, change your password at once, turn two-factor authentication on again and contact your organization's legal representative.".into(),
        ],
        Some(("Open your account".into(), crate::paths::ACCOUNT.to_owned())),
    )
}

/// A recovery code was spent signing in; `left` remain.
pub fn recovery_code_used(
    conn: &mut DbConn,
    mail: &MailContext,
    user: &User,
    left: i64,
) -> anyhow::Result<()> {
    tell(
        conn,
        mail,
        recipient(user),
        "A recovery code was used on your partnerdesk account".into(),
        vec![
            Text::new("A recovery code was used instead of a code from your authenticator app. It no longer works; %{left} remain.")
                .arg("left", left),
            "If it was you, make new recovery codes from your account page when few remain. If not, change your password at once.".into(),
        ],
        Some(("Open your account".into(), crate::paths::TWO_FACTOR.to_owned())),
    )
}

/// New recovery codes were made; the old ones no longer work.
pub fn recovery_codes_replaced(
    conn: &mut DbConn,
    mail: &MailContext,
    user: &User,
) -> anyhow::Result<()> {
    tell(
        conn,
        mail,
        recipient(user),
        "New recovery codes for your partnerdesk account".into(),
        vec![
            "New recovery codes were made for your account: the earlier ones no longer work."
                .into(),
            "If you did not do this, change your password at once.".into(),
        ],
        Some((
            "Open your account".into(),
            crate::paths::TWO_FACTOR.to_owned(),
        )),
    )
}
