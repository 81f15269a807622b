use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::schema::offers;
use crate::domain::Currency;

/// Something the catalog sells, with its yearly public price in each currency.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = offers)]
pub struct Offer {
    pub code: String,
    pub name: String,
    pub price_chf: i64,
    pub price_eur: i64,
    pub position: i32,
}

impl Offer {
    pub fn yearly_price(&self, currency: Currency) -> i64 {
        match currency {
            Currency::Chf => self.price_chf,
            Currency::Eur => self.price_eur,
        }
    }
}

pub fn all(conn: &mut DbConn) -> QueryResult<Vec<Offer>> {
    offers::table
        .order((offers::position, offers::code))
        .select(Offer::as_select())
        .load(conn)
}

pub fn find(conn: &mut DbConn, code: &str) -> QueryResult<Option<Offer>> {
    offers::table
        .find(code)
        .select(Offer::as_select())
        .first(conn)
        .optional()
}
