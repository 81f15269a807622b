//! A product's own name: the label its orderer gives it (a domain name, a site's
//! address), shown with its offer's name wherever the product appears.

use unicode_normalization::UnicodeNormalization;

use super::refuse_hidden_characters;

/// How long a label may be, in characters.
const LABEL_MAX: usize = 100;

/// The label `typed` at order, as stored: trimmed, one way to write each letter, spaces
/// collapsed; empty when none is given. Refused when too long, holding characters that
/// cannot be printed, or letters the invoices' documents cannot draw.
pub fn parse_label(typed: &str) -> Result<String, &'static str> {
    let label: String = typed.trim().nfc().collect();
    let label = label.split_whitespace().collect::<Vec<_>>().join(" ");
    if label.is_empty() {
        return Ok(label);
    }
    if label.chars().count() > LABEL_MAX {
        return Err("Give the product a name of at most 100 characters.");
    }
    if !label.chars().any(char::is_alphanumeric) {
        return Err("Give the product a name with at least one letter or digit.");
    }
    if refuse_hidden_characters(&label).is_err() {
        return Err("The product's name holds characters that cannot be printed.");
    }
    if !label.chars().all(drawn) {
        return Err("Write the product's name in Latin letters (a domain name in its xn-- form).");
    }
    Ok(label)
}

/// Whether the invoices' documents draw `c`: Latin letters, and the punctuation people
/// type (curly quotes and apostrophes, dashes, the ellipsis).
fn drawn(c: char) -> bool {
    crate::payments::slip::is_latin(c) || "‘’“”–—…•".contains(c)
}

/// A product's name as shown: its label with its offer's name, or the offer's alone.
pub fn product_name(label: &str, offer: &str) -> String {
    if label.is_empty() {
        offer.to_owned()
    } else {
        format!("{label} · {offer}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_label_is_kept_tidy_and_refused_when_it_cannot_be_shown() {
        assert_eq!(parse_label("  example.ch ").unwrap(), "example.ch");
        assert_eq!(parse_label("Shop   of  Zoé").unwrap(), "Shop of Zoé");
        // A decomposed é becomes the one letter.
        assert_eq!(parse_label("Zoe\u{301}").unwrap(), "Zoé");
        assert_eq!(parse_label("").unwrap(), "");
        assert_eq!(parse_label(&"a".repeat(100)).unwrap().len(), 100);
        assert!(parse_label(&"a".repeat(101)).is_err());
        assert!(parse_label("shop\u{202e}moc.").is_err());
        assert!(parse_label("bad\u{0}name").is_err());
        assert!(parse_label("例え.jp").is_err());
        // As phones and Macs type them: curly apostrophes, dashes.
        assert_eq!(
            parse_label("Zoë’s shop – “main”").unwrap(),
            "Zoë’s shop – “main”"
        );
        assert!(parse_label("---").is_err());
    }

    #[test]
    fn a_product_is_named_by_its_label_and_its_offer() {
        assert_eq!(
            product_name("example.ch", "Domain name"),
            "example.ch · Domain name"
        );
        assert_eq!(product_name("", "Domain name"), "Domain name");
    }
}
