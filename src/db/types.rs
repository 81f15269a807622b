//! How the domain's enums are stored: as their snake_case names in a text column.
//! The impls are generic over the backend, so they serve SQLite, PostgreSQL and the
//! multi-backend connection alike.

use diesel::backend::Backend;
use diesel::deserialize::{self, FromSql};
use diesel::serialize::{self, Output, ToSql};
use diesel::sql_types::Text;

use crate::domain::{
    AccessKind, Currency, EventKind, IncomeKind, OrderKind, PartnershipStatus, PaymentMode, Placer,
    Role, Side,
};
use crate::i18n::Locale;

macro_rules! stored_as_text {
    ($($ty:ty),+ $(,)?) => {$(
        impl<DB: Backend> FromSql<Text, DB> for $ty
        where
            String: FromSql<Text, DB>,
        {
            fn from_sql(bytes: DB::RawValue<'_>) -> deserialize::Result<Self> {
                let stored = String::from_sql(bytes)?;
                stored
                    .parse()
                    .map_err(|_| format!("unknown {} {stored:?} in the database", stringify!($ty)).into())
            }
        }

        impl<DB: Backend> ToSql<Text, DB> for $ty
        where
            str: ToSql<Text, DB>,
        {
            fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, DB>) -> serialize::Result {
                let name: &'static str = self.into();
                name.to_sql(out)
            }
        }
    )+};
}

stored_as_text!(
    Role,
    PaymentMode,
    AccessKind,
    PartnershipStatus,
    EventKind,
    Placer,
    OrderKind,
    IncomeKind,
    Currency,
    Side,
    Locale
);
