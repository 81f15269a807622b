//! The payment reference of an invoice, printed on it, carried by the payment through
//! the banks and read back from the bank's notification to find the invoice it pays:
//! an ISO 11649 creditor reference ("RF", two check digits, then the invoice number's
//! digits; SEPA and Swiss payments alike), or, when the provider's account is a Swiss
//! QR-IBAN, a QR reference (27 digits: the invoice number's, zeros before them, and a
//! check digit by the recursive modulo 10 of the Swiss payment standards).

/// The reference a payment of an invoice carries, of either kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reference {
    /// A Swiss QR reference, for an account that is a QR-IBAN.
    Qr(String),
    /// An ISO 11649 creditor reference.
    Creditor(String),
}

impl Reference {
    /// The reference of the invoice numbered `number`, a QR reference when it is paid
    /// into a QR-IBAN.
    pub fn of_invoice(number: &str, qr_iban: bool) -> Reference {
        if qr_iban {
            Reference::Qr(qr_of_invoice(number))
        } else {
            Reference::Creditor(of_invoice(number))
        }
    }

    /// The reference an invoice numbered `number` keeps as `kept` (invoices issued
    /// before references were kept: the creditor reference of their number).
    pub fn kept(kept: Option<&str>, number: &str) -> Reference {
        match kept {
            Some(creditor) if creditor.starts_with("RF") => {
                Reference::Creditor(creditor.to_owned())
            }
            Some(qr) => Reference::Qr(qr.to_owned()),
            None => Reference::of_invoice(number, false),
        }
    }

    /// Its characters, as a payment carries them.
    pub fn value(&self) -> &str {
        match self {
            Reference::Qr(value) | Reference::Creditor(value) => value,
        }
    }

    /// As printed, in the groups its standard gives.
    pub fn printed(&self) -> String {
        match self {
            Reference::Qr(value) => qr_printed(value),
            Reference::Creditor(value) => crate::domain::in_fours(value),
        }
    }
}

/// The reference of the invoice numbered `number` (`2026-000123` → `RF09 2026 0001 23`
/// without the spaces).
pub fn of_invoice(number: &str) -> String {
    let body: String = number.chars().filter(char::is_ascii_alphanumeric).collect();
    format!("RF{:02}{body}", 98 - remainder(&format!("{body}RF00")))
}

/// The reference of the invoice numbered `number` as printed, in groups of four.
pub fn printed(number: &str) -> String {
    crate::domain::in_fours(&of_invoice(number))
}

/// The QR reference of the invoice numbered `number`.
pub fn qr_of_invoice(number: &str) -> String {
    let body: String = number.chars().filter(char::is_ascii_digit).collect();
    let body = format!("{body:0>26}");
    let check = mod10_recursive(&body);
    format!("{body}{check}")
}

/// A QR reference as printed: in groups of five from the right.
pub fn qr_printed(reference: &str) -> String {
    let head = reference.len() % 5;
    let mut groups = vec![&reference[..head]];
    groups.extend(
        (head..reference.len())
            .step_by(5)
            .map(|i| &reference[i..i + 5]),
    );
    groups.retain(|g| !g.is_empty());
    groups.join(" ")
}

/// The check digit of a QR reference's first 26 digits.
fn mod10_recursive(digits: &str) -> u32 {
    const TABLE: [u32; 10] = [0, 9, 4, 6, 8, 2, 7, 1, 3, 5];
    let carry = digits
        .chars()
        .filter_map(|c| c.to_digit(10))
        .fold(0, |carry, d| TABLE[((carry + d) % 10) as usize]);
    (10 - carry) % 10
}

/// The number of the invoice a creditor or QR reference names, if it is a valid one of
/// ours (spaces and case as a bank may send them).
pub fn invoice_number(reference: &str) -> Option<String> {
    let reference: String = reference
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| c.to_ascii_uppercase())
        .collect();
    if reference.len() == 27 && reference.bytes().all(|b| b.is_ascii_digit()) {
        let (body, check) = reference.split_at(26);
        let ours = body.starts_with(&"0".repeat(16));
        return (ours && check == mod10_recursive(body).to_string())
            .then(|| format!("{}-{}", &body[16..20], &body[20..]));
    }
    let body = reference.strip_prefix("RF")?.get(2..)?;
    let valid = reference.len() <= 25
        && reference.bytes().all(|b| b.is_ascii_alphanumeric())
        && reference[2..4].bytes().all(|b| b.is_ascii_digit())
        && remainder(&format!("{body}{}", &reference[..4])) == 1;
    // Our invoice numbers: a year and six digits.
    (valid && body.len() == 10 && body.bytes().all(|b| b.is_ascii_digit()))
        .then(|| format!("{}-{}", &body[..4], &body[4..]))
}

/// ISO 7064 MOD 97-10 of `text`, letters counting A = 10 … Z = 35 (the check of creditor
/// references and of IBANs).
pub(crate) fn remainder(text: &str) -> u32 {
    text.chars().fold(0, |rest, c| {
        let value = c.to_digit(36).unwrap_or(0);
        if value >= 10 {
            (rest * 100 + value) % 97
        } else {
            (rest * 10 + value) % 97
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_carry_the_check_digits_of_iso_11649() {
        // The standard's examples: RF18 5390 0754 7034, RF71 2348 231.
        assert_eq!(98 - remainder("539007547034RF00"), 18);
        assert_eq!(98 - remainder("2348231RF00"), 71);
        let reference = of_invoice("2026-000123");
        assert!(reference.starts_with("RF") && reference.ends_with("2026000123"));
        assert_eq!(invoice_number(&reference).as_deref(), Some("2026-000123"));
        assert_eq!(
            invoice_number(&printed("2026-000123").to_lowercase()).as_deref(),
            Some("2026-000123")
        );
    }

    #[test]
    fn qr_references_carry_the_check_digit_of_the_swiss_standard() {
        // The implementation guidelines' example.
        assert_eq!(mod10_recursive("21000000000313947143000901"), 7);
        assert_eq!(
            qr_printed("210000000003139471430009017"),
            "21 00000 00003 13947 14300 09017"
        );
        let reference = qr_of_invoice("2026-000123");
        assert_eq!(reference.len(), 27);
        assert!(reference.starts_with("0000000000000000202600012"));
        assert_eq!(invoice_number(&reference).as_deref(), Some("2026-000123"));
        assert_eq!(
            invoice_number(&qr_printed(&reference)).as_deref(),
            Some("2026-000123")
        );
        // Every single wrong digit is caught.
        for i in 0..27 {
            let mut typo = reference.clone().into_bytes();
            typo[i] = if typo[i] == b'9' { b'0' } else { typo[i] + 1 };
            let typo = String::from_utf8(typo).unwrap();
            assert_ne!(
                invoice_number(&typo).as_deref(),
                Some("2026-000123"),
                "{typo}"
            );
        }
        // A valid QR reference that is not ours.
        assert_eq!(invoice_number("210000000003139471430009017"), None);
    }

    #[test]
    fn a_wrong_or_foreign_reference_names_no_invoice() {
        let reference = of_invoice("2026-000123");
        let mut typo = reference.clone();
        typo.replace_range(9..10, if &reference[9..10] == "7" { "8" } else { "7" });
        assert_eq!(invoice_number(&typo), None, "{typo}");
        // Valid references that are not ours: the standard's examples.
        assert_eq!(invoice_number("RF18539007547034"), None);
        assert_eq!(invoice_number("RF712348231"), None);
        for junk in [
            "",
            "RF",
            "RF1",
            "2026000123",
            "RF0X2026000123",
            "RF18 5390 0754 7034 ÿ",
        ] {
            assert_eq!(invoice_number(junk), None, "{junk:?}");
        }
    }
}
