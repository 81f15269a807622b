//! What a payment slip's QR code says: the Swiss QR-bill's (Swiss Implementation
//! Guidelines for the QR-bill, version 2.3: `SPC`, version `0200`, structured
//! addresses) and the European Payments Council's for SEPA credit transfers (EPC069-12,
//! version `002`). Scanned by a banking app, either fills in the transfer: the account,
//! the amount, the currency and the invoice's reference.

use super::reference::Reference;
use crate::domain::Currency;
use crate::domain::postal::Postal;

/// The largest amount either QR code can carry, in minor units (999,999,999.99); a
/// larger one is left for the payer to enter.
pub const LARGEST: i64 = 99_999_999_999;

/// A payment asked for by an invoice.
#[derive(Debug, Clone)]
pub struct Payment<'a> {
    /// The account it is paid into (an IBAN without spaces).
    pub account: &'a str,
    pub creditor: &'a Postal,
    /// In minor units.
    pub amount: i64,
    pub currency: Currency,
    pub debtor: Option<&'a Postal>,
    pub reference: &'a Reference,
    /// Told to the payer (and back to us): the invoice's number.
    pub message: String,
}

impl Payment<'_> {
    /// The amount as both standards write it (`1949.75`), if it can be carried.
    pub fn amount(&self) -> Option<String> {
        (1..=LARGEST)
            .contains(&self.amount)
            .then(|| crate::domain::decimal(self.amount))
    }

    /// The Swiss QR-bill's data: 31 elements, one a line.
    pub fn qr_bill(&self) -> String {
        let mut lines: Vec<String> = ["SPC", "0200", "1"].map(String::from).to_vec();
        lines.push(self.account.to_owned());
        lines.extend(structured(Some(self.creditor)));
        // The ultimate creditor: for future use, empty.
        lines.extend(std::iter::repeat_n(String::new(), 7));
        lines.push(self.amount().unwrap_or_default());
        lines.push(self.currency.code().to_owned());
        lines.extend(structured(self.debtor));
        let kind = match self.reference {
            Reference::Qr(_) => "QRR",
            Reference::Creditor(_) => "SCOR",
        };
        lines.push(kind.to_owned());
        lines.push(self.reference.value().to_owned());
        lines.push(latin(&self.message, 140));
        lines.push("EPD".to_owned());
        lines.join("\n")
    }

    /// The EPC's data, for a SEPA credit transfer in euros.
    pub fn epc(&self) -> String {
        let lines = [
            "BCD".to_owned(),
            "002".to_owned(),
            // UTF-8.
            "1".to_owned(),
            "SCT".to_owned(),
            // The BIC, which version 002 leaves out within the EEA.
            String::new(),
            latin(&self.creditor.name, 70),
            self.account.to_owned(),
            self.amount().map(|a| format!("EUR{a}")).unwrap_or_default(),
            // The purpose code.
            String::new(),
            self.reference.value().to_owned(),
            // The unstructured remittance, which the structured one excludes.
            String::new(),
            latin(&self.message, 70),
        ];
        lines.join("\n")
    }
}

/// An address as the QR-bill's seven elements: type `S` and its parts, or seven empty
/// elements for none.
fn structured(address: Option<&Postal>) -> Vec<String> {
    match address {
        None => vec![String::new(); 7],
        Some(a) => vec![
            "S".to_owned(),
            latin(&a.name, 70),
            latin(&a.street, 70),
            latin(&a.house_number, 16),
            latin(&a.postcode, 16),
            latin(&a.town, 35),
            a.country.clone(),
        ],
    }
}

/// Whether the Swiss payment standards allow `c` (Basic Latin, Latin-1 Supplement,
/// Latin Extended-A, Ș ș Ț ț and €).
pub fn is_latin(c: char) -> bool {
    matches!(c, ' '..='~' | '\u{a0}'..='\u{17f}' | '\u{218}'..='\u{21b}' | '€')
}

/// `text` in the characters the Swiss payment standards allow (Basic Latin, Latin-1
/// Supplement, Latin Extended-A, Ș ș Ț ț and €; any other becomes `.`), on one line
/// and at most `max` characters long.
pub fn latin(text: &str, max: usize) -> String {
    text.chars()
        .map(|c| if is_latin(c) { c } else { '.' })
        .take(max)
        .collect::<String>()
        .trim()
        .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn address(name: &str) -> Postal {
        Postal {
            name: name.into(),
            street: "Rue du Lac".into(),
            house_number: "1268".into(),
            postcode: "2501".into(),
            town: "Biel".into(),
            country: "CH".into(),
        }
    }

    #[test]
    fn the_qr_bill_has_its_31_elements_in_their_order() {
        let (creditor, debtor) = (address("Robert Schneider AG"), address("Pia Rutschmann"));
        let reference = Reference::Qr("210000000003139471430009017".into());
        let payment = Payment {
            account: "CH4431999123000889012",
            creditor: &creditor,
            amount: 194_975,
            currency: Currency::Chf,
            debtor: Some(&debtor),
            reference: &reference,
            message: "Invoice 2026-000123".into(),
        };
        let data = payment.qr_bill();
        let elements: Vec<&str> = data.split('\n').collect();
        assert_eq!(elements.len(), 31, "{data}");
        assert_eq!(elements[..4], ["SPC", "0200", "1", "CH4431999123000889012"]);
        assert_eq!(
            elements[4..11],
            [
                "S",
                "Robert Schneider AG",
                "Rue du Lac",
                "1268",
                "2501",
                "Biel",
                "CH"
            ]
        );
        assert!(elements[11..18].iter().all(|e| e.is_empty()));
        assert_eq!(elements[18..20], ["1949.75", "CHF"]);
        assert_eq!(elements[20..22], ["S", "Pia Rutschmann"]);
        assert_eq!(
            elements[27..],
            [
                "QRR",
                "210000000003139471430009017",
                "Invoice 2026-000123",
                "EPD"
            ]
        );
    }

    #[test]
    fn an_amount_beyond_what_the_codes_carry_is_left_to_the_payer() {
        let creditor = address("A");
        let reference = Reference::Creditor("RF18539007547034".into());
        let mut payment = Payment {
            account: "CH9300762011623852957",
            creditor: &creditor,
            amount: LARGEST,
            currency: Currency::Eur,
            debtor: None,
            reference: &reference,
            message: String::new(),
        };
        assert_eq!(payment.amount().as_deref(), Some("999999999.99"));
        assert!(payment.epc().contains("\nEUR999999999.99\n"));
        payment.amount = LARGEST + 1;
        assert_eq!(payment.amount(), None);
        let elements: Vec<String> = payment.qr_bill().split('\n').map(String::from).collect();
        assert_eq!(elements[18], "");
        assert!(elements[20..27].iter().all(|e| e.is_empty()), "no debtor");
        assert_eq!(elements[27], "SCOR");
    }

    #[test]
    fn text_keeps_to_the_latin_characters_and_the_lengths_allowed() {
        assert_eq!(latin("Zürich Ș €", 35), "Zürich Ș €");
        assert_eq!(latin("東京\nTokyo", 35), "...Tokyo");
        assert_eq!(latin(&"x".repeat(50), 35).len(), 35);
    }
}
