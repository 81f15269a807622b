//! The provider: who issues the invoices and where they are paid. Read from the
//! configuration (`PROVIDER_*`) and checked at start like an organization's billing
//! details, with the account's IBAN checked too; `demo` uses a demo provider when none
//! is configured.

use crate::domain::address::{BillingDetails, Typed};
use crate::pdf::Image;

/// The provider's details, valid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Provider {
    pub details: BillingDetails,
    /// The account invoices are paid into, without spaces (`CH9300762011623852957`).
    pub iban: String,
    /// The logo printed at the top of the invoices, if one is given (`PROVIDER_LOGO`, a
    /// PNG file read at start).
    pub logo: Option<Image>,
}

/// The variables, in the order the error lists them.
const VARIABLES: [&str; 10] = [
    "PROVIDER_NAME",
    "PROVIDER_STREET",
    "PROVIDER_HOUSE_NUMBER",
    "PROVIDER_POSTCODE",
    "PROVIDER_TOWN",
    "PROVIDER_COUNTRY",
    "PROVIDER_VAT",
    "PROVIDER_EMAIL",
    "PROVIDER_IBAN",
    "PROVIDER_LOGO",
];

impl Provider {
    /// The provider the `PROVIDER_*` variables describe (`var` reads one): `None` when
    /// none is set, an error naming each missing or wrong one otherwise.
    pub fn from_vars(var: impl Fn(&str) -> Option<String>) -> Result<Option<Provider>, String> {
        if VARIABLES.iter().all(|name| var(name).is_none()) {
            return Ok(None);
        }
        let optional = ["PROVIDER_HOUSE_NUMBER", "PROVIDER_VAT", "PROVIDER_LOGO"];
        let missing: Vec<&str> = VARIABLES
            .iter()
            .filter(|name| !optional.contains(name) && var(name).is_none())
            .copied()
            .collect();
        if !missing.is_empty() {
            return Err(format!(
                "the provider's details are incomplete: set {} (or none of the PROVIDER_ variables)",
                missing.join(", ")
            ));
        }
        let get = |name: &str| var(name).unwrap_or_default();
        let typed = Typed {
            legal_name: get("PROVIDER_NAME"),
            street: get("PROVIDER_STREET"),
            house_number: get("PROVIDER_HOUSE_NUMBER"),
            postcode: get("PROVIDER_POSTCODE"),
            town: get("PROVIDER_TOWN"),
            country: get("PROVIDER_COUNTRY"),
            vat_number: get("PROVIDER_VAT"),
            billing_email: get("PROVIDER_EMAIL"),
        };
        let details = BillingDetails::parse(&typed).map_err(|problems| {
            let named: Vec<String> = problems
                .iter()
                .map(|(field, why)| format!("{}: {why}", variable_of(field)))
                .collect();
            format!("the provider's details are wrong: {}", named.join(" "))
        })?;
        let iban = iban(&get("PROVIDER_IBAN")).ok_or_else(|| {
            "PROVIDER_IBAN is not an IBAN (its check digits or its length are wrong)".to_owned()
        })?;
        let logo = match var("PROVIDER_LOGO") {
            None => None,
            Some(path) => {
                let bytes = std::fs::read(&path)
                    .map_err(|e| format!("PROVIDER_LOGO: {path} cannot be read ({e})"))?;
                let logo = Image::from_png(&bytes)
                    .map_err(|why| format!("PROVIDER_LOGO: {path} cannot be the logo: {why}"))?;
                Some(logo)
            }
        };
        Ok(Some(Provider {
            details,
            iban,
            logo,
        }))
    }

    /// The demo's provider, for `demo` without a configured one.
    pub fn demo() -> Provider {
        Provider {
            details: BillingDetails {
                legal_name: String::from("partnerdesk Hosting SA"),
                street: String::from("Rue du Stand"),
                house_number: "60".into(),
                postcode: "1204".into(),
                town: "Genève".into(),
                country: "CH".into(),
                vat_number: Some(String::from("CHE-109.322.551 TVA")),
                billing_email: "billing@partnerdesk.test".into(),
            },
            iban: "CH9300762011623852957".into(),
            logo: None,
        }
    }

    /// Whether the account is a Swiss QR-IBAN (its institution's identification within
    /// 30000–31999): payments into it carry a QR reference, and only by QR-bill.
    pub fn qr_iban(&self) -> bool {
        matches!(&self.iban[..2], "CH" | "LI")
            && self.iban[4..9]
                .parse::<u32>()
                .is_ok_and(|iid| (30_000..=31_999).contains(&iid))
    }

    /// The IBAN in groups of four, as printed.
    pub fn iban_grouped(&self) -> String {
        crate::domain::in_fours(&self.iban)
    }
}

fn variable_of(field: &str) -> &'static str {
    match field {
        "legal_name" => "PROVIDER_NAME",
        "street" => "PROVIDER_STREET",
        "house_number" => "PROVIDER_HOUSE_NUMBER",
        "postcode" => "PROVIDER_POSTCODE",
        "town" => "PROVIDER_TOWN",
        "country" => "PROVIDER_COUNTRY",
        "vat_number" => "PROVIDER_VAT",
        _ => "PROVIDER_EMAIL",
    }
}

/// `typed` as an IBAN (ISO 13616: a country, two check digits making the whole MOD 97-10
/// remainder 1, up to 30 letters or digits; Swiss and Liechtenstein ones 21 long), without
/// spaces and in capitals.
pub fn iban(typed: &str) -> Option<String> {
    let iban: String = typed
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| c.to_ascii_uppercase())
        .collect();
    let shaped = (15..=34).contains(&iban.len())
        && iban.bytes().all(|b| b.is_ascii_alphanumeric())
        && iban[..2].bytes().all(|b| b.is_ascii_uppercase())
        && iban[2..4].bytes().all(|b| b.is_ascii_digit());
    if !shaped || (matches!(&iban[..2], "CH" | "LI") && iban.len() != 21) {
        return None;
    }
    let rotated = format!("{}{}", &iban[4..], &iban[..4]);
    (crate::payments::reference::remainder(&rotated) == 1).then_some(iban)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ibans_carry_their_check_digits() {
        assert_eq!(
            iban("CH93 0076 2011 6238 5295 7").as_deref(),
            Some("CH9300762011623852957")
        );
        assert_eq!(
            iban("de89370400440532013000").as_deref(),
            Some("DE89370400440532013000")
        );
        for wrong in [
            "CH9400762011623852957",
            "CH930076201162385295",
            "DE8937040044053201300X",
            "",
            "CH",
        ] {
            assert_eq!(iban(wrong), None, "{wrong}");
        }
    }

    #[test]
    fn the_provider_is_all_configured_or_not_at_all() {
        let demo = Provider::demo();
        let of = |provider: &Provider| {
            let d = &provider.details;
            vec![
                ("PROVIDER_NAME", d.legal_name.clone()),
                ("PROVIDER_STREET", d.street.clone()),
                ("PROVIDER_HOUSE_NUMBER", d.house_number.clone()),
                ("PROVIDER_POSTCODE", d.postcode.clone()),
                ("PROVIDER_TOWN", d.town.clone()),
                ("PROVIDER_COUNTRY", d.country.clone()),
                ("PROVIDER_VAT", d.vat_number.clone().unwrap_or_default()),
                ("PROVIDER_EMAIL", d.billing_email.clone()),
                ("PROVIDER_IBAN", provider.iban.clone()),
            ]
        };
        let read = |vars: Vec<(&'static str, String)>| {
            Provider::from_vars(move |name| {
                vars.iter()
                    .find(|(n, v)| *n == name && !v.is_empty())
                    .map(|(_, v)| v.clone())
            })
        };
        assert_eq!(read(Vec::new()), Ok(None));
        assert_eq!(read(of(&demo)), Ok(Some(demo.clone())));
        let partial = read(vec![("PROVIDER_NAME", "X SA".into())]).unwrap_err();
        assert!(
            partial.contains("PROVIDER_STREET") && partial.contains("PROVIDER_IBAN"),
            "{partial}"
        );
        let mut wrong = of(&demo);
        wrong[5].1 = "XX".into();
        wrong[8].1 = "CH9400762011623852957".into();
        let told = read(wrong.clone()).unwrap_err();
        assert!(told.contains("PROVIDER_COUNTRY"), "{told}");
        wrong[5].1 = "CH".into();
        assert!(read(wrong).unwrap_err().contains("PROVIDER_IBAN"));
    }
}
