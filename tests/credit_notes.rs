//! Cancelling a mistaken invoice: a credit note, numbered in its own series without gap
//! however many are issued at once, cancels an unpaid invoice once; it has its own PDF
//! for the invoice's billing people, the invoice says it and asks no more payment, and
//! the database keeps both as issued.

mod support;

use diesel::prelude::*;
use partnerdesk::credit_notes::{CancelError, cancel};
use partnerdesk::db::models::credit_notes::CreditNote;
use partnerdesk::db::schema::{credit_notes, invoices, organizations};
use reqwest::StatusCode;
use support::*;

/// Has Alice order `n` more domains for Acme: as many unpaid invoices.
async fn order(app: &TestApp, n: usize) {
    let alice = app.logged_in("alice@acme.test").await;
    for _ in 0..n {
        order_domain_for_acme(app, &alice).await;
    }
}

/// Acme's unpaid invoices that no credit note cancelled: id and number, oldest first.
async fn acme_unpaid(app: &TestApp) -> Vec<(String, String)> {
    app.with_db(|conn| {
        invoices::table
            .inner_join(organizations::table.on(organizations::id.eq(invoices::payer_org_id)))
            .filter(organizations::name.eq(ACME))
            .filter(invoices::paid_at.is_null())
            .filter(invoices::cancelled_at.is_null())
            .order(invoices::number)
            .select((invoices::id, invoices::number))
            .load(conn)
            .unwrap()
    })
    .await
}

async fn cancel_now(app: &TestApp, number: &str, reason: &str) -> Result<CreditNote, CancelError> {
    let (number, reason) = (number.to_owned(), reason.to_owned());
    app.with_db(move |conn| cancel(conn, &number, &reason, partnerdesk::db::now()))
        .await
}

async fn notes(app: &TestApp) -> Vec<(i32, i32, String)> {
    app.with_db(|conn| {
        credit_notes::table
            .order((credit_notes::year, credit_notes::sequence))
            .select((
                credit_notes::year,
                credit_notes::sequence,
                credit_notes::invoice_id,
            ))
            .load(conn)
            .unwrap()
    })
    .await
}

#[tokio::test]
async fn an_unpaid_invoice_is_cancelled_once_by_a_credit_note_with_its_own_pdf() {
    let app = spawn_demo().await;
    order(&app, 1).await;
    let (id, number) = acme_unpaid(&app).await.remove(0);
    let note = cancel_now(&app, &number, "Ordered twice by mistake")
        .await
        .unwrap();
    let year = partnerdesk::db::now().format("%Y").to_string();
    assert_eq!(note.number, format!("CN-{year}-000001"));
    // Asked again: the same credit note answers, no second one.
    match cancel_now(&app, &number, "again").await {
        Err(CancelError::AlreadyCancelled { note: told, .. }) => assert_eq!(told, note.number),
        other => panic!("{other:?}"),
    }
    assert_eq!(notes(&app).await.len(), 1);

    // The invoice says it, in its list and on its page.
    let alice = app.logged_in("alice@acme.test").await;
    let link = format!("/invoices/{id}");
    let cancelled = alice.get("/invoices?status=cancelled").await;
    assert!(cancelled.has_link(&link), "{}", cancelled.text());
    let open = alice.get("/invoices?status=open").await;
    let overdue = alice.get("/invoices?status=overdue").await;
    assert!(!open.has_link(&link) && !overdue.has_link(&link));
    let page = alice.get(&link).await;
    let row = page
        .row("Cancelled")
        .expect("the cancellation on the invoice's page");
    assert!(
        row.contains(&note.number) && row.contains("Ordered twice by mistake"),
        "{row}"
    );
    assert!(page.has_link(&format!("{link}/credit-note")));

    // The credit note's PDF gives back the invoice's amounts and says why.
    let (status, headers, pdf) = alice.download(&format!("{link}/credit-note")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        headers["content-disposition"],
        format!("attachment; filename=\"credit-note-{}.pdf\"", note.number).as_str()
    );
    let text = support::pdf::text(&pdf);
    let total = page.texts("tr.total td").pop().unwrap();
    for expected in [
        format!("Credit note {}", note.number),
        format!("Cancels invoice {number}"),
        "Ordered twice by mistake".to_owned(),
        // The amounts given back: the total, negative.
        format!("-{}", total.split(char::is_whitespace).next_back().unwrap()),
    ] {
        assert!(text.contains(&expected), "{expected:?} in:\n{text}");
    }
    assert!(support::pdf::qr_codes(&pdf).is_empty(), "nothing to pay");
    // The invoice's own PDF asks no more payment.
    let (_, _, invoice_pdf) = alice.download(&format!("{link}/pdf")).await;
    assert!(support::pdf::qr_codes(&invoice_pdf).is_empty());
    assert!(
        support::pdf::text(&invoice_pdf)
            .contains(&format!("Cancelled by credit note {}", note.number))
    );

    // Only the invoice's billing people get it.
    for other in ["bob@acme.test", "paul@webagency.test", "carla@beta.test"] {
        let browser = app.logged_in(other).await;
        let (status, _, _) = browser.download(&format!("{link}/credit-note")).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{other}");
    }
    // An invoice no credit note cancelled has none.
    let (other_id, _) = acme_unpaid(&app).await.remove(0);
    let (status, _, _) = alice
        .download(&format!("/invoices/{other_id}/credit-note"))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // A payment that comes anyway pays nothing: it is kept as unmatched (over).
    let (total_minor, reference) = app
        .with_db({
            let id = id.clone();
            move |conn| {
                let (total, number): (i64, String) = invoices::table
                    .find(id)
                    .select((invoices::total, invoices::number))
                    .first(conn)
                    .unwrap();
                (total, partnerdesk::payments::reference::of_invoice(&number))
            }
        })
        .await;
    let xml = support::bank::notification(&reference, total_minor, "CN-PAID-1");
    let report = app
        .with_db(move |conn| {
            partnerdesk::payments::import(conn, &xml, "late.xml", partnerdesk::db::now()).unwrap()
        })
        .await;
    assert_eq!((report.settled, report.over), (0, 1), "{report:?}");
    assert!(alice.get(&link).await.row("Paid on").is_none());

    // The database keeps both as issued: no payment, no change, no deletion.
    let refused = app
        .with_db(move |conn| {
            let pay = diesel::update(invoices::table.find(&id))
                .set(invoices::paid_at.eq(partnerdesk::db::now()))
                .execute(conn);
            let change = diesel::update(credit_notes::table)
                .set(credit_notes::reason.eq("changed"))
                .execute(conn);
            let delete = diesel::delete(credit_notes::table).execute(conn);
            [pay.is_err(), change.is_err(), delete.is_err()]
        })
        .await;
    assert_eq!(refused, [true, true, true]);
}

#[tokio::test]
async fn what_cannot_be_cancelled_is_refused_and_takes_no_number() {
    let app = spawn_demo().await;
    order(&app, 1).await;
    let (paid_id, paid_number) = acme_unpaid(&app).await.remove(0);
    app.with_db(move |conn| {
        partnerdesk::db::models::orders::record_payment(conn, &paid_id, partnerdesk::db::now())
            .unwrap()
    })
    .await;
    assert!(matches!(
        cancel_now(&app, &paid_number, "late").await,
        Err(CancelError::Paid(_))
    ));
    assert!(matches!(
        cancel_now(&app, "1999-000001", "none").await,
        Err(CancelError::NotFound(_))
    ));
    // Partly paid: the money received is to be refunded first.
    order(&app, 1).await;
    let (_, partly) = acme_unpaid(&app).await.remove(0);
    let reference = partnerdesk::payments::reference::of_invoice(&partly);
    let xml = support::bank::notification(&reference, 100, "CN-PART-1");
    app.with_db(move |conn| {
        partnerdesk::payments::import(conn, &xml, "part.xml", partnerdesk::db::now()).unwrap()
    })
    .await;
    assert!(matches!(
        cancel_now(&app, &partly, "late").await,
        Err(CancelError::PartlyPaid { .. })
    ));
    let (_, number) = acme_unpaid(&app).await.remove(1);
    for reason in ["", "  ", "two\nlines", &"x".repeat(301)] {
        assert!(
            matches!(
                cancel_now(&app, &number, reason).await,
                Err(CancelError::Reason(_))
            ),
            "{reason:?}"
        );
    }
    assert!(notes(&app).await.is_empty());
    // The next one is the series' first.
    let note = cancel_now(&app, &number, "Wrong product").await.unwrap();
    assert!(note.number.ends_with("-000001"), "{}", note.number);
}

#[tokio::test]
async fn credit_notes_issued_at_once_are_numbered_without_gap_and_each_invoice_once() {
    let app = spawn_demo().await;
    order(&app, 4).await;
    let open = acme_unpaid(&app).await;
    assert!(open.len() >= 3, "{open:?}");
    // Every unpaid invoice cancelled from two threads at once.
    let threads: Vec<_> = open
        .iter()
        .flat_map(|(_, number)| [number.clone(), number.clone()])
        .map(|number| {
            let db = app.db.clone();
            std::thread::spawn(move || {
                cancel(
                    &mut db.get().unwrap(),
                    &number,
                    "Duplicate",
                    partnerdesk::db::now(),
                )
            })
        })
        .collect();
    let results: Vec<_> = threads.into_iter().map(|t| t.join().unwrap()).collect();
    let issued = results.iter().filter(|r| r.is_ok()).count();
    let told = results
        .iter()
        .filter(|r| matches!(r, Err(CancelError::AlreadyCancelled { .. })))
        .count();
    assert_eq!((issued, told), (open.len(), open.len()), "{results:?}");
    let notes = notes(&app).await;
    let sequences: Vec<i32> = notes.iter().map(|(_, s, _)| *s).collect();
    assert_eq!(sequences, (1..=open.len() as i32).collect::<Vec<_>>());
    let mut cancelled: Vec<&String> = notes.iter().map(|(_, _, id)| id).collect();
    cancelled.sort();
    let mut expected: Vec<&String> = open.iter().map(|(id, _)| id).collect();
    expected.sort();
    assert_eq!(cancelled, expected);
}

#[test]
fn the_command_cancels_only_what_exists_and_says_why() {
    let dir = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| command_in(dir.path()).args(args).output().unwrap();
    assert!(run(&["migrate"]).status.success());
    let unknown = run(&["invoices", "cancel", "2026-000001", "--reason", "Mistake"]);
    assert!(!unknown.status.success());
    assert!(
        String::from_utf8_lossy(&unknown.stderr).contains("no invoice is numbered 2026-000001"),
        "{}",
        String::from_utf8_lossy(&unknown.stderr)
    );
    let no_reason = run(&["invoices", "cancel", "2026-000001"]);
    assert!(!no_reason.status.success(), "--reason is required");
}
