//! Who an invoice is addressed to: an organization's billing details (legal name, postal
//! address, VAT number, billing email), checked as the Swiss QR-bill and the tax
//! authorities need them. Parsing is the only way to get one.

use unicode_normalization::UnicodeNormalization;

use super::postal::Postal;
use super::{EmailAddress, refuse_hidden_characters};

/// An organization's billing details, valid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BillingDetails {
    pub legal_name: String,
    pub street: String,
    pub house_number: String,
    pub postcode: String,
    pub town: String,
    /// ISO 3166-1 alpha-2, upper case.
    pub country: String,
    /// As the authorities write it (`CHE-123.456.789 MWST`), if the organization has one.
    pub vat_number: Option<String>,
    pub billing_email: String,
}

/// The fields of the form, as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize)]
pub struct Typed {
    #[serde(default)]
    pub legal_name: String,
    #[serde(default)]
    pub street: String,
    #[serde(default)]
    pub house_number: String,
    #[serde(default)]
    pub postcode: String,
    #[serde(default)]
    pub town: String,
    #[serde(default)]
    pub country: String,
    #[serde(default)]
    pub vat_number: String,
    #[serde(default)]
    pub billing_email: String,
}

/// Invoices and Swiss payment slips print Latin letters only.
const NOT_LATIN: &str = "Write this in Latin letters: invoices and payment slips print no others.";
const TOO_LONG: &str = "This is longer than an invoice's address allows: 70 characters for a name or a street, 35 for a town, 16 for a number or a postcode.";

/// A field and what is wrong with it.
pub type Problem = (&'static str, &'static str);

/// The longest each may be: the Swiss QR-bill's limits for names and addresses.
const NAME: usize = 70;
const STREET: usize = 70;
const HOUSE_NUMBER: usize = 16;
const POSTCODE: usize = 16;
const TOWN: usize = 35;

impl BillingDetails {
    /// Details that pass every check, for an organization named `name` (tests and
    /// generated data).
    pub fn sample(name: &str) -> BillingDetails {
        BillingDetails {
            legal_name: name.chars().take(NAME).collect(),
            street: String::from("Rue du Lac"),
            house_number: "1".into(),
            postcode: "1204".into(),
            town: "Genève".into(),
            country: "CH".into(),
            vat_number: None,
            billing_email: "billing@example.test".into(),
        }
    }

    /// The details `typed`, or every problem with them (field, message).
    pub fn parse(typed: &Typed) -> Result<BillingDetails, Vec<Problem>> {
        let mut problems = Vec::new();
        let mut text = |field: &'static str, value: &str, max: usize, required: bool| {
            // One way to write each letter (`ü`, not `u` and a combining diaeresis).
            let value: String = value.trim().nfc().collect();
            if value.is_empty() {
                if required {
                    problems.push((field, "Fill this in."));
                }
            } else if value.chars().count() > max {
                problems.push((field, TOO_LONG));
            } else if refuse_hidden_characters(&value).is_err() {
                problems.push((field, "This holds characters that cannot be printed."));
            } else if !value.chars().all(crate::payments::slip::is_latin) {
                problems.push((field, NOT_LATIN));
            }
            value.split_whitespace().collect::<Vec<_>>().join(" ")
        };
        let legal_name = text("legal_name", &typed.legal_name, NAME, true);
        let street = text("street", &typed.street, STREET, true);
        let house_number = text("house_number", &typed.house_number, HOUSE_NUMBER, false);
        let postcode = text("postcode", &typed.postcode, POSTCODE, true);
        let town = text("town", &typed.town, TOWN, true);
        let country = typed.country.trim().to_ascii_uppercase();
        if country.len() != 2 || celes::Country::from_alpha2(&country).is_err() {
            problems.push((
                "country",
                "Write the country as its two-letter code, like CH for Switzerland or FR for France.",
            ));
        } else if matches!(country.as_str(), "CH" | "LI")
            && !postcode.is_empty()
            && !(postcode.len() == 4 && postcode.bytes().all(|b| b.is_ascii_digit()))
        {
            problems.push((
                "postcode",
                "A Swiss or Liechtenstein postcode has four digits, like 1204.",
            ));
        }
        let vat_number = match typed.vat_number.trim() {
            "" => None,
            vat if country == "CH" || vat.to_ascii_uppercase().starts_with("CHE") => {
                match swiss_uid(vat) {
                    Some(uid) => Some(uid),
                    None => {
                        problems.push(("vat_number", "A Swiss UID reads CHE-123.456.788 (with MWST, TVA or IVA if registered for VAT); check its digits."));
                        None
                    }
                }
            }
            vat => match foreign_vat(vat, &country) {
                Some(vat) => Some(vat),
                None => {
                    problems.push((
                        "vat_number",
                        "A VAT number starts with its country's code, like FR12345678901.",
                    ));
                    None
                }
            },
        };
        let billing_email = match EmailAddress::parse(&typed.billing_email) {
            Ok(email) => email.as_str().to_owned(),
            Err(_) => {
                problems.push((
                    "billing_email",
                    "Enter the address invoices go to, like billing@example.com.",
                ));
                String::new()
            }
        };
        if !problems.is_empty() {
            return Err(problems);
        }
        Ok(BillingDetails {
            legal_name,
            street,
            house_number,
            postcode,
            town,
            country,
            vat_number,
            billing_email,
        })
    }

    /// The postal address, to print or to carry on a payment slip.
    pub fn postal(&self) -> Postal {
        Postal {
            name: self.legal_name.clone(),
            street: self.street.clone(),
            house_number: self.house_number.clone(),
            postcode: self.postcode.clone(),
            town: self.town.clone(),
            country: self.country.clone(),
        }
    }

    /// The postal address as printed, one line each.
    pub fn lines(&self) -> Vec<String> {
        self.postal().lines()
    }
}

/// A Swiss enterprise identification number, checked (the eCH-0097 check digit: weights
/// 5, 4, 3, 2, 7, 6, 5, 4 on the first eight digits, modulo 11), written as the
/// authorities write it: `CHE-123.456.788`, and ` MWST`/` TVA`/` IVA` if given.
pub fn swiss_uid(typed: &str) -> Option<String> {
    let upper = typed.trim().to_uppercase();
    let (number, suffix) = ["MWST", "TVA", "IVA", "VAT"]
        .iter()
        .find_map(|s| upper.strip_suffix(s).map(|n| (n, Some(*s))))
        .unwrap_or((upper.as_str(), None));
    let rest = number.trim().strip_prefix("CHE")?;
    if !rest
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, '-' | '.' | ' '))
    {
        return None;
    }
    let digits: Vec<u32> = rest.chars().filter_map(|c| c.to_digit(10)).collect();
    if digits.len() != 9 {
        return None;
    }
    let sum: u32 = digits[..8]
        .iter()
        .zip([5, 4, 3, 2, 7, 6, 5, 4])
        .map(|(d, w)| d * w)
        .sum();
    let check = match 11 - sum % 11 {
        11 => 0,
        10 => return None,
        c => c,
    };
    if check != digits[8] {
        return None;
    }
    let d: String = digits
        .iter()
        .map(|d| char::from_digit(*d, 10).unwrap_or('0'))
        .collect();
    let uid = format!("CHE-{}.{}.{}", &d[..3], &d[3..6], &d[6..]);
    Some(match suffix {
        Some(s) => format!("{uid} {s}"),
        None => uid,
    })
}

/// A VAT number of another country: its two-letter prefix, then 2 to 13 letters or
/// digits.
fn foreign_vat(typed: &str, country: &str) -> Option<String> {
    let compact: String = typed
        .chars()
        .filter(|c| !matches!(c, ' ' | '.' | '-'))
        .map(|c| c.to_ascii_uppercase())
        .collect();
    // Greece writes EL for GR.
    let prefix = if country == "GR" { "EL" } else { country };
    let rest = compact.strip_prefix(prefix)?;
    ((2..=13).contains(&rest.len()) && rest.bytes().all(|b| b.is_ascii_alphanumeric()))
        .then_some(compact)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn typed() -> Typed {
        Typed {
            legal_name: " Acme  SA ".into(),
            street: "Rue du Lac".into(),
            house_number: "12".into(),
            postcode: "1204".into(),
            town: "Genève".into(),
            country: "ch".into(),
            vat_number: "che-116.281.710 tva".into(),
            billing_email: "billing@acme.test".into(),
        }
    }

    #[test]
    fn swiss_uids_carry_their_check_digit() {
        // Numbers whose check digit works out (sums 132 and 109).
        assert_eq!(
            swiss_uid("CHE-116.281.710").as_deref(),
            Some("CHE-116.281.710")
        );
        assert_eq!(
            swiss_uid("che116281710 mwst").as_deref(),
            Some("CHE-116.281.710 MWST")
        );
        assert_eq!(
            swiss_uid("CHE-109.322.551 TVA").as_deref(),
            Some("CHE-109.322.551 TVA")
        );
        for wrong in [
            "CHE-116.281.711",
            "CHE-116.281.71",
            "116.281.710",
            "CHE-11a.281.710",
            "",
        ] {
            assert_eq!(swiss_uid(wrong), None, "{wrong}");
        }
    }

    #[test]
    fn details_are_trimmed_checked_and_printed_as_an_address() {
        let details = BillingDetails::parse(&typed()).unwrap();
        assert_eq!(details.legal_name, "Acme SA");
        assert_eq!(details.country, "CH");
        assert_eq!(details.vat_number.as_deref(), Some("CHE-116.281.710 TVA"));
        assert_eq!(
            details.lines(),
            ["Acme SA", "Rue du Lac 12", "CH-1204 Genève"]
        );
        let french = Typed {
            country: "FR".into(),
            vat_number: "FR 40 303 265 045".into(),
            ..typed()
        };
        assert_eq!(
            BillingDetails::parse(&french)
                .unwrap()
                .vat_number
                .as_deref(),
            Some("FR40303265045")
        );
    }

    #[test]
    fn every_problem_is_told_with_its_field() {
        let wrong = Typed {
            legal_name: String::new(),
            town: "x".repeat(36),
            country: "ZZ".into(),
            vat_number: "CHE-116.281.711".into(),
            billing_email: "not an address".into(),
            street: "Rue\u{202e}du Lac".into(),
            ..typed()
        };
        let problems = BillingDetails::parse(&wrong).unwrap_err();
        let fields: Vec<&str> = problems.iter().map(|(f, _)| *f).collect();
        assert_eq!(
            fields,
            [
                "legal_name",
                "street",
                "town",
                "country",
                "vat_number",
                "billing_email"
            ]
        );
    }

    #[test]
    fn letters_are_written_one_way_and_only_latin_ones_are_taken() {
        let decomposed = Typed {
            town: "Zu\u{308}rich".into(),
            ..typed()
        };
        assert_eq!(BillingDetails::parse(&decomposed).unwrap().town, "Zürich");
        for town in ["東京", "Москва", "Genève 😀"] {
            let foreign = Typed {
                town: town.into(),
                ..typed()
            };
            assert_eq!(
                BillingDetails::parse(&foreign).unwrap_err(),
                [("town", NOT_LATIN)],
                "{town}"
            );
        }
    }

    #[test]
    fn a_swiss_postcode_has_four_digits() {
        for (postcode, ok) in [
            ("1204", true),
            ("12", false),
            ("ABCDE", false),
            ("12045", false),
        ] {
            let typed = Typed {
                postcode: postcode.into(),
                ..typed()
            };
            assert_eq!(BillingDetails::parse(&typed).is_ok(), ok, "{postcode}");
        }
        let french = Typed {
            country: "FR".into(),
            postcode: "75001".into(),
            vat_number: String::new(),
            ..typed()
        };
        assert!(BillingDetails::parse(&french).is_ok());
    }
}
