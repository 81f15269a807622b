//! The documents people file: an invoice as a PDF, in the reader's language, with the
//! slip that pays it at the foot of its first page (a Swiss QR-bill, or the EPC's QR
//! code for a SEPA transfer in euros).

mod payment_part;

use crate::db::models::credit_notes::CreditNote;
use crate::db::models::invoices::{Invoice, Line, Subject};
use crate::domain::postal::Postal;
use crate::domain::{Currency, Money, Rate};
use crate::i18n::{In, date_in, money_in, rate_in};
use crate::payments::reference::Reference;
use crate::payments::slip::Payment;
use crate::pdf::{Document, Weight};
use crate::provider::Provider;

/// The page's left and right margins, in millimetres.
const LEFT: f32 = 20.0;
const RIGHT: f32 = 190.0;
/// How wide the addresses at the top may run: clear of the title and the dates.
const COLUMN: f32 = 95.0;

/// Writes `lines` from `y` down in the left column, each wrapped to its width; returns
/// where a next line would go.
fn block(doc: &mut Document, mut y: f32, size: f32, weight: Weight, lines: &[String]) -> f32 {
    for line in lines {
        for part in doc.wrap(weight, size, COLUMN, line) {
            doc.text(LEFT, y, size, weight, &part);
            y += size * 0.45 + 0.5;
        }
    }
    y
}

/// An invoice and what its document shows.
pub struct InvoiceDocument<'a> {
    pub invoice: &'a Invoice,
    pub lines: &'a [Line],
    pub subject: &'a Subject,
    /// Who issues it and where it is paid (none configured: no slip).
    pub provider: Option<&'a Provider>,
    /// The credit note that cancelled it, if one did.
    pub credit_note: Option<&'a CreditNote>,
    /// Whether the document is that credit note rather than the invoice.
    pub crediting: bool,
}

impl InvoiceDocument<'_> {
    /// The invoice, or its credit note, as a PDF in `tr`'s language.
    pub fn pdf(&self, tr: In) -> Vec<u8> {
        let invoice = self.invoice;
        let locale = tr.0;
        let credit = self.credit_note.filter(|_| self.crediting);
        // A credit note gives back each amount of its invoice.
        let sign = if credit.is_some() { -1 } else { 1 };
        let money = |minor: i64| money_in(locale, Money::new(sign * minor, invoice.currency));
        let title = match credit {
            Some(note) => tr.t1("Credit note %{number}", "number", &note.number),
            None => tr.t1("Invoice %{number}", "number", &invoice.number),
        };
        let mut doc = Document::new();

        // Who issues it, and the title (the seller's lines kept clear of it).
        let mut y = 25.0;
        if let Some(provider) = self.provider {
            if let Some(logo) = &provider.logo {
                // 12 mm high, at most 60 mm wide.
                let ratio = logo.width as f32 / logo.height as f32;
                let (width, height) = if 12.0 * ratio > 60.0 {
                    (60.0, 60.0 / ratio)
                } else {
                    (12.0 * ratio, 12.0)
                };
                doc.image(logo, LEFT, 12.0, width, height);
                y = 12.0 + height + 7.0;
            }
            let details = &provider.details;
            let seller = details.lines();
            y = block(&mut doc, y, 12.0, Weight::Bold, &seller[..1]);
            let rest: Vec<String> = seller[1..]
                .iter()
                .chain(&details.vat_number)
                .chain(std::iter::once(&details.billing_email))
                .cloned()
                .collect();
            y = block(&mut doc, y, 9.0, Weight::Regular, &rest);
        }
        doc.text_right(RIGHT, 25.0, 18.0, Weight::Bold, &title);

        // Whom it is addressed to, and its dates.
        let mut y = y.max(45.0) + 8.0;
        let top = y;
        let addressee = if credit.is_some() {
            tr.t("Credited to")
        } else {
            tr.t("Bill to")
        };
        doc.text(LEFT, y, 8.0, Weight::Bold, &addressee);
        y += 5.0;
        let buyer = invoice.buyer();
        let mut addressed = buyer
            .as_ref()
            .map_or_else(|| vec![invoice.payer_name.clone()], |b| b.lines());
        addressed.extend(invoice.buyer_vat_number.clone());
        let y = block(&mut doc, y, 10.0, Weight::Regular, &addressed);
        let mut dates = match credit {
            Some(note) => vec![(tr.t("Credited on"), date_in(locale, note.issued_at.date()))],
            None => vec![
                (tr.t("Issued"), date_in(locale, invoice.issued_at.date())),
                (tr.t("Due"), date_in(locale, invoice.due_on)),
            ],
        };
        if let Some(paid) = invoice.paid_at {
            dates.push((tr.t("Paid on"), date_in(locale, paid.date())));
        }
        let mut right = top;
        for (label, value) in &dates {
            doc.text(120.0, right, 9.0, Weight::Bold, label);
            doc.text_right(RIGHT, right, 9.0, Weight::Regular, value);
            right += 5.0;
        }

        // What it bills.
        let subject = self.subject;
        let mut y = y.max(right) + 9.0;
        if let Some(note) = self.credit_note {
            let said = if credit.is_some() {
                tr.t2(
                    "Cancels invoice %{number} of %{date}.",
                    "number",
                    &invoice.number,
                    "date",
                    date_in(locale, invoice.issued_at.date()),
                )
            } else {
                tr.t2(
                    "Cancelled by credit note %{number} of %{date}: nothing is to be paid.",
                    "number",
                    &note.number,
                    "date",
                    date_in(locale, note.issued_at.date()),
                )
            };
            doc.text(LEFT, y, 10.0, Weight::Bold, &said);
            y += 5.0;
            let reason = tr.t1("Reason: %{reason}", "reason", &note.reason);
            for line in doc.wrap(Weight::Regular, 10.0, RIGHT - LEFT, &reason) {
                doc.text(LEFT, y, 10.0, Weight::Regular, &line);
                y += 5.0;
            }
            y += 5.0;
        }
        let about = [
            tr.t2(
                "%{product}, installed in %{customer}",
                "product",
                &subject.product_name,
                "customer",
                &subject.customer_name,
            ),
            tr.t2(
                "%{start} to %{end}",
                "start",
                date_in(locale, subject.period_start),
                "end",
                date_in(locale, subject.period_end),
            ),
        ];
        for line in &about {
            for part in doc.wrap(Weight::Regular, 10.0, RIGHT - LEFT, line) {
                doc.text(LEFT, y, 10.0, Weight::Regular, &part);
                y += 5.0;
            }
        }
        y += 5.0;
        doc.text(LEFT, y, 9.0, Weight::Bold, &tr.t("Description"));
        doc.text_right(RIGHT, y, 9.0, Weight::Bold, &tr.t("Amount"));
        y += 2.0;
        doc.rule((LEFT, y), (RIGHT, y), 0.5, false);
        for line in self.lines {
            y += 6.0;
            let wrapped = doc.wrap(Weight::Regular, 10.0, 120.0, &line.worded(tr.0));
            doc.text_right(RIGHT, y, 10.0, Weight::Regular, &money(line.amount));
            for (i, part) in wrapped.iter().enumerate() {
                if i > 0 {
                    y += 4.5;
                }
                doc.text(LEFT, y, 10.0, Weight::Regular, part);
            }
        }
        y += 3.0;
        doc.rule((LEFT, y), (RIGHT, y), 0.5, false);
        let rate = Rate::from_bp(invoice.vat_rate_bp)
            .map_or_else(|_| String::new(), |r| rate_in(locale, r));
        let totals = [
            (tr.t("Subtotal"), money(invoice.subtotal), Weight::Regular),
            (
                tr.t1("VAT %{rate}", "rate", rate),
                money(invoice.vat),
                Weight::Regular,
            ),
            (tr.t("Total"), money(invoice.total), Weight::Bold),
        ];
        for (label, amount, weight) in &totals {
            y += 6.0;
            doc.text(120.0, y, 10.0, *weight, label);
            doc.text_right(RIGHT, y, 10.0, *weight, amount);
        }

        // How to pay it, unless nothing is to be paid (paid already, or cancelled).
        let payable = self.credit_note.is_none() && invoice.paid_at.is_none();
        if let Some(provider) = self.provider.filter(|_| payable) {
            self.payment(&mut doc, tr, provider, (&title, buyer.as_ref()), y + 14.0);
        }
        doc.finish(&title)
    }

    /// How to pay the invoice, from `y`: the account and the reference, then the slip
    /// (at the foot of the page, or of a page of its own when the invoice reaches it).
    fn payment(
        &self,
        doc: &mut Document,
        tr: In,
        provider: &Provider,
        (title, buyer): (&str, Option<&Postal>),
        mut y: f32,
    ) {
        let invoice = self.invoice;
        let money = |minor: i64| money_in(tr.0, Money::new(minor, invoice.currency));
        let reference = invoice.reference();
        let pay = [
            (tr.t("Pay to the account"), provider.iban_grouped()),
            (tr.t("Payment reference"), reference.printed()),
        ];
        for (label, value) in &pay {
            doc.text(LEFT, y, 9.0, Weight::Bold, label);
            doc.text(70.0, y, 9.0, Weight::Regular, value);
            y += 5.0;
        }
        // A QR reference goes with a QR-IBAN and a creditor reference with any other
        // account: an invoice issued before the account changed keeps its reference,
        // and no slip that a bank would refuse is printed for it.
        let fits = matches!(reference, Reference::Qr(_)) == provider.qr_iban();
        if !fits {
            return;
        }
        let creditor = provider.details.postal();
        let payment = Payment {
            account: &provider.iban,
            creditor: &creditor,
            amount: invoice.total,
            currency: invoice.currency,
            debtor: buyer,
            reference: &reference,
            message: title.to_owned(),
        };
        if invoice.currency == Currency::Eur && !provider.qr_iban() {
            let lines = [
                provider.details.legal_name.clone(),
                provider.iban_grouped(),
                reference.printed(),
                money(invoice.total),
            ];
            let caption = tr.t("Scan to pay by SEPA transfer");
            let top = y.max(200.0);
            if top + 45.0 > crate::pdf::HEIGHT {
                doc.new_page();
                payment_part::epc(doc, &payment, 25.0, &caption, &lines);
            } else {
                payment_part::epc(doc, &payment, top, &caption, &lines);
            }
        } else {
            if y > payment_part::TOP - 6.0 {
                doc.new_page();
            }
            payment_part::qr_bill(doc, &payment, tr.0.language());
        }
    }
}
