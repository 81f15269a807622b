//! The words of billing: who placed an order, what kind it is, what a partner earns, in
//! which currency, at which rate. (Amounts are written for people by `i18n`.)

use diesel::{AsExpression, FromSqlRow, sql_types::Text};

use strum::{EnumString, IntoStaticStr, VariantArray};

/// Who asked for an order or a renewal.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    EnumString,
    IntoStaticStr,
    VariantArray,
    AsExpression,
    FromSqlRow,
)]
#[strum(serialize_all = "snake_case")]
#[diesel(sql_type = Text)]
pub enum Placer {
    /// The customer, for itself.
    Customer,
    /// The partner, acting for its client.
    Partner,
    /// The automatic renewal.
    Scheduler,
}

impl Placer {
    pub fn label(self) -> &'static str {
        match self {
            Placer::Customer => "the customer",
            Placer::Partner => "the partner",
            Placer::Scheduler => "automatic renewal",
        }
    }
}

#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    EnumString,
    IntoStaticStr,
    VariantArray,
    AsExpression,
    FromSqlRow,
)]
#[strum(serialize_all = "snake_case")]
#[diesel(sql_type = Text)]
pub enum OrderKind {
    New,
    Renewal,
}

impl OrderKind {
    pub fn label(self) -> &'static str {
        match self {
            OrderKind::New => "New order",
            OrderKind::Renewal => "Renewal",
        }
    }

    /// As it reads inside a sentence ("Web Hosting — new order").
    pub fn in_sentence(self) -> &'static str {
        match self {
            OrderKind::New => "new order",
            OrderKind::Renewal => "renewal",
        }
    }
}

/// What a partner earns on an order its client paid.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    EnumString,
    IntoStaticStr,
    VariantArray,
    AsExpression,
    FromSqlRow,
)]
#[strum(serialize_all = "snake_case")]
#[diesel(sql_type = Text)]
pub enum IncomeKind {
    /// The partner placed (or the scheduler renewed) an order its client paid.
    Cashback,
    /// The client placed and paid an order for a product the partner manages.
    Refund,
}

impl IncomeKind {
    pub fn label(self) -> &'static str {
        match self {
            IncomeKind::Cashback => "Cashback",
            IncomeKind::Refund => "Refund",
        }
    }
}

/// An organization's currency.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    EnumString,
    IntoStaticStr,
    VariantArray,
    AsExpression,
    FromSqlRow,
)]
#[diesel(sql_type = Text)]
pub enum Currency {
    #[strum(serialize = "CHF")]
    Chf,
    #[strum(serialize = "EUR")]
    Eur,
}

impl Currency {
    pub fn code(self) -> &'static str {
        self.into()
    }
}

/// An amount in minor units (centimes, cents) of a currency.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Money {
    pub minor: i64,
    pub currency: Currency,
}

impl Money {
    pub fn new(minor: i64, currency: Currency) -> Money {
        Money { minor, currency }
    }

    /// The amount without currency, as in a CSV file: `-1234.50`.
    pub fn decimal(self) -> String {
        decimal(self.minor)
    }
}

/// `minor` units of a two-decimal currency written without it, as CSV files and bank
/// messages write amounts: `-1234.50`.
pub fn decimal(minor: i64) -> String {
    let sign = if minor < 0 { "-" } else { "" };
    let abs = minor.unsigned_abs();
    format!("{sign}{}.{:02}", abs / 100, abs % 100)
}

/// A partner's rate in basis points: 2000 = 20 %. The same rate is the discount, the
/// cashback and the refund (docs/design.md §1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rate(i32);

impl Rate {
    pub const DEFAULT: Rate = Rate(2000);
    pub const MAX_BP: i32 = 3500;

    pub fn from_bp(bp: i32) -> Result<Rate, String> {
        if (0..=Self::MAX_BP).contains(&bp) {
            Ok(Rate(bp))
        } else {
            Err(format!(
                "A partner rate is between 0 and {} basis points (35 %).",
                Self::MAX_BP
            ))
        }
    }

    pub fn bp(self) -> i32 {
        self.0
    }
}

impl std::fmt::Display for Rate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (whole, frac) = (self.0 / 100, self.0 % 100);
        match frac {
            0 => write!(f, "{whole} %"),
            tenths if tenths % 10 == 0 => write!(f, "{whole}.{} %", tenths / 10),
            _ => write!(f, "{whole}.{frac:02} %"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_is_kept_in_minor_units_and_written_as_decimals() {
        assert_eq!(Money::new(-1_234_505, Currency::Chf).decimal(), "-12345.05");
        assert_eq!("CHF".parse::<Currency>().unwrap(), Currency::Chf);
        assert!("chf".parse::<Currency>().is_err());
    }

    #[test]
    fn rates_are_bounded_and_shown_as_percentages() {
        assert_eq!(Rate::from_bp(2000).unwrap().to_string(), "20 %");
        assert_eq!(Rate::from_bp(1250).unwrap().to_string(), "12.5 %");
        assert_eq!(Rate::from_bp(810).unwrap().to_string(), "8.1 %");
        assert_eq!(Rate::from_bp(775).unwrap().to_string(), "7.75 %");
        assert!(Rate::from_bp(3501).is_err());
        assert!(Rate::from_bp(-1).is_err());
    }
}
