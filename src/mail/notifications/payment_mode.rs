//! The payment-mode change: the partner's people are told, the customer's managers get
//! a confirmation (their own templates, for the details they carry).

use askama::Template;
use chrono::NaiveDateTime;

use crate::db::DbConn;
use crate::db::models::orgs::{self, Recipient};
use crate::db::models::outbox::{self, OutgoingEmail};
use crate::db::models::partnerships::PartnershipView;
use crate::domain::{Money, PaymentMode, Role, Side};
use crate::i18n::{In, date_in, datetime_in, money_in};
use crate::mail::MailContext;
use crate::partnerships::RenewalPreview;

/// The facts of a payment-mode change, as both emails tell them.
pub struct PaymentModeChange<'a> {
    pub partnership: &'a PartnershipView,
    pub from: PaymentMode,
    pub to: PaymentMode,
    pub changed_by_name: &'a str,
    pub changed_by_email: &'a str,
    pub changed_at: NaiveDateTime,
    /// The automatic renewals coming up whose payer the change moves.
    pub renewals: &'a [RenewalPreview],
}

#[derive(Template)]
#[template(path = "emails/payment_mode_changed_partner.txt")]
struct ToPartnerText<'a> {
    m: &'a MessageFacts<'a>,
    tr: In,
}

#[derive(Template)]
#[template(path = "emails/payment_mode_changed_partner.html")]
struct ToPartnerHtml<'a> {
    m: &'a MessageFacts<'a>,
    tr: In,
}

#[derive(Template)]
#[template(path = "emails/payment_mode_changed_customer.txt")]
struct ToCustomerText<'a> {
    m: &'a MessageFacts<'a>,
    tr: In,
}

#[derive(Template)]
#[template(path = "emails/payment_mode_changed_customer.html")]
struct ToCustomerHtml<'a> {
    m: &'a MessageFacts<'a>,
    tr: In,
}

/// What a template shows: the change, the recipient, and the link to follow.
struct MessageFacts<'a> {
    recipient_name: &'a str,
    customer_name: &'a str,
    partner_name: &'a str,
    from: &'static str,
    to: &'static str,
    partner_pays_now: bool,
    /// "Name (email)".
    changed_by: String,
    changed_at: String,
    link: String,
    /// The renewals whose payer changes, as the recipient reads them: product, day, and
    /// what the new payer pays before VAT.
    renewals: Vec<(String, String, String)>,
}

impl<'a> MessageFacts<'a> {
    fn new(
        change: &'a PaymentModeChange<'a>,
        mail: &MailContext,
        recipient: &'a Recipient,
        path: &str,
    ) -> Self {
        let p = change.partnership;
        MessageFacts {
            recipient_name: &recipient.name,
            customer_name: &p.customer_name,
            partner_name: &p.partner_name,
            from: change.from.label(),
            to: change.to.label(),
            partner_pays_now: change.to == PaymentMode::PartnerPays,
            changed_by: format!("{} ({})", change.changed_by_name, change.changed_by_email),
            changed_at: datetime_in(recipient.locale(), change.changed_at),
            link: mail.base_url.link(path),
            renewals: change
                .renewals
                .iter()
                .map(|r| {
                    (
                        r.product_name.clone(),
                        date_in(recipient.locale(), r.renews_on),
                        money_in(recipient.locale(), Money::new(r.after.price, r.currency)),
                    )
                })
                .collect(),
        }
    }
}

/// Tells the partner's legal reps, admins and billing staff, and confirms to the
/// customer's legal reps and admins. Returns how many emails were queued.
pub fn payment_mode_changed(
    conn: &mut DbConn,
    mail: &MailContext,
    change: &PaymentModeChange<'_>,
) -> anyhow::Result<usize> {
    let p = change.partnership;
    let told: [(Side, &str, &[Role]); 2] = [
        (Side::Partner, &p.partner_org_id, Role::PARTNER_NOTIFIED),
        (Side::Customer, &p.customer_org_id, Role::MANAGERS),
    ];
    let mut emails = Vec::new();
    for (side, org_id, roles) in told {
        let link = crate::paths::in_org(&crate::paths::partnership(side, &p.id), org_id);
        for recipient in orgs::recipients(conn, org_id, roles)? {
            let tr = In(recipient.locale());
            let m = MessageFacts::new(change, mail, &recipient, &link);
            let mode = tr.t(change.to.label());
            let (subject, body_text, body_html) = match side {
                Side::Partner => (
                    tr.t2(
                        "%{customer} changed who pays: now “%{mode}”",
                        "customer",
                        &p.customer_name,
                        "mode",
                        mode,
                    ),
                    ToPartnerText { m: &m, tr }.render()?,
                    ToPartnerHtml { m: &m, tr }.render()?,
                ),
                Side::Customer => (
                    tr.t2(
                        "Payment mode for %{partner} changed to “%{mode}”",
                        "partner",
                        &p.partner_name,
                        "mode",
                        mode,
                    ),
                    ToCustomerText { m: &m, tr }.render()?,
                    ToCustomerHtml { m: &m, tr }.render()?,
                ),
            };
            emails.push(OutgoingEmail {
                subject,
                body_text,
                body_html,
                recipient: recipient.email.clone(),
                recipient_name: recipient.name.clone(),
            });
        }
    }
    for email in &emails {
        outbox::enqueue(conn, email, &mail.message_domain)?;
    }
    Ok(emails.len())
}
