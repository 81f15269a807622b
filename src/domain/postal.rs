//! A postal address as documents print it and payment slips carry it: each part on
//! its own, so that a Swiss QR-bill can give it structured.

/// A name and a structured address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Postal {
    pub name: String,
    pub street: String,
    pub house_number: String,
    pub postcode: String,
    pub town: String,
    /// ISO 3166-1 alpha-2, upper case.
    pub country: String,
}

impl Postal {
    /// The address as printed, one line each.
    pub fn lines(&self) -> Vec<String> {
        let street = if self.house_number.is_empty() {
            self.street.clone()
        } else {
            format!("{} {}", self.street, self.house_number)
        };
        vec![
            self.name.clone(),
            street,
            format!("{}-{} {}", self.country, self.postcode, self.town),
        ]
    }

    /// The address as a Swiss payment slip prints it: a Swiss or Liechtenstein postcode
    /// without its country (`1204 Genève`), any other with it (`FR-74100 Annemasse`).
    pub fn slip_lines(&self) -> Vec<String> {
        let mut lines = self.lines();
        if matches!(self.country.as_str(), "CH" | "LI") {
            lines[2] = format!("{} {}", self.postcode, self.town);
        }
        lines
    }

    /// The address as an invoice keeps it: one part a line.
    pub fn stored(&self) -> String {
        [
            &self.name,
            &self.street,
            &self.house_number,
            &self.postcode,
            &self.town,
            &self.country,
        ]
        .map(String::as_str)
        .join("\n")
    }

    /// An address kept by `stored`.
    pub fn from_stored(stored: &str) -> Option<Postal> {
        let mut parts = stored.split('\n').map(str::to_owned);
        let mut next = || parts.next();
        let postal = Postal {
            name: next()?,
            street: next()?,
            house_number: next()?,
            postcode: next()?,
            town: next()?,
            country: next()?,
        };
        next().is_none().then_some(postal)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_is_kept_part_by_part_and_printed_in_three_lines() {
        let address = Postal {
            name: "Acme SA".into(),
            street: "Rue du Lac".into(),
            house_number: "12".into(),
            postcode: "1204".into(),
            town: "Genève".into(),
            country: "CH".into(),
        };
        assert_eq!(
            Postal::from_stored(&address.stored()),
            Some(address.clone())
        );
        assert_eq!(
            address.lines(),
            ["Acme SA", "Rue du Lac 12", "CH-1204 Genève"]
        );
        let no_number = Postal {
            house_number: String::new(),
            ..address
        };
        assert_eq!(no_number.lines()[1], "Rue du Lac");
        assert_eq!(Postal::from_stored(&no_number.stored()), Some(no_number));
        for wrong in ["", "a\nb\nc", "a\nb\nc\nd\ne\nf\ng"] {
            assert_eq!(Postal::from_stored(wrong), None, "{wrong:?}");
        }
    }
}
