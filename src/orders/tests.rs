//! One test per rule of ordering, on a fresh SQLite database: what a quote says, what
//! a review issues and a confirmation consumes, what placing writes, and what the
//! scheduler bills.

use chrono::{NaiveDate, NaiveDateTime, TimeDelta};
use diesel::prelude::*;
use tempfile::TempDir;

use super::*;
use crate::db::models::{partnerships as partnership_rows, users};
use crate::db::schema::{
    income_entries, invoice_counters, invoices, offers, order_intents, orders,
};
use crate::db::{DatabaseUrl, Db, PooledConn, write_tx};
use crate::domain::{EmailAddress, IncomeKind, PaymentMode, Rate, Role, Side};

const VAT: i32 = 810;

/// A customer (Acme, CHF) and a partner (Agency, 20 %), each with one member.
struct World {
    _dir: TempDir,
    db: Db,
    acme: (String, String),
    agency: (String, String),
}

impl World {
    fn new() -> World {
        let dir = tempfile::tempdir().unwrap();
        let url = DatabaseUrl::parse(dir.path().join("orders.db").to_str().unwrap()).unwrap();
        let db = Db::connect(&url, 2).unwrap();
        let mut conn = db.get().unwrap();
        let mut org = |name: &str, email: &str| {
            let org = orgs::create(&mut conn, name, Currency::Chf).unwrap();
            let email = EmailAddress::parse(email).unwrap();
            let user = users::create(&mut conn, &email, name, "unused").unwrap();
            orgs::add_member(&mut conn, &org.id, &user.id, Role::LegalRep).unwrap();
            (org.id, user.id)
        };
        let acme = org("Acme", "alice@acme.test");
        let agency = org("Agency", "paul@agency.test");
        orgs::make_partner(&mut conn, &agency.0, Rate::from_bp(2000).unwrap()).unwrap();
        drop(conn);
        World {
            _dir: dir,
            db,
            acme,
            agency,
        }
    }

    fn conn(&self) -> PooledConn {
        self.db.get().unwrap()
    }

    fn customer(&self) -> Acting<'_> {
        Acting::Member {
            org_id: &self.acme.0,
            user_id: &self.acme.1,
        }
    }

    fn partner(&self) -> Acting<'_> {
        Acting::Member {
            org_id: &self.agency.0,
            user_id: &self.agency.1,
        }
    }

    /// Acme and Agency work together with `access`.
    fn partnership(&self, access: Access) -> String {
        partnership_rows::create(
            &mut self.conn(),
            &self.acme.0,
            &self.agency.0,
            access,
            PartnershipStatus::Active,
            Side::Customer,
            at(2026, 3, 1),
        )
        .unwrap()
    }

    fn order_for_acme(&self, offer_code: &'static str) -> Request<'_> {
        Request::New {
            customer_org_id: &self.acme.0,
            offer_code,
            managed_by: None,
        }
    }

    /// Orders, invoices, income entries, intents consumed and invoice numbers taken.
    fn written(&self) -> (i64, i64, i64, i64, i64) {
        let conn: &mut DbConn = &mut self.conn();
        (
            orders::table.count().get_result(conn).unwrap(),
            invoices::table.count().get_result(conn).unwrap(),
            income_entries::table.count().get_result(conn).unwrap(),
            order_intents::table
                .filter(order_intents::order_id.is_not_null())
                .count()
                .get_result(conn)
                .unwrap(),
            invoice_counters::table
                .select(diesel::dsl::sum(invoice_counters::last_number))
                .first::<Option<i64>>(conn)
                .unwrap()
                .unwrap_or(0),
        )
    }
}

fn at(y: i32, m: u32, d: u32) -> NaiveDateTime {
    NaiveDate::from_ymd_opt(y, m, d)
        .unwrap()
        .and_hms_opt(10, 0, 0)
        .unwrap()
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn confirmed(c: Confirmation) -> Placed {
    match c {
        Confirmation::Placed(placed) => placed,
        other => panic!("expected a placed order, got {other:?}"),
    }
}

#[test]
fn a_customers_own_order_is_quoted_at_the_public_price_for_a_year_from_today() {
    let w = World::new();
    let q = quote(
        &mut w.conn(),
        w.customer(),
        w.order_for_acme("web-hosting"),
        date(2026, 3, 10),
        VAT,
    )
    .unwrap();
    assert_eq!((q.kind, q.placer), (OrderKind::New, Placer::Customer));
    assert_eq!(q.payer_org_id, w.acme.0);
    assert_eq!(q.managed_by, None);
    let amounts: Vec<i64> = q.lines.iter().map(|(_, a)| *a).collect();
    assert_eq!(amounts, [15_000]);
    // 8.1 % of 150.00 = 12.15
    assert_eq!(
        (q.totals.subtotal, q.totals.vat, q.totals.total),
        (15_000, 1_215, 16_215)
    );
    assert_eq!(q.charge.income, None);
    assert_eq!(
        (q.period_start, q.period_end),
        (date(2026, 3, 10), date(2027, 3, 10))
    );
}

#[test]
fn a_partner_that_pays_gets_its_discount_as_a_negative_line_and_no_income() {
    let w = World::new();
    let partnership = w.partnership(Access::Full(PaymentMode::PartnerPays));
    let q = quote(
        &mut w.conn(),
        w.partner(),
        w.order_for_acme("domain-ch"),
        date(2026, 3, 10),
        VAT,
    )
    .unwrap();
    assert_eq!(q.placer, Placer::Partner);
    assert_eq!(q.payer_org_id, w.agency.0);
    assert_eq!(q.managed_by.unwrap().partnership_id, partnership);
    let amounts: Vec<i64> = q.lines.iter().map(|(_, a)| *a).collect();
    assert_eq!(amounts, [1_500, -300]);
    // VAT on the lines' sum: 8.1 % of 12.00 = 0.972 → 0.97
    assert_eq!(
        (q.totals.subtotal, q.totals.vat, q.totals.total),
        (1_200, 97, 1_297)
    );
    assert_eq!(q.charge.income, None);
}

#[test]
fn a_partner_with_limited_access_cannot_order_and_takes_no_number() {
    let w = World::new();
    w.partnership(Access::Limited);
    let refused = place(
        &mut w.conn(),
        w.partner(),
        w.order_for_acme("kdrive"),
        at(2026, 4, 1),
        VAT,
    );
    assert!(
        matches!(
            refused,
            Err(OrderError::Refused(Refusal::LimitedPartnerCannotOrder))
        ),
        "{refused:?}"
    );
    assert_eq!(w.written(), (0, 0, 0, 0, 0));
}

#[test]
fn placing_writes_the_order_its_invoice_and_the_income_numbered_per_year() {
    let w = World::new();
    let partnership = w.partnership(Access::Full(PaymentMode::CustomerPays));
    let conn: &mut DbConn = &mut w.conn();
    let first = place(
        conn,
        w.partner(),
        w.order_for_acme("kdrive"),
        at(2026, 12, 31),
        VAT,
    )
    .unwrap();
    let second = place(
        conn,
        w.partner(),
        w.order_for_acme("kdrive"),
        at(2026, 12, 31),
        VAT,
    )
    .unwrap();
    let third = place(
        conn,
        w.partner(),
        w.order_for_acme("kdrive"),
        at(2027, 1, 1),
        VAT,
    )
    .unwrap();
    assert_eq!(
        [&first, &second, &third].map(|p| p.invoice_number.as_str()),
        ["2026-000001", "2026-000002", "2027-000001"]
    );
    assert_eq!(first.payer_org_id, w.acme.0);
    let (kind, amount, partnership_of_order): (IncomeKind, i64, Option<String>) =
        income_entries::table
            .inner_join(orders::table)
            .filter(orders::id.eq(&first.order_id))
            .select((
                income_entries::kind,
                income_entries::amount,
                orders::partnership_id,
            ))
            .first(conn)
            .unwrap();
    assert_eq!((kind, amount), (IncomeKind::Cashback, 2_400)); // 20 % of 120.00
    assert_eq!(partnership_of_order, Some(partnership));
    assert_eq!(w.written(), (3, 3, 3, 0, 3));
}

#[test]
fn a_renewal_of_an_unmanaged_product_is_billed_to_the_customer_and_not_by_a_partner() {
    let w = World::new();
    let conn: &mut DbConn = &mut w.conn();
    let product = place(
        conn,
        w.customer(),
        w.order_for_acme("kdrive"),
        at(2026, 5, 1),
        VAT,
    )
    .unwrap()
    .product_id;
    let renewal = Request::Renewal {
        product_id: &product,
    };
    // A partner that does not manage it does not even see it.
    w.partnership(Access::Full(PaymentMode::PartnerPays));
    assert!(matches!(
        quote(conn, w.partner(), renewal, date(2026, 6, 1), VAT),
        Err(OrderError::NotFound)
    ));
    let q = quote(conn, Acting::Scheduler, renewal, date(2027, 5, 1), VAT).unwrap();
    assert_eq!(
        (q.placer, q.payer_org_id.as_str()),
        (Placer::Scheduler, w.acme.0.as_str())
    );
    assert_eq!((q.charge.price, q.charge.income), (12_000, None));
    assert_eq!(
        (q.period_start, q.period_end),
        (date(2027, 5, 1), date(2028, 5, 1))
    );
}

#[test]
fn after_the_partnership_ends_its_products_renew_to_the_customer_without_income() {
    let w = World::new();
    let partnership = w.partnership(Access::Full(PaymentMode::PartnerPays));
    let conn: &mut DbConn = &mut w.conn();
    let product = place(
        conn,
        w.partner(),
        w.order_for_acme("kdrive"),
        at(2026, 5, 1),
        VAT,
    )
    .unwrap()
    .product_id;
    partnership_rows::end(conn, &partnership, at(2026, 9, 1)).unwrap();
    let run = renew_due(conn, date(2027, 5, 1), at(2027, 5, 1), VAT).unwrap();
    assert_eq!(
        run,
        RenewalRun {
            renewed: 1,
            failed: 0
        }
    );
    let (payer, price, partnership_of_order): (String, i64, Option<String>) = orders::table
        .filter(orders::product_id.eq(&product))
        .filter(orders::kind.eq(OrderKind::Renewal))
        .select((orders::payer_org_id, orders::price, orders::partnership_id))
        .first(conn)
        .unwrap();
    assert_eq!(
        (payer, price, partnership_of_order),
        (w.acme.0.clone(), 12_000, None)
    );
    assert_eq!(
        w.written().2,
        0,
        "no income at all: the partner paid the first order"
    );
}

#[test]
fn the_scheduler_bills_each_missed_year_once_and_a_second_run_nothing() {
    let w = World::new();
    let conn: &mut DbConn = &mut w.conn();
    // Ordered on a leap day: the periods run 29 Feb → 28 Feb → 28 Feb …
    let product = place(
        conn,
        w.customer(),
        w.order_for_acme("kdrive"),
        at(2028, 2, 29),
        VAT,
    )
    .unwrap()
    .product_id;
    let run = renew_due(conn, date(2031, 3, 1), at(2031, 3, 1), VAT).unwrap();
    assert_eq!(
        run,
        RenewalRun {
            renewed: 3,
            failed: 0
        }
    );
    let again = renew_due(conn, date(2031, 3, 1), at(2031, 3, 1), VAT).unwrap();
    assert_eq!(again, RenewalRun::default());
    let periods: Vec<(NaiveDate, NaiveDate)> = orders::table
        .filter(orders::product_id.eq(&product))
        .order(orders::period_start)
        .select((orders::period_start, orders::period_end))
        .load(conn)
        .unwrap();
    assert_eq!(
        periods,
        [
            (date(2028, 2, 29), date(2029, 2, 28)),
            (date(2029, 2, 28), date(2030, 2, 28)),
            (date(2030, 2, 28), date(2031, 2, 28)),
            (date(2031, 2, 28), date(2032, 2, 28)),
        ]
    );
    let renews_on: NaiveDate = products::find_any(conn, &product)
        .unwrap()
        .unwrap()
        .renews_on;
    assert_eq!(renews_on, date(2032, 2, 28), "the end of the last period");
}

#[test]
fn a_review_then_its_confirmation_places_what_was_reviewed() {
    let w = World::new();
    w.partnership(Access::Full(PaymentMode::CustomerPays));
    let conn: &mut DbConn = &mut w.conn();
    let (org, user) = (&w.agency.0, &w.agency.1);
    let reviewed = review(
        conn,
        org,
        user,
        w.order_for_acme("kdrive"),
        at(2026, 6, 1),
        VAT,
    )
    .unwrap();
    assert_eq!(w.written(), (0, 0, 0, 0, 0), "a review writes no order");
    let placed = confirmed(
        confirm(
            conn,
            org,
            user,
            &reviewed.intent_id,
            None,
            at(2026, 6, 1),
            VAT,
        )
        .unwrap(),
    );
    let total: i64 = invoices::table
        .filter(invoices::id.eq(&placed.invoice_id))
        .select(invoices::total)
        .first(conn)
        .unwrap();
    assert_eq!(total, reviewed.quote.totals.total);
    assert_eq!(placed.payer_org_id, reviewed.quote.payer_org_id);
    assert_eq!(placed.period_end, reviewed.quote.period_end);
    assert_eq!(w.written(), (1, 1, 1, 1, 1));
}

#[test]
fn a_replayed_confirmation_answers_with_the_first_order_and_writes_nothing() {
    let w = World::new();
    let conn: &mut DbConn = &mut w.conn();
    let (org, user) = (&w.acme.0, &w.acme.1);
    let reviewed = review(
        conn,
        org,
        user,
        w.order_for_acme("kdrive"),
        at(2026, 6, 1),
        VAT,
    )
    .unwrap();
    let first = confirmed(
        confirm(
            conn,
            org,
            user,
            &reviewed.intent_id,
            None,
            at(2026, 6, 1),
            VAT,
        )
        .unwrap(),
    );
    let written = w.written();
    // Twenty identical confirmations after the first, the last long after the review expired.
    for minutes in 0..20 {
        let later = at(2026, 6, 1) + TimeDelta::minutes(minutes * 300);
        match confirm(conn, org, user, &reviewed.intent_id, None, later, VAT).unwrap() {
            Confirmation::AlreadyPlaced(again) => assert_eq!(again, first),
            other => panic!("a replay placed again: {other:?}"),
        }
    }
    assert_eq!(w.written(), written, "one order, one invoice, one number");
}

#[test]
fn an_expired_review_is_refused_and_writes_nothing() {
    let w = World::new();
    let conn: &mut DbConn = &mut w.conn();
    let (org, user) = (&w.acme.0, &w.acme.1);
    let shown = at(2026, 6, 1);
    let reviewed = review(conn, org, user, w.order_for_acme("kdrive"), shown, VAT).unwrap();
    let late = shown + TimeDelta::minutes(INTENT_VALID_MINUTES);
    let refused = confirm(conn, org, user, &reviewed.intent_id, None, late, VAT);
    assert!(matches!(refused, Err(OrderError::Expired)), "{refused:?}");
    assert_eq!(w.written(), (0, 0, 0, 0, 0));
    // A minute earlier it was still good.
    let in_time = late - TimeDelta::minutes(1);
    confirmed(confirm(conn, org, user, &reviewed.intent_id, None, in_time, VAT).unwrap());
}

#[test]
fn an_intent_confirms_only_for_the_member_who_reviewed_it_and_its_own_form() {
    let w = World::new();
    w.partnership(Access::Full(PaymentMode::CustomerPays));
    let conn: &mut DbConn = &mut w.conn();
    let shown = at(2026, 6, 1);
    let reviewed = review(
        conn,
        &w.acme.0,
        &w.acme.1,
        w.order_for_acme("kdrive"),
        shown,
        VAT,
    )
    .unwrap();
    let id = &reviewed.intent_id;
    for (org, user) in [(&w.agency.0, &w.agency.1), (&w.acme.0, &w.agency.1)] {
        let stolen = confirm(conn, org, user, id, None, shown, VAT);
        assert!(matches!(stolen, Err(OrderError::NotFound)), "{stolen:?}");
    }
    // The right member, on a renewal's form.
    let elsewhere = confirm(
        conn,
        &w.acme.0,
        &w.acme.1,
        id,
        Some("a-product"),
        shown,
        VAT,
    );
    assert!(
        matches!(elsewhere, Err(OrderError::NotFound)),
        "{elsewhere:?}"
    );
    assert_eq!(w.written(), (0, 0, 0, 0, 0));
}

#[test]
fn changed_terms_issue_a_new_intent_and_write_nothing() {
    let w = World::new();
    let partnership = w.partnership(Access::Full(PaymentMode::CustomerPays));
    let conn: &mut DbConn = &mut w.conn();
    let (org, user) = (&w.agency.0, &w.agency.1);
    let shown = at(2026, 6, 1);
    let reviewed = review(conn, org, user, w.order_for_acme("kdrive"), shown, VAT).unwrap();
    assert_eq!(reviewed.quote.payer_org_id, w.acme.0);
    partnership_rows::set_payment_mode(conn, &w.acme.0, &partnership, 1, PaymentMode::PartnerPays)
        .unwrap();
    let renewed_terms =
        match confirm(conn, org, user, &reviewed.intent_id, None, shown, VAT).unwrap() {
            Confirmation::Changed(terms) => terms,
            other => panic!("expected the new terms, got {other:?}"),
        };
    assert_ne!(renewed_terms.intent_id, reviewed.intent_id);
    assert_eq!(renewed_terms.quote.payer_org_id, w.agency.0);
    assert_eq!(
        w.written(),
        (0, 0, 0, 0, 0),
        "nothing ordered, no number taken"
    );
    // A VAT rate changed meanwhile is a change of terms too.
    let vat_changed = confirm(conn, org, user, &renewed_terms.intent_id, None, shown, 770).unwrap();
    let Confirmation::Changed(at_new_vat) = vat_changed else {
        panic!("expected the new VAT to be shown: {vat_changed:?}");
    };
    assert_eq!(at_new_vat.quote.totals.vat_rate_bp, 770);
    let placed =
        confirmed(confirm(conn, org, user, &at_new_vat.intent_id, None, shown, 770).unwrap());
    assert_eq!(placed.payer_org_id, w.agency.0);
    assert_eq!(w.written(), (1, 1, 0, 1, 1));
}

#[test]
fn a_renewal_reviewed_for_a_period_billed_meanwhile_is_refused_and_takes_no_number() {
    let w = World::new();
    let conn: &mut DbConn = &mut w.conn();
    let (org, user) = (&w.acme.0, &w.acme.1);
    let product = place(
        conn,
        w.customer(),
        w.order_for_acme("kdrive"),
        at(2026, 5, 1),
        VAT,
    )
    .unwrap()
    .product_id;
    let renewal = Request::Renewal {
        product_id: &product,
    };
    let shown = at(2027, 5, 1);
    let reviewed = review(conn, org, user, renewal, shown, VAT).unwrap();
    assert_eq!(reviewed.quote.period_start, date(2027, 5, 1));
    // The scheduler bills that period before the member confirms.
    assert_eq!(
        renew_due(conn, shown.date(), shown, VAT).unwrap().renewed,
        1
    );
    let written = w.written();
    let refused = confirm(
        conn,
        org,
        user,
        &reviewed.intent_id,
        Some(&product),
        shown,
        VAT,
    );
    assert!(
        matches!(refused, Err(OrderError::AlreadyBilled)),
        "{refused:?}"
    );
    assert_eq!(w.written(), written);
    // Placing a period twice is refused as well, before a number is taken.
    let stale = quote(conn, w.customer(), renewal, shown.date(), VAT).unwrap();
    let mut stale_period = stale.clone();
    stale_period.period_start = date(2027, 5, 1);
    let twice = write_tx(conn, |conn| {
        place::write(conn, w.customer(), stale_period, shown)
    });
    assert!(matches!(twice, Err(OrderError::AlreadyBilled)), "{twice:?}");
    assert_eq!(w.written(), written);
}

#[test]
fn a_negative_price_is_refused() {
    let w = World::new();
    let conn: &mut DbConn = &mut w.conn();
    // The catalog's own check forbids it; the ordering code refuses it on its own too.
    if let DbConn::Sqlite(lite) = conn {
        use diesel::connection::SimpleConnection;
        lite.batch_execute(
            "PRAGMA ignore_check_constraints = ON;
             UPDATE offers SET price_chf = -1 WHERE code = 'kdrive';
             PRAGMA ignore_check_constraints = OFF;",
        )
        .unwrap();
    }
    let price: i64 = offers::table
        .find("kdrive")
        .select(offers::price_chf)
        .first(conn)
        .unwrap();
    assert_eq!(price, -1);
    let refused = place(
        conn,
        w.customer(),
        w.order_for_acme("kdrive"),
        at(2026, 6, 1),
        VAT,
    );
    assert!(
        matches!(refused, Err(OrderError::Refused(Refusal::NegativePrice))),
        "{refused:?}"
    );
    assert_eq!(w.written(), (0, 0, 0, 0, 0));
}

#[test]
fn the_largest_price_whose_total_fits_is_billed_to_the_minor_unit() {
    let w = World::new();
    let conn: &mut DbConn = &mut w.conn();
    // price + round(price × 8.1 %) ≤ i64::MAX, the largest such price.
    let fits = |p: i128| p + (p * 810 + 5_000) / 10_000 <= i128::from(i64::MAX);
    let (mut low, mut high) = (0i128, i128::from(i64::MAX));
    while low < high {
        let mid = (low + high + 1) / 2;
        if fits(mid) { low = mid } else { high = mid - 1 }
    }
    let price = i64::try_from(low).unwrap();
    diesel::update(offers::table.find("kdrive"))
        .set(offers::price_chf.eq(price))
        .execute(conn)
        .unwrap();
    let placed = place(
        conn,
        w.customer(),
        w.order_for_acme("kdrive"),
        at(2026, 6, 1),
        VAT,
    )
    .unwrap();
    let (subtotal, vat, total): (i64, i64, i64) = invoices::table
        .filter(invoices::id.eq(&placed.invoice_id))
        .select((invoices::subtotal, invoices::vat, invoices::total))
        .first(conn)
        .unwrap();
    let expected_vat = i64::try_from((low * 810 + 5_000) / 10_000).unwrap();
    assert_eq!(
        (subtotal, vat, total),
        (price, expected_vat, price + expected_vat)
    );
}
