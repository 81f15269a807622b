//! The real binary, killed with SIGKILL at the worst moments: no email is lost (a
//! duplicate carries the same Message-ID), two instances deliver each email once, and a
//! burst of orders leaves no partial order, invoice or income entry.

mod support;

use std::collections::{BTreeSet, HashMap};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use partnerdesk::config::BaseUrl;
use partnerdesk::db::models::outbox::{self, OutgoingEmail};
use partnerdesk::db::schema::{
    income_entries, invoice_lines, invoices, orders, outbox_emails, products,
};
use partnerdesk::db::{DbConn, now};
use partnerdesk::mail::MailContext;
use reqwest::StatusCode;
use support::smtp::SmtpServer;
use support::*;

/// A `partnerdesk serve` process.
struct Server {
    child: Child,
    address: String,
}

impl Server {
    async fn start(database_url: &str, smtp_url: &str) -> Server {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new(env!("CARGO_BIN_EXE_partnerdesk"))
            .arg("serve")
            .env("DATABASE_URL", database_url)
            .env("BIND", format!("127.0.0.1:{port}"))
            .env("BASE_URL", "http://partnerdesk.test")
            .env("SMTP_URL", smtp_url)
            .env(
                "SESSION_KEY",
                "a session key shared by every instance of this test",
            )
            .env("RENEWALS", "off")
            .env("WORKERS", "2")
            .env("RUST_LOG", "error")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("the binary starts");
        // From here on, dropping the server kills and reaps the process.
        let server = Server {
            child,
            address: format!("http://127.0.0.1:{port}"),
        };
        let client = reqwest::Client::new();
        for _ in 0..200 {
            let health = client
                .get(format!("{}/healthz", server.address))
                .send()
                .await;
            if health.is_ok_and(|r| r.status() == StatusCode::OK) {
                return server;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("the server did not start");
    }

    /// SIGKILL: no chance to finish anything.
    fn kill(mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn seeded_database() -> TestDb {
    tokio::task::spawn_blocking(|| {
        let db = TestDb::new();
        assert!(partnerdesk::demo::seed_if_empty(&mut db.db.get().unwrap()).unwrap());
        db
    })
    .await
    .unwrap()
}

async fn on<T: Send + 'static>(
    db: &TestDb,
    f: impl FnOnce(&mut DbConn) -> T + Send + 'static,
) -> T {
    let pool = db.db.clone();
    tokio::task::spawn_blocking(move || f(&mut pool.get().unwrap()))
        .await
        .unwrap()
}

/// Queues `count` emails, as a change would; returns their Message-IDs.
async fn queue_emails(db: &TestDb, count: usize) -> BTreeSet<String> {
    on(db, move |conn| {
        let mail = MailContext::new(BaseUrl::parse("http://partnerdesk.test").unwrap());
        for i in 0..count {
            let email = OutgoingEmail {
                recipient: format!("person{i}@example.test"),
                recipient_name: format!("Person {i}"),
                subject: format!("Message {i}"),
                body_text: "Hello".into(),
                body_html: "<p>Hello</p>".into(),
            };
            outbox::enqueue(conn, &email, &mail.message_domain).unwrap();
        }
        outbox_emails::table
            .select(outbox_emails::message_id)
            .load::<String>(conn)
            .unwrap()
            .into_iter()
            .collect()
    })
    .await
}

fn received_ids(smtp: &SmtpServer) -> Vec<String> {
    smtp.received()
        .into_iter()
        .map(|r| format!("<{}>", r.email.message_id))
        .collect()
}

async fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    for _ in 0..600 {
        if done() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("timed out waiting until {what}");
}

#[tokio::test]
async fn an_instance_killed_mid_delivery_loses_no_email() {
    let db = seeded_database().await;
    let queued = queue_emails(&db, 12).await;
    let smtp = SmtpServer::start_with(0, Duration::from_millis(150));
    let server = Server::start(&db.url, &smtp.url()).await;
    wait_until("a few emails are out", || smtp.received().len() >= 3).await;
    server.kill();
    let before_restart = received_ids(&smtp);
    assert!(
        before_restart.len() < queued.len(),
        "the kill came mid-delivery"
    );

    // The killed sender's leases run out (two minutes in real time), then a new
    // instance takes over.
    on(&db, |conn| {
        diesel::update(outbox_emails::table.filter(outbox_emails::sent_at.is_null()))
            .set(outbox_emails::next_attempt_at.eq(now()))
            .execute(conn)
            .unwrap()
    })
    .await;
    let _server = Server::start(&db.url, &smtp.url()).await;
    wait_until("every email is delivered", || {
        received_ids(&smtp).into_iter().collect::<BTreeSet<_>>() == queued
    })
    .await;
    let received = received_ids(&smtp);
    assert!(
        received.iter().all(|id| queued.contains(id)),
        "only queued emails, with their own Message-IDs"
    );
    // A message the killed instance had sent but not yet marked may arrive twice: with
    // the same Message-ID, so the recipient's mail system recognises it.
    let duplicates = received.len() - queued.len();
    assert!(
        duplicates <= 1,
        "at most the one in flight at the kill is sent twice ({duplicates})"
    );
    let pool = db.db.clone();
    wait_until("the outbox is empty", move || {
        outbox::unsent_count(&mut pool.get().unwrap()).unwrap() == 0
    })
    .await;
}

#[tokio::test]
async fn two_instances_on_one_database_deliver_each_email_once() {
    let db = seeded_database().await;
    let queued = queue_emails(&db, 60).await;
    let smtp = SmtpServer::start_with(0, Duration::from_millis(5));
    let (_a, _b) = (
        Server::start(&db.url, &smtp.url()).await,
        Server::start(&db.url, &smtp.url()).await,
    );
    wait_until("every email is delivered", || {
        received_ids(&smtp).len() >= queued.len()
    })
    .await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let received = received_ids(&smtp);
    let mut counts: HashMap<&String, usize> = HashMap::new();
    for id in &received {
        *counts.entry(id).or_default() += 1;
    }
    let twice: Vec<_> = counts.iter().filter(|(_, n)| **n > 1).collect();
    assert!(twice.is_empty(), "delivered more than once: {twice:?}");
    assert_eq!(received.into_iter().collect::<BTreeSet<_>>(), queued);
}

/// Orders, invoices, lines and income agree with each other, and the database is sound.
fn assert_consistent(conn: &mut DbConn) {
    if let DbConn::Sqlite(_) = conn {
        let check: Vec<IntegrityCheck> = diesel::sql_query("PRAGMA integrity_check")
            .load(conn)
            .unwrap();
        assert_eq!(
            check
                .iter()
                .map(|c| c.integrity_check.as_str())
                .collect::<Vec<_>>(),
            ["ok"]
        );
    } else {
        conn.batch_execute("SELECT 1").unwrap();
    }
    let order_ids: BTreeSet<String> = orders::table
        .select(orders::id)
        .load::<String>(conn)
        .unwrap()
        .into_iter()
        .collect();
    let invoiced: Vec<String> = invoices::table
        .select(invoices::order_id)
        .load(conn)
        .unwrap();
    assert_eq!(invoiced.len(), order_ids.len(), "one invoice per order");
    assert_eq!(invoiced.into_iter().collect::<BTreeSet<_>>(), order_ids);
    let totals: Vec<(String, i64)> = invoices::table
        .select((invoices::id, invoices::subtotal))
        .load(conn)
        .unwrap();
    for (id, subtotal) in totals {
        let lines: Vec<i64> = invoice_lines::table
            .filter(invoice_lines::invoice_id.eq(&id))
            .select(invoice_lines::amount)
            .load(conn)
            .unwrap();
        assert!(!lines.is_empty(), "an invoice without lines");
        assert_eq!(lines.iter().sum::<i64>(), subtotal);
    }
    let income_orders: Vec<String> = income_entries::table
        .select(income_entries::order_id)
        .load(conn)
        .unwrap();
    assert!(
        income_orders.iter().all(|o| order_ids.contains(o)),
        "income without its order"
    );
    let new_orders: i64 = orders::table
        .filter(orders::kind.eq("new"))
        .count()
        .get_result(conn)
        .unwrap();
    let product_count: i64 = products::table.count().get_result(conn).unwrap();
    assert_eq!(new_orders, product_count, "one product per new order");
    let sequences: Vec<(i32, i32)> = invoices::table
        .order((invoices::year, invoices::sequence))
        .select((invoices::year, invoices::sequence))
        .load(conn)
        .unwrap();
    let mut next: HashMap<i32, i32> = HashMap::new();
    for (year, sequence) in sequences {
        let expected = next.entry(year).or_insert(1);
        assert_eq!(sequence, *expected, "invoice numbers of {year} without gap");
        *expected += 1;
    }
}

#[derive(QueryableByName)]
struct IntegrityCheck {
    #[diesel(sql_type = diesel::sql_types::Text)]
    integrity_check: String,
}

#[tokio::test]
async fn a_burst_of_orders_killed_midway_leaves_nothing_half_written() {
    let db = seeded_database().await;
    let smtp = SmtpServer::start();
    let server = Server::start(&db.url, &smtp.url()).await;
    let alice = Browser {
        client: reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap(),
        address: server.address.clone(),
    };
    assert_eq!(
        alice.login("alice@acme.test", PASSWORD).await.status,
        StatusCode::SEE_OTHER
    );
    let token = alice.csrf_token().await;
    let acme: String = on(&db, |conn| {
        partnerdesk::db::models::orgs::find_by_name(conn, ACME)
            .unwrap()
            .unwrap()
            .id
    })
    .await;
    let (orders_before, _, _) = on(&db, |conn| {
        (orders::table.count().get_result::<i64>(conn).unwrap(), 0, 0)
    })
    .await;

    let burst: Vec<_> = (0..60)
        .map(|_| {
            let client = alice.client.clone();
            let url = format!("{}/orders", server.address);
            let token = token.clone();
            let form = vec![
                ("csrf_token", token.clone()),
                ("customer_org_id", acme.clone()),
                ("offer", "domain-ch".to_owned()),
            ];
            tokio::spawn(async move {
                // The review, then its confirmation.
                let review = client.post(&url).form(&form).send().await?.text().await?;
                let intent = scraper::Html::parse_document(&review)
                    .select(&scraper::Selector::parse("input[name=intent]").unwrap())
                    .next()
                    .and_then(|e| e.value().attr("value").map(str::to_owned))
                    .unwrap_or_default();
                let confirm = [
                    ("csrf_token", token),
                    ("intent", intent),
                    ("confirm", "1".to_owned()),
                ];
                client
                    .post(url)
                    .form(&confirm)
                    .send()
                    .await
                    .map(|r| r.status())
            })
        })
        .collect();
    // Let some orders through, then pull the plug.
    let pool = db.db.clone();
    wait_until("some orders are placed", move || {
        orders::table
            .count()
            .get_result::<i64>(&mut **pool.get().unwrap())
            .unwrap()
            >= orders_before + 5
    })
    .await;
    server.kill();
    let mut answered = 0;
    for request in burst {
        if let Ok(Ok(status)) = request.await {
            assert!(status == StatusCode::SEE_OTHER, "{status}");
            answered += 1;
        }
    }

    let placed = on(&db, move |conn| {
        assert_consistent(conn);
        orders::table.count().get_result::<i64>(conn).unwrap() - orders_before
    })
    .await;
    assert!(
        placed >= answered,
        "every order confirmed to the user was kept ({placed} kept, {answered} confirmed)"
    );
    assert!(
        placed < 60 || answered == 60,
        "the kill came during the burst"
    );

    // The application starts again on the same database and goes on.
    let server = Server::start(&db.url, &smtp.url()).await;
    let health = reqwest::get(format!("{}/healthz", server.address))
        .await
        .unwrap();
    assert_eq!(health.status(), StatusCode::OK);
}
