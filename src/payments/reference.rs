//! The payment reference of an invoice: an ISO 11649 creditor reference ("RF", two check
//! digits, then the invoice number's digits), printed on the invoice, carried by the
//! payment through the banks (SEPA and Swiss payments alike), and read back from the
//! bank's notification to find the invoice it pays.

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

/// The number of the invoice a creditor reference names, if it is a valid one of ours
/// (spaces and case as a bank may send them).
pub fn invoice_number(reference: &str) -> Option<String> {
    let reference: String = reference
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| c.to_ascii_uppercase())
        .collect();
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
