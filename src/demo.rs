//! The demo data (docs/design.md §1): two customers, two partners, their people and
//! relationships, written through the same code the application uses.

use chrono::{NaiveDate, NaiveDateTime, TimeDelta};

use crate::auth::password;
use crate::db::models::events::{self, NewEvent};
use crate::db::models::orders as order_rows;
use crate::db::models::{orgs, partnerships, users};
use crate::db::{DbConn, now, write_tx};
use crate::domain::Side;
use crate::domain::{
    Access, Currency, EmailAddress, EventKind, PartnershipStatus, PaymentMode, Rate, Role,
};
use crate::orders::{self, Acting, Request};

pub const PASSWORD: &str = "partnerdesk-demo";

/// One demo login, as `demo` prints it.
pub struct DemoLogin {
    pub email: &'static str,
    pub name: &'static str,
    pub org: &'static str,
    pub role: Role,
}

pub const LOGINS: &[DemoLogin] = &[
    DemoLogin {
        email: "alice@acme.test",
        name: "Alice Martin",
        org: ACME,
        role: Role::LegalRep,
    },
    DemoLogin {
        email: "bob@acme.test",
        name: "Bob Keller",
        org: ACME,
        role: Role::Technical,
    },
    DemoLogin {
        email: "paul@webagency.test",
        name: "Paul Favre",
        org: WEB_AGENCY,
        role: Role::LegalRep,
    },
    DemoLogin {
        email: "petra@studio.test",
        name: "Petra Schmid",
        org: STUDIO,
        role: Role::Admin,
    },
    DemoLogin {
        email: "carla@beta.test",
        name: "Carla Rossi",
        org: BETA,
        role: Role::LegalRep,
    },
];

pub const ACME: &str = "Acme SA";
pub const WEB_AGENCY: &str = "Web Agency Sàrl";
pub const STUDIO: &str = "Digital Studio GmbH";
pub const BETA: &str = "Beta AG";

/// Seeds the demo when the database holds no organization yet. Returns whether it did.
pub fn seed_if_empty(conn: &mut DbConn) -> anyhow::Result<bool> {
    if orgs::count(conn)? > 0 {
        return Ok(false);
    }
    // One hash for all demo users keeps `demo` quick; they share the password anyway.
    let hash = password::hash(PASSWORD)?;
    write_tx(conn, |conn| seed(conn, &hash))?;
    Ok(true)
}

fn seed(conn: &mut DbConn, password_hash: &str) -> anyhow::Result<()> {
    let acme = orgs::create(conn, ACME, Currency::Chf)?;
    let agency = orgs::create(conn, WEB_AGENCY, Currency::Chf)?;
    let studio = orgs::create(conn, STUDIO, Currency::Chf)?;
    let beta = orgs::create(conn, BETA, Currency::Chf)?;
    orgs::make_partner(
        conn,
        &agency.id,
        Rate::from_bp(2000).map_err(anyhow::Error::msg)?,
    )?;
    orgs::make_partner(
        conn,
        &studio.id,
        Rate::from_bp(1000).map_err(anyhow::Error::msg)?,
    )?;

    // Who each one's invoices are addressed to.
    for (org, (street, number, postcode, town, vat)) in
        [&acme, &agency, &studio, &beta].into_iter().zip([
            (
                "Rue du Rhône",
                "12",
                "1204",
                "Genève",
                Some("CHE-116.281.710 MWST"),
            ),
            (
                "Avenue de la Gare",
                "5",
                "1003",
                "Lausanne",
                Some("CHE-123.456.788 TVA"),
            ),
            (
                "Bahnhofstrasse",
                "21",
                "8001",
                "Zürich",
                Some("CHE-287.654.328 MWST"),
            ),
            ("Marktgasse", "3", "3011", "Bern", None),
        ])
    {
        let domain = org
            .name
            .split_whitespace()
            .next()
            .unwrap_or("org")
            .to_lowercase();
        let details = crate::domain::address::BillingDetails {
            legal_name: org.name.clone(),
            street: street.into(),
            house_number: number.into(),
            postcode: postcode.into(),
            town: town.into(),
            country: "CH".into(),
            vat_number: vat.map(str::to_owned),
            billing_email: format!("billing@{domain}.test"),
        };
        crate::db::models::billing_details::save(conn, &org.id, &details, crate::db::now())?;
    }

    let mut user_ids = Vec::new();
    for login in LOGINS {
        let email = EmailAddress::parse(login.email).map_err(anyhow::Error::msg)?;
        let user = users::create(conn, &email, login.name, password_hash)?;
        let org = [&acme, &agency, &studio, &beta]
            .into_iter()
            .find(|o| o.name == login.org)
            .ok_or_else(|| anyhow::anyhow!("demo login for unknown organization {}", login.org))?;
        orgs::add_member(conn, &org.id, &user.id, login.role)?;
        user_ids.push((login.email, user.id, org.id.clone()));
    }
    let user = |email: &str| {
        user_ids
            .iter()
            .find(|(e, _, _)| *e == email)
            .map(|(_, id, org)| (id.clone(), org.clone()))
    };

    // Each relationship: invited by the customer's legal rep, accepted by the partner.
    let today = now().date();
    let relationships = [
        (
            &acme,
            &agency,
            Access::Full(PaymentMode::CustomerPays),
            "alice@acme.test",
            "paul@webagency.test",
            420,
        ),
        (
            &acme,
            &studio,
            Access::Limited,
            "alice@acme.test",
            "petra@studio.test",
            400,
        ),
        (
            &beta,
            &agency,
            Access::Full(PaymentMode::CustomerPays),
            "carla@beta.test",
            "paul@webagency.test",
            410,
        ),
    ];
    let mut partnership_ids = Vec::new();
    for (customer, partner, access, inviter, accepter, days_ago) in relationships {
        let invited_at = at(today, days_ago, 10);
        let accepted_at = invited_at + TimeDelta::hours(26);
        let id = partnerships::create(
            conn,
            &customer.id,
            &partner.id,
            access,
            PartnershipStatus::Active,
            Side::Customer,
            invited_at,
        )?;
        let stored = access.to_stored();
        for (kind, at, email) in [
            (EventKind::Invited, invited_at, inviter),
            (EventKind::Accepted, accepted_at, accepter),
        ] {
            let (actor, org) =
                user(email).ok_or_else(|| anyhow::anyhow!("unknown demo user {email}"))?;
            events::insert(
                conn,
                NewEvent {
                    partnership_id: &id,
                    occurred_at: at,
                    actor_user_id: Some(&actor),
                    actor_org_id: Some(&org),
                    kind,
                    old_value: None,
                    new_value: Some(&stored),
                },
            )?;
        }
        partnership_ids.push(id);
    }
    let (acme_agency, acme_studio, beta_agency) = (
        &partnership_ids[0],
        &partnership_ids[1],
        &partnership_ids[2],
    );
    let (alice, _) = user("alice@acme.test").ok_or_else(|| anyhow::anyhow!("alice"))?;
    let (paul, _) = user("paul@webagency.test").ok_or_else(|| anyhow::anyhow!("paul"))?;
    let (carla, _) = user("carla@beta.test").ok_or_else(|| anyhow::anyhow!("carla"))?;

    // A year of business, day by day, through the ordering code: what each side ordered,
    // and every automatic renewal that fell due.
    let as_agency = Acting::Member {
        org_id: &agency.id,
        user_id: &paul,
        locale: crate::i18n::Locale::En,
    };
    let as_acme = Acting::Member {
        org_id: &acme.id,
        user_id: &alice,
        locale: crate::i18n::Locale::En,
    };
    let as_beta = Acting::Member {
        org_id: &beta.id,
        user_id: &carla,
        locale: crate::i18n::Locale::En,
    };
    let orders: Vec<(i64, Acting<'_>, Request<'_>)> = vec![
        (
            415,
            as_agency,
            new_order(&acme.id, "web-hosting", None, "www.acme.ch"),
        ),
        (
            414,
            as_agency,
            new_order(&acme.id, "domain-ch", None, "acme.ch"),
        ),
        (
            395,
            as_agency,
            new_order(&beta.id, "web-hosting", None, "www.beta.ch"),
        ),
        (
            390,
            as_acme,
            new_order(&acme.id, "mail-service", Some(acme_studio), "mail.acme.ch"),
        ),
        (
            300,
            as_acme,
            new_order(&acme.id, "cloud-server", Some(acme_agency), "shop.acme.ch"),
        ),
        (
            290,
            as_agency,
            new_order(&acme.id, "domain-ch", None, "acme-shop.ch"),
        ),
        (
            280,
            as_beta,
            new_order(&beta.id, "kdrive", Some(beta_agency), ""),
        ),
        (
            260,
            as_agency,
            new_order(&beta.id, "domain-ch", None, "beta.ch"),
        ),
        (200, as_agency, new_order(&acme.id, "kdrive", None, "")),
        (
            150,
            as_acme,
            new_order(&acme.id, "domain-ch", None, "acme.swiss"),
        ),
        (
            60,
            as_agency,
            new_order(&beta.id, "mail-service", None, "mail.beta.ch"),
        ),
    ];
    for days_ago in (0..=420).rev() {
        if days_ago == 350 {
            // Beta AG hands the bills to its agency: invoices before stay with Beta.
            switch_to_partner_pays(conn, &beta.id, beta_agency, &carla, at(today, days_ago, 11))?;
        }
        for (_, acting, request) in orders.iter().filter(|(d, _, _)| *d == days_ago) {
            orders::place(conn, *acting, *request, at(today, days_ago, 9), VAT_RATE_BP)?;
        }
        orders::renew_due(
            conn,
            today - TimeDelta::days(days_ago),
            at(today, days_ago, 3),
            VAT_RATE_BP,
        )?;
    }
    // Invoices are settled within about six weeks; the most recent ones are still open.
    settle(conn, None, today - TimeDelta::days(40))?;
    Ok(())
}

const VAT_RATE_BP: i32 = 810;

fn new_order<'a>(
    customer_org_id: &'a str,
    offer_code: &'a str,
    managed_by: Option<&'a String>,
    label: &'a str,
) -> Request<'a> {
    Request::New {
        customer_org_id,
        offer_code,
        managed_by: managed_by.map(String::as_str),
        label,
    }
}

/// `days_ago` days before `today`, at `hour` o'clock (UTC).
fn at(today: NaiveDate, days_ago: i64, hour: u32) -> NaiveDateTime {
    (today - TimeDelta::days(days_ago))
        .and_hms_opt(hour, 0, 0)
        .unwrap_or_default()
}

fn switch_to_partner_pays(
    conn: &mut DbConn,
    customer_org_id: &str,
    partnership_id: &str,
    user_id: &str,
    when: NaiveDateTime,
) -> anyhow::Result<()> {
    partnerships::set_payment_mode(
        conn,
        customer_org_id,
        partnership_id,
        1,
        PaymentMode::PartnerPays,
    )?;
    events::insert(
        conn,
        NewEvent {
            partnership_id,
            occurred_at: when,
            actor_user_id: Some(user_id),
            actor_org_id: Some(customer_org_id),
            kind: EventKind::PaymentModeChanged,
            old_value: Some(PaymentMode::CustomerPays.as_str()),
            new_value: Some(PaymentMode::PartnerPays.as_str()),
        },
    )?;
    Ok(())
}

/// Records the payment, twelve days after issue, of the open invoices issued before
/// `before` (and from `from` on, if given).
pub fn settle(conn: &mut DbConn, from: Option<NaiveDate>, before: NaiveDate) -> anyhow::Result<()> {
    use crate::db::schema::invoices;
    use diesel::prelude::*;
    let start = |day: NaiveDate| day.and_hms_opt(0, 0, 0).unwrap_or_default();
    let mut query = invoices::table
        .filter(invoices::issued_at.lt(start(before)))
        .filter(invoices::paid_at.is_null())
        .select((invoices::id, invoices::issued_at))
        .into_boxed();
    if let Some(from) = from {
        query = query.filter(invoices::issued_at.ge(start(from)));
    }
    let open: Vec<(String, NaiveDateTime)> = query.load(conn)?;
    for (id, issued_at) in open {
        order_rows::record_payment(conn, &id, issued_at + TimeDelta::days(12))?;
    }
    Ok(())
}
