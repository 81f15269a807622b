//! `GET /invoices/{id}/pdf`: an invoice as a document to file and pay, for exactly those
//! who see the invoice (anyone else gets 404), in the reader's language.

use actix_web::http::header;
use actix_web::{HttpResponse, web};

use crate::db::models::invoices;
use crate::documents::InvoiceDocument;
use crate::i18n::In;
use crate::startup::AppState;
use crate::web::Member;
use crate::web::errors::AppError;

pub async fn download(
    member: Member,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    member.require_billing()?;
    let org_id = member.org_id().to_owned();
    let id = id.into_inner();
    let (invoice, lines, subject) = state
        .db
        .run(move |conn| invoices::find(conn, &org_id, &id).map_err(AppError::from))
        .await?
        .ok_or(AppError::NotFound)?;
    let filename = format!("invoice-{}.pdf", invoice.number);
    let tr = In(crate::i18n::current());
    let provider = state.provider.clone();
    // Laying out and subsetting the fonts is work for the blocking pool.
    let bytes = web::block(move || {
        InvoiceDocument {
            invoice: &invoice,
            lines: &lines,
            subject: &subject,
            provider: provider.as_ref(),
        }
        .pdf(tr)
    })
    .await?;
    Ok(HttpResponse::Ok()
        .content_type("application/pdf")
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{filename}\""),
        ))
        .body(bytes))
}
