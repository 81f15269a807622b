//! The words of the product as types: roles, access, who pays, and the states a
//! partnership goes through. Each is stored as text; parsing a stored or submitted
//! value is the only way to get one, so an invalid value never reaches the rules.

use diesel::{AsExpression, FromSqlRow, sql_types::Text};
use serde::{Deserialize, Serialize};
use strum::{EnumString, IntoStaticStr, VariantArray};

/// What a person may do inside one organization (docs/design.md §1).
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
pub enum Role {
    LegalRep,
    Admin,
    Billing,
    Technical,
}

impl Role {
    pub fn label(self) -> &'static str {
        match self {
            Role::LegalRep => "Legal representative",
            Role::Admin => "Administrator",
            Role::Billing => "Billing",
            Role::Technical => "Technical",
        }
    }

    /// The role as it reads inside a sentence ("… as billing").
    pub fn in_sentence(self) -> &'static str {
        match self {
            Role::LegalRep => "legal representative",
            Role::Admin => "administrator",
            Role::Billing => "billing",
            Role::Technical => "technical",
        }
    }

    /// Legal representatives and administrators manage partners and the payment mode.
    pub fn manages_partners(self) -> bool {
        matches!(self, Role::LegalRep | Role::Admin)
    }

    /// Roles that see invoices, income and payment information.
    pub fn sees_billing(self) -> bool {
        matches!(self, Role::LegalRep | Role::Admin | Role::Billing)
    }

    /// Who is told when a partnership's payment mode changes on the partner's side.
    pub const PARTNER_NOTIFIED: &'static [Role] = &[Role::LegalRep, Role::Admin, Role::Billing];
    /// Who manages partners (and is told about them) in an organization.
    pub const MANAGERS: &'static [Role] = &[Role::LegalRep, Role::Admin];
}

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

impl PartnershipStatus {
    pub fn label(self) -> &'static str {
        match self {
            PartnershipStatus::Pending => "Invitation pending",
            PartnershipStatus::Active => "Active",
            PartnershipStatus::Ended => "Ended",
        }
    }
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
        let sign = if self.minor < 0 { "-" } else { "" };
        let abs = self.minor.unsigned_abs();
        format!("{sign}{}.{:02}", abs / 100, abs % 100)
    }
}

/// As the language of the request writes it: `CHF 1,234.50`, `CHF 1'234.50`.
impl std::fmt::Display for Money {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&crate::i18n::money(*self))
    }
}

/// An email address as people type it, trimmed and lower-cased, checked for a plausible shape.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmailAddress(String);

impl EmailAddress {
    pub fn parse(input: &str) -> Result<EmailAddress, &'static str> {
        let email = input.trim().to_lowercase();
        if email.is_empty() {
            return Err("Enter an email address.");
        }
        if email.len() > 254 {
            return Err("This email address is too long.");
        }
        let valid = email.parse::<lettre::Address>().is_ok();
        if !valid {
            return Err("Enter a valid email address, like name@example.com.");
        }
        Ok(EmailAddress(email))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Why a name was refused: it holds a character that is not seen but changes how the text
/// around it reads.
pub const HIDDEN_CHARACTERS: &str = "A name cannot contain control characters, line or paragraph separators, or invisible characters (such as marks that change the direction of text, zero-width spaces or joiners, or blank fillers).";

/// Whether `c` is invisible yet changes how text is shown: control characters (C0, DEL,
/// C1), line and paragraph separators, and the characters Unicode says to show as
/// nothing (default ignorable: the marks, embeddings, overrides and isolates of
/// bidirectional text, zero-width spaces and joiners, the soft hyphen, variation
/// selectors, the byte-order mark, blank Hangul fillers, tags). In a name they can make
/// "Eve" read as "Alice", or a name read as blank, on a page or in an email, or break a
/// line of a log or a header.
pub fn is_hidden_character(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{00AD}'
                | '\u{034F}'
                | '\u{061C}'
                | '\u{115F}'..='\u{1160}'
                | '\u{17B4}'..='\u{17B5}'
                | '\u{180B}'..='\u{180F}'
                | '\u{200B}'..='\u{200F}'
                | '\u{2028}'..='\u{202E}'
                | '\u{2060}'..='\u{206F}'
                | '\u{2800}'
                | '\u{3164}'
                | '\u{FE00}'..='\u{FE0F}'
                | '\u{FEFF}'
                | '\u{FFA0}'
                | '\u{FFF0}'..='\u{FFFB}'
                | '\u{13430}'..='\u{1343F}'
                | '\u{1BCA0}'..='\u{1BCA3}'
                | '\u{1D173}'..='\u{1D17A}'
                | '\u{E0000}'..='\u{E0FFF}'
        )
}

/// The zero-width joiner and non-joiner: part of the spelling of some scripts (Persian,
/// the Indic scripts) and of emoji, where they stand between two such characters.
fn is_joiner(c: char) -> bool {
    matches!(c, '\u{200C}' | '\u{200D}')
}

/// A character of a script or a kind of text that is spelled with joiners: Arabic
/// (Persian, Urdu), Syriac, the scripts of India and of Southeast Asia, emoji.
fn joins(c: char) -> bool {
    matches!(c,
        '\u{0600}'..='\u{08FF}'
            | '\u{0900}'..='\u{0DFF}'
            | '\u{0E00}'..='\u{109F}'
            | '\u{1780}'..='\u{17FF}'
            | '\u{A8E0}'..='\u{A8FF}'
            | '\u{FB50}'..='\u{FDFF}'
            | '\u{FE70}'..='\u{FEFE}'
            | '\u{2600}'..='\u{27BF}'
            | '\u{1F000}'..='\u{1FAFF}')
}

/// The rule for every human name the application accepts (people, organizations): no
/// hidden character, but a joiner between two characters of a script spelled with it
/// (in "Al‍ice" or "Zoé‍é" it would only disguise the name); and at least one letter or
/// digit, so that a name cannot be made of marks and blanks alone.
pub fn refuse_hidden_characters(name: &str) -> Result<(), &'static str> {
    let chars: Vec<char> = name.chars().collect();
    let spelled = |i: usize| {
        let joining = |c: Option<&char>| c.is_some_and(|c| joins(*c));
        i > 0 && joining(chars.get(i - 1)) && joining(chars.get(i + 1))
    };
    let hidden = chars
        .iter()
        .enumerate()
        .any(|(i, &c)| is_hidden_character(c) && !(is_joiner(c) && spelled(i)));
    if hidden || !chars.iter().any(|c| c.is_alphanumeric()) {
        return Err(HIDDEN_CHARACTERS);
    }
    Ok(())
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
    fn stored_names_round_trip() {
        for role in Role::VARIANTS {
            let name: &str = role.into();
            assert_eq!(name.parse::<Role>().unwrap(), *role);
        }
        assert_eq!("legal_rep".parse::<Role>().unwrap(), Role::LegalRep);
        assert_eq!(
            "customer".parse::<PaymentMode>().unwrap(),
            PaymentMode::CustomerPays
        );
        assert_eq!(PaymentMode::PartnerPays.as_str(), "partner");
        assert_eq!(
            "payment_mode_changed".parse::<EventKind>().unwrap(),
            EventKind::PaymentModeChanged
        );
        assert!("owner".parse::<Role>().is_err());
        assert!("Customer".parse::<PaymentMode>().is_err());
    }

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

    #[test]
    fn names_refuse_invisible_characters_that_steer_the_text() {
        for name in [
            "Zoé Dupont",
            "田中さん",
            "محمد",
            "O'Brien-Smith",
            "Ørsted A/S",
        ] {
            assert_eq!(refuse_hidden_characters(name), Ok(()), "{name}");
        }
        let hidden = [
            '\0',
            '\t',
            '\n',
            '\r',
            '\u{1b}',
            '\u{7f}',
            '\u{85}',
            '\u{9f}',
            '\u{061C}',
            '\u{200E}',
            '\u{200F}',
            '\u{2028}',
            '\u{2029}',
            '\u{202A}',
            '\u{202B}',
            '\u{202C}',
            '\u{202D}',
            '\u{202E}',
            '\u{2066}',
            '\u{2067}',
            '\u{2068}',
            '\u{2069}',
            '\u{200B}',
            '\u{200C}',
            '\u{200D}',
            '\u{2060}',
            '\u{00AD}',
            '\u{FEFF}',
            '\u{3164}',
            '\u{FE0F}',
            '\u{E0041}',
        ];
        for c in hidden {
            assert_eq!(
                refuse_hidden_characters(&format!("Eve{c}Alice")),
                Err(HIDDEN_CHARACTERS),
                "U+{:04X}",
                c as u32
            );
        }
        // Joiners spell some scripts and emoji: between two such characters they stay.
        for name in ["میرزا\u{200C}زاده", "क्\u{200D}ष", "👩\u{200D}💻 Ada"] {
            assert_eq!(refuse_hidden_characters(name), Ok(()), "{name}");
        }
        for name in [
            "\u{200D}Alice",
            "Alice\u{200C}",
            "\u{3164}",
            "\u{3164}\u{200D}\u{3164}",
            "Zoé\u{200D}é Dupont",
            "Zoé\u{200C}\u{a0}Dupont",
            "\u{2800}",
            "Al\u{2800}ice",
            "Al\u{fff9}ice",
            "Al\u{13430}ice",
            "\u{301}",
            "-",
        ] {
            assert_eq!(
                refuse_hidden_characters(name),
                Err(HIDDEN_CHARACTERS),
                "{name:?}"
            );
        }
        // The narrow no-break space writes French punctuation; a hyphenation point is
        // seen. They stay allowed.
        for c in ['\u{2027}', '\u{202F}'] {
            assert!(!is_hidden_character(c), "U+{:04X}", c as u32);
        }
    }

    #[test]
    fn email_addresses_are_normalised_and_checked() {
        assert_eq!(
            EmailAddress::parse("  Alice@Acme.TEST ").unwrap().as_str(),
            "alice@acme.test"
        );
        assert!(EmailAddress::parse("").is_err());
        assert!(EmailAddress::parse("not-an-address").is_err());
        assert!(EmailAddress::parse(&format!("{}@x.test", "a".repeat(260))).is_err());
    }

    #[test]
    fn money_is_shown_with_its_currency_and_two_decimals() {
        assert_eq!(
            Money::new(123_450, Currency::Chf).to_string(),
            "CHF 1,234.50"
        );
        assert_eq!(Money::new(5, Currency::Eur).to_string(), "EUR 0.05");
        assert_eq!(Money::new(-1_200, Currency::Chf).to_string(), "CHF -12.00");
        assert_eq!(
            Money::new(100_000_000, Currency::Chf).to_string(),
            "CHF 1,000,000.00"
        );
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
