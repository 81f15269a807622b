//! Reviews and their confirmations: once, by whom they were issued to, on the terms shown.

use super::*;

#[test]
fn a_review_then_its_confirmation_places_what_was_reviewed() {
    let w = World::new();
    w.partnership(Access::Full(PaymentMode::CustomerPays));
    let conn: &mut DbConn = &mut w.conn();
    let (org, user) = (&w.agency.0, &w.agency.1);
    let reviewed = review(
        conn,
        by(org, user),
        w.order_for_acme("kdrive"),
        at(2026, 6, 1),
        VAT,
    )
    .unwrap();
    assert_eq!(w.written(), (0, 0, 0, 0, 0), "a review writes no order");
    let placed = confirmed(
        confirm(
            conn,
            by(org, user),
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
        by(org, user),
        w.order_for_acme("kdrive"),
        at(2026, 6, 1),
        VAT,
    )
    .unwrap();
    let first = confirmed(
        confirm(
            conn,
            by(org, user),
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
        match confirm(conn, by(org, user), &reviewed.intent_id, None, later, VAT).unwrap() {
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
    let reviewed = review(conn, by(org, user), w.order_for_acme("kdrive"), shown, VAT).unwrap();
    let late = shown + TimeDelta::minutes(INTENT_VALID_MINUTES);
    let refused = confirm(conn, by(org, user), &reviewed.intent_id, None, late, VAT);
    assert!(matches!(refused, Err(OrderError::Expired)), "{refused:?}");
    assert_eq!(w.written(), (0, 0, 0, 0, 0));
    // A minute earlier it was still good.
    let in_time = late - TimeDelta::minutes(1);
    confirmed(confirm(conn, by(org, user), &reviewed.intent_id, None, in_time, VAT).unwrap());
}

#[test]
fn an_intent_confirms_only_for_the_member_who_reviewed_it_and_its_own_form() {
    let w = World::new();
    w.partnership(Access::Full(PaymentMode::CustomerPays));
    let conn: &mut DbConn = &mut w.conn();
    let shown = at(2026, 6, 1);
    let reviewed = review(conn, w.customer(), w.order_for_acme("kdrive"), shown, VAT).unwrap();
    let id = &reviewed.intent_id;
    for (org, user) in [(&w.agency.0, &w.agency.1), (&w.acme.0, &w.agency.1)] {
        let stolen = confirm(conn, by(org, user), id, None, shown, VAT);
        assert!(matches!(stolen, Err(OrderError::NotFound)), "{stolen:?}");
    }
    // The right member, on a renewal's form.
    let elsewhere = confirm(conn, w.customer(), id, Some("a-product"), shown, VAT);
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
    let reviewed = review(conn, by(org, user), w.order_for_acme("kdrive"), shown, VAT).unwrap();
    assert_eq!(reviewed.quote.payer_org_id, w.acme.0);
    partnership_rows::set_payment_mode(conn, &w.acme.0, &partnership, 1, PaymentMode::PartnerPays)
        .unwrap();
    let renewed_terms =
        match confirm(conn, by(org, user), &reviewed.intent_id, None, shown, VAT).unwrap() {
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
    let vat_changed = confirm(
        conn,
        by(org, user),
        &renewed_terms.intent_id,
        None,
        shown,
        770,
    )
    .unwrap();
    let Confirmation::Changed(at_new_vat) = vat_changed else {
        panic!("expected the new VAT to be shown: {vat_changed:?}");
    };
    assert_eq!(at_new_vat.quote.totals.vat_rate_bp, 770);
    let placed =
        confirmed(confirm(conn, by(org, user), &at_new_vat.intent_id, None, shown, 770).unwrap());
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
    let reviewed = review(conn, by(org, user), renewal, shown, VAT).unwrap();
    assert_eq!(reviewed.quote.period_start, date(2027, 5, 1));
    // The scheduler bills that period before the member confirms.
    assert_eq!(
        renew_due(conn, shown.date(), shown, VAT).unwrap().renewed,
        1
    );
    let written = w.written();
    let refused = confirm(
        conn,
        by(org, user),
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
