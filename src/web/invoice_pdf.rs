//! `GET /invoices/{id}/pdf`: an invoice as a document to file and pay, for exactly those
//! who see the invoice (anyone else gets 404), in the reader's language; and the credit
//! note that cancelled it.

use actix_web::http::header;
use actix_web::{HttpResponse, web};

use crate::documents::InvoiceDocument;
use crate::i18n::In;
use crate::startup::AppState;
use crate::web::Member;
use crate::web::errors::AppError;

pub async fn invoice(
    member: Member,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    document(member, state, id.into_inner(), false).await
}

/// `GET /invoices/{id}/credit-note`: the credit note that cancelled the invoice, for
/// the same people; 404 while none did.
pub async fn credit_note(
    member: Member,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    document(member, state, id.into_inner(), true).await
}

async fn document(
    member: Member,
    state: web::Data<AppState>,
    id: String,
    crediting: bool,
) -> Result<HttpResponse, AppError> {
    let (invoice, lines, subject, note) = super::invoices::issued(&member, &state, id).await?;
    let filename = match (&note, crediting) {
        (Some(note), true) => format!("credit-note-{}.pdf", note.number),
        (None, true) => return Err(AppError::NotFound),
        (_, false) => format!("invoice-{}.pdf", invoice.number),
    };
    let tr = In(crate::i18n::current());
    let provider = state.provider.clone();
    // Laying out and subsetting the fonts is work for the blocking pool.
    let bytes = web::block(move || {
        InvoiceDocument {
            invoice: &invoice,
            lines: &lines,
            subject: &subject,
            provider: provider.as_ref(),
            credit_note: note.as_ref(),
            crediting,
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
