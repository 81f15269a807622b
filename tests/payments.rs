//! Payments from the bank on both backends: camt.054 notifications and camt.053
//! statements (fixtures in `tests/fixtures`, written to the ISO 20022 schema) reconciled
//! by the invoices' creditor references; exact, partial, over and unknown payments; the
//! same file twice and the statement after the notification; two imports at once; a
//! malformed file that changes nothing; and the command a person runs.

mod support;

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use partnerdesk::db::models::bank_payments;
use partnerdesk::db::schema::{bank_payments as payments_table, invoices};
use partnerdesk::domain::Currency;
use partnerdesk::payments::{ImportError, Report, import, reference};
use support::*;

#[derive(Debug, Clone)]
struct Open {
    id: String,
    number: String,
    total: i64,
    currency: Currency,
}

/// The demo's unpaid invoices.
async fn unpaid(app: &TestApp) -> Vec<Open> {
    let rows: Vec<(String, String, i64, Currency)> = app
        .with_db(|conn| {
            invoices::table
                .filter(invoices::paid_at.is_null())
                .order(invoices::number)
                .select((
                    invoices::id,
                    invoices::number,
                    invoices::total,
                    invoices::currency,
                ))
                .load(conn)
                .unwrap()
        })
        .await;
    rows.into_iter()
        .map(|(id, number, total, currency)| Open {
            id,
            number,
            total,
            currency,
        })
        .collect()
}

async fn paid_at(app: &TestApp, id: &str) -> Option<NaiveDateTime> {
    let id = id.to_owned();
    app.with_db(move |conn| {
        invoices::table
            .find(id)
            .select(invoices::paid_at)
            .first(conn)
            .unwrap()
    })
    .await
}

async fn kept(app: &TestApp) -> i64 {
    app.with_db(|conn| payments_table::table.count().get_result(conn).unwrap())
        .await
}

/// `amount` minor units as ISO 20022 writes them.
fn decimal(amount: i64) -> String {
    format!("{}.{:02}", amount / 100, amount % 100)
}

/// A fixture with its placeholders filled.
fn fixture(name: &str, fill: &[(&str, String)]) -> String {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name);
    let mut xml = std::fs::read_to_string(path).unwrap();
    for (key, value) in fill {
        xml = xml.replace(&format!("{{{key}}}"), value);
    }
    assert!(
        !xml.contains("{REF_1}") && !xml.contains("{AMOUNT_2}"),
        "{name} filled"
    );
    xml
}

async fn run(app: &TestApp, xml: &str) -> Result<Report, ImportError> {
    let xml = xml.to_owned();
    app.with_db(move |conn| import(conn, &xml, "test.xml", partnerdesk::db::now()))
        .await
}

const DAY: &str = "2026-11-30";

fn day() -> NaiveDate {
    DAY.parse().unwrap()
}

#[tokio::test]
async fn payments_settle_their_invoices_once_and_the_rest_is_kept_as_unmatched() {
    let app = spawn_demo().await;
    let open = unpaid(&app).await;
    assert!(open.len() >= 2, "{open:?}");
    let (a, b) = (open[0].clone(), open[1].clone());
    assert!(b.total > 100);
    // B is paid in two parts: 1.00 short now, the rest in the statement.
    let notification = fixture(
        "camt054.xml",
        &[
            ("DAY", DAY.into()),
            ("ENTRY_AMOUNT", decimal(a.total + b.total - 100 + 4200)),
            ("REF_1", reference::of_invoice(&a.number)),
            ("AMOUNT_1", decimal(a.total)),
            ("CCY_1", a.currency.code().into()),
            // As a bank may write it: grouped, in lower case.
            ("REF_2", reference::printed(&b.number).to_lowercase()),
            ("AMOUNT_2", decimal(b.total - 100)),
            ("CCY_2", b.currency.code().into()),
        ],
    );
    let report = run(&app, &notification).await.unwrap();
    assert_eq!(
        (
            report.kind,
            report.settled,
            report.partial,
            report.over,
            report.unknown,
            report.known,
            report.skipped
        ),
        ("camt.054", 1, 1, 0, 1, 0, 2),
        "{report:?}"
    );
    assert_eq!(
        paid_at(&app, &a.id).await,
        Some(day().and_hms_opt(0, 0, 0).unwrap())
    );
    assert_eq!(paid_at(&app, &b.id).await, None, "partly paid is not paid");
    assert_eq!(kept(&app).await, 3);

    // The same file again: nothing changes.
    let again = run(&app, &notification).await.unwrap();
    assert_eq!(
        (again.settled, again.partial, again.unknown, again.known),
        (0, 0, 0, 3)
    );
    assert_eq!(kept(&app).await, 3);
    assert_eq!(
        paid_at(&app, &a.id).await,
        Some(day().and_hms_opt(0, 0, 0).unwrap())
    );

    // Unmatched: the partial payment and the unknown reference, never dropped.
    let unmatched = app
        .with_db(|conn| bank_payments::unmatched(conn).unwrap())
        .await;
    let outcomes: Vec<(&str, Option<&str>)> = unmatched
        .iter()
        .map(|(p, _)| (p.outcome.as_str(), p.invoice_id.as_deref()))
        .collect();
    assert_eq!(outcomes.len(), 2, "{outcomes:?}");
    assert!(
        outcomes.contains(&("partial", Some(b.id.as_str()))),
        "{outcomes:?}"
    );
    assert!(outcomes.contains(&("unknown", None)), "{outcomes:?}");

    // The statement of the day: the partial credit again (the same bank reference),
    // then the rest of B, which settles it, its first part with it.
    let statement = fixture(
        "camt053.xml",
        &[
            ("DAY", DAY.into()),
            ("BANK_REF_1", format!("BANK-{DAY}-1-2")),
            ("REF_1", reference::of_invoice(&b.number)),
            ("AMOUNT_1", decimal(b.total - 100)),
            ("CCY_1", b.currency.code().into()),
            ("BANK_REF_2", "STMT-REST-OF-B".into()),
            ("REF_2", reference::of_invoice(&b.number)),
            ("AMOUNT_2", decimal(100)),
            ("CCY_2", b.currency.code().into()),
        ],
    );
    let report = run(&app, &statement).await.unwrap();
    assert_eq!(
        (report.kind, report.known, report.settled),
        ("camt.053", 1, 1),
        "{report:?}"
    );
    assert!(paid_at(&app, &b.id).await.is_some());
    let unmatched = app
        .with_db(|conn| bank_payments::unmatched(conn).unwrap())
        .await;
    assert_eq!(
        unmatched.len(),
        1,
        "only the unknown one is left: {unmatched:?}"
    );

    // More than was due, and a payment in another currency: kept, listed.
    let other = if a.currency == Currency::Chf {
        "EUR"
    } else {
        "CHF"
    };
    let late = fixture(
        "camt053.xml",
        &[
            ("DAY", DAY.into()),
            ("BANK_REF_1", "STMT-A-TWICE".into()),
            ("REF_1", reference::of_invoice(&a.number)),
            ("AMOUNT_1", decimal(1000)),
            ("CCY_1", a.currency.code().into()),
            ("BANK_REF_2", "STMT-OTHER-CURRENCY".into()),
            (
                "REF_2",
                reference::of_invoice(&open.get(2).unwrap_or(&b).number),
            ),
            ("AMOUNT_2", decimal(1000)),
            ("CCY_2", other.into()),
        ],
    );
    let report = run(&app, &late).await.unwrap();
    assert_eq!((report.over, report.currency), (1, 1), "{report:?}");
    assert_eq!(
        app.with_db(|conn| bank_payments::unmatched(conn).unwrap())
            .await
            .len(),
        3
    );
}

#[tokio::test]
async fn an_invoice_shows_the_reference_to_pay_it_with() {
    let app = spawn_demo().await;
    let (id, number): (String, String) = app
        .with_db(|conn| {
            use partnerdesk::db::schema::organizations;
            invoices::table
                .inner_join(organizations::table.on(organizations::id.eq(invoices::payer_org_id)))
                .filter(organizations::name.eq(ACME))
                .select((invoices::id, invoices::number))
                .first(conn)
                .unwrap()
        })
        .await;
    let page = app
        .logged_in("alice@acme.test")
        .await
        .get(&format!("/invoices/{id}"))
        .await;
    let shown = page
        .row("Payment reference")
        .expect("the invoice shows its reference");
    assert_eq!(shown, reference::printed(&number));
    assert_eq!(
        reference::invoice_number(&shown).as_deref(),
        Some(number.as_str())
    );
    // Who issued it, and where to pay it.
    let provider = partnerdesk::provider::Provider::demo();
    assert_eq!(
        page.row("Pay to the account"),
        Some(provider.iban_grouped())
    );
    assert!(
        page.text().contains(&provider.details.legal_name),
        "{}",
        page.text()
    );
}

#[tokio::test]
async fn a_malformed_file_changes_nothing_and_says_why() {
    let app = spawn_demo().await;
    let open = unpaid(&app).await;
    let a = open[0].clone();
    let good = fixture(
        "camt053.xml",
        &[
            ("DAY", DAY.into()),
            ("BANK_REF_1", "M-1".into()),
            ("REF_1", reference::of_invoice(&a.number)),
            ("AMOUNT_1", decimal(a.total)),
            ("CCY_1", a.currency.code().into()),
            ("BANK_REF_2", "M-2".into()),
            ("REF_2", "RF18539007547034".into()),
            ("AMOUNT_2", decimal(500)),
            ("CCY_2", "CHF".into()),
        ],
    );
    let broken = [
        (good[..good.len() / 2].to_owned(), "not well-formed XML"),
        (
            good.replace("<Amt Ccy=\"CHF\">5.00</Amt>", "<Amt Ccy=\"CHF\">5,00</Amt>"),
            "not a positive amount",
        ),
        (
            good.replace(
                &format!("<Dt>{DAY}</Dt></BookgDt>"),
                "<Dt>30.11.2026</Dt></BookgDt>",
            ),
            "no booking date",
        ),
        (
            good.replace("BkToCstmrStmt", "BkToCstmrAcctRpt"),
            "does not hold one <BkToCstmrStmt>",
        ),
        ("\u{feff}not xml at all".to_owned(), "not well-formed"),
    ];
    for (xml, says) in broken {
        match run(&app, &xml).await {
            Err(ImportError::Malformed(why)) => assert!(why.contains(says), "{why}"),
            other => panic!("expected a refusal saying {says:?}, got {other:?}"),
        }
    }
    assert_eq!(kept(&app).await, 0);
    assert_eq!(paid_at(&app, &a.id).await, None);
}

#[tokio::test]
async fn a_reference_of_the_banks_given_to_another_credit_is_refused_not_dropped() {
    let app = spawn_demo().await;
    let statement = |amount: &str| {
        fixture(
            "camt053.xml",
            &[
                ("DAY", DAY.into()),
                ("BANK_REF_1", "SAME-REF".into()),
                ("REF_1", "RF18539007547034".into()),
                ("AMOUNT_1", amount.into()),
                ("CCY_1", "CHF".into()),
                ("BANK_REF_2", "OTHER-REF".into()),
                ("REF_2", "RF18539007547034".into()),
                ("AMOUNT_2", "1.00".into()),
                ("CCY_2", "CHF".into()),
            ],
        )
    };
    run(&app, &statement("10.00")).await.unwrap();
    match run(&app, &statement("999.00")).await {
        Err(ImportError::Malformed(why)) => {
            assert!(why.contains("SAME-REF") && why.contains("999.00"), "{why}")
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    assert_eq!(kept(&app).await, 2);
}

#[tokio::test]
async fn two_imports_of_one_file_at_once_keep_each_payment_once() {
    let app = spawn_demo().await;
    let open = unpaid(&app).await;
    let (a, b) = (open[0].clone(), open[1].clone());
    let xml = fixture(
        "camt053.xml",
        &[
            ("DAY", DAY.into()),
            ("BANK_REF_1", "P-1".into()),
            ("REF_1", reference::of_invoice(&a.number)),
            ("AMOUNT_1", decimal(a.total)),
            ("CCY_1", a.currency.code().into()),
            ("BANK_REF_2", "P-2".into()),
            ("REF_2", reference::of_invoice(&b.number)),
            ("AMOUNT_2", decimal(b.total)),
            ("CCY_2", b.currency.code().into()),
        ],
    );
    let imports: Vec<_> = (0..4)
        .map(|_| {
            let (db, xml) = (app.db.clone(), xml.clone());
            std::thread::spawn(move || {
                import(
                    &mut db.get().unwrap(),
                    &xml,
                    "same.xml",
                    partnerdesk::db::now(),
                )
                .unwrap()
            })
        })
        .collect();
    let reports: Vec<Report> = imports.into_iter().map(|t| t.join().unwrap()).collect();
    let settled: usize = reports.iter().map(|r| r.settled).sum();
    let known: usize = reports.iter().map(|r| r.known).sum();
    assert_eq!((settled, known), (2, 6), "{reports:?}");
    assert_eq!(kept(&app).await, 2);
}

#[test]
fn the_command_imports_a_file_and_refuses_a_broken_one() {
    let dir = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| command_in(dir.path()).args(args).output().unwrap();
    assert!(run(&["migrate"]).status.success());
    // A provider configured by halves is refused at start, whatever the command.
    let half = command_in(dir.path())
        .env("PROVIDER_NAME", "Hosting SA")
        .env("PROVIDER_IBAN", "CH9300762011623852957")
        .arg("migrate")
        .output()
        .unwrap();
    assert!(!half.status.success());
    let said = String::from_utf8_lossy(&half.stderr);
    assert!(
        said.contains("incomplete") && said.contains("PROVIDER_STREET"),
        "{said}"
    );
    let xml = fixture(
        "camt053.xml",
        &[
            ("DAY", DAY.into()),
            ("BANK_REF_1", "C-1".into()),
            ("REF_1", "RF18539007547034".into()),
            ("AMOUNT_1", "12.50".into()),
            ("CCY_1", "CHF".into()),
            ("BANK_REF_2", "C-2".into()),
            ("REF_2", "RF712348231".into()),
            ("AMOUNT_2", "7.00".into()),
            ("CCY_2", "EUR".into()),
        ],
    );
    std::fs::write(dir.path().join("statement.xml"), &xml).unwrap();
    std::fs::write(dir.path().join("broken.xml"), &xml[..200]).unwrap();
    let imported = run(&["payments", "import", "statement.xml"]);
    let said = String::from_utf8_lossy(&imported.stdout);
    assert!(
        imported.status.success(),
        "{said} {}",
        String::from_utf8_lossy(&imported.stderr)
    );
    assert!(said.contains("camt.053 read from statement.xml"), "{said}");
    assert!(said.contains("2 of unknown reference"), "{said}");
    let again = run(&["payments", "import", "statement.xml"]);
    assert!(String::from_utf8_lossy(&again.stdout).contains("2 imported before"));
    let listed = String::from_utf8_lossy(&run(&["payments", "unmatched"]).stdout).into_owned();
    assert_eq!(
        listed.lines().count(),
        4,
        "a header and two payments: {listed}"
    );
    assert!(
        listed.starts_with("2 payment(s) settled nothing"),
        "{listed}"
    );
    assert!(
        listed.contains("CHF 12.50") && listed.contains("EUR 7.00"),
        "{listed}"
    );
    let broken = run(&["payments", "import", "broken.xml"]);
    assert!(!broken.status.success());
    let stderr = String::from_utf8_lossy(&broken.stderr);
    assert!(
        stderr.contains("broken.xml was not imported") && stderr.contains("Nothing was changed"),
        "{stderr}"
    );
}
