//! What the two sides of a partnership are told: an invitation sent, answered, closed
//! or expired; rights changed; products moved to another partner; the end.

use crate::db::DbConn;
use crate::db::models::partnerships::PartnershipView;
use crate::domain::{Access, PaymentMode, Role, Side};
use crate::i18n::Text;
use crate::mail::MailContext;
use crate::mail::notifications::{Notice, people, send_notice};
use crate::partnerships::Actor;
use crate::paths;

fn org_of(p: &PartnershipView, side: Side) -> &str {
    match side {
        Side::Customer => &p.customer_org_id,
        Side::Partner => &p.partner_org_id,
    }
}

fn name_of(p: &PartnershipView, side: Side) -> &str {
    match side {
        Side::Customer => &p.customer_name,
        Side::Partner => &p.partner_name,
    }
}

/// The partnership's page on `side`, opened in that side's organization.
fn page(p: &PartnershipView, side: Side) -> String {
    paths::in_org(&paths::partnership(side, &p.id), org_of(p, side))
}

/// Who on each side hears about a partnership: the partner's billing staff too, since
/// who pays concerns them.
fn told_on(side: Side) -> &'static [Role] {
    match side {
        Side::Partner => Role::PARTNER_NOTIFIED,
        Side::Customer => Role::MANAGERS,
    }
}

/// Tells `roles` of the organization at `side` of `p`.
fn tell(
    conn: &mut DbConn,
    mail: &MailContext,
    p: &PartnershipView,
    side: Side,
    roles: &[Role],
    notice: &Notice,
) -> anyhow::Result<()> {
    let recipients = people(conn, org_of(p, side), roles)?;
    send_notice(conn, mail, &recipients, notice)?;
    Ok(())
}

/// The rights granted, as the emails list them (`products`: how many, with limited access).
fn grant_facts(access: Access, products: usize) -> Vec<(Text, Text)> {
    let mut facts = vec![(Text::new("Access"), Text::new(access.kind().label()))];
    match access {
        Access::Full(mode) => facts.push((Text::new("Who pays"), Text::new(mode.label()))),
        Access::Limited => facts.push((
            Text::new("Products"),
            Text::new("%{count}").arg("count", products),
        )),
    }
    facts
}

/// The invitation (sent first, or again) to the invited side's managers, answerable
/// until `until` (an ISO date).
pub fn invitation(
    conn: &mut DbConn,
    mail: &MailContext,
    p: &PartnershipView,
    actor: &Actor<'_>,
    products: usize,
    until: &str,
) -> anyhow::Result<()> {
    let notice = match p.initiated_by {
        Side::Customer => Notice {
            subject: Text::new("%{customer} invites %{partner} to manage its products")
                .arg("customer", &p.customer_name)
                .arg("partner", &p.partner_name),
            paragraphs: vec![
                Text::new("%{actor} (%{email}) of %{customer} invites %{partner} to manage %{customer}'s products, with the rights below.")
                    .arg("actor", actor.user_name)
                    .arg("email", actor.user_email)
                    .arg("customer", &p.customer_name)
                    .arg("partner", &p.partner_name),
                Text::new("Accept or refuse the invitation by %{date}; after that it expires.").arg("date", until),
            ],
            facts: grant_facts(p.access, products),
            action: Some(("Accept or refuse".into(), page(p, Side::Partner))),
        },
        Side::Partner => Notice {
            subject: Text::new("%{partner} asks to manage %{customer}'s products")
                .arg("partner", &p.partner_name)
                .arg("customer", &p.customer_name),
            paragraphs: vec![
                Text::new("%{actor} (%{email}) of %{partner} asks for %{access} to the products of %{customer}.")
                    .arg("actor", actor.user_name)
                    .arg("email", actor.user_email)
                    .arg("partner", &p.partner_name)
                    .text("access", p.access.kind().in_sentence())
                    .arg("customer", &p.customer_name),
                Text::new("You decide which rights you grant and, with full access, who pays. Answer by %{date}; after that the request expires.")
                    .arg("date", until),
            ],
            facts: Vec::new(),
            action: Some(("Answer the request".into(), page(p, Side::Customer))),
        },
    };
    let invited = p.initiated_by.other();
    tell(conn, mail, p, invited, Role::MANAGERS, &notice)
}

/// `side` accepted the invitation with `access`: the other side's managers are told.
pub fn accepted(
    conn: &mut DbConn,
    mail: &MailContext,
    p: &PartnershipView,
    side: Side,
    actor: &Actor<'_>,
    access: Access,
    products: usize,
) -> anyhow::Result<()> {
    let notice = Notice {
        subject: Text::new("%{org} accepted: %{partner} now manages %{customer}'s products")
            .arg("org", name_of(p, side))
            .arg("partner", &p.partner_name)
            .arg("customer", &p.customer_name),
        paragraphs: vec![
            Text::new("%{actor} (%{email}) of %{org} accepted the invitation. The collaboration starts now.")
                .arg("actor", actor.user_name)
                .arg("email", actor.user_email)
                .arg("org", name_of(p, side)),
        ],
        facts: grant_facts(access, products),
        action: Some((
            "See the collaboration".into(),
            page(p, side.other()),
        )),
    };
    tell(conn, mail, p, side.other(), Role::MANAGERS, &notice)
}

/// `side` refused (or, when `refused` is false, withdrew) the invitation.
pub fn invitation_closed(
    conn: &mut DbConn,
    mail: &MailContext,
    p: &PartnershipView,
    side: Side,
    actor: &Actor<'_>,
    refused: bool,
) -> anyhow::Result<()> {
    let (subject, paragraph) = if refused {
        (
            "%{org} refused the invitation between %{customer} and %{partner}",
            "%{actor} (%{email}) of %{org} refused the invitation. Nothing changes for your products.",
        )
    } else {
        (
            "%{org} withdrew the invitation between %{customer} and %{partner}",
            "%{actor} (%{email}) of %{org} withdrew the invitation. Nothing changes for your products.",
        )
    };
    let notice = Notice {
        subject: Text::new(subject)
            .arg("org", name_of(p, side))
            .arg("customer", &p.customer_name)
            .arg("partner", &p.partner_name),
        paragraphs: vec![
            Text::new(paragraph)
                .arg("actor", actor.user_name)
                .arg("email", actor.user_email)
                .arg("org", name_of(p, side)),
        ],
        facts: Vec::new(),
        action: Some(("See the timeline".into(), page(p, side.other()))),
    };
    tell(conn, mail, p, side.other(), Role::MANAGERS, &notice)
}

/// What an access change says, to both sides.
pub struct AccessChanged {
    pub from: Access,
    pub to: Access,
    /// With limited access: how many products the partner keeps.
    pub listed: usize,
    /// When who pays the renewals changes with it: who pays from now on.
    pub pays_now: Option<PaymentMode>,
}

pub fn access_changed(
    conn: &mut DbConn,
    mail: &MailContext,
    p: &PartnershipView,
    actor: &Actor<'_>,
    change: &AccessChanged,
) -> anyhow::Result<()> {
    let mut paragraphs = vec![
        Text::new("%{actor} (%{email}) of %{customer} changed the rights of %{partner}.")
            .arg("actor", actor.user_name)
            .arg("email", actor.user_email)
            .arg("customer", &p.customer_name)
            .arg("partner", &p.partner_name),
    ];
    if change.to == Access::Limited {
        paragraphs.push(
            Text::new("%{partner} keeps technical rights on %{count} listed product(s). %{customer} now pays for all its orders and renewals.")
                .arg("partner", &p.partner_name)
                .arg("count", change.listed)
                .arg("customer", &p.customer_name),
        );
    }
    if let Some(mode) = change.pays_now {
        let payer = match mode {
            PaymentMode::PartnerPays => &p.partner_name,
            PaymentMode::CustomerPays => &p.customer_name,
        };
        paragraphs.push(
            Text::new("Who pays changes with it: from now on %{payer} pays the renewals of the products %{partner} manages for %{customer}, and the orders %{partner} places.")
                .arg("payer", payer)
                .arg("partner", &p.partner_name)
                .arg("customer", &p.customer_name),
        );
    }
    for side in [Side::Partner, Side::Customer] {
        let notice = Notice {
            subject: Text::new("Access of %{partner} to %{customer}'s products changed")
                .arg("partner", &p.partner_name)
                .arg("customer", &p.customer_name),
            paragraphs: paragraphs.clone(),
            facts: vec![
                ("Before".into(), change.from.label().into()),
                ("Now".into(), change.to.label().into()),
            ],
            action: Some(("See the collaboration".into(), page(p, side))),
        };
        tell(conn, mail, p, side, told_on(side), &notice)?;
    }
    Ok(())
}

/// `side` stopped the collaboration: both sides are told.
pub fn ended(
    conn: &mut DbConn,
    mail: &MailContext,
    p: &PartnershipView,
    side: Side,
    actor: &Actor<'_>,
) -> anyhow::Result<()> {
    for notified in [Side::Partner, Side::Customer] {
        let notice = Notice {
            subject: Text::new("The collaboration between %{customer} and %{partner} has ended")
                .arg("customer", &p.customer_name)
                .arg("partner", &p.partner_name),
            paragraphs: vec![
                Text::new("%{actor} (%{email}) of %{org} stopped the collaboration between %{customer} and %{partner}.")
                    .arg("actor", actor.user_name)
                    .arg("email", actor.user_email)
                    .arg("org", name_of(p, side))
                    .arg("customer", &p.customer_name)
                    .arg("partner", &p.partner_name),
                Text::new("The products stay installed in %{customer}'s organization; from now on their renewals are billed to %{customer}. Invoices already issued stay where they are.")
                    .arg("customer", &p.customer_name),
            ],
            facts: Vec::new(),
            action: Some(("See the timeline".into(), page(p, notified))),
        };
        tell(conn, mail, p, notified, told_on(notified), &notice)?;
    }
    Ok(())
}

/// Nobody answered within `days` days: the inviting side is told.
pub fn invitation_expired(
    conn: &mut DbConn,
    mail: &MailContext,
    p: &PartnershipView,
    days: i64,
) -> anyhow::Result<()> {
    let invited = name_of(p, p.initiated_by.other());
    let notice = Notice {
        subject: Text::new("Your invitation to %{org} expired").arg("org", invited),
        paragraphs: vec![
            Text::new("%{org} did not answer within %{days} days, so the invitation is closed. You can send a new one.")
                .arg("org", invited)
                .arg("days", days),
        ],
        facts: Vec::new(),
        action: Some((
            "See the timeline".into(),
            page(p, p.initiated_by),
        )),
    };
    tell(conn, mail, p, p.initiated_by, Role::MANAGERS, &notice)
}

/// The customer gave the products `names` that `losing` managed to another partner:
/// `losing`'s people are told, as the customer's decision, without naming who.
pub fn products_moved(
    conn: &mut DbConn,
    mail: &MailContext,
    losing: &PartnershipView,
    names: &[&str],
) -> anyhow::Result<()> {
    let notice = Notice {
        subject: Text::new("%{customer} gave products you manage to another partner")
            .arg("customer", &losing.customer_name),
        paragraphs: vec![
            Text::new("%{customer} chose another partner to manage the products below: %{partner} no longer manages them, and no longer earns on their renewals. Invoices already issued stay where they are.")
                .arg("customer", &losing.customer_name)
                .arg("partner", &losing.partner_name),
        ],
        facts: names
            .iter()
            .map(|name| (Text::new("Product"), Text::new("%{name}").arg("name", *name)))
            .collect(),
        action: Some((
            "See the timeline".into(),
            page(losing, Side::Partner),
        )),
    };
    tell(
        conn,
        mail,
        losing,
        Side::Partner,
        Role::PARTNER_NOTIFIED,
        &notice,
    )
}
