//! Billing, against a model that shares no code with it. Random histories (orders and
//! renewals reviewed and confirmed, replayed, sent twice at once or while the scheduler
//! runs; two scheduler runs at once; payment modes, access, partnerships, rates, prices
//! and VAT changing between a review and its confirmation; clocks that cross 31
//! December and leap days) are played through the library on a real database. After
//! every operation the application's answers and its books must be the model's
//! (`oracle`, written from the README's billing table alone):
//!
//! 1. each invoice is its order is the model's: lines, subtotal, VAT, total, currency,
//!    payer, income entry; no earlier invoice or line changes;
//! 2. each product's periods follow one another from its creation, each billed once; its
//!    renewal date is the end of the last; a replay writes nothing;
//! 3. a confirmation places exactly what was reviewed, or nothing (and takes no number);
//! 4. each year's invoice numbers are 1..n, without gap, carrying their issue year;
//! 5. the stored income totals are the sum of the entries, per partner, client,
//!    currency and kind; the income page and its CSV never mix currencies.
//!
//! `cargo test` plays a few dozen histories. `BILLING_HISTORIES=N` plays N (CI plays
//! ten thousand on SQLite and a thousand on PostgreSQL); `BILLING_SEED=S` replays a run.
//! A failure is shrunk to a minimal history, printed in the operations' own words.

mod oracle;
mod support;

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};
use std::sync::{Barrier, OnceLock};

use chrono::{Datelike, NaiveDate, NaiveDateTime};
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use partnerdesk::config::BaseUrl;
use partnerdesk::db::models::partnerships::{self as partnership_rows, Side};
use partnerdesk::db::models::{orgs, users};
use partnerdesk::db::schema::{
    income_entries, income_totals, invoice_counters, invoice_lines, invoices, offers,
    order_intents, orders as order_rows, partner_profiles, partnerships, products,
};
use partnerdesk::db::{DatabaseUrl, Db, DbConn, PooledConn, relax_durability};
use partnerdesk::domain::{Currency as AppCurrency, EmailAddress, PaymentMode, Rate, Role};
use partnerdesk::mail::MailContext;
use partnerdesk::orders::{self, Confirmation, OrderError, Placed, RenewalRun, Review};
use partnerdesk::partnerships::{self as lifecycle, AccessChange, Actor, ModeChange};
use proptest::strategy::Strategy;
use proptest::test_runner::{Config, RngAlgorithm, RngSeed, TestCaseError, TestError, TestRunner};

use oracle::{
    Access, Action, Answer, Currency, Grant, History, IncomeKind, Mode, Model, OFFERS, Op, Org,
    PAIRS, ProductKey, Quote, Request, money, strategy,
};

// ---------------------------------------------------------------------------------
// Running many histories

/// How many histories a test plays: `BILLING_HISTORIES`, or a number that keeps
/// `cargo test` quick.
fn histories(sqlite: u32, postgres: u32) -> u32 {
    match std::env::var("BILLING_HISTORIES") {
        Ok(n) => n.parse().expect("BILLING_HISTORIES is a number"),
        Err(_) if support::postgres_admin_url().is_some() => postgres,
        Err(_) => sqlite,
    }
}

/// Plays `cases` histories drawn from `strategy` through `play`, and fails with the
/// smallest history that still fails, in words.
fn check<S>(name: &str, cases: u32, strategy: S, play: impl Fn(&S::Value) -> Result<(), String>)
where
    S: Strategy,
{
    let seed = match std::env::var("BILLING_SEED") {
        Ok(seed) => seed.parse().expect("BILLING_SEED is a number"),
        Err(_) => rand::random::<u64>(),
    };
    // Every setting that shapes the run is fixed here, whatever PROPTEST_* says.
    let config = Config {
        cases,
        failure_persistence: None,
        rng_algorithm: RngAlgorithm::ChaCha,
        rng_seed: RngSeed::Fixed(seed),
        max_shrink_iters: 2_000,
        max_shrink_time: 0,
        max_local_rejects: 0,
        max_global_rejects: 0,
        ..Config::default()
    };
    let started = std::time::Instant::now();
    let mut runner = TestRunner::new(config);
    // Once a history failed, each smaller one is played a few times: a failure that
    // depends on how two connections interleave may not show at each play, and the
    // shrinking would otherwise keep steps that do not matter.
    let failed = std::cell::Cell::new(false);
    let result = runner.run(&strategy, |value| {
        let plays = if failed.get() { 5 } else { 1 };
        (0..plays)
            .try_for_each(|_| play(&value))
            .inspect_err(|_| failed.set(true))
            .map_err(TestCaseError::fail)
    });
    match result {
        Ok(()) => {
            let seen: Vec<String> = SEEN
                .with(|s| std::mem::take(&mut *s.borrow_mut()))
                .into_iter()
                .map(|(what, n)| format!("{n} {what}"))
                .collect();
            eprintln!(
                "{name}: {cases} histories on {} in {:.1} s (BILLING_SEED={seed}): {}",
                backend_name(),
                started.elapsed().as_secs_f64(),
                seen.join(", ")
            )
        }
        Err(TestError::Fail(why, history)) => panic!(
            "{name} failed (BILLING_SEED={seed}, {} histories):\n{why}\n\nminimal history:\n{history:?}",
            backend_name()
        ),
        Err(TestError::Abort(why)) => panic!("{name} aborted (BILLING_SEED={seed}): {why}"),
    }
}

thread_local! {
    /// What the histories of a test did, to be told when they pass.
    static SEEN: RefCell<BTreeMap<&'static str, u64>> = const { RefCell::new(BTreeMap::new()) };
}

fn seen(what: &'static str, n: u64) {
    if n > 0 {
        SEEN.with(|s| *s.borrow_mut().entry(what).or_insert(0) += n);
    }
}

/// What a whole history billed.
fn tally_books(model: &Model, start: NaiveDateTime) {
    let count = |f: &dyn Fn(&oracle::Invoice) -> bool| {
        model.invoices.iter().filter(|i| f(i)).count() as u64
    };
    seen("invoices", count(&|_| true));
    seen(
        "invoices paid by partners",
        count(&|i| Org::PARTNERS.contains(&i.quote.payer)),
    );
    seen(
        "invoices in EUR",
        count(&|i| i.quote.currency == Currency::Eur),
    );
    seen(
        "cashbacks",
        count(&|i| matches!(i.quote.income, Some((_, IncomeKind::Cashback, _)))),
    );
    seen(
        "refunds",
        count(&|i| matches!(i.quote.income, Some((_, IncomeKind::Refund, _)))),
    );
    seen(
        "invoices of a later year than the first",
        count(&|i| i.year > start.year()),
    );
    seen(
        "renewals after the partnership ended",
        count(&|i| {
            i.quote.kind == oracle::Kind::Renewal
                && i.quote.partnership.is_none()
                && model.products[&i.product].manager.is_some()
        }),
    );
    seen(
        "products ordered on 29 February",
        model
            .products
            .values()
            .filter(|p| (p.created_on.month(), p.created_on.day()) == (2, 29))
            .count() as u64,
    );
    seen(
        "periods starting on 28 February after a leap day",
        count(&|i| {
            i.quote.kind == oracle::Kind::Renewal
                && (i.quote.period.0.month(), i.quote.period.0.day()) == (2, 28)
                && model.products[&i.product].created_on.day() == 29
        }),
    );
}

fn tally(answer: &Answer, op: &Op) {
    let what = match answer {
        Answer::Nothing => return,
        Answer::Reviewed(_) => "reviews shown",
        Answer::Refused(_) => "refusals",
        Answer::Expired => "expired reviews refused",
        Answer::Placed(_) => "orders placed by members",
        Answer::AlreadyPlaced(_) => "replays answered with the first order",
        Answer::Changed(_) => "confirmations that found the terms changed",
        Answer::Renewed { renewed, .. } => {
            seen("periods renewed by the scheduler", *renewed as u64);
            return;
        }
        Answer::Done(true) => "partnership or catalog changes",
        Answer::Done(false) => "changes to what was already in force",
    };
    seen(what, 1);
    if matches!(answer, Answer::Placed(_))
        && matches!(
            op,
            Op::ConfirmTogether { .. }
                | Op::ConfirmTwiceAtOnce { .. }
                | Op::ConfirmDuringRun { .. }
        )
    {
        seen("orders placed beside another confirmation or a run", 1);
    }
}

fn backend_name() -> &'static str {
    match support::postgres_admin_url() {
        Some(_) => "PostgreSQL",
        None => "SQLite",
    }
}

/// A fresh database for each history. By default: on SQLite, a copy of a migrated file
/// (a file, so that two connections share it); on PostgreSQL, one database for the
/// test, emptied between histories (creating a database, or truncating its tables,
/// takes 0.3 to 0.5 s here, longer than a history; deleting the rows takes 5 ms).
/// `shared()`: one database emptied between histories on both, for a server that
/// serves them all.
struct Databases {
    template: support::TestDb,
    shared: bool,
}

/// Every table a history writes, children first; `offers` keeps its rows (their prices
/// are set again).
const TABLES: [&str; 25] = [
    "billing_details",
    "invoice_reminders",
    "bank_payments",
    "order_intents",
    "income_totals",
    "income_entries",
    "invoice_lines",
    "invoices",
    "invoice_counters",
    "orders",
    "requested_products",
    "products",
    "partnership_events",
    "partnerships",
    "member_invitations",
    "outbox_emails",
    "sessions",
    "login_throttle",
    "account_links",
    "known_browsers",
    "recovery_codes",
    "memberships",
    "partner_profiles",
    "users",
    "organizations",
];

#[derive(QueryableByName)]
struct Trigger {
    #[diesel(sql_type = diesel::sql_types::Text)]
    name: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    sql: String,
}

impl Databases {
    fn new() -> Databases {
        let template = support::TestDb::new();
        if support::postgres_admin_url().is_none() {
            let mut conn = template.db.get().expect("a connection");
            conn.batch_execute("PRAGMA wal_checkpoint(TRUNCATE)")
                .expect("the migrated template is written to its file");
        }
        Databases {
            template,
            shared: false,
        }
    }

    fn shared() -> Databases {
        Databases {
            template: support::TestDb::new(),
            shared: true,
        }
    }

    /// A database for one history, and the directory that holds its file if it is a copy.
    fn fresh(&self) -> (Db, Option<tempfile::TempDir>) {
        if self.shared || support::postgres_admin_url().is_some() {
            let mut conn = connection(&self.template.db);
            empty(&mut conn);
            return (self.template.db.clone(), None);
        }
        let dir = tempfile::tempdir().expect("a temporary directory");
        let path = dir.path().join("history.db");
        std::fs::copy(self.template.files.path().join("test.db"), &path)
            .expect("the template is copied");
        let url = DatabaseUrl::parse(path.to_str().expect("a UTF-8 path")).unwrap();
        (Db::connect(&url, 4).expect("the copy opens"), Some(dir))
    }
}

/// Deletes every row a history wrote. Issued invoices cannot be deleted: their
/// triggers are set aside for the emptying transaction.
fn empty(conn: &mut DbConn) {
    let delete: String = TABLES
        .iter()
        .map(|table| format!("DELETE FROM {table};"))
        .collect();
    match conn {
        DbConn::Pg(pg) => {
            // Setting triggers aside takes a superuser; TRUNCATE does not fire them.
            let emptied = pg.batch_execute(&format!(
                "BEGIN; SET LOCAL session_replication_role = replica; {delete} COMMIT;"
            ));
            if emptied.is_err() {
                pg.batch_execute("ROLLBACK")
                    .expect("the failed emptying ends");
                pg.batch_execute(&format!("TRUNCATE {}", TABLES.join(", ")))
                    .expect("the tables are emptied");
            }
        }
        DbConn::Sqlite(lite) => {
            let triggers: Vec<Trigger> =
                diesel::sql_query("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'")
                    .load(lite)
                    .expect("the triggers are listed");
            let drop: String = triggers
                .iter()
                .map(|t| format!("DROP TRIGGER {};", t.name))
                .collect();
            let create: String = triggers.iter().map(|t| format!("{};", t.sql)).collect();
            lite.batch_execute(&format!(
                "BEGIN IMMEDIATE; {drop} {delete} {create} COMMIT;"
            ))
            .expect("the tables are emptied");
        }
    }
}

/// A connection that commits without waiting for the disk: histories are made again.
fn connection(db: &Db) -> PooledConn {
    let mut conn = db.get().expect("a connection");
    relax_durability(&mut conn).expect("durability relaxed");
    conn
}

// ---------------------------------------------------------------------------------
// The application's side of a history

/// The application's ids for the model's names.
#[derive(Clone, Default)]
struct Ids {
    /// Each organization's id, and its member's id and email.
    orgs: HashMap<Org, (String, String, String)>,
    partnerships: Vec<String>,
    products: HashMap<ProductKey, String>,
}

impl Ids {
    fn org(&self, org: Org) -> &str {
        &self.orgs[&org].0
    }

    fn user(&self, org: Org) -> &str {
        &self.orgs[&org].1
    }

    fn product(&self, key: ProductKey) -> Result<&str, String> {
        self.products.get(&key).map(String::as_str).ok_or_else(|| {
            format!(
                "the product of {} was never placed",
                oracle::product_name(key)
            )
        })
    }

    /// `text` with the ids it holds replaced by the model's names.
    fn named(&self, model: &Model, text: &str) -> String {
        let mut text = text.to_owned();
        for (org, (id, user, _)) in &self.orgs {
            text = text.replace(id, org.name()).replace(user, org.member());
        }
        for (i, id) in self.partnerships.iter().enumerate() {
            let p = &model.partnerships[i];
            let name = format!("partnership #{} ({:?}–{:?})", i + 1, p.customer, p.partner);
            text = text.replace(id, &name);
        }
        for (key, id) in &self.products {
            text = text.replace(id, &format!("product of {}", oracle::product_name(*key)));
        }
        text
    }

    fn email(org: Org) -> String {
        format!(
            "{}@{}.test",
            org.member().to_lowercase(),
            org.name().to_lowercase()
        )
    }

    fn actor(&self, org: Org) -> Actor<'_> {
        Actor {
            user_id: self.user(org),
            user_name: org.member(),
            user_email: &self.orgs[&org].2,
            org_id: self.org(org),
            locale: partnerdesk::i18n::Locale::En,
        }
    }
}

fn mail() -> MailContext {
    MailContext::new(BaseUrl::parse("https://partnerdesk.test").unwrap())
}

fn app_currency(c: Currency) -> AppCurrency {
    match c {
        Currency::Chf => AppCurrency::Chf,
        Currency::Eur => AppCurrency::Eur,
    }
}

fn app_mode(mode: Mode) -> PaymentMode {
    match mode {
        Mode::CustomerPays => PaymentMode::CustomerPays,
        Mode::PartnerPays => PaymentMode::PartnerPays,
    }
}

fn set_price(conn: &mut DbConn, offer: usize, currency: Currency, amount: i64) {
    let row = offers::table.find(OFFERS[offer].0);
    match currency {
        Currency::Chf => diesel::update(row)
            .set(offers::price_chf.eq(amount))
            .execute(conn),
        Currency::Eur => diesel::update(row)
            .set(offers::price_eur.eq(amount))
            .execute(conn),
    }
    .expect("the price is set");
}

/// The organizations, their members, the catalog's prices and the first partnerships.
fn set_up(conn: &mut DbConn, model: &Model, password_hash: &str) -> Ids {
    let mut ids = Ids::default();
    for org in Org::ALL {
        let row = orgs::create(conn, org.name(), app_currency(org.currency())).unwrap();
        let email = EmailAddress::parse(&Ids::email(org)).unwrap();
        let user = users::create(conn, &email, org.member(), password_hash).unwrap();
        orgs::add_member(conn, &row.id, &user.id, Role::LegalRep).unwrap();
        let details = partnerdesk::domain::address::BillingDetails::sample(org.name());
        partnerdesk::db::models::billing_details::save(
            conn,
            &row.id,
            &details,
            partnerdesk::db::now(),
        )
        .unwrap();
        if org.is_partner() {
            orgs::make_partner(conn, &row.id, Rate::from_bp(model.rate(org)).unwrap()).unwrap();
        }
        ids.orgs.insert(org, (row.id, user.id, Ids::email(org)));
    }
    for offer in 0..OFFERS.len() {
        for currency in [Currency::Chf, Currency::Eur] {
            set_price(conn, offer, currency, model.price(offer, currency));
        }
    }
    for p in &model.partnerships {
        let id = start(
            conn,
            &ids,
            p.customer,
            p.partner,
            &lifecycle::Grant::Full(match p.access {
                Access::Full(mode) => app_mode(mode),
                Access::Limited => unreachable!("histories start with full access"),
            }),
            model.clock,
        )
        .expect("the first partnerships start");
        ids.partnerships.push(id);
    }
    ids
}

/// The customer invites the partner, who accepts.
fn start(
    conn: &mut DbConn,
    ids: &Ids,
    customer: Org,
    partner: Org,
    grant: &lifecycle::Grant,
    at: NaiveDateTime,
) -> Result<String, String> {
    let mail = mail();
    let id = lifecycle::invite_partner(
        conn,
        &mail,
        &ids.actor(customer),
        ids.org(partner),
        grant,
        at,
    )
    .map_err(|e| e.to_string())?;
    lifecycle::accept(
        conn,
        &mail,
        &ids.actor(partner),
        Side::Partner,
        &id,
        None,
        at,
    )
    .map_err(|e| e.to_string())?;
    Ok(id)
}

/// What the application answered.
#[derive(Debug)]
enum Reply {
    Nothing,
    Reviewed(Box<Review>),
    Refused(String),
    Expired,
    Placed(Placed),
    AlreadyPlaced(Placed),
    Changed(Box<Review>),
    Renewed(RenewalRun),
    Applied(bool),
}

/// The intents the application issued for the model's reviews.
#[derive(Clone, Default)]
struct Intents {
    slots: Vec<Option<String>>,
    scratch: Option<String>,
}

impl Intents {
    fn get(&self, slot: Option<usize>) -> Option<String> {
        match slot {
            Some(s) => self.slots[s].clone(),
            None => self.scratch.clone(),
        }
    }

    fn set(&mut self, slot: Option<usize>, intent: Option<String>) {
        match slot {
            Some(s) => self.slots[s] = intent,
            None => self.scratch = intent,
        }
    }
}

/// A request, with the application's ids.
enum AppRequest {
    New {
        customer_org_id: String,
        offer_code: &'static str,
        managed_by: Option<String>,
    },
    Renewal {
        product_id: String,
    },
}

impl AppRequest {
    fn of(ids: &Ids, request: &Request) -> Result<AppRequest, String> {
        Ok(match request {
            Request::New {
                customer,
                offer,
                manager,
            } => AppRequest::New {
                customer_org_id: ids.org(*customer).to_owned(),
                offer_code: OFFERS[*offer].0,
                managed_by: manager.map(|m| ids.partnerships[m].clone()),
            },
            Request::Renewal { product } => AppRequest::Renewal {
                product_id: ids.product(*product)?.to_owned(),
            },
        })
    }

    fn borrow(&self) -> orders::Request<'_> {
        match self {
            AppRequest::New {
                customer_org_id,
                offer_code,
                managed_by,
            } => orders::Request::New {
                customer_org_id,
                offer_code,
                managed_by: managed_by.as_deref(),
                label: "",
            },
            AppRequest::Renewal { product_id } => orders::Request::Renewal { product_id },
        }
    }
}

fn refusal(e: OrderError) -> Reply {
    match e {
        OrderError::Expired => Reply::Expired,
        other => Reply::Refused(other.to_string()),
    }
}

/// Everything one action needs, owned, so that it can run on a thread of its own.
struct Prepared {
    action: Action,
    org_id: String,
    user_id: String,
    /// What a review asks for.
    request: Option<Result<AppRequest, String>>,
    /// The intent a confirmation carries, and the product of a renewal's form.
    intent: Option<String>,
    product_id: Option<String>,
}

impl Prepared {
    fn acting(&self) -> orders::Acting<'_> {
        orders::Acting::Member {
            org_id: &self.org_id,
            user_id: &self.user_id,
            locale: partnerdesk::i18n::Locale::En,
        }
    }
}

/// `review` is the review the same step issued, for a confirmation that follows it.
fn prepare(
    model: &Model,
    ids: &Ids,
    intents: &Intents,
    action: &Action,
    review: Option<&(Org, Request)>,
) -> Prepared {
    let (org, intent, product) = match action {
        Action::Review { by, .. } => (Some(*by), None, None),
        Action::Confirm { slot, .. } => {
            let reviewed = match slot {
                Some(s) => model.reviews[*s].map(|i| {
                    let intent = &model.intents[i];
                    (intent.by, &intent.request)
                }),
                None => review.map(|(by, request)| (*by, request)),
            };
            let product = reviewed.and_then(|(_, request)| match request {
                Request::Renewal { product } => Some(*product),
                Request::New { .. } => None,
            });
            (reviewed.map(|(by, _)| by), intents.get(*slot), product)
        }
        Action::Run => (None, None, None),
    };
    Prepared {
        action: action.clone(),
        org_id: org.map(|o| ids.org(o).to_owned()).unwrap_or_default(),
        user_id: org.map(|o| ids.user(o).to_owned()).unwrap_or_default(),
        request: match action {
            Action::Review { request, .. } => Some(AppRequest::of(ids, request)),
            _ => None,
        },
        intent,
        product_id: product.and_then(|p| ids.products.get(&p).cloned()),
    }
}

/// Runs one prepared action on the application.
fn perform(conn: &mut DbConn, p: &Prepared, at: NaiveDateTime, vat_bp: i32) -> Reply {
    match &p.action {
        Action::Review { .. } => {
            let request = match p.request.as_ref().expect("a review's request") {
                Ok(request) => request.borrow(),
                Err(e) => return Reply::Refused(e.clone()),
            };
            match orders::review(conn, p.acting(), request, at, vat_bp) {
                Ok(review) => Reply::Reviewed(Box::new(review)),
                Err(e) => refusal(e),
            }
        }
        Action::Confirm { vat, .. } => {
            let Some(intent) = &p.intent else {
                return Reply::Nothing;
            };
            let product_id = p.product_id.as_deref();
            match orders::confirm(conn, p.acting(), intent, product_id, at, *vat) {
                Ok(Confirmation::Placed(placed)) => Reply::Placed(placed),
                Ok(Confirmation::AlreadyPlaced(placed)) => Reply::AlreadyPlaced(placed),
                Ok(Confirmation::Changed(review)) => Reply::Changed(review),
                Err(e) => refusal(e),
            }
        }
        Action::Run => match orders::renew_due(conn, at.date(), at, vat_bp) {
            Ok(run) => Reply::Renewed(run),
            Err(e) => Reply::Refused(e.to_string()),
        },
    }
}

/// What an answer tells of the intents: a review issues one, changed terms another.
fn remember(intents: &mut Intents, action: &Action, done: &Reply) {
    match (action, done) {
        (Action::Review { slot, .. }, Reply::Reviewed(r))
        | (Action::Confirm { slot, .. }, Reply::Changed(r)) => {
            intents.set(*slot, Some(r.intent_id.clone()))
        }
        (Action::Review { slot, .. }, _) => intents.set(*slot, None),
        _ => {}
    }
}

/// Runs an operation's actions: one after the other, or each on its own connection at
/// the same moment.
fn run_actions(
    db: &Db,
    conn: &mut DbConn,
    (model, ids): (&Model, &Ids),
    actions: &[Action],
    together: bool,
    at: NaiveDateTime,
    intents: &mut Intents,
) -> Vec<Reply> {
    let vat_bp = model.vat_bp;
    let review = actions.iter().find_map(|a| match a {
        Action::Review { by, request, .. } => Some((*by, request.clone())),
        _ => None,
    });
    if !together {
        let mut dones = Vec::new();
        for action in actions {
            let prepared = prepare(model, ids, intents, action, review.as_ref());
            let done = perform(conn, &prepared, at, vat_bp);
            remember(intents, action, &done);
            dones.push(done);
        }
        return dones;
    }
    let prepared: Vec<Prepared> = actions
        .iter()
        .map(|a| prepare(model, ids, intents, a, review.as_ref()))
        .collect();
    let barrier = Barrier::new(prepared.len());
    let dones: Vec<Reply> = std::thread::scope(|scope| {
        let threads: Vec<_> = prepared
            .iter()
            .map(|p| {
                let barrier = &barrier;
                let mut conn = connection(db);
                scope.spawn(move || {
                    barrier.wait();
                    perform(&mut conn, p, at, vat_bp)
                })
            })
            .collect();
        threads
            .into_iter()
            .map(|t| t.join().expect("an action panicked"))
            .collect()
    });
    for (action, done) in actions.iter().zip(&dones) {
        remember(intents, action, done);
    }
    dones
}

/// Runs a partnership or catalog change on the application; a partnership it starts is
/// added to `ids`.
fn change(conn: &mut DbConn, model: &Model, ids: &mut Ids, op: &Op, at: NaiveDateTime) -> Reply {
    let (done, started) = change_in(conn, model, ids, op, at);
    ids.partnerships.extend(started);
    done
}

fn change_in(
    conn: &mut DbConn,
    model: &Model,
    ids: &Ids,
    op: &Op,
    at: NaiveDateTime,
) -> (Reply, Option<String>) {
    let mail = mail();
    let version = |conn: &mut DbConn, customer: Org, id: &str| {
        partnership_rows::find(conn, Side::Customer, ids.org(customer), id)
            .unwrap()
            .map_or(0, |p| p.version)
    };
    let grant = |customer: Org, grant: &Grant| match grant {
        Grant::Full(mode) => lifecycle::Grant::Full(app_mode(*mode)),
        Grant::Limited(indexes) => lifecycle::Grant::Limited {
            products: model
                .products_of(customer, indexes)
                .into_iter()
                .map(|k| ids.products[&k].clone())
                .collect(),
        },
    };
    let done = match op {
        Op::SwitchMode { pair, to } => {
            let Some(i) = model.pair(*pair) else {
                return (Reply::Nothing, None);
            };
            let customer = PAIRS[pair % PAIRS.len()].0;
            let id = ids.partnerships[i].clone();
            let v = version(conn, customer, &id);
            match lifecycle::change(conn, &mail, &ids.actor(customer), &id, app_mode(*to), v) {
                Ok(ModeChange::Switch { .. }) => Reply::Applied(true),
                Ok(ModeChange::AlreadyInForce { .. }) => Reply::Applied(false),
                Err(e) => Reply::Refused(e.to_string()),
            }
        }
        Op::ChangeAccess { pair, to } => {
            let Some(i) = model.pair(*pair) else {
                return (Reply::Nothing, None);
            };
            let customer = PAIRS[pair % PAIRS.len()].0;
            let id = ids.partnerships[i].clone();
            let v = version(conn, customer, &id);
            let grant = grant(customer, to);
            match lifecycle::change_access(conn, &mail, &ids.actor(customer), &id, &grant, v, at) {
                Ok(AccessChange::Changed { .. }) => Reply::Applied(true),
                Ok(AccessChange::Unchanged) => Reply::Applied(false),
                Err(e) => Reply::Refused(e.to_string()),
            }
        }
        Op::End { pair, by_partner } => {
            let Some(i) = model.pair(*pair) else {
                return (Reply::Nothing, None);
            };
            let (customer, partner) = PAIRS[pair % PAIRS.len()];
            let (org, side) = if *by_partner {
                (partner, Side::Partner)
            } else {
                (customer, Side::Customer)
            };
            let id = ids.partnerships[i].clone();
            match lifecycle::end(conn, &mail, &ids.actor(org), side, &id, at) {
                Ok(()) => Reply::Applied(true),
                Err(e) => Reply::Refused(e.to_string()),
            }
        }
        Op::Start { pair, grant: g } => {
            let (customer, partner) = PAIRS[pair % PAIRS.len()];
            let grant = grant(customer, g);
            return match start(conn, ids, customer, partner, &grant, at) {
                Ok(id) => (Reply::Applied(true), Some(id)),
                Err(e) => (Reply::Refused(e), None),
            };
        }
        Op::SetRate { partner, bp } => {
            diesel::update(partner_profiles::table.find(ids.org(*partner)))
                .set(partner_profiles::rate_bp.eq(*bp))
                .execute(conn)
                .expect("the rate is set");
            Reply::Applied(true)
        }
        Op::SetPrice {
            offer,
            currency,
            amount,
        } => {
            set_price(conn, *offer, *currency, *amount);
            Reply::Applied(true)
        }
        Op::Wait(_) => Reply::Nothing,
        other => unreachable!("{other:?} is an order"),
    };
    (done, None)
}

// ---------------------------------------------------------------------------------
// The application's books

#[derive(Queryable, Debug, Clone, PartialEq)]
struct ProductRow {
    id: String,
    customer_org_id: String,
    offer_code: String,
    partnership_id: Option<String>,
    renews_on: NaiveDate,
}

#[derive(Queryable, Debug, Clone, PartialEq)]
struct OrderRow {
    id: String,
    customer_org_id: String,
    product_id: String,
    kind: String,
    placed_by: String,
    partnership_id: Option<String>,
    payer_org_id: String,
    currency: String,
    public_price: i64,
    discount: i64,
    price: i64,
    period_start: NaiveDate,
    period_end: NaiveDate,
    created_at: NaiveDateTime,
}

#[derive(Queryable, Debug, Clone, PartialEq)]
struct InvoiceRow {
    id: String,
    number: String,
    year: i32,
    sequence: i32,
    payer_org_id: String,
    payer_name: String,
    order_id: String,
    currency: String,
    issued_at: NaiveDateTime,
    due_on: NaiveDate,
    paid_at: Option<NaiveDateTime>,
    subtotal: i64,
    vat_rate_bp: i32,
    vat: i64,
    total: i64,
}

#[derive(Queryable, Debug, Clone, PartialEq)]
struct LineRow {
    id: String,
    invoice_id: String,
    position: i32,
    description: String,
    amount: i64,
}

#[derive(Queryable, Debug, Clone, PartialEq)]
struct IncomeRow {
    id: String,
    partner_org_id: String,
    customer_org_id: String,
    order_id: String,
    kind: String,
    currency: String,
    amount: i64,
    created_at: NaiveDateTime,
}

/// Everything billing wrote.
struct Books {
    products: HashMap<String, ProductRow>,
    partnerships: HashMap<String, String>,
    orders: Vec<OrderRow>,
    invoices: Vec<InvoiceRow>,
    lines: Vec<LineRow>,
    income: Vec<IncomeRow>,
    totals: BTreeMap<(String, String, String, String), i64>,
    counters: BTreeMap<i32, i32>,
    intents: Vec<Option<String>>,
}

impl Books {
    fn read(conn: &mut DbConn) -> Books {
        let products: Vec<ProductRow> = products::table
            .select((
                products::id,
                products::customer_org_id,
                products::offer_code,
                products::partnership_id,
                products::renews_on,
            ))
            .load(conn)
            .unwrap();
        Books {
            products: products.into_iter().map(|p| (p.id.clone(), p)).collect(),
            partnerships: partnerships::table
                .select((partnerships::id, partnerships::status))
                .load::<(String, String)>(conn)
                .unwrap()
                .into_iter()
                .collect(),
            orders: order_rows::table
                .select((
                    order_rows::id,
                    order_rows::customer_org_id,
                    order_rows::product_id,
                    order_rows::kind,
                    order_rows::placed_by,
                    order_rows::partnership_id,
                    order_rows::payer_org_id,
                    order_rows::currency,
                    order_rows::public_price,
                    order_rows::discount,
                    order_rows::price,
                    order_rows::period_start,
                    order_rows::period_end,
                    order_rows::created_at,
                ))
                .load(conn)
                .unwrap(),
            invoices: invoices::table
                .order(invoices::id)
                .select((
                    invoices::id,
                    invoices::number,
                    invoices::year,
                    invoices::sequence,
                    invoices::payer_org_id,
                    invoices::payer_name,
                    invoices::order_id,
                    invoices::currency,
                    invoices::issued_at,
                    invoices::due_on,
                    invoices::paid_at,
                    invoices::subtotal,
                    invoices::vat_rate_bp,
                    invoices::vat,
                    invoices::total,
                ))
                .load(conn)
                .unwrap(),
            lines: invoice_lines::table
                .order((invoice_lines::invoice_id, invoice_lines::position))
                .select((
                    invoice_lines::id,
                    invoice_lines::invoice_id,
                    invoice_lines::position,
                    invoice_lines::description,
                    invoice_lines::amount,
                ))
                .load(conn)
                .unwrap(),
            income: income_entries::table
                .select((
                    income_entries::id,
                    income_entries::partner_org_id,
                    income_entries::customer_org_id,
                    income_entries::order_id,
                    income_entries::kind,
                    income_entries::currency,
                    income_entries::amount,
                    income_entries::created_at,
                ))
                .load(conn)
                .unwrap(),
            totals: income_totals::table
                .select((
                    income_totals::partner_org_id,
                    income_totals::customer_org_id,
                    income_totals::currency,
                    income_totals::kind,
                    income_totals::amount,
                ))
                .load::<(String, String, String, String, i64)>(conn)
                .unwrap()
                .into_iter()
                .map(|(p, c, cur, k, a)| ((p, c, cur, k), a))
                .collect(),
            counters: invoice_counters::table
                .select((invoice_counters::year, invoice_counters::last_number))
                .load::<(i32, i32)>(conn)
                .unwrap()
                .into_iter()
                .collect(),
            intents: order_intents::table
                .select(order_intents::order_id)
                .load(conn)
                .unwrap(),
        }
    }
}

/// Issued invoices and their lines never change, to the byte.
fn unchanged(before: &Books, after: &Books) -> Result<(), String> {
    let invoices: HashMap<&str, &InvoiceRow> =
        after.invoices.iter().map(|i| (i.id.as_str(), i)).collect();
    for invoice in &before.invoices {
        match invoices.get(invoice.id.as_str()) {
            Some(now) if *now == invoice => {}
            Some(now) => return Err(format!("invoice {invoice:?} became {now:?}")),
            None => return Err(format!("invoice {} disappeared", invoice.number)),
        }
    }
    let lines: HashMap<&str, &LineRow> = after.lines.iter().map(|l| (l.id.as_str(), l)).collect();
    for line in &before.lines {
        match lines.get(line.id.as_str()) {
            Some(now) if *now == line => {}
            Some(now) => return Err(format!("invoice line {line:?} became {now:?}")),
            None => return Err(format!("invoice line {line:?} disappeared")),
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------
// The application against the model

/// A quote's terms, in comparable form, from either side.
#[derive(Debug, PartialEq)]
struct Terms {
    kind: String,
    placer: String,
    customer: String,
    currency: String,
    offer: String,
    product: Option<String>,
    partnership: Option<String>,
    payer: String,
    public_price: i64,
    discount: i64,
    price: i64,
    lines: Vec<i64>,
    subtotal: i64,
    vat_bp: i32,
    vat: i64,
    total: i64,
    income: Option<(String, String, i64)>,
    period: (NaiveDate, NaiveDate),
}

fn model_terms(q: &Quote, ids: &Ids) -> Result<Terms, String> {
    Ok(Terms {
        kind: q.kind.stored().to_owned(),
        placer: q.placer.stored().to_owned(),
        customer: ids.org(q.customer).to_owned(),
        currency: q.currency.code().to_owned(),
        offer: OFFERS[q.offer].0.to_owned(),
        product: q
            .product
            .map(|k| ids.product(k).map(str::to_owned))
            .transpose()?,
        partnership: q.partnership.map(|p| ids.partnerships[p].clone()),
        payer: ids.org(q.payer).to_owned(),
        public_price: q.public_price,
        discount: q.discount,
        price: q.price,
        lines: q.lines.clone(),
        subtotal: q.subtotal,
        vat_bp: q.vat_bp,
        vat: q.vat,
        total: q.total,
        income: q.income.map(|(partner, kind, amount)| {
            (
                ids.org(partner).to_owned(),
                kind.stored().to_owned(),
                amount,
            )
        }),
        period: q.period,
    })
}

fn app_terms(q: &orders::Quote) -> Terms {
    Terms {
        kind: <&str>::from(q.kind).to_owned(),
        placer: <&str>::from(q.placer).to_owned(),
        customer: q.customer_org_id.clone(),
        currency: q.currency.code().to_owned(),
        offer: q.offer_code.clone(),
        product: q.product_id.clone(),
        partnership: q.managed_by.as_ref().map(|m| m.partnership_id.clone()),
        payer: q.payer_org_id.clone(),
        public_price: q.charge.public_price,
        discount: q.charge.discount,
        price: q.charge.price,
        lines: q.lines.iter().map(|(_, amount)| *amount).collect(),
        subtotal: q.totals.subtotal,
        vat_bp: q.totals.vat_rate_bp,
        vat: q.totals.vat,
        total: q.totals.total,
        income: q.charge.income.map(|(kind, amount)| {
            (
                q.managed_by
                    .as_ref()
                    .map_or_else(String::new, |m| m.partner_org_id.clone()),
                <&str>::from(kind).to_owned(),
                amount,
            )
        }),
        period: (q.period_start, q.period_end),
    }
}

/// The fields where two sets of terms differ, as `name: model's, application's`.
fn differences(want: &Terms, got: &Terms) -> Vec<String> {
    let mut differ = Vec::new();
    macro_rules! compare {
        ($($field:ident),*) => {$(
            if want.$field != got.$field {
                differ.push(format!(
                    "{} {:?} in the model, {:?} in the application",
                    stringify!($field),
                    want.$field,
                    got.$field
                ));
            }
        )*};
    }
    compare!(
        kind,
        placer,
        customer,
        currency,
        offer,
        product,
        partnership,
        payer,
        public_price,
        discount,
        price,
        lines,
        subtotal,
        vat_bp,
        vat,
        total,
        income,
        period
    );
    differ
}

fn same_terms(model: &Quote, app: &orders::Quote, ids: &Ids) -> Result<(), String> {
    let (want, got) = (model_terms(model, ids)?, app_terms(app));
    match differences(&want, &got) {
        differ if differ.is_empty() => Ok(()),
        differ => Err(format!("the terms shown differ: {}", differ.join("; "))),
    }
}

fn short(answer: &Answer) -> String {
    match answer {
        Answer::Reviewed(_) => "a review".into(),
        Answer::Changed(_) => "changed terms".into(),
        Answer::Placed(i) => format!("invoice #{} placed", i + 1),
        Answer::AlreadyPlaced(i) => format!("invoice #{} already placed", i + 1),
        other => format!("{other:?}"),
    }
}

fn short_done(done: &Reply) -> String {
    match done {
        Reply::Reviewed(_) => "a review".into(),
        Reply::Changed(_) => "changed terms".into(),
        Reply::Placed(p) => format!("invoice {} placed", p.invoice_number),
        Reply::AlreadyPlaced(p) => format!("invoice {} already placed", p.invoice_number),
        Reply::Refused(why) => format!("a refusal ({why})"),
        other => format!("{other:?}"),
    }
}

/// Whether the application answered what the model says; learns the ids of new products.
fn agree(model: &Model, answer: &Answer, done: &Reply, ids: &mut Ids) -> Result<(), String> {
    let placed = |p: &Placed, i: usize, ids: &mut Ids, first: bool| -> Result<(), String> {
        let invoice = &model.invoices[i];
        if first && invoice.quote.kind == oracle::Kind::New {
            ids.products.insert(invoice.product, p.product_id.clone());
        }
        let want = (
            ids.product(invoice.product)?.to_owned(),
            ids.org(invoice.quote.payer).to_owned(),
            invoice.quote.period.1,
        );
        let got = (p.product_id.clone(), p.payer_org_id.clone(), p.period_end);
        if want != got {
            return Err(format!("placed {got:?}, the model says {want:?}"));
        }
        if let Some(sequence) = invoice.sequence.filter(|_| first) {
            let number = format!("{}-{sequence:06}", invoice.year);
            if p.invoice_number != number {
                return Err(format!("invoice {} should be {number}", p.invoice_number));
            }
        }
        Ok(())
    };
    match (answer, done) {
        (Answer::Nothing, Reply::Nothing)
        | (Answer::Refused(_), Reply::Refused(_))
        | (Answer::Expired, Reply::Expired) => Ok(()),
        (Answer::Reviewed(q), Reply::Reviewed(r)) | (Answer::Changed(q), Reply::Changed(r)) => {
            same_terms(q, &r.quote, ids)
        }
        (Answer::Placed(i), Reply::Placed(p)) => placed(p, *i, ids, true),
        (Answer::AlreadyPlaced(i), Reply::AlreadyPlaced(p)) => placed(p, *i, ids, false),
        (Answer::Renewed { renewed, failed }, Reply::Renewed(run))
            if (run.renewed, run.failed) == (*renewed, *failed) =>
        {
            Ok(())
        }
        (Answer::Done(a), Reply::Applied(b)) if a == b => Ok(()),
        (answer, done) => Err(format!(
            "the model answers {}{}, the application {}",
            short(answer),
            match answer {
                Answer::Refused(why) => format!(" ({why})"),
                _ => String::new(),
            },
            short_done(done)
        )),
    }
}

/// Whether the application's books are the model's.
fn same_books(model: &Model, books: &Books, ids: &Ids) -> Result<(), String> {
    // Products: where they are installed, who manages them, when they renew.
    if books.products.len() != model.products.len() {
        return Err(format!(
            "{} products, the model has {}",
            books.products.len(),
            model.products.len()
        ));
    }
    for (key, product) in &model.products {
        let id = ids.product(*key)?;
        let row = books
            .products
            .get(id)
            .ok_or_else(|| format!("no product {id}"))?;
        let manager = model.manager_of(*key).map(|m| ids.partnerships[m].as_str());
        let app_manager = row
            .partnership_id
            .as_deref()
            .filter(|p| books.partnerships.get(*p).map(String::as_str) == Some("active"));
        let name = oracle::product_name(*key);
        if row.customer_org_id != ids.org(product.customer)
            || row.offer_code != OFFERS[product.offer].0
        {
            return Err(format!("the product of {name} is {row:?}"));
        }
        if app_manager != manager {
            return Err(format!(
                "the product of {name} is managed by {app_manager:?}, the model says {manager:?}"
            ));
        }
        if row.renews_on != product.renews_on {
            return Err(format!(
                "the product of {name} renews on {}, the model says {}",
                row.renews_on, product.renews_on
            ));
        }
    }
    for (i, p) in model.partnerships.iter().enumerate() {
        let status = books.partnerships.get(&ids.partnerships[i]);
        if (status.map(String::as_str) == Some("active")) != p.active {
            return Err(format!(
                "partnership {i} is {status:?}, the model says {p:?}"
            ));
        }
    }

    // Orders, invoices, lines and income: the model's, each period once.
    if books.orders.len() != model.invoices.len() || books.invoices.len() != model.invoices.len() {
        return Err(format!(
            "{} orders and {} invoices, the model has {}",
            books.orders.len(),
            books.invoices.len(),
            model.invoices.len()
        ));
    }
    let mut by_period: HashMap<(&str, NaiveDate), &OrderRow> = HashMap::new();
    for order in &books.orders {
        if let Some(other) = by_period.insert((&order.product_id, order.period_start), order) {
            return Err(format!(
                "two orders bill one period: {other:?} and {order:?}"
            ));
        }
    }
    let mut invoice_of: HashMap<&str, &InvoiceRow> = HashMap::new();
    for invoice in &books.invoices {
        if invoice_of.insert(&invoice.order_id, invoice).is_some() {
            return Err(format!("two invoices for order {}", invoice.order_id));
        }
    }
    let mut lines_of: HashMap<&str, Vec<&LineRow>> = HashMap::new();
    for line in &books.lines {
        lines_of.entry(&line.invoice_id).or_default().push(line);
    }
    let mut income_of: HashMap<&str, Vec<&IncomeRow>> = HashMap::new();
    for entry in &books.income {
        income_of.entry(&entry.order_id).or_default().push(entry);
    }
    let mut lines = 0;
    for (n, invoice) in model.invoices.iter().enumerate() {
        let q = &invoice.quote;
        let name = oracle::product_name(invoice.product);
        let product = ids.product(invoice.product)?;
        let order = by_period.get(&(product, q.period.0)).ok_or_else(|| {
            format!(
                "the period {} – {} of the product of {name} was not billed (invoice #{})",
                q.period.0,
                q.period.1,
                n + 1
            )
        })?;
        let want = (
            ids.org(q.customer),
            q.kind.stored(),
            q.placer.stored(),
            q.partnership.map(|p| ids.partnerships[p].as_str()),
            ids.org(q.payer),
            q.currency.code(),
            (q.public_price, q.discount, q.price),
            q.period.1,
            invoice.issued_at,
        );
        let got = (
            order.customer_org_id.as_str(),
            order.kind.as_str(),
            order.placed_by.as_str(),
            order.partnership_id.as_deref(),
            order.payer_org_id.as_str(),
            order.currency.as_str(),
            (order.public_price, order.discount, order.price),
            order.period_end,
            order.created_at,
        );
        if want != got {
            return Err(format!(
                "the order of invoice #{} ({name}) is\n  {got:?}\nthe model says\n  {want:?}",
                n + 1
            ));
        }
        let row = invoice_of
            .get(order.id.as_str())
            .ok_or_else(|| format!("order {} has no invoice", order.id))?;
        let want = (
            ids.org(q.payer),
            q.payer.name(),
            q.currency.code(),
            invoice.issued_at,
            (q.subtotal, q.vat_bp, q.vat, q.total),
        );
        let got = (
            row.payer_org_id.as_str(),
            row.payer_name.as_str(),
            row.currency.as_str(),
            row.issued_at,
            (row.subtotal, row.vat_rate_bp, row.vat, row.total),
        );
        if want != got {
            return Err(format!(
                "invoice {} ({name}) is\n  {got:?}\nthe model says\n  {want:?}",
                row.number
            ));
        }
        if row.year != invoice.issued_at.year()
            || row.number != format!("{}-{:06}", row.year, row.sequence)
        {
            return Err(format!(
                "invoice {} (year {}, number {} of its year) was issued on {}",
                row.number, row.year, row.sequence, row.issued_at
            ));
        }
        if let Some(sequence) = invoice.sequence
            && row.sequence != sequence
        {
            return Err(format!(
                "invoice {} should be number {sequence} of {}",
                row.number, invoice.year
            ));
        }
        let amounts: Vec<(i32, i64)> = lines_of
            .get(row.id.as_str())
            .map(|ls| ls.iter().map(|l| (l.position, l.amount)).collect())
            .unwrap_or_default();
        let want: Vec<(i32, i64)> = q
            .lines
            .iter()
            .enumerate()
            .map(|(i, a)| (i as i32 + 1, *a))
            .collect();
        if amounts != want {
            return Err(format!(
                "invoice {} has the lines {amounts:?}, the model says {want:?}",
                row.number
            ));
        }
        lines += want.len();
        let entries: Vec<(&str, &str, &str, &str, i64, NaiveDateTime)> = income_of
            .get(order.id.as_str())
            .map(|es| {
                es.iter()
                    .map(|e| {
                        (
                            e.partner_org_id.as_str(),
                            e.customer_org_id.as_str(),
                            e.kind.as_str(),
                            e.currency.as_str(),
                            e.amount,
                            e.created_at,
                        )
                    })
                    .collect()
            })
            .unwrap_or_default();
        let want: Vec<(&str, &str, &str, &str, i64, NaiveDateTime)> = q
            .income
            .iter()
            .map(|(partner, kind, amount)| {
                (
                    ids.org(*partner),
                    ids.org(q.customer),
                    kind.stored(),
                    q.currency.code(),
                    *amount,
                    invoice.issued_at,
                )
            })
            .collect();
        if entries != want {
            return Err(format!(
                "invoice {} earned {entries:?}, the model says {want:?}",
                row.number
            ));
        }
    }
    if books.lines.len() != lines {
        return Err(format!(
            "{} invoice lines, the model has {lines}",
            books.lines.len()
        ));
    }
    let earning = model
        .invoices
        .iter()
        .filter(|i| i.quote.income.is_some())
        .count();
    if books.income.len() != earning {
        return Err(format!(
            "{} income entries, the model has {earning}",
            books.income.len()
        ));
    }

    // Numbering: each year's numbers are 1..n, n as the model counts.
    let mut years: BTreeMap<i32, Vec<i32>> = BTreeMap::new();
    for invoice in &books.invoices {
        years
            .entry(invoice.year)
            .or_default()
            .push(invoice.sequence);
    }
    for (year, sequences) in &mut years {
        sequences.sort_unstable();
        let n = model.counters.get(year).copied().unwrap_or(0);
        if *sequences != (1..=n).collect::<Vec<i32>>() {
            return Err(format!(
                "the invoices of {year} are numbered {sequences:?}, the model has 1 to {n}"
            ));
        }
    }
    if books.counters != model.counters {
        return Err(format!(
            "the invoice counters are {:?}, the model's {:?}",
            books.counters, model.counters
        ));
    }

    // Income totals: the model's sums, and the sums of the stored entries.
    let want: BTreeMap<(String, String, String, String), i64> = model
        .income_totals()
        .into_iter()
        .map(|((partner, customer, currency, kind), amount)| {
            (
                (
                    ids.org(partner).to_owned(),
                    ids.org(customer).to_owned(),
                    currency.code().to_owned(),
                    kind.stored().to_owned(),
                ),
                amount,
            )
        })
        .collect();
    let mut summed: BTreeMap<(String, String, String, String), i64> = BTreeMap::new();
    for e in &books.income {
        *summed
            .entry((
                e.partner_org_id.clone(),
                e.customer_org_id.clone(),
                e.currency.clone(),
                e.kind.clone(),
            ))
            .or_insert(0) += e.amount;
    }
    if books.totals != summed {
        return Err(format!(
            "the stored income totals {:?} are not the sums of the entries {summed:?}",
            books.totals
        ));
    }
    if books.totals != want {
        return Err(format!(
            "the stored income totals are {:?}, the model's {want:?}",
            books.totals
        ));
    }

    // Intents: one per review shown, one consumed per order a member placed.
    let consumed = books.intents.iter().filter(|o| o.is_some()).count();
    let by_members = model
        .invoices
        .iter()
        .filter(|i| i.quote.placer != oracle::Placer::Scheduler)
        .count();
    if (books.intents.len(), consumed) != (model.intents.len(), by_members) {
        return Err(format!(
            "{} intents of which {consumed} consumed, the model has {} and {by_members}",
            books.intents.len(),
            model.intents.len()
        ));
    }
    Ok(())
}

/// Plays a history on a fresh database; `then` sees the end of it.
fn play(
    databases: &Databases,
    history: &History,
    password_hash: &str,
    then: impl FnOnce(&Db, &Model, &Ids) -> Result<(), String>,
) -> Result<(), String> {
    let (db, _dir) = databases.fresh();
    let mut conn = connection(&db);
    let mut model = Model::new(&history.setup);
    let mut ids = set_up(&mut conn, &model, password_hash);
    let mut intents = Intents::default();
    let mut before = Books::read(&mut conn);
    same_books(&model, &before, &ids).map_err(|e| format!("after the setup: {e}"))?;

    for (i, op) in history.ops.iter().enumerate() {
        let step = i + 1;
        model.tick(op);
        let at = model.clock;
        model.identifiers = ids
            .products
            .iter()
            .map(|(k, id)| (*k, id.clone()))
            .collect();
        let outcomes = model.outcomes(step, op);
        let dones: Vec<Reply> = match model.actions(step, op) {
            Some((actions, together)) => {
                if let Op::Review(_) = op {
                    intents.slots.push(None);
                }
                let on = (&model, &ids);
                run_actions(&db, &mut conn, on, &actions, together, at, &mut intents)
            }
            None if matches!(op, Op::TwoSchedules) => {
                let on = (&model, &ids);
                let runs = [Action::Run, Action::Run];
                let mut sum = RenewalRun::default();
                for run in run_actions(&db, &mut conn, on, &runs, true, at, &mut intents) {
                    match run {
                        Reply::Renewed(r) => {
                            sum.renewed += r.renewed;
                            sum.failed += r.failed;
                        }
                        other => return Err(format!("step {step}: a run answered {other:?}")),
                    }
                }
                vec![Reply::Renewed(sum)]
            }
            None => vec![change(&mut conn, &model, &mut ids, op, at)],
        };
        let books = Books::read(&mut conn);
        unchanged(&before, &books).map_err(|e| {
            format!(
                "step {step} ({}): {}",
                model.describe(op),
                ids.named(&model, &e)
            )
        })?;
        let mut failures = Vec::new();
        let mut agreed = None;
        for (next, answers) in outcomes {
            let mut next_ids = ids.clone();
            let verdict = if answers.len() == dones.len() {
                // Placements first: they name the new products the others may refer to.
                let (first, then): (Vec<_>, Vec<_>) = answers
                    .iter()
                    .zip(&dones)
                    .partition(|(a, _)| matches!(a, Answer::Placed(_)));
                first
                    .into_iter()
                    .chain(then)
                    .try_for_each(|(a, d)| agree(&next, a, d, &mut next_ids))
                    .and_then(|()| same_books(&next, &books, &next_ids))
            } else {
                Err(format!(
                    "the model answers {answers:?}, the application {dones:?}"
                ))
            };
            match verdict {
                Ok(()) => {
                    agreed = Some((next, next_ids, answers));
                    break;
                }
                Err(e) => failures.push(e),
            }
        }
        let Some((next, next_ids, answers)) = agreed else {
            let why = failures.join("\n  or, in the other order: ");
            return Err(format!(
                "step {step} ({}): {}",
                model.describe(op),
                ids.named(&model, &why)
            ));
        };
        for answer in &answers {
            tally(answer, op);
        }
        model = next;
        ids = next_ids;
        before = books;
    }
    tally_books(&model, history.setup.start);
    then(&db, &model, &ids)
}

#[test]
fn random_histories_keep_the_billing_invariants() {
    let databases = Databases::new();
    check(
        "billing invariants",
        histories(64, 16),
        strategy::history(40, strategy::LARGE_PRICE),
        |history| play(&databases, history, "not a password", |_, _, _| Ok(())),
    );
}

// ---------------------------------------------------------------------------------
// The income page and its CSV

/// One hash of the demo password for every member: logging in must work, hashing costs.
fn password_hash() -> &'static str {
    static HASH: OnceLock<String> = OnceLock::new();
    HASH.get_or_init(|| partnerdesk::auth::password::hash(support::PASSWORD).unwrap())
}

/// `1234.50` as minor units.
fn minor(decimal: &str) -> i64 {
    let negative = decimal.starts_with('-');
    let (whole, cents) = decimal
        .trim_start_matches('-')
        .split_once('.')
        .expect("two decimals");
    let value = whole.parse::<i64>().unwrap() * 100 + cents.parse::<i64>().unwrap();
    if negative { -value } else { value }
}

fn decimal(minor: i64) -> String {
    let sign = if minor < 0 { "-" } else { "" };
    format!(
        "{sign}{}.{:02}",
        minor.unsigned_abs() / 100,
        minor.unsigned_abs() % 100
    )
}

/// A partner's entries as the model has them: (client, kind, currency, amount).
fn entries_of(
    model: &Model,
    partner: Org,
    client: Option<Org>,
) -> Vec<(Org, IncomeKind, Currency, i64)> {
    let mut entries: Vec<_> = model
        .invoices
        .iter()
        .filter_map(|i| {
            let (p, kind, amount) = i.quote.income?;
            (p == partner && client.is_none_or(|c| c == i.quote.customer)).then_some((
                i.quote.customer,
                kind,
                i.quote.currency,
                amount,
            ))
        })
        .collect();
    entries.sort();
    entries
}

/// Newest first, each row's balance is what was earned in its currency up to it: the
/// first row of a currency shows all of it, each next one the last less its amount.
fn balances_follow(
    rows: &[(Currency, i64, i64)],
    entries: &[(Org, IncomeKind, Currency, i64)],
) -> Result<(), String> {
    let mut left: BTreeMap<Currency, i64> = BTreeMap::new();
    for (_, _, currency, amount) in entries {
        *left.entry(*currency).or_insert(0) += amount;
    }
    for (currency, amount, balance) in rows {
        let expected = left.entry(*currency).or_insert(0);
        if *balance != *expected {
            return Err(format!(
                "a {} row shows the balance {}, the model {}",
                currency.code(),
                decimal(*balance),
                decimal(*expected)
            ));
        }
        *expected -= amount;
    }
    Ok(())
}

async fn check_pages(address: &str, model: &Model, ids: &Ids) -> Result<(), String> {
    use scraper::{Html, Selector};
    let cell = |e: scraper::ElementRef<'_>| {
        e.text()
            .collect::<String>()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    };
    for partner in Org::PARTNERS {
        let browser = support::browser_at(address);
        let login = browser.login(&Ids::email(partner), support::PASSWORD).await;
        if login.status != reqwest::StatusCode::SEE_OTHER {
            return Err(format!("{partner:?} cannot log in: {}", login.status));
        }
        let page = browser.get("/income").await;
        let html = Html::parse_document(&page.body);
        let tables: Vec<_> = html.select(&Selector::parse("table").unwrap()).collect();
        let row = Selector::parse("tbody tr").unwrap();
        let cells = Selector::parse("th, td").unwrap();
        let rows = |table: Option<&scraper::ElementRef<'_>>| -> Vec<Vec<String>> {
            table
                .map(|t| {
                    t.select(&row)
                        .map(|r| r.select(&cells).map(cell).collect())
                        .collect()
                })
                .unwrap_or_default()
        };
        let entries = entries_of(model, partner, None);
        // Per client: one row per client and currency, each amount in that currency.
        let mut want: Vec<Vec<String>> = Vec::new();
        let mut sums: BTreeMap<(Org, Currency), (i64, i64)> = BTreeMap::new();
        for (client, kind, currency, amount) in &entries {
            let sum = sums.entry((*client, *currency)).or_insert((0, 0));
            match kind {
                IncomeKind::Cashback => sum.0 += amount,
                IncomeKind::Refund => sum.1 += amount,
            }
        }
        for ((client, currency), (cashback, refund)) in &sums {
            want.push(vec![
                client.name().to_owned(),
                money(*cashback, *currency),
                money(*refund, *currency),
                money(cashback + refund, *currency),
            ]);
        }
        let mut got = if entries.is_empty() {
            Vec::new()
        } else {
            rows(tables.first())
        };
        got.sort();
        if got != want {
            return Err(format!(
                "{partner:?}'s income per client shows {got:?}, the model {want:?}"
            ));
        }
        // The ledger's first page: amounts and balances per currency.
        let ledger = if entries.is_empty() {
            Vec::new()
        } else {
            rows(tables.get(1))
        };
        if ledger.len() != entries.len().min(50) {
            return Err(format!(
                "{partner:?}'s ledger shows {} entries, the model has {}",
                ledger.len(),
                entries.len()
            ));
        }
        let currency_of = |shown: &str| -> Result<Currency, String> {
            match shown.split(' ').next() {
                Some("CHF") => Ok(Currency::Chf),
                Some("EUR") => Ok(Currency::Eur),
                _ => Err(format!("{shown:?} has no currency")),
            }
        };
        let amount_of = |shown: &str| -> i64 {
            minor(&shown.split(' ').nth(1).unwrap_or_default().replace(',', ""))
        };
        let mut shown = Vec::new();
        for r in &ledger {
            let (amount, balance) = (&r[4], &r[5]);
            let currency = currency_of(amount)?;
            if currency_of(balance)? != currency {
                return Err(format!("{partner:?}'s ledger mixes currencies in {r:?}"));
            }
            shown.push((currency, amount_of(amount), amount_of(balance)));
        }
        balances_follow(&shown, &entries).map_err(|e| format!("{partner:?}'s ledger: {e}"))?;
        seen("ledger rows checked on the income page", shown.len() as u64);
        seen(
            "per-client totals checked on the income page",
            want.len() as u64,
        );

        // The CSV, of all clients and of each.
        for client in [None, Some(Org::Acme), Some(Org::Beta)] {
            let path = match client {
                None => "/income.csv".to_owned(),
                Some(c) => format!("/income.csv?client={}", ids.org(c)),
            };
            let csv = browser.get(&path).await;
            let mut reader = csv::Reader::from_reader(csv.body.as_bytes());
            let mut rows = Vec::new();
            let mut listed = Vec::new();
            for record in reader.records() {
                let r = record.map_err(|e| e.to_string())?;
                let currency = match &r[5] {
                    "CHF" => Currency::Chf,
                    "EUR" => Currency::Eur,
                    other => return Err(format!("{path}: currency {other:?}")),
                };
                let client = Org::CUSTOMERS
                    .into_iter()
                    .find(|c| c.name() == &r[1])
                    .ok_or_else(|| format!("{path}: client {:?}", &r[1]))?;
                let kind = match &r[2] {
                    "cashback" => IncomeKind::Cashback,
                    "refund" => IncomeKind::Refund,
                    other => return Err(format!("{path}: kind {other:?}")),
                };
                rows.push((currency, minor(&r[6]), minor(&r[7])));
                listed.push((client, kind, currency, minor(&r[6])));
            }
            listed.sort();
            let entries = entries_of(model, partner, client);
            if listed != entries {
                return Err(format!(
                    "{partner:?}'s {path} lists {listed:?}, the model {entries:?}"
                ));
            }
            balances_follow(&rows, &entries).map_err(|e| format!("{partner:?}'s {path}: {e}"))?;
            seen("CSV rows checked", rows.len() as u64);
        }
    }
    Ok(())
}

/// Each history here starts a server and logs in: a fiftieth of the others', at least a few.
fn page_histories() -> u32 {
    let few = histories(8, 4).min(8);
    (histories(8, 4) / 50).max(few)
}

#[test]
fn the_income_page_and_csv_show_the_models_totals_per_currency() {
    // One server for every history: a server cannot be stopped from here, and each
    // would leave its threads behind.
    let databases = Databases::shared();
    let mail = tempfile::tempdir().unwrap();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let db = databases.template.db.clone();
    let address = runtime.block_on(support::serve_on_database(db, mail.path()));
    check(
        "income pages",
        page_histories(),
        strategy::history(30, strategy::LARGE_PRICE),
        |history| {
            play(&databases, history, password_hash(), |_, model, ids| {
                runtime.block_on(check_pages(&address, model, ids))
            })
        },
    );
}
