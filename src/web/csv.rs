//! CSV exports: one writer, one answer. Cells of text a person typed are kept from
//! becoming spreadsheet formulas; moments are written in UTC, ISO 8601.

use actix_web::HttpResponse;
use actix_web::http::header;
use chrono::NaiveDateTime;

use crate::web::errors::AppError;

/// A CSV file being written, record by record.
pub struct Csv(csv::Writer<Vec<u8>>);

impl Csv {
    /// A file whose first line names its columns.
    pub fn with_columns(columns: &[&str]) -> Result<Csv, AppError> {
        let mut csv = Csv(csv::Writer::from_writer(Vec::new()));
        csv.record(columns)?;
        Ok(csv)
    }

    pub fn record<I, T>(&mut self, cells: I) -> Result<(), AppError>
    where
        I: IntoIterator<Item = T>,
        T: AsRef<[u8]>,
    {
        self.0
            .write_record(cells)
            .map_err(|e| AppError::Internal(e.into()))
    }

    pub fn into_bytes(self) -> Result<Vec<u8>, AppError> {
        self.0
            .into_inner()
            .map_err(|e| AppError::Internal(anyhow::anyhow!("csv: {e}")))
    }
}

/// The file `bytes` as a download named `filename`.
pub fn download(filename: &'static str, bytes: Vec<u8>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{filename}\""),
        ))
        .body(bytes)
}

/// A moment as the exports write it.
pub fn moment(at: NaiveDateTime) -> String {
    at.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// A text cell: a leading `=`, `+`, `-`, `@` (or tab, carriage return) would make a
/// spreadsheet run it as a formula, so such text gets a leading quote.
pub fn text(text: &str) -> String {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::text;

    #[test]
    fn a_text_cell_cannot_become_a_formula() {
        assert_eq!(text("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(text("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(text("Acme SA"), "Acme SA");
    }
}
