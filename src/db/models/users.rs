use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::{memberships, organizations, partner_profiles, users};
use crate::db::{DbConn, new_id, now};
use crate::domain::{Currency, EmailAddress, Role};
use crate::i18n::Locale;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = users)]
pub struct User {
    pub id: String,
    pub email: String,
    pub name: String,
    pub password_changed_at: NaiveDateTime,
    pub locale: Option<Locale>,
    /// Since when the account signs in with a second factor (`None`: it does not).
    pub two_factor_since: Option<NaiveDateTime>,
}

/// One organization a user belongs to, as the header's switcher and the access checks need it.
#[derive(Debug, Clone, Queryable)]
pub struct MembershipView {
    pub org_id: String,
    pub org_name: String,
    pub currency: Currency,
    pub role: Role,
    /// The organization's partner rate in basis points, when it is a registered partner.
    pub partner_rate_bp: Option<i32>,
    /// Whether the organization's members must sign in with a second factor.
    pub requires_two_factor: bool,
}

pub fn find(conn: &mut DbConn, user_id: &str) -> QueryResult<Option<User>> {
    natively!(conn, c => users::table
        .find(user_id)
        .select(User::as_select())
        .first(c)
        .optional())
}

/// The id and password hash for a login attempt.
pub fn credentials(
    conn: &mut DbConn,
    email: &EmailAddress,
) -> QueryResult<Option<(String, String)>> {
    users::table
        .filter(users::email.eq(email.as_str()))
        .select((users::id, users::password_hash))
        .first(conn)
        .optional()
}

/// A user's password hash, by id.
pub fn password_hash(conn: &mut DbConn, user_id: &str) -> QueryResult<Option<String>> {
    users::table
        .find(user_id)
        .select(users::password_hash)
        .first(conn)
        .optional()
}

pub fn find_by_email(conn: &mut DbConn, email: &EmailAddress) -> QueryResult<Option<User>> {
    users::table
        .filter(users::email.eq(email.as_str()))
        .select(User::as_select())
        .first(conn)
        .optional()
}

pub fn create(
    conn: &mut DbConn,
    email: &EmailAddress,
    name: &str,
    password_hash: &str,
) -> QueryResult<User> {
    let at = now();
    let user = User {
        id: new_id(),
        email: email.as_str().to_owned(),
        name: name.to_owned(),
        password_changed_at: at,
        locale: None,
        two_factor_since: None,
    };
    diesel::insert_into(users::table)
        .values((
            users::id.eq(&user.id),
            users::email.eq(&user.email),
            users::name.eq(&user.name),
            users::password_hash.eq(password_hash),
            users::created_at.eq(at),
            users::password_changed_at.eq(at),
        ))
        .execute(conn)?;
    Ok(user)
}

/// Replaces the password hash. Sessions older than the change stop being accepted.
pub fn set_password(conn: &mut DbConn, user_id: &str, password_hash: &str) -> QueryResult<usize> {
    diesel::update(users::table.find(user_id))
        .set((
            users::password_hash.eq(password_hash),
            users::password_changed_at.eq(now()),
        ))
        .execute(conn)
}

/// Moves the account to another address (unique: a taken one is a unique violation).
pub fn set_email(conn: &mut DbConn, user_id: &str, email: &EmailAddress) -> QueryResult<()> {
    diesel::update(users::table.find(user_id))
        .set(users::email.eq(email.as_str()))
        .execute(conn)
        .map(drop)
}

pub fn set_name(conn: &mut DbConn, user_id: &str, name: &str) -> QueryResult<()> {
    diesel::update(users::table.find(user_id))
        .set(users::name.eq(name))
        .execute(conn)
        .map(drop)
}

/// Every organization the user belongs to, by name.
pub fn memberships(conn: &mut DbConn, user_id: &str) -> QueryResult<Vec<MembershipView>> {
    natively!(conn, c => memberships::table
        .inner_join(organizations::table)
        .left_join(partner_profiles::table.on(partner_profiles::org_id.eq(memberships::org_id)))
        .filter(memberships::user_id.eq(user_id))
        .order((organizations::name, organizations::id))
        .select((
            organizations::id,
            organizations::name,
            organizations::currency,
            memberships::role,
            partner_profiles::rate_bp.nullable(),
            organizations::requires_two_factor,
        ))
        .load(c))
}

/// Remembers the language a person reads partnerdesk in (their emails follow it).
pub fn set_locale(conn: &mut DbConn, user_id: &str, locale: Locale) -> QueryResult<()> {
    diesel::update(users::table.find(user_id))
        .set(users::locale.eq(Some(locale)))
        .execute(conn)
        .map(drop)
}
