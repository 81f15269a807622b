//! A partnership's words: who pays, the access granted, its states and events, its sides.

use diesel::{AsExpression, FromSqlRow, sql_types::Text};
use serde::{Deserialize, Serialize};
use strum::{EnumString, IntoStaticStr, VariantArray};

/// Who settles the orders and renewals a partner places for its client.
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
    Serialize,
    Deserialize,
)]
#[diesel(sql_type = Text)]
pub enum PaymentMode {
    #[strum(serialize = "customer")]
    #[serde(rename = "customer")]
    CustomerPays,
    #[strum(serialize = "partner")]
    #[serde(rename = "partner")]
    PartnerPays,
}

impl PaymentMode {
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    pub fn label(self) -> &'static str {
        match self {
            PaymentMode::CustomerPays => "Customer pays",
            PaymentMode::PartnerPays => "Partner pays",
        }
    }

    pub fn other(self) -> PaymentMode {
        match self {
            PaymentMode::CustomerPays => PaymentMode::PartnerPays,
            PaymentMode::PartnerPays => PaymentMode::CustomerPays,
        }
    }
}

/// The rights a customer grants its partner.
///
/// A payment mode exists exactly when access is full, so it lives inside `Full`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    Full(PaymentMode),
    Limited,
}

impl Access {
    /// Builds access from its two stored columns, refusing a combination the rules forbid.
    pub fn from_columns(access: AccessKind, payment_mode: Option<PaymentMode>) -> Option<Access> {
        match (access, payment_mode) {
            (AccessKind::Full, Some(mode)) => Some(Access::Full(mode)),
            (AccessKind::Limited, None) => Some(Access::Limited),
            _ => None,
        }
    }

    pub fn kind(self) -> AccessKind {
        match self {
            Access::Full(_) => AccessKind::Full,
            Access::Limited => AccessKind::Limited,
        }
    }

    pub fn payment_mode(self) -> Option<PaymentMode> {
        match self {
            Access::Full(mode) => Some(mode),
            Access::Limited => None,
        }
    }

    /// How the timeline stores an access level: `full:customer`, `full:partner`, `limited`.
    pub fn to_stored(self) -> String {
        match self {
            Access::Full(mode) => format!("full:{}", mode.as_str()),
            Access::Limited => "limited".to_owned(),
        }
    }

    pub fn from_stored(stored: &str) -> Option<Access> {
        match stored.split_once(':') {
            Some(("full", mode)) => mode.parse().ok().map(Access::Full),
            None if stored == "limited" => Some(Access::Limited),
            _ => None,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Access::Full(PaymentMode::CustomerPays) => "Full access, customer pays",
            Access::Full(PaymentMode::PartnerPays) => "Full access, partner pays",
            Access::Limited => "Limited access",
        }
    }
}

/// The stored name of an access level, without its payment mode.
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
pub enum AccessKind {
    Full,
    Limited,
}

impl AccessKind {
    pub fn label(self) -> &'static str {
        match self {
            AccessKind::Full => "Full access",
            AccessKind::Limited => "Limited access",
        }
    }

    /// The access as it reads inside a sentence ("… asks for full access").
    pub fn in_sentence(self) -> &'static str {
        match self {
            AccessKind::Full => "full access",
            AccessKind::Limited => "limited access",
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
pub enum PartnershipStatus {
    Pending,
    Active,
    Ended,
}

/// What happened in a partnership's timeline.
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
pub enum EventKind {
    Invited,
    Accepted,
    Refused,
    Withdrawn,
    Resent,
    Expired,
    AccessChanged,
    PaymentModeChanged,
    Ended,
    /// A product another partner managed now managed under this partnership.
    ProductTakenOver,
    /// A product this partnership managed now managed by another partner.
    ProductMovedAway,
}

impl EventKind {
    pub fn label(self) -> &'static str {
        match self {
            EventKind::Invited => "Invitation sent",
            EventKind::Accepted => "Invitation accepted",
            EventKind::Refused => "Invitation refused",
            EventKind::Withdrawn => "Invitation withdrawn",
            EventKind::Resent => "Invitation sent again",
            EventKind::Expired => "Invitation expired",
            EventKind::AccessChanged => "Access changed",
            EventKind::PaymentModeChanged => "Payment mode changed",
            EventKind::Ended => "Collaboration ended",
            EventKind::ProductTakenOver => "Product taken over from another partner",
            EventKind::ProductMovedAway => "Product moved to another partner",
        }
    }
}

/// Which end of a partnership an organization stands at.
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
pub enum Side {
    /// The organization whose products are managed (`/partners`).
    Customer,
    /// The agency or reseller (`/clients`).
    Partner,
}

impl Side {
    pub fn other(self) -> Side {
        match self {
            Side::Customer => Side::Partner,
            Side::Partner => Side::Customer,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn access_requires_a_payment_mode_exactly_when_full() {
        assert_eq!(
            Access::from_columns(AccessKind::Full, Some(PaymentMode::PartnerPays)),
            Some(Access::Full(PaymentMode::PartnerPays))
        );
        assert_eq!(
            Access::from_columns(AccessKind::Limited, None),
            Some(Access::Limited)
        );
        assert_eq!(Access::from_columns(AccessKind::Full, None), None);
        assert_eq!(
            Access::from_columns(AccessKind::Limited, Some(PaymentMode::CustomerPays)),
            None
        );
    }

    #[test]
    fn access_levels_round_trip_through_the_timeline() {
        for access in [
            Access::Limited,
            Access::Full(PaymentMode::CustomerPays),
            Access::Full(PaymentMode::PartnerPays),
        ] {
            assert_eq!(Access::from_stored(&access.to_stored()), Some(access));
        }
        assert_eq!(Access::from_stored("full:nobody"), None);
        assert_eq!(Access::from_stored("full"), None);
        assert_eq!(
            Access::Full(PaymentMode::PartnerPays).label(),
            "Full access, partner pays"
        );
    }
}
