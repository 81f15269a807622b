//! Quoting and placing orders, and the scheduler's renewals.

use super::*;

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
    partnership_rows::end(
        conn,
        &partnership,
        at(2026, 9, 1),
        crate::domain::EventKind::Ended,
    )
    .unwrap();
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
fn a_product_renewed_meanwhile_is_already_billed_for_the_scheduler_before_any_check() {
    let w = World::new();
    w.partnership(Access::Full(PaymentMode::CustomerPays));
    let conn: &mut DbConn = &mut w.conn();
    // 20 % cashback on a price this high: five incomes fit in minor units, a sixth not.
    let price = i64::MAX / 11 * 10;
    diesel::update(offers::table.find("kdrive"))
        .set(offers::price_chf.eq(price))
        .execute(conn)
        .unwrap();
    let product = place(
        conn,
        w.partner(),
        w.order_for_acme("kdrive"),
        at(2026, 3, 10),
        VAT,
    )
    .unwrap()
    .product_id;
    let run = renew_due(conn, date(2030, 3, 10), at(2030, 3, 10), VAT).unwrap();
    assert_eq!((run.renewed, run.failed), (4, 0));
    // A second run that listed the product before the first renewed it: nothing is due,
    // so the income that a next period would bring is not what answers.
    let again = quote(
        conn,
        Acting::Scheduler,
        Request::Renewal {
            product_id: &product,
        },
        date(2030, 3, 10),
        VAT,
    );
    assert!(matches!(again, Err(OrderError::AlreadyBilled)), "{again:?}");
    // Asked for by the customer ahead of time, the next period is refused for its income.
    let ahead = quote(
        conn,
        w.customer(),
        Request::Renewal {
            product_id: &product,
        },
        date(2030, 3, 10),
        VAT,
    );
    assert!(
        matches!(ahead, Err(OrderError::Refused(Refusal::TooLarge))),
        "{ahead:?}"
    );
}

#[test]
fn the_scheduler_bills_the_oldest_period_due_first_whichever_product_it_is() {
    let w = World::new();
    let conn: &mut DbConn = &mut w.conn();
    let mut ordered = |on| {
        place(conn, w.customer(), w.order_for_acme("kdrive"), on, VAT)
            .unwrap()
            .product_id
    };
    // Two periods behind, and more products due between them than a batch of the run.
    let behind = ordered(at(2026, 3, 1));
    let between: Vec<String> = (0..=super::super::renewals::BATCH)
        .map(|_| ordered(at(2026, 6, 1)))
        .collect();
    let run = renew_due(conn, date(2028, 5, 1), at(2028, 5, 1), VAT).unwrap();
    assert_eq!((run.renewed, run.failed), (between.len() + 2, 0));
    // The renewals' invoices are numbered in the order they were billed.
    let billed: Vec<(String, NaiveDate)> = invoices::table
        .inner_join(orders::table.on(orders::id.eq(invoices::order_id)))
        .filter(invoices::year.eq(2028))
        .order(invoices::sequence)
        .select((orders::product_id.assume_not_null(), orders::period_start))
        .load(conn)
        .unwrap();
    let mut expected = vec![(behind.clone(), date(2027, 3, 1))];
    let mut by_id = between.clone();
    by_id.sort();
    expected.extend(by_id.into_iter().map(|id| (id, date(2027, 6, 1))));
    expected.push((behind, date(2028, 3, 1)));
    assert_eq!(billed, expected);
}
