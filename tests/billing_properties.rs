//! Property tests: random sequences of orders, renewals, payment-mode switches and
//! scheduler runs, played through the real ordering code on a fresh database, must
//! keep the billing invariants:
//! - each order makes exactly one invoice, issued to the order's payer;
//! - an invoice's total is its lines plus VAT on their sum;
//! - the payer, the price and the partner's income are exactly what the table says
//!   for the partnership as it stood when the order was placed;
//! - the product is always installed in the customer's organization;
//! - invoice numbers run without gap or duplicate within a year.

mod support;

use chrono::{NaiveDate, NaiveDateTime, TimeDelta};
use diesel::prelude::*;
use partnerdesk::billing;
use partnerdesk::config::BaseUrl;
use partnerdesk::db::models::{orgs, partnerships as partnership_rows, users};
use partnerdesk::db::schema::{
    income_entries, invoice_lines, invoices, orders as order_rows, products,
};
use partnerdesk::db::{DbConn, write_tx};
use partnerdesk::domain::{
    Access, Currency, EmailAddress, PartnershipStatus, PaymentMode, Placer, Rate, Role,
};
use partnerdesk::mail::MailContext;
use partnerdesk::orders::{self, Acting, OrderError, Request};
use partnerdesk::partnerships::{self as modes, Actor};
use proptest::prelude::*;
use support::TestDb;

const VAT: i32 = 810;
const OFFERS: [(&str, i64, i64); 5] = [
    ("web-hosting", 15_000, 14_000),
    ("domain-ch", 1_500, 1_400),
    ("mail-service", 6_000, 5_600),
    ("kdrive", 12_000, 11_200),
    ("cloud-server", 48_000, 44_900),
];

#[derive(Debug, Clone)]
enum Op {
    /// A customer orders for itself, with a manager chosen among its partnerships.
    CustomerOrder {
        customer: usize,
        offer: usize,
        manager: Option<usize>,
    },
    /// A partner orders for its client.
    PartnerOrder { partnership: usize, offer: usize },
    /// Someone renews an existing product by hand.
    Renew { product: usize, by_partner: bool },
    /// The customer switches a full-access partnership's payment mode.
    Switch {
        partnership: usize,
        partner_pays: bool,
    },
    /// The scheduler runs, `days` days after the start.
    Scheduler { days: i64 },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => (0..2usize, 0..5usize, proptest::option::of(0..2usize))
            .prop_map(|(customer, offer, manager)| Op::CustomerOrder { customer, offer, manager }),
        3 => (0..3usize, 0..5usize).prop_map(|(partnership, offer)| Op::PartnerOrder { partnership, offer }),
        2 => (0..50usize, any::<bool>()).prop_map(|(product, by_partner)| Op::Renew { product, by_partner }),
        2 => (0..3usize, any::<bool>()).prop_map(|(partnership, partner_pays)| Op::Switch { partnership, partner_pays }),
        1 => (0..900i64).prop_map(|days| Op::Scheduler { days }),
    ]
}

/// The world the operations run in, and what the test believes about it.
struct World {
    customers: Vec<(String, String, Currency)>, // (org id, user id, currency)
    partners: Vec<(String, String, Rate)>,      // (org id, user id, rate)
    /// (id, customer index, partner index, access)
    partnerships: Vec<(String, usize, usize, Access)>,
    /// (product id, customer index)
    products: Vec<(String, usize)>,
}

fn setup(conn: &mut DbConn) -> World {
    let password = "unused-in-these-tests";
    let user = |conn: &mut DbConn, email: &str, org: &str, role: Role| {
        let u = users::create(conn, &EmailAddress::parse(email).unwrap(), email, password).unwrap();
        orgs::add_member(conn, org, &u.id, role).unwrap();
        u.id
    };
    let acme = orgs::create(conn, "Acme SA", Currency::Chf).unwrap();
    let beta = orgs::create(conn, "Beta GmbH", Currency::Eur).unwrap();
    let agency = orgs::create(conn, "Agency", Currency::Chf).unwrap();
    let studio = orgs::create(conn, "Studio", Currency::Chf).unwrap();
    orgs::make_partner(conn, &agency.id, Rate::from_bp(2000).unwrap()).unwrap();
    orgs::make_partner(conn, &studio.id, Rate::from_bp(1250).unwrap()).unwrap();
    let customers = vec![
        (
            acme.id.clone(),
            user(conn, "a@acme.test", &acme.id, Role::LegalRep),
            Currency::Chf,
        ),
        (
            beta.id.clone(),
            user(conn, "b@beta.test", &beta.id, Role::LegalRep),
            Currency::Eur,
        ),
    ];
    let partners = vec![
        (
            agency.id.clone(),
            user(conn, "p@agency.test", &agency.id, Role::Admin),
            Rate::from_bp(2000).unwrap(),
        ),
        (
            studio.id.clone(),
            user(conn, "s@studio.test", &studio.id, Role::LegalRep),
            Rate::from_bp(1250).unwrap(),
        ),
    ];
    let start = start();
    let mut partnerships = Vec::new();
    for (customer, partner, access) in [
        (0, 0, Access::Full(PaymentMode::CustomerPays)),
        (0, 1, Access::Limited),
        (1, 0, Access::Full(PaymentMode::PartnerPays)),
    ] {
        let id = partnership_rows::create(
            conn,
            &customers[customer].0,
            &partners[partner].0,
            access,
            PartnershipStatus::Active,
            partnerdesk::domain::Side::Customer,
            start,
        )
        .unwrap();
        partnerships.push((id, customer, partner, access));
    }
    World {
        customers,
        partners,
        partnerships,
        products: Vec::new(),
    }
}

fn start() -> NaiveDateTime {
    NaiveDate::from_ymd_opt(2026, 1, 1)
        .unwrap()
        .and_hms_opt(8, 0, 0)
        .unwrap()
}

/// What the table says an order must be, from the test's own view of the world.
#[derive(Debug, PartialEq, Eq)]
struct Expected {
    payer: String,
    public_price: i64,
    price: i64,
    income: Option<(String, String, i64)>,
}

fn expected(
    world: &World,
    customer: usize,
    manager: Option<usize>,
    placer: Placer,
    public: i64,
) -> Result<Expected, billing::Refusal> {
    let customer_org = world.customers[customer].0.clone();
    let Some(p) = manager else {
        // Nobody manages the product: the customer pays the public price, nobody earns.
        return match placer {
            Placer::Partner => Err(billing::Refusal::NotManagedByThePartner),
            _ => Ok(Expected {
                payer: customer_org,
                public_price: public,
                price: public,
                income: None,
            }),
        };
    };
    let (_, _, partner, access) = &world.partnerships[p];
    let (partner_org, _, rate) = &world.partners[*partner];
    // The table of DESIGN §2, written out again independently of the code under test.
    let share = (public * i64::from(rate.bp()) + 5_000) / 10_000;
    let customer_pays = |kind: &str| Expected {
        payer: customer_org.clone(),
        public_price: public,
        price: public,
        income: Some((partner_org.clone(), kind.to_owned(), share)),
    };
    Ok(match (access, placer) {
        (Access::Limited, Placer::Partner) => {
            return Err(billing::Refusal::LimitedPartnerCannotOrder);
        }
        (Access::Limited, _) => customer_pays("refund"),
        (Access::Full(_), Placer::Customer) => customer_pays("refund"),
        (Access::Full(PaymentMode::CustomerPays), _) => customer_pays("cashback"),
        (Access::Full(PaymentMode::PartnerPays), _) => Expected {
            payer: partner_org.clone(),
            public_price: public,
            price: public - share,
            income: None,
        },
    })
}

fn price_of(offer: usize, currency: Currency) -> i64 {
    match currency {
        Currency::Chf => OFFERS[offer].1,
        Currency::Eur => OFFERS[offer].2,
    }
}

/// The orders placed since `seen` orders existed, with what they wrote.
type Written = (
    String,
    String,
    String,
    i64,
    i64,
    String,
    Option<(String, String, i64)>,
);

fn written_since(conn: &mut DbConn, seen: usize) -> Vec<Written> {
    let rows: Vec<(String, String, String, i64, i64, String)> = order_rows::table
        .inner_join(products::table)
        .order((order_rows::created_at, order_rows::id))
        .select((
            order_rows::id,
            order_rows::customer_org_id,
            order_rows::payer_org_id,
            order_rows::public_price,
            order_rows::price,
            products::customer_org_id,
        ))
        .load(conn)
        .unwrap();
    rows.into_iter()
        .skip(seen)
        .map(|(id, customer, payer, public, price, installed_in)| {
            let income = income_entries::table
                .filter(income_entries::order_id.eq(&id))
                .select((
                    income_entries::partner_org_id,
                    income_entries::kind,
                    income_entries::amount,
                ))
                .first::<(String, String, i64)>(conn)
                .optional()
                .unwrap();
            (id, customer, payer, public, price, installed_in, income)
        })
        .collect()
}

fn check(written: &Written, customer_org: &str, expected: &Expected) {
    let (_, customer, payer, public, price, installed_in, income) = written;
    assert_eq!(customer, customer_org);
    assert_eq!(
        installed_in, customer_org,
        "the product is installed in the customer's organization"
    );
    assert_eq!(payer, &expected.payer);
    assert_eq!((*public, *price), (expected.public_price, expected.price));
    assert_eq!(income, &expected.income);
}

fn play(ops: Vec<Op>) {
    let test_db = TestDb::new();
    let mut conn = test_db.db.get().unwrap();
    let conn: &mut DbConn = &mut conn;
    let mut world = write_tx(conn, |conn| Ok::<_, diesel::result::Error>(setup(conn))).unwrap();
    let mail = MailContext::new(BaseUrl::parse("https://partnerdesk.test").unwrap());
    let mut seen = 0usize;
    let mut clock = start();

    for op in ops {
        clock += TimeDelta::minutes(7);
        match op {
            Op::CustomerOrder {
                customer,
                offer,
                manager,
            } => {
                let candidates: Vec<usize> = (0..world.partnerships.len())
                    .filter(|p| world.partnerships[*p].1 == customer)
                    .collect();
                let manager =
                    manager.and_then(|m| candidates.get(m % candidates.len().max(1)).copied());
                let (org, user, currency) = world.customers[customer].clone();
                let request = Request::New {
                    customer_org_id: &org,
                    offer_code: OFFERS[offer].0,
                    managed_by: manager.map(|m| world.partnerships[m].0.as_str()),
                };
                let want = expected(
                    &world,
                    customer,
                    manager,
                    Placer::Customer,
                    price_of(offer, currency),
                )
                .unwrap();
                let placed = orders::place(
                    conn,
                    Acting::Member {
                        org_id: &org,
                        user_id: &user,
                    },
                    request,
                    clock,
                    VAT,
                )
                .unwrap();
                world.products.push((placed.product_id.clone(), customer));
                let new = written_since(conn, seen);
                assert_eq!(new.len(), 1);
                check(&new[0], &org, &want);
            }
            Op::PartnerOrder { partnership, offer } => {
                let (_, customer, partner, _) = world.partnerships[partnership].clone();
                let (org, _, currency) = world.customers[customer].clone();
                let (partner_org, partner_user, _) = world.partners[partner].clone();
                let request = Request::New {
                    customer_org_id: &org,
                    offer_code: OFFERS[offer].0,
                    managed_by: None,
                };
                let outcome = orders::place(
                    conn,
                    Acting::Member {
                        org_id: &partner_org,
                        user_id: &partner_user,
                    },
                    request,
                    clock,
                    VAT,
                );
                match expected(
                    &world,
                    customer,
                    Some(partnership),
                    Placer::Partner,
                    price_of(offer, currency),
                ) {
                    Ok(want) => {
                        let placed = outcome.unwrap();
                        world.products.push((placed.product_id.clone(), customer));
                        let new = written_since(conn, seen);
                        assert_eq!(new.len(), 1);
                        check(&new[0], &org, &want);
                    }
                    Err(refusal) => {
                        assert!(
                            matches!(outcome, Err(OrderError::Refused(r)) if r == refusal),
                            "{outcome:?}"
                        );
                        assert!(
                            written_since(conn, seen).is_empty(),
                            "a refused order writes nothing"
                        );
                    }
                }
            }
            Op::Renew {
                product,
                by_partner,
            } => {
                if world.products.is_empty() {
                    continue;
                }
                let (product_id, customer) = world.products[product % world.products.len()].clone();
                let manager = manager_of(conn, &world, &product_id);
                let (org, user, currency) = world.customers[customer].clone();
                let public = public_price_of(conn, &product_id, currency);
                let (acting, placer) = match (by_partner, manager) {
                    (true, Some(m)) => {
                        let (partner_org, partner_user, _) =
                            &world.partners[world.partnerships[m].2];
                        (
                            Acting::Member {
                                org_id: partner_org.as_str(),
                                user_id: partner_user.as_str(),
                            },
                            Placer::Partner,
                        )
                    }
                    _ => (
                        Acting::Member {
                            org_id: org.as_str(),
                            user_id: user.as_str(),
                        },
                        Placer::Customer,
                    ),
                };
                let outcome = orders::place(
                    conn,
                    acting,
                    Request::Renewal {
                        product_id: &product_id,
                    },
                    clock,
                    VAT,
                );
                match expected(&world, customer, manager, placer, public) {
                    Ok(want) => {
                        outcome.unwrap();
                        let new = written_since(conn, seen);
                        assert_eq!(new.len(), 1);
                        check(&new[0], &org, &want);
                    }
                    Err(refusal) => {
                        assert!(
                            matches!(outcome, Err(OrderError::Refused(r)) if r == refusal),
                            "{outcome:?}"
                        );
                        assert!(written_since(conn, seen).is_empty());
                    }
                }
            }
            Op::Switch {
                partnership,
                partner_pays,
            } => {
                let (id, customer, _, access) = world.partnerships[partnership].clone();
                let Access::Full(current) = access else {
                    continue;
                };
                let to = if partner_pays {
                    PaymentMode::PartnerPays
                } else {
                    PaymentMode::CustomerPays
                };
                let (org, user, _) = world.customers[customer].clone();
                let version =
                    partnership_rows::find(conn, partnership_rows::Side::Customer, &org, &id)
                        .unwrap()
                        .unwrap()
                        .version;
                let actor = Actor {
                    user_id: &user,
                    user_name: "Test",
                    user_email: "t@example.test",
                    org_id: &org,
                };
                let outcome = modes::change(conn, &mail, &actor, &id, to, version).unwrap();
                assert_eq!(
                    matches!(outcome, modes::ModeChange::Switch { .. }),
                    current != to
                );
                world.partnerships[partnership].3 = Access::Full(to);
            }
            Op::Scheduler { days } => {
                let today = start().date() + TimeDelta::days(days);
                // What the scheduler must bill: every due period of every auto-renewing
                // product, with the mode in force now.
                let mut want: Vec<(String, Expected)> = Vec::new();
                for (product_id, customer) in &world.products {
                    let mut renews_on = renews_on(conn, product_id);
                    let manager = manager_of(conn, &world, product_id);
                    let currency = world.customers[*customer].2;
                    while renews_on <= today {
                        let e = expected(
                            &world,
                            *customer,
                            manager,
                            Placer::Scheduler,
                            public_price_of(conn, product_id, currency),
                        )
                        .unwrap();
                        want.push((world.customers[*customer].0.clone(), e));
                        renews_on = renews_on
                            .checked_add_months(chrono::Months::new(12))
                            .unwrap();
                    }
                }
                let run = orders::renew_due(conn, today, clock, VAT).unwrap();
                assert_eq!((run.renewed, run.failed), (want.len(), 0));
                let new = written_since(conn, seen);
                assert_eq!(new.len(), want.len());
                for written in &new {
                    let matching = want.iter().position(|(org, e)| {
                        written.1 == *org
                            && written.2 == e.payer
                            && written.3 == e.public_price
                            && written.4 == e.price
                            && written.6 == e.income
                    });
                    let index = matching.unwrap_or_else(|| {
                        panic!("unexpected renewal {written:?}; wanted {want:?}")
                    });
                    check(written, &want[index].0, &want[index].1);
                    want.remove(index);
                }
                // Running it again bills nothing.
                let again = orders::renew_due(conn, today, clock, VAT).unwrap();
                assert_eq!(again.renewed, 0);
            }
        }
        seen = written_since(conn, 0).len();
        assert_invoices_consistent(conn);
    }
}

fn manager_of(conn: &mut DbConn, world: &World, product_id: &str) -> Option<usize> {
    let partnership: Option<String> = products::table
        .find(product_id)
        .select(products::partnership_id)
        .first(conn)
        .unwrap();
    partnership.and_then(|id| world.partnerships.iter().position(|p| p.0 == id))
}

fn renews_on(conn: &mut DbConn, product_id: &str) -> NaiveDate {
    products::table
        .find(product_id)
        .select(products::renews_on)
        .first(conn)
        .unwrap()
}

fn public_price_of(conn: &mut DbConn, product_id: &str, currency: Currency) -> i64 {
    let code: String = products::table
        .find(product_id)
        .select(products::offer_code)
        .first(conn)
        .unwrap();
    let offer = OFFERS.iter().position(|o| o.0 == code).unwrap();
    price_of(offer, currency)
}

/// One invoice per order, to the order's payer, totals = lines + VAT, numbers gapless.
fn assert_invoices_consistent(conn: &mut DbConn) {
    let orders: Vec<(String, String)> = order_rows::table
        .select((order_rows::id, order_rows::payer_org_id))
        .load(conn)
        .unwrap();
    type Row = (String, String, String, i32, i32, i64, i64, i64);
    let invoices: Vec<Row> = invoices::table
        .order((invoices::year, invoices::sequence))
        .select((
            invoices::id,
            invoices::order_id,
            invoices::payer_org_id,
            invoices::year,
            invoices::sequence,
            invoices::subtotal,
            invoices::vat,
            invoices::total,
        ))
        .load(conn)
        .unwrap();
    assert_eq!(
        orders.len(),
        invoices.len(),
        "exactly one invoice per order"
    );
    let mut expected_sequence = std::collections::HashMap::new();
    for (id, order_id, payer, year, sequence, subtotal, vat, total) in &invoices {
        let order = orders
            .iter()
            .find(|(o, _)| o == order_id)
            .expect("the invoice's order exists");
        assert_eq!(&order.1, payer, "the invoice lives with the order's payer");
        let next = expected_sequence.entry(*year).or_insert(1);
        assert_eq!(sequence, next, "invoice numbers of {year} run without gap");
        *next += 1;
        let lines: Vec<i64> = invoice_lines::table
            .filter(invoice_lines::invoice_id.eq(id))
            .select(invoice_lines::amount)
            .load(conn)
            .unwrap();
        assert_eq!(*subtotal, lines.iter().sum::<i64>(), "subtotal = lines");
        assert_eq!(
            *vat,
            billing::apply_bp(*subtotal, VAT),
            "VAT on the subtotal, half-up"
        );
        assert_eq!(*total, subtotal + vat, "total = lines + VAT");
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn random_histories_keep_the_billing_invariants(ops in proptest::collection::vec(op(), 1..25)) {
        play(ops);
    }
}
