//! An invoice as a document: its PDF, for exactly those who see the invoice, carries
//! who issues it and whom to, its number, dates, lines and totals, and the slip that
//! pays it; the slip's QR code, decoded from the page as a banking app would scan it,
//! is checked element by element against the Swiss QR-bill's implementation
//! guidelines (or the EPC's for euros), with check digits computed here on their own.

mod support;

use diesel::prelude::*;
use partnerdesk::db::schema::{invoices, organizations};
use partnerdesk::provider::Provider;
use reqwest::StatusCode;
use support::*;

/// The newest invoice of the browser's organization: its page's path and its number,
/// total (minor units) and currency, as stored.
async fn newest_invoice(app: &TestApp, browser: &Browser) -> (String, String, i64, String) {
    let list = browser.get("/invoices").await;
    let link = list
        .html()
        .select(&scraper::Selector::parse("tbody a").unwrap())
        .next()
        .and_then(|a| a.value().attr("href").map(str::to_owned))
        .expect("an invoice in the list");
    let id = link.trim_start_matches("/invoices/").to_owned();
    let (number, total, currency) = app
        .with_db(move |conn| {
            invoices::table
                .find(id)
                .select((invoices::number, invoices::total, invoices::currency))
                .first::<(String, i64, String)>(conn)
                .unwrap()
        })
        .await;
    (link, number, total, currency)
}

/// Downloads `path` as a PDF, checking that it is one, named after the invoice.
async fn pdf(browser: &Browser, path: &str, number: &str) -> Vec<u8> {
    let (status, headers, bytes) = browser.download(path).await;
    assert_eq!(
        status,
        StatusCode::OK,
        "{}",
        String::from_utf8_lossy(&bytes)
    );
    assert_eq!(headers["content-type"], "application/pdf");
    let disposition = headers["content-disposition"].to_str().unwrap();
    assert_eq!(
        disposition,
        format!("attachment; filename=\"invoice-{number}.pdf\"")
    );
    assert!(bytes.starts_with(b"%PDF-"), "a PDF");
    bytes
}

/// ISO 7064 MOD 97-10 over letters and digits, letters counting A = 10 … Z = 35.
fn mod97(text: &str) -> u64 {
    let digits: String = text
        .chars()
        .map(|c| c.to_digit(36).expect("a letter or digit").to_string())
        .collect();
    digits.chars().fold(0, |rest, d| {
        (rest * 10 + u64::from(d.to_digit(10).unwrap())) % 97
    })
}

fn valid_iban(iban: &str) -> bool {
    iban.len() == 21
        && (iban.starts_with("CH") || iban.starts_with("LI"))
        && mod97(&format!("{}{}", &iban[4..], &iban[..4])) == 1
}

/// An ISO 11649 creditor reference, checked: the rest followed by `RF` and the check
/// digits leaves 1.
fn valid_creditor_reference(reference: &str) -> bool {
    reference.starts_with("RF")
        && reference.len() <= 25
        && mod97(&format!("{}{}", &reference[4..], &reference[..4])) == 1
}

/// A Swiss QR reference, checked: 27 digits, the last by the recursive modulo 10.
fn valid_qr_reference(reference: &str) -> bool {
    let table = [0, 9, 4, 6, 8, 2, 7, 1, 3, 5];
    let digits: Vec<usize> = reference
        .chars()
        .filter_map(|c| c.to_digit(10))
        .map(|d| d as usize)
        .collect();
    digits.len() == 27 && reference.len() == 27 && {
        let carry = digits[..26]
            .iter()
            .fold(0, |carry, d| table[(carry + d) % 10]);
        (10 - carry) % 10 == digits[26]
    }
}

/// `minor` as both QR codes write amounts.
fn amount(minor: i64) -> String {
    format!("{}.{:02}", minor / 100, minor % 100)
}

/// The billing details a page shows in its form, in the QR-bill's order.
async fn details(browser: &Browser) -> Vec<String> {
    let page = browser.get("/billing").await;
    [
        "legal_name",
        "street",
        "house_number",
        "postcode",
        "town",
        "country",
    ]
    .iter()
    .map(|name| page.field(name).unwrap_or_default())
    .collect()
}

#[tokio::test]
async fn a_chf_invoice_is_a_pdf_with_its_details_and_a_qr_bill_that_pays_it() {
    let app = spawn_demo().await;
    let alice = app.logged_in("alice@acme.test").await;
    let (link, number, total, currency) = newest_invoice(&app, &alice).await;
    assert_eq!(currency, "CHF");
    let page = alice.get(&link).await;
    let due = page.row("Due").expect("the invoice's due date");
    assert!(
        page.has_link(&format!("{link}/pdf")),
        "the page links to its PDF"
    );
    let bytes = pdf(&alice, &format!("{link}/pdf"), &number).await;
    assert_eq!(support::pdf::page_count(&bytes), 1);

    // Its text: seller, buyer, number, dates, lines and totals.
    let text = support::pdf::text(&bytes);
    let buyer = details(&alice).await;
    let printed_total = page
        .texts("tr.total td")
        .pop()
        .expect("the total on the invoice's page");
    for expected in [
        number.as_str(),
        &due,
        &printed_total,
        &buyer[0],
        &format!("{} {}", buyer[1], buyer[2]),
        &format!("CH-{} {}", buyer[3], buyer[4]),
        "partnerdesk Hosting SA",
        "Rue du Stand 60",
        "CH-1204 Genève",
        "CHE-109.322.551 TVA",
        "Receipt",
        "Payment part",
        "Account / Payable to",
        "Acceptance point",
    ] {
        assert!(
            text.contains(expected),
            "{expected:?} in the PDF's text:\n{text}"
        );
    }

    // The QR-bill, element by element (implementation guidelines 2.3, §4.3.3).
    let codes = support::pdf::qr_codes(&bytes);
    assert_eq!(codes.len(), 1, "one QR code: the payment part's");
    let elements: Vec<&str> = codes[0]
        .split('\n')
        .map(|e| e.trim_end_matches('\r'))
        .collect();
    assert_eq!(elements.len(), 31, "{elements:?}");
    assert_eq!(elements[..3], ["SPC", "0200", "1"], "header");
    assert!(valid_iban(elements[3]), "IBAN {}", elements[3]);
    assert_eq!(
        elements[4..11],
        [
            "S",
            "partnerdesk Hosting SA",
            "Rue du Stand",
            "60",
            "1204",
            "Genève",
            "CH"
        ],
        "the creditor, structured"
    );
    assert!(
        elements[11..18].iter().all(|e| e.is_empty()),
        "no ultimate creditor"
    );
    assert_eq!(elements[18], amount(total), "the amount");
    assert_eq!(elements[19], "CHF");
    assert_eq!(elements[20], "S", "the debtor, structured");
    assert_eq!(
        elements[21..27],
        buyer[..],
        "the debtor is the payer as its details say"
    );
    assert_eq!(elements[27], "SCOR", "a creditor reference with an IBAN");
    assert!(valid_creditor_reference(elements[28]), "{}", elements[28]);
    assert!(
        elements[28].ends_with(&number.replace('-', "")),
        "it names the invoice"
    );
    assert!(
        elements[29].contains(&number),
        "the message: {}",
        elements[29]
    );
    assert_eq!(elements[30], "EPD");
    for (i, max) in [
        (5, 70),
        (6, 70),
        (7, 16),
        (8, 16),
        (9, 35),
        (21, 70),
        (22, 70),
        (23, 16),
        (24, 16),
        (25, 35),
        (29, 140),
    ] {
        assert!(elements[i].chars().count() <= max, "element {i} too long");
    }

    // Only those who see the invoice get it.
    let bob = app.logged_in("bob@acme.test").await;
    let paul = app.logged_in("paul@webagency.test").await;
    for other in [&bob, &paul] {
        let (status, _, _) = other.download(&format!("{link}/pdf")).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    }
    let (status, _, _) = app.browser().download(&format!("{link}/pdf")).await;
    assert_ne!(status, StatusCode::OK, "not to a visitor");
}

#[tokio::test]
async fn the_pdf_is_in_the_readers_language_and_its_qr_bill_in_the_guidelines_words() {
    let app = spawn_demo().await;
    let alice = app.logged_in_speaking("alice@acme.test", "fr").await;
    let (link, number, _, _) = newest_invoice(&app, &alice).await;
    let text = support::pdf::text(&pdf(&alice, &format!("{link}/pdf"), &number).await);
    for expected in [
        format!("Facture {number}"),
        "Facturé à".to_owned(),
        "Sous-total".to_owned(),
        "Récépissé".to_owned(),
        "Section paiement".to_owned(),
        "Compte / Payable à".to_owned(),
        "Informations supplémentaires".to_owned(),
        "Point de dépôt".to_owned(),
        "Monnaie".to_owned(),
    ] {
        assert!(text.contains(&expected), "{expected:?} in:\n{text}");
    }
    assert!(
        !text.contains("Receipt") && !text.contains("Subtotal"),
        "{text}"
    );
}

#[tokio::test]
async fn a_euro_invoice_carries_the_epc_qr_code_of_a_sepa_transfer() {
    let app = spawn_demo().await;
    app.with_db(|conn| {
        diesel::update(organizations::table.filter(organizations::name.eq(ACME)))
            .set(organizations::currency.eq("EUR"))
            .execute(conn)
            .unwrap();
    })
    .await;
    let alice = app.logged_in("alice@acme.test").await;
    order_domain_for_acme(&app, &alice).await;
    let (link, number, total, currency) = newest_invoice(&app, &alice).await;
    assert_eq!(currency, "EUR");
    let bytes = pdf(&alice, &format!("{link}/pdf"), &number).await;
    let codes = support::pdf::qr_codes(&bytes);
    assert_eq!(codes.len(), 1, "one QR code: the EPC's");
    let elements: Vec<&str> = codes[0].split('\n').collect();
    // EPC069-12 version 2: service tag, version, UTF-8, SEPA credit transfer.
    assert_eq!(elements[..4], ["BCD", "002", "1", "SCT"]);
    assert_eq!(elements[5], "partnerdesk Hosting SA");
    assert!(valid_iban(elements[6]), "IBAN {}", elements[6]);
    assert_eq!(elements[7], format!("EUR{}", amount(total)));
    assert!(valid_creditor_reference(elements[9]), "{}", elements[9]);
    assert!(elements[9].ends_with(&number.replace('-', "")));
    assert_eq!(
        elements[10], "",
        "no unstructured remittance beside the reference"
    );
    assert!(codes[0].len() <= 331, "the EPC's limit");
    assert!(
        !support::pdf::text(&bytes).contains("Payment part"),
        "no QR-bill in euros"
    );
}

#[tokio::test]
async fn paid_into_a_qr_iban_an_invoice_carries_a_qr_reference_that_the_bank_import_reads() {
    let app = spawn_app_with(|config| {
        config.provider = Some(Provider {
            // The implementation guidelines' QR-IBAN (institution 31999).
            iban: "CH4431999123000889012".into(),
            ..Provider::demo()
        });
    })
    .await;
    seed_demo(&app).await;
    let alice = app.logged_in("alice@acme.test").await;
    // An invoice issued before keeps the creditor reference it was issued with.
    let (before, _, _, _) = newest_invoice(&app, &alice).await;
    let kept = alice.get(&before).await.row("Payment reference").unwrap();
    assert!(kept.starts_with("RF"), "{kept}");
    // A QR-IBAN takes no creditor reference: that invoice's PDF prints no slip a bank
    // would refuse, only the account and its reference.
    let old_number = app
        .with_db({
            let id = before.trim_start_matches("/invoices/").to_owned();
            move |conn| {
                invoices::table
                    .find(id)
                    .select(invoices::number)
                    .first::<String>(conn)
                    .unwrap()
            }
        })
        .await;
    let old_pdf = pdf(&alice, &format!("{before}/pdf"), &old_number).await;
    assert!(
        support::pdf::qr_codes(&old_pdf).is_empty(),
        "no QR-bill with a QR-IBAN and an RF reference"
    );
    assert!(
        support::pdf::text(&old_pdf).contains(&kept),
        "its reference, printed"
    );
    order_domain_for_acme(&app, &alice).await;
    let (link, number, _, _) = newest_invoice(&app, &alice).await;
    assert_ne!(link, before);
    let bytes = pdf(&alice, &format!("{link}/pdf"), &number).await;
    let codes = support::pdf::qr_codes(&bytes);
    let elements: Vec<&str> = codes[0].split('\n').collect();
    assert_eq!(elements[3], "CH4431999123000889012");
    assert_eq!(elements[27], "QRR", "a QR reference with a QR-IBAN");
    let reference = elements[28];
    assert!(valid_qr_reference(reference), "{reference}");
    assert!(
        reference[..26].ends_with(&number.replace('-', "")),
        "it names the invoice"
    );
    // The invoice's page gives the same reference, in groups of five from the right.
    let page = alice.get(&link).await;
    let shown = page.row("Payment reference").unwrap();
    assert_eq!(shown.replace(' ', ""), reference);
    assert!(shown.starts_with("00 00000"), "{shown}");

    // The bank's notification of the payment names it by that reference: paid.
    let (_, _, total, _) = newest_invoice(&app, &alice).await;
    let xml = support::bank::notification(reference, total, "QRR-BANK-1");
    let report = app
        .with_db(move |conn| {
            partnerdesk::payments::import(conn, &xml, "qrr.xml", partnerdesk::db::now()).unwrap()
        })
        .await;
    assert_eq!((report.settled, report.unknown), (1, 0), "{report:?}");
    let page = alice.get(&link).await;
    assert!(page.row("Paid on").is_some(), "{}", page.text());
}

#[tokio::test]
async fn long_details_wrap_within_the_page_and_a_paid_invoice_asks_no_payment() {
    let app = spawn_demo().await;
    let alice = app.logged_in("alice@acme.test").await;
    // The longest details the form takes, without a space to break at.
    let (name, street, town) = ("W".repeat(70), "M".repeat(70), "W".repeat(35));
    let form = [
        ("legal_name", name.as_str()),
        ("street", street.as_str()),
        ("house_number", "1234567890123456"),
        ("postcode", "1204"),
        ("town", town.as_str()),
        ("country", "CH"),
        ("vat_number", ""),
        ("billing_email", "billing@acme.test"),
    ];
    let saved = alice.submit("/billing", &form).await;
    assert_eq!(saved.location(), Some("/billing"), "{}", saved.text());
    order_domain_for_acme(&app, &alice).await;
    let (link, number, _, _) = newest_invoice(&app, &alice).await;
    let bytes = pdf(&alice, &format!("{link}/pdf"), &number).await;
    let codes = support::pdf::qr_codes(&bytes);
    assert_eq!(codes.len(), 1);
    let elements: Vec<&str> = codes[0].split('\n').collect();
    assert_eq!(
        elements[21..26],
        [name.as_str(), &street, "1234567890123456", "1204", &town]
    );
    // The name is printed whole, in pieces that each fit.
    let text: String = support::pdf::text(&bytes).split_whitespace().collect();
    assert!(text.contains(&name), "the name, wrapped");

    // Paid, the invoice asks for nothing more: no slip.
    let id = link.trim_start_matches("/invoices/").to_owned();
    app.with_db(move |conn| {
        partnerdesk::db::models::orders::record_payment(conn, &id, partnerdesk::db::now()).unwrap()
    })
    .await;
    let paid = pdf(&alice, &format!("{link}/pdf"), &number).await;
    assert!(support::pdf::qr_codes(&paid).is_empty());
    let text = support::pdf::text(&paid);
    assert!(
        text.contains("Paid on") && !text.contains("Payment part"),
        "{text}"
    );
}

/// A PNG of a red band, half see-through.
fn logo_png() -> Vec<u8> {
    let (width, height) = (120, 40);
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, width, height);
    encoder.set_color(png::ColorType::Rgba);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header().unwrap();
    let pixels: Vec<u8> = (0..width * height)
        .flat_map(|i| [200, 30, 30, if i % 3 == 0 { 0 } else { 255 }])
        .collect();
    writer.write_image_data(&pixels).unwrap();
    writer.finish().unwrap();
    out
}

#[tokio::test]
async fn the_providers_logo_heads_its_invoices_and_a_wrong_file_is_refused_at_start() {
    let dir = tempfile::tempdir().unwrap();
    let (logo, text) = (dir.path().join("logo.png"), dir.path().join("logo.txt"));
    std::fs::write(&logo, logo_png()).unwrap();
    std::fs::write(&text, "not a picture").unwrap();
    let vars = |logo: &std::path::Path| {
        let logo = logo.display().to_string();
        move |name: &str| {
            match name {
                "PROVIDER_NAME" => Some("Hosting SA"),
                "PROVIDER_STREET" => Some("Rue du Stand"),
                "PROVIDER_POSTCODE" => Some("1204"),
                "PROVIDER_TOWN" => Some("Genève"),
                "PROVIDER_COUNTRY" => Some("CH"),
                "PROVIDER_EMAIL" => Some("billing@hosting.test"),
                "PROVIDER_IBAN" => Some("CH93 0076 2011 6238 5295 7"),
                "PROVIDER_LOGO" => Some(logo.as_str()),
                _ => None,
            }
            .map(str::to_owned)
        }
    };
    let refused = Provider::from_vars(vars(&text)).unwrap_err();
    assert!(
        refused.contains("PROVIDER_LOGO") && refused.contains("not a PNG"),
        "{refused}"
    );
    let missing = Provider::from_vars(vars(&dir.path().join("none.png"))).unwrap_err();
    assert!(missing.contains("cannot be read"), "{missing}");
    let provider = Provider::from_vars(vars(&logo)).unwrap().unwrap();
    assert_eq!(
        provider.logo.as_ref().map(|l| (l.width, l.height)),
        Some((120, 40))
    );

    let app = spawn_app_with(move |config| config.provider = Some(provider)).await;
    seed_demo(&app).await;
    let alice = app.logged_in("alice@acme.test").await;
    let (link, number, _, _) = newest_invoice(&app, &alice).await;
    let bytes = pdf(&alice, &format!("{link}/pdf"), &number).await;
    let raw = String::from_utf8_lossy(&bytes);
    assert!(
        raw.contains("/Subtype /Image") && raw.contains("/SMask"),
        "the logo and its transparency"
    );
    assert!(support::pdf::text(&bytes).contains("Hosting SA"));
    assert_eq!(
        support::pdf::qr_codes(&bytes).len(),
        1,
        "the slip still scans"
    );
}
