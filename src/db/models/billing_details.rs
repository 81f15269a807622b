//! An organization's billing details: who its invoices are addressed to.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::upsert::excluded;

use crate::db::DbConn;
use crate::db::schema::billing_details;
use crate::domain::address::BillingDetails;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = billing_details)]
struct Row {
    legal_name: String,
    street: String,
    house_number: String,
    postcode: String,
    town: String,
    country: String,
    vat_number: Option<String>,
    billing_email: String,
}

/// The organization's details, if it gave them.
pub fn of_org(conn: &mut DbConn, org_id: &str) -> QueryResult<Option<BillingDetails>> {
    let row: Option<Row> = billing_details::table
        .find(org_id)
        .select(Row::as_select())
        .first(conn)
        .optional()?;
    Ok(row.map(|r| BillingDetails {
        legal_name: r.legal_name,
        street: r.street,
        house_number: r.house_number,
        postcode: r.postcode,
        town: r.town,
        country: r.country,
        vat_number: r.vat_number,
        billing_email: r.billing_email,
    }))
}

/// Saves the organization's details (its first, or in place of the earlier ones).
pub fn save(
    conn: &mut DbConn,
    org_id: &str,
    d: &BillingDetails,
    at: NaiveDateTime,
) -> QueryResult<()> {
    let values = (
        billing_details::org_id.eq(org_id),
        billing_details::legal_name.eq(&d.legal_name),
        billing_details::street.eq(&d.street),
        billing_details::house_number.eq(&d.house_number),
        billing_details::postcode.eq(&d.postcode),
        billing_details::town.eq(&d.town),
        billing_details::country.eq(&d.country),
        billing_details::vat_number.eq(&d.vat_number),
        billing_details::billing_email.eq(&d.billing_email),
        billing_details::updated_at.eq(at),
    );
    // Given again, the new values replace the old ones.
    natively!(conn, c => diesel::insert_into(billing_details::table)
        .values(values)
        .on_conflict(billing_details::org_id)
        .do_update()
        .set((
            billing_details::legal_name.eq(excluded(billing_details::legal_name)),
            billing_details::street.eq(excluded(billing_details::street)),
            billing_details::house_number.eq(excluded(billing_details::house_number)),
            billing_details::postcode.eq(excluded(billing_details::postcode)),
            billing_details::town.eq(excluded(billing_details::town)),
            billing_details::country.eq(excluded(billing_details::country)),
            billing_details::vat_number.eq(excluded(billing_details::vat_number)),
            billing_details::billing_email.eq(excluded(billing_details::billing_email)),
            billing_details::updated_at.eq(excluded(billing_details::updated_at)),
        ))
        .execute(c)
        .map(drop))
}
