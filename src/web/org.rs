//! Switching the organization one works in.

use actix_web::{HttpResponse, http::header};
use serde::Deserialize;

use crate::i18n::Text;
use crate::web::csrf::CsrfForm;
use crate::web::errors::AppError;
use crate::web::{FlashKind, Member};

#[derive(Deserialize)]
pub struct SwitchForm {
    org_id: Option<String>,
}

pub async fn switch(member: Member, form: CsrfForm<SwitchForm>) -> Result<HttpResponse, AppError> {
    let wanted = form.0.org_id.unwrap_or_default();
    // The memberships were loaded for this user from the database: only those may be chosen.
    let target = member
        .memberships
        .iter()
        .find(|m| m.org_id == wanted)
        .ok_or(AppError::NotFound)?;
    member.session.set_org(&target.org_id)?;
    member.session.flash(
        FlashKind::Info,
        Text::new("You are now working in %{org}.").arg("org", &target.org_name),
    )?;
    Ok(HttpResponse::SeeOther()
        .insert_header((header::LOCATION, "/"))
        .finish())
}
