//! People: their roles in an organization, their email addresses, their names.

use diesel::{AsExpression, FromSqlRow, sql_types::Text};

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
        // Only plain addresses: no quoted local part, address literal or comment, and no
        // character that hides or reorders text (an address shows as a person's name does).
        let plain = !email
            .chars()
            .any(|c| c.is_whitespace() || is_hidden_character(c) || "\"()<>[]\\,;:".contains(c));
        let valid = plain && email.parse::<lettre::Address>().is_ok();
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

#[cfg(test)]
mod tests {
    use super::*;

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
        assert_eq!(
            EmailAddress::parse("zoé.o'neil+billing@exämple.ch")
                .unwrap()
                .as_str(),
            "zoé.o'neil+billing@exämple.ch"
        );
    }

    #[test]
    fn an_address_that_hides_characters_or_is_not_plain_is_refused() {
        for address in [
            "alice\u{200b}@acme.test",
            "a\u{202e}@y.test",
            "a\u{2028}@y.test",
            "a\u{0}@y.test",
            "\"a b\"@y.test",
            "a@[127.0.0.1]",
            "a(comment)@y.test",
            "a@y.test\r\nBcc: x@y.test",
        ] {
            assert!(EmailAddress::parse(address).is_err(), "{address:?}");
        }
    }
}
