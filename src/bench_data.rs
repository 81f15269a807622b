//! The benchmark's dataset: ten years of a hosting provider's partner business, written
//! through the same code the application uses — organizations, people, partnerships with
//! their timelines, orders placed by partners and customers, every automatic renewal
//! billed day by day by the scheduler's code, and payments as they come in.
//!
//! At its full size (1,000,000 invoices) it holds 10,000 organizations of which 1,000 are
//! partners, and 100,000 products each ordered once and renewed nine times. Smaller sizes
//! scale everything down by the same factor. The two organizations the benchmark logs into
//! are made like the others, with one difference: Bench Agency, partner number one, has a
//! tenth of all clients, so that its lists are long.

use chrono::{Datelike, NaiveDate, TimeDelta};

use crate::auth::password;
use crate::db::models::events::{self, NewEvent};
use crate::db::models::{orgs, partnerships, users};
use crate::db::{DbConn, now, relax_durability, write_tx};
use crate::demo::{self, PASSWORD};
use crate::domain::{
    Access, Currency, EmailAddress, EventKind, PartnershipStatus, PaymentMode, Rate, Role, Side,
};
use crate::orders::{self, Acting, Request};

/// The partner whose pages the benchmark measures.
pub const AGENCY_LOGIN: &str = "agency@bench.test";
/// A client of Bench Agency that pays for its orders itself.
pub const CLIENT_LOGIN: &str = "client@bench.test";

const OFFERS: [&str; 5] = [
    "web-hosting",
    "domain-ch",
    "mail-service",
    "kdrive",
    "cloud-server",
];
const VAT_RATE_BP: i32 = 810;
/// Invoices per product: its order and nine yearly renewals.
const YEARS: u64 = 10;
/// The days over which the products are first ordered.
const ORDERING_DAYS: u64 = 360;

/// How big the dataset is, from its number of invoices.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BenchSize {
    pub invoices: u64,
    pub organizations: u64,
    pub partners: u64,
    pub products: u64,
}

impl BenchSize {
    /// The dataset with `invoices` invoices: a multiple of 1,000, at least 1,000.
    pub fn with_invoices(invoices: u64) -> Result<BenchSize, String> {
        if invoices < 1_000 || !invoices.is_multiple_of(1_000) {
            return Err(format!(
                "the number of invoices must be a multiple of 1000, at least 1000 (got {invoices})"
            ));
        }
        Ok(BenchSize {
            invoices,
            organizations: (invoices / 100).max(10),
            partners: (invoices / 1_000).max(1),
            products: invoices / YEARS,
        })
    }

    fn customers(&self) -> u64 {
        self.organizations - self.partners
    }
}

/// Which partner manages customer `c`: Bench Agency (partner 0) one customer in ten,
/// the others in turn.
fn partner_of(c: u64, partners: u64) -> u64 {
    if partners == 1 || c.is_multiple_of(10) {
        0
    } else {
        1 + c % (partners - 1)
    }
}

/// Half of the customers pay themselves; the other half let their partner pay (Bench
/// Agency's too: its clients are every tenth customer).
fn payment_mode_of(c: u64) -> PaymentMode {
    if c % 4 < 2 {
        PaymentMode::CustomerPays
    } else {
        PaymentMode::PartnerPays
    }
}

/// Writes the dataset into an empty database, telling its progress to `progress`.
pub fn seed(
    conn: &mut DbConn,
    size: BenchSize,
    mut progress: impl FnMut(&str),
) -> anyhow::Result<()> {
    if orgs::count(conn)? > 0 {
        anyhow::bail!("the database is not empty: the benchmark's data needs an empty one");
    }
    // Bench data can be made again: it is written without waiting for the disk.
    relax_durability(conn)?;
    let hash = password::hash(PASSWORD)?;
    let today = now().date();
    // Orders are placed over the first ORDERING_DAYS days; ten years after the first one
    // falls today or later, nine after the last one before today, whatever the leap
    // years: each product is renewed exactly nine times.
    let first_day = today - TimeDelta::days(3_650);

    progress(&format!(
        "{} organizations ({} partners), {} products, {} invoices",
        size.organizations, size.partners, size.products, size.invoices
    ));
    let people = write_tx(conn, |conn| organizations(conn, size, &hash, first_day))?;

    // Ten years, day by day: the orders, spread evenly over the first days, and the
    // renewals that fall due, billed as the scheduler bills them.
    let mut day = first_day;
    let mut next_product = 0;
    while day < today {
        let elapsed = (day - first_day).num_days().unsigned_abs() + 1;
        let ordered_by = (size.products * elapsed / ORDERING_DAYS).min(size.products);
        while next_product < ordered_by {
            order(conn, &people, size, next_product, day)?;
            next_product += 1;
        }
        orders::renew_due(
            conn,
            day,
            day.and_hms_opt(3, 0, 0).unwrap_or_default(),
            VAT_RATE_BP,
        )?;
        if day.month() == 12 && day.day() == 31 {
            progress(&format!("{} billed", day.year()));
        }
        day += TimeDelta::days(1);
    }
    // Every invoice was paid twelve days after its issue, but those of the last six weeks.
    progress("payments");
    let mut from = first_day;
    while from < today - TimeDelta::days(40) {
        let to = (from + TimeDelta::days(365)).min(today - TimeDelta::days(40));
        demo::settle(conn, Some(from), to)?;
        from = to;
    }
    Ok(())
}

/// The people of the dataset: for each organization, its id and its legal representative.
struct People {
    partners: Vec<(String, String)>,
    customers: Vec<(String, String)>,
    /// For each customer, its partnership.
    partnerships: Vec<String>,
}

fn organizations(
    conn: &mut DbConn,
    size: BenchSize,
    hash: &str,
    since: NaiveDate,
) -> anyhow::Result<People> {
    let org = |conn: &mut DbConn,
               name: String,
               email: String,
               person: String|
     -> anyhow::Result<(String, String)> {
        let org = orgs::create(conn, &name, Currency::Chf)?;
        let email = EmailAddress::parse(&email).map_err(anyhow::Error::msg)?;
        let user = users::create(conn, &email, &person, hash)?;
        orgs::add_member(conn, &org.id, &user.id, Role::LegalRep)?;
        Ok((org.id, user.id))
    };
    let mut partners = Vec::new();
    for p in 0..size.partners {
        let (name, email) = match p {
            0 => ("Bench Agency Sàrl".to_owned(), AGENCY_LOGIN.to_owned()),
            _ => (
                format!("Partner {p:04} Sàrl"),
                format!("partner{p:04}@bench.test"),
            ),
        };
        let partner = org(conn, name, email, format!("Partner {p:04} Owner"))?;
        // Rates from 10 % to 25 %.
        let rate = Rate::from_bp(1000 + 500 * (p % 4) as i32).map_err(anyhow::Error::msg)?;
        orgs::make_partner(conn, &partner.0, rate)?;
        partners.push(partner);
    }
    let mut customers = Vec::new();
    let mut partnership_ids = Vec::new();
    for c in 0..size.customers() {
        let (name, email) = match c {
            0 => ("Bench Client SA".to_owned(), CLIENT_LOGIN.to_owned()),
            _ => (
                format!("Customer {c:05} SA"),
                format!("customer{c:05}@bench.test"),
            ),
        };
        let customer = org(conn, name, email, format!("Customer {c:05} Owner"))?;
        let partner = &partners[partner_of(c, size.partners) as usize];
        let mode = payment_mode_of(c);
        let invited_at = (since - TimeDelta::days(30))
            .and_hms_opt(10, 0, 0)
            .unwrap_or_default();
        let id = partnerships::create(
            conn,
            &customer.0,
            &partner.0,
            Access::Full(mode),
            PartnershipStatus::Active,
            Side::Customer,
            invited_at,
        )?;
        let stored = Access::Full(mode).to_stored();
        for (kind, at, (org_id, user_id)) in [
            (EventKind::Invited, invited_at, &customer),
            (
                EventKind::Accepted,
                invited_at + TimeDelta::hours(20),
                partner,
            ),
        ] {
            events::insert(
                conn,
                NewEvent {
                    partnership_id: &id,
                    occurred_at: at,
                    actor_user_id: Some(user_id),
                    actor_org_id: Some(org_id),
                    kind,
                    old_value: None,
                    new_value: Some(&stored),
                },
            )?;
        }
        customers.push(customer);
        partnership_ids.push(id);
    }
    Ok(People {
        partners,
        customers,
        partnerships: partnership_ids,
    })
}

/// Places product `k`'s first order: by its customer's partner, or one time in five by
/// the customer itself, under that partnership.
fn order(
    conn: &mut DbConn,
    people: &People,
    size: BenchSize,
    k: u64,
    day: NaiveDate,
) -> anyhow::Result<()> {
    let c = k % size.customers();
    let (customer_id, customer_user) = &people.customers[c as usize];
    let (partner_id, partner_user) = &people.partners[partner_of(c, size.partners) as usize];
    let by_customer = (k / size.customers()).is_multiple_of(5);
    let (acting, managed_by) = if by_customer {
        (
            Acting::Member {
                org_id: customer_id,
                user_id: customer_user,
                locale: crate::i18n::Locale::En,
            },
            Some(people.partnerships[c as usize].as_str()),
        )
    } else {
        (
            Acting::Member {
                org_id: partner_id,
                user_id: partner_user,
                locale: crate::i18n::Locale::En,
            },
            None,
        )
    };
    let request = Request::New {
        customer_org_id: customer_id,
        offer_code: OFFERS[(k % OFFERS.len() as u64) as usize],
        managed_by,
        label: "",
    };
    let at = day.and_hms_opt(9, 0, 0).unwrap_or_default();
    orders::place(conn, acting, request, at, VAT_RATE_BP)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_scale_together() {
        let full = BenchSize::with_invoices(1_000_000).unwrap();
        assert_eq!(
            (full.organizations, full.partners, full.products),
            (10_000, 1_000, 100_000)
        );
        let small = BenchSize::with_invoices(1_000).unwrap();
        assert_eq!(
            (small.organizations, small.partners, small.products),
            (10, 1, 100)
        );
        assert!(BenchSize::with_invoices(999).is_err());
        assert!(BenchSize::with_invoices(1_500).is_err());
    }

    #[test]
    fn bench_agency_has_a_tenth_of_the_clients_half_of_whom_pay_themselves() {
        let agency = (0..9_000).filter(|c| partner_of(*c, 1_000) == 0).count();
        assert_eq!(agency, 900);
        assert!((0..9_000).all(|c| partner_of(c, 1_000) < 1_000));
        assert!((0..9).all(|c| partner_of(c, 1) == 0));
        let agency_paying = (0..9_000)
            .filter(|c| partner_of(*c, 1_000) == 0)
            .filter(|c| payment_mode_of(*c) == PaymentMode::PartnerPays)
            .count();
        assert_eq!(agency_paying, 450);
        assert_eq!(payment_mode_of(0), PaymentMode::CustomerPays);
    }
}
