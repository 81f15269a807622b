//! The slips at the foot of an invoice's first page: the Swiss QR-bill's receipt and
//! payment part (the implementation guidelines' layout: 62 and 148 mm wide, 105 mm
//! high, the QR code 46 mm with the Swiss cross, headings in the words the guidelines
//! give each language), or a box with the EPC's QR code for a SEPA transfer.

use qrcode::{Color, EcLevel, QrCode};

use crate::payments::slip::Payment;
use crate::pdf::{Document, HEIGHT, WIDTH, Weight};

/// Where the QR-bill starts, from the page's top.
pub const TOP: f32 = HEIGHT - 105.0;

/// The QR-bill's headings, as the guidelines word them in English and in French.
struct Headings {
    receipt: &'static str,
    payment_part: &'static str,
    account: &'static str,
    reference: &'static str,
    information: &'static str,
    payable_by: &'static str,
    payable_by_blank: &'static str,
    currency: &'static str,
    amount: &'static str,
    acceptance: &'static str,
    separate: &'static str,
}

fn headings(language: &str) -> Headings {
    match language {
        "fr" => Headings {
            receipt: "Récépissé",
            payment_part: "Section paiement",
            account: "Compte / Payable à",
            reference: "Référence",
            information: "Informations supplémentaires",
            payable_by: "Payable par",
            payable_by_blank: "Payable par (nom/adresse)",
            currency: "Monnaie",
            amount: "Montant",
            acceptance: "Point de dépôt",
            separate: "A détacher avant le versement",
        },
        _ => Headings {
            receipt: "Receipt",
            payment_part: "Payment part",
            account: "Account / Payable to",
            reference: "Reference",
            information: "Additional information",
            payable_by: "Payable by",
            payable_by_blank: "Payable by (name/address)",
            currency: "Currency",
            amount: "Amount",
            acceptance: "Acceptance point",
            separate: "Separate before paying in",
        },
    }
}

/// An amount as the QR-bill prints it: a space between thousands, a point before the
/// centimes (`1 949.75`).
fn printed_amount(amount: &str) -> String {
    let (whole, cents) = amount.split_once('.').unwrap_or((amount, "00"));
    let digits: Vec<char> = whole.chars().collect();
    let mut grouped = String::new();
    for (i, c) in digits.iter().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            grouped.push(' ');
        }
        grouped.push(*c);
    }
    format!("{grouped}.{cents}")
}

/// A column of headed values: where it is, its type sizes (points) and line step
/// (millimetres), and how low it may reach.
struct Column {
    x: f32,
    width: f32,
    heading: f32,
    value: f32,
    step: f32,
    gap: f32,
    bottom: f32,
}

/// The receipt's: headings 6 pt, values 8 pt, above its amount.
const RECEIPT: Column = Column {
    x: 5.0,
    width: 52.0,
    heading: 6.0,
    value: 8.0,
    step: 3.2,
    gap: 2.0,
    bottom: TOP + 64.0,
};

/// The payment part's: headings 8 pt, values 10 pt, down to the page's margin.
const PAYMENT_PART: Column = Column {
    x: 118.0,
    width: 87.0,
    heading: 8.0,
    value: 10.0,
    step: 3.9,
    gap: 2.5,
    bottom: HEIGHT - 5.0,
};

/// Writes `heading` and its `values` from `y` down in `column`, each wrapped to its
/// width; what would reach below the column is cut, its last line ending in "…".
fn section(doc: &mut Document, column: &Column, y: &mut f32, heading: &str, values: &[String]) {
    if *y > column.bottom {
        return;
    }
    doc.text(column.x, *y, column.heading, Weight::Bold, heading);
    *y += column.step;
    let mut lines = Vec::new();
    for value in values {
        lines.extend(doc.wrap(Weight::Regular, column.value, column.width, value));
    }
    let room = ((column.bottom - *y) / column.step).max(0.0) as usize + 1;
    let cut = lines.len() > room;
    lines.truncate(room);
    if let Some(last) = lines.last_mut().filter(|_| cut) {
        last.push('…');
    }
    for line in &lines {
        doc.text(column.x, *y, column.value, Weight::Regular, line);
        *y += column.step;
    }
    *y += column.gap;
}

/// Draws the QR-bill of `payment` across the foot of the page, in `language`.
pub fn qr_bill(doc: &mut Document, payment: &Payment<'_>, language: &str) {
    let h = headings(language);
    // Printed on plain paper: the lines to cut along, and the note to do so.
    let note = h.separate;
    let width = doc.width(Weight::Regular, 7.0, note);
    doc.text((WIDTH - width) / 2.0, TOP - 1.5, 7.0, Weight::Regular, note);
    doc.rule((0.0, TOP), (WIDTH, TOP), 0.5, true);
    doc.rule((62.0, TOP), (62.0, HEIGHT), 0.5, true);
    let account = crate::domain::in_fours(payment.account);
    let reference = payment.reference.printed();
    let amount = payment.amount().map(|a| printed_amount(&a));

    // The receipt: headings 6 pt, values 8 pt.
    doc.text(5.0, TOP + 9.0, 11.0, Weight::Bold, h.receipt);
    let mut y = TOP + 15.0;
    let mut creditor = vec![account.clone()];
    creditor.extend(payment.creditor.slip_lines());
    let receipt = &RECEIPT;
    section(doc, receipt, &mut y, h.account, &creditor);
    section(
        doc,
        receipt,
        &mut y,
        h.reference,
        std::slice::from_ref(&reference),
    );
    match payment.debtor {
        Some(debtor) => section(doc, receipt, &mut y, h.payable_by, &debtor.slip_lines()),
        None => {
            doc.text(5.0, y, 6.0, Weight::Bold, h.payable_by_blank);
            corners(doc, 5.0, y + 1.5, 52.0, 20.0);
        }
    }
    doc.text(5.0, TOP + 68.0, 6.0, Weight::Bold, h.currency);
    doc.text(18.0, TOP + 68.0, 6.0, Weight::Bold, h.amount);
    doc.text(
        5.0,
        TOP + 72.0,
        8.0,
        Weight::Regular,
        payment.currency.code(),
    );
    match &amount {
        Some(amount) => doc.text(18.0, TOP + 72.0, 8.0, Weight::Regular, amount),
        None => corners(doc, 27.0, TOP + 69.0, 30.0, 10.0),
    }
    doc.text_right(57.0, TOP + 82.0, 6.0, Weight::Bold, h.acceptance);

    // The payment part: headings 8 pt, values 10 pt.
    doc.text(67.0, TOP + 9.0, 11.0, Weight::Bold, h.payment_part);
    qr_code(doc, &payment.qr_bill(), 67.0, TOP + 17.0, 46.0);
    swiss_cross(doc, 67.0 + 23.0, TOP + 17.0 + 23.0);
    doc.text(67.0, TOP + 71.0, 8.0, Weight::Bold, h.currency);
    doc.text(80.0, TOP + 71.0, 8.0, Weight::Bold, h.amount);
    doc.text(
        67.0,
        TOP + 76.0,
        10.0,
        Weight::Regular,
        payment.currency.code(),
    );
    match &amount {
        Some(amount) => doc.text(80.0, TOP + 76.0, 10.0, Weight::Regular, amount),
        None => corners(doc, 80.0, TOP + 72.5, 40.0, 15.0),
    }
    let mut y = TOP + 9.0;
    let part = &PAYMENT_PART;
    section(doc, part, &mut y, h.account, &creditor);
    section(
        doc,
        part,
        &mut y,
        h.reference,
        std::slice::from_ref(&reference),
    );
    let message = std::slice::from_ref(&payment.message);
    section(doc, part, &mut y, h.information, message);
    match payment.debtor {
        Some(debtor) => section(doc, part, &mut y, h.payable_by, &debtor.slip_lines()),
        None => {
            doc.text(118.0, y, 8.0, Weight::Bold, h.payable_by_blank);
            corners(doc, 118.0, y + 2.0, 65.0, 25.0);
        }
    }
}

/// Draws the EPC's QR code of `payment` with what it says, from `y`; `caption` heads it.
pub fn epc(doc: &mut Document, payment: &Payment<'_>, y: f32, caption: &str, lines: &[String]) {
    doc.text(20.0, y, 9.0, Weight::Bold, caption);
    qr_code(doc, &payment.epc(), 20.0, y + 3.0, 36.0);
    let mut at = y + 7.0;
    for line in lines {
        doc.text(62.0, at, 9.0, Weight::Regular, line);
        at += 4.5;
    }
}

/// The box of a value left for the payer to write: its four corners.
fn corners(doc: &mut Document, x: f32, y: f32, width: f32, height: f32) {
    let arm = 3.0;
    for (cx, cy, dx, dy) in [
        (x, y, arm, arm),
        (x + width, y, -arm, arm),
        (x, y + height, arm, -arm),
        (x + width, y + height, -arm, -arm),
    ] {
        doc.rule((cx, cy), (cx + dx, cy), 0.75, false);
        doc.rule((cx, cy), (cx, cy + dy), 0.75, false);
    }
}

/// `data` as a QR code (error correction M, as both standards ask), `size` millimetres
/// square from (`x`, `y`).
fn qr_code(doc: &mut Document, data: &str, x: f32, y: f32, size: f32) {
    // Both payloads are a few hundred bytes at most, well within a QR code.
    let code = QrCode::with_error_correction_level(data.as_bytes(), EcLevel::M)
        .expect("a payment's data fits in a QR code");
    let width = code.width();
    let module = size / width as f32;
    let colors = code.to_colors();
    // Each run of dark modules in a row as one rectangle: no seam between them for a
    // scanner to read as light.
    for (row, modules) in colors.chunks(width).enumerate() {
        let mut col = 0;
        while col < width {
            let run = modules[col..]
                .iter()
                .take_while(|c| **c == Color::Dark)
                .count();
            if run > 0 {
                let (left, top) = (x + col as f32 * module, y + row as f32 * module);
                doc.fill(left, top, run as f32 * module, module, 0.0);
            }
            col += run.max(1);
        }
    }
}

/// The Swiss cross at the QR code's centre: 7 mm, white edged.
fn swiss_cross(doc: &mut Document, cx: f32, cy: f32) {
    doc.fill(cx - 3.5, cy - 3.5, 7.0, 7.0, 1.0);
    doc.fill(cx - 3.0, cy - 3.0, 6.0, 6.0, 0.0);
    let (long, wide) = (3.75, 1.15);
    doc.fill(cx - wide / 2.0, cy - long / 2.0, wide, long, 1.0);
    doc.fill(cx - long / 2.0, cy - wide / 2.0, long, wide, 1.0);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_are_printed_with_a_space_between_thousands() {
        assert_eq!(printed_amount("1949.75"), "1 949.75");
        assert_eq!(printed_amount("999999999.99"), "999 999 999.99");
        assert_eq!(printed_amount("12.00"), "12.00");
        assert_eq!(printed_amount("100.05"), "100.05");
        assert_eq!(printed_amount("1000.00"), "1 000.00");
    }
}
