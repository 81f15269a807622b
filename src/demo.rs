//! The demo data of DESIGN §4: two customers, two partners, their people and
//! relationships, written through the same code the application uses.

use chrono::TimeDelta;

use crate::auth::password;
use crate::db::models::events::{self, NewEvent};
use crate::db::models::{orgs, partnerships, users};
use crate::db::{DbConn, now, write_tx};
use crate::domain::{Access, EmailAddress, EventKind, PartnershipStatus, PaymentMode, Rate, Role};

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
    let acme = orgs::create(conn, ACME, "CHF")?;
    let agency = orgs::create(conn, WEB_AGENCY, "CHF")?;
    let studio = orgs::create(conn, STUDIO, "EUR")?;
    let beta = orgs::create(conn, BETA, "CHF")?;
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
    let relationships = [
        (
            &acme,
            &agency,
            Access::Full(PaymentMode::CustomerPays),
            "alice@acme.test",
            "paul@webagency.test",
            330,
        ),
        (
            &acme,
            &studio,
            Access::Limited,
            "alice@acme.test",
            "petra@studio.test",
            200,
        ),
        (
            &beta,
            &agency,
            Access::Full(PaymentMode::PartnerPays),
            "carla@beta.test",
            "paul@webagency.test",
            280,
        ),
    ];
    for (customer, partner, access, inviter, accepter, days_ago) in relationships {
        let invited_at = now() - TimeDelta::days(days_ago);
        let accepted_at = invited_at + TimeDelta::hours(26);
        let id = partnerships::create(
            conn,
            &customer.id,
            &partner.id,
            access,
            PartnershipStatus::Active,
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
    }
    Ok(())
}
