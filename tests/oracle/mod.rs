//! A model of partnerdesk's billing, written from the README's table ("Orders, invoices
//! and income") and nothing else: it calls nothing of the application. Given a history
//! of operations it says what each one answers and what the books hold afterwards: who
//! pays each order, at which price, with which lines, VAT, total and currency, which
//! income entry it earns and which period it bills.
//!
//! Where the README is silent the model takes a stated position:
//! - a year after 29 February is 28 February, and each period starts where the last one
//!   ended (a product renews on the end of its last period);
//! - the partner's discount is a line of its own, left out when it is zero;
//! - a partner earns an entry on every order the table gives it a share of, even a share
//!   of zero;
//! - a review can be confirmed during the hour after it was shown;
//! - the terms a confirmation must find unchanged are the payer, the prices, the total,
//!   the income, the period and the partnership that manages the product;
//! - an amount that does not fit in 64 bits is refused: the order is not placed.
#![allow(dead_code)] // the property tests and the page checks each use their part

use std::collections::BTreeMap;
use std::fmt::{self, Write as _};

use chrono::{Datelike, NaiveDate, NaiveDateTime, TimeDelta, Timelike};

/// A review can be confirmed this long after it was shown.
pub const REVIEW_VALID_MINUTES: i64 = 60;

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub enum Currency {
    Chf,
    Eur,
}

impl Currency {
    pub fn code(self) -> &'static str {
        match self {
            Currency::Chf => "CHF",
            Currency::Eur => "EUR",
        }
    }

    fn index(self) -> usize {
        match self {
            Currency::Chf => 0,
            Currency::Eur => 1,
        }
    }
}

/// An amount as the English pages write it: `CHF 1,234.50`.
pub fn money(minor: i64, currency: Currency) -> String {
    let sign = if minor < 0 { "-" } else { "" };
    let abs = minor.unsigned_abs();
    let whole = (abs / 100).to_string();
    let mut grouped = String::new();
    for (i, digit) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    format!("{} {sign}{grouped}.{:02}", currency.code(), abs % 100)
}

/// The organizations of every history: two customers, two partners.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Org {
    Acme,
    Beta,
    Agency,
    Studio,
}

impl Org {
    pub const ALL: [Org; 4] = [Org::Acme, Org::Beta, Org::Agency, Org::Studio];
    pub const CUSTOMERS: [Org; 2] = [Org::Acme, Org::Beta];
    pub const PARTNERS: [Org; 2] = [Org::Agency, Org::Studio];

    pub fn name(self) -> &'static str {
        match self {
            Org::Acme => "Acme",
            Org::Beta => "Beta",
            Org::Agency => "Agency",
            Org::Studio => "Studio",
        }
    }

    /// The one member who acts for the organization.
    pub fn member(self) -> &'static str {
        match self {
            Org::Acme => "Alice",
            Org::Beta => "Bruno",
            Org::Agency => "Paul",
            Org::Studio => "Sara",
        }
    }

    pub fn currency(self) -> Currency {
        match self {
            Org::Acme | Org::Agency => Currency::Chf,
            Org::Beta | Org::Studio => Currency::Eur,
        }
    }

    pub fn is_partner(self) -> bool {
        matches!(self, Org::Agency | Org::Studio)
    }

    pub fn partner_index(self) -> usize {
        match self {
            Org::Agency => 0,
            Org::Studio => 1,
            other => panic!("{other:?} is not a partner"),
        }
    }
}

impl fmt::Debug for Org {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The catalog: code and name of each offer. Their prices belong to each history.
pub const OFFERS: [(&str, &str); 5] = [
    ("web-hosting", "Web Hosting"),
    ("domain-ch", "Domain name .ch"),
    ("mail-service", "Mail Service"),
    ("kdrive", "kDrive 1 TB"),
    ("cloud-server", "Cloud Server"),
];

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Mode {
    CustomerPays,
    PartnerPays,
}

impl Mode {
    pub fn words(self) -> &'static str {
        match self {
            Mode::CustomerPays => "customer pays",
            Mode::PartnerPays => "partner pays",
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Access {
    Full(Mode),
    Limited,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Placer {
    Customer,
    Partner,
    Scheduler,
}

impl Placer {
    pub fn stored(self) -> &'static str {
        match self {
            Placer::Customer => "customer",
            Placer::Partner => "partner",
            Placer::Scheduler => "scheduler",
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Kind {
    New,
    Renewal,
}

impl Kind {
    pub fn stored(self) -> &'static str {
        match self {
            Kind::New => "new",
            Kind::Renewal => "renewal",
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub enum IncomeKind {
    Cashback,
    Refund,
}

impl IncomeKind {
    pub fn stored(self) -> &'static str {
        match self {
            IncomeKind::Cashback => "cashback",
            IncomeKind::Refund => "refund",
        }
    }
}

/// A product is named by the step that ordered it, and its place in that step (two
/// orders confirmed at the same moment are `a` and `b`).
pub type ProductKey = (usize, u8);

pub fn product_name(key: ProductKey) -> String {
    match key.1 {
        0 => format!("step {}", key.0),
        slot => format!("step {}{}", key.0, char::from(b'a' + slot - 1)),
    }
}

#[derive(Clone, Debug)]
pub struct Partnership {
    pub customer: Org,
    pub partner: Org,
    pub access: Access,
    pub active: bool,
}

#[derive(Clone, Debug)]
pub struct Product {
    pub customer: Org,
    pub offer: usize,
    /// The partnership that manages it, active or not (an ended one manages nothing).
    pub manager: Option<usize>,
    pub renews_on: NaiveDate,
    pub created_on: NaiveDate,
}

/// Everything an order does, as its review shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Quote {
    pub kind: Kind,
    pub placer: Placer,
    pub customer: Org,
    pub offer: usize,
    pub product: Option<ProductKey>,
    /// The active partnership that manages the product, if any.
    pub partnership: Option<usize>,
    pub payer: Org,
    pub currency: Currency,
    pub public_price: i64,
    pub discount: i64,
    pub price: i64,
    pub lines: Vec<i64>,
    pub subtotal: i64,
    pub vat_bp: i32,
    pub vat: i64,
    pub total: i64,
    pub income: Option<(Org, IncomeKind, i64)>,
    pub period: (NaiveDate, NaiveDate),
}

impl Quote {
    fn same_terms(&self, other: &Quote) -> bool {
        self.payer == other.payer
            && self.currency == other.currency
            && self.public_price == other.public_price
            && self.discount == other.discount
            && self.price == other.price
            && self.total == other.total
            && self.income == other.income
            && self.period == other.period
            && self.partnership == other.partnership
    }
}

#[derive(Clone, Debug)]
pub struct Invoice {
    pub product: ProductKey,
    pub quote: Quote,
    pub issued_at: NaiveDateTime,
    pub year: i32,
    /// Its number within the year, when the history fixes it (orders placed one after
    /// the other); `None` when the order of placement is left to chance (the renewals of
    /// one scheduler run, orders placed while the scheduler runs).
    pub sequence: Option<i32>,
}

#[derive(Clone, Debug)]
pub enum Request {
    New {
        customer: Org,
        offer: usize,
        /// For a customer's own order: the partnership chosen to manage the product.
        manager: Option<usize>,
    },
    Renewal {
        product: ProductKey,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Actor {
    Member(Org),
    Scheduler,
}

/// A review shown to a member, until its confirmation consumes it.
#[derive(Clone, Debug)]
pub struct Intent {
    pub by: Org,
    pub request: Request,
    pub quote: Quote,
    pub expires_at: NaiveDateTime,
    pub consumed: Option<usize>,
}

/// What an operation answers.
#[derive(Clone, Debug)]
pub enum Answer {
    /// Nothing to do: no such review, product or partnership in the history.
    Nothing,
    Reviewed(Quote),
    Refused(&'static str),
    Expired,
    Placed(usize),
    AlreadyPlaced(usize),
    Changed(Quote),
    Renewed {
        renewed: usize,
        failed: usize,
    },
    /// A partnership or catalog change: whether it changed something.
    Done(bool),
}

/// `amount × bp / 10 000`, half-up to the minor unit; `None` if it does not fit.
pub fn share(amount: i64, bp: i32) -> Option<i64> {
    assert!(amount >= 0 && bp >= 0, "shares are of non-negative amounts");
    let product = i128::from(amount) * i128::from(bp);
    i64::try_from((product + 5_000) / 10_000).ok()
}

/// The same day a year later; 29 February gives 28 February.
pub fn a_year_after(date: NaiveDate) -> NaiveDate {
    let year = date.year() + 1;
    NaiveDate::from_ymd_opt(year, date.month(), date.day())
        .or_else(|| NaiveDate::from_ymd_opt(year, date.month(), date.day() - 1))
        .expect("a day of the next year")
}

/// How a history starts.
#[derive(Clone, Debug)]
pub struct Setup {
    pub start: NaiveDateTime,
    pub vat_bp: i32,
    /// Agency's and Studio's rates, in basis points.
    pub rates: [i32; 2],
    /// Each offer's public price in CHF and in EUR, minor units.
    pub prices: [[i64; 2]; 5],
    /// Who works with whom from the start, with full access: Acme–Agency,
    /// Acme–Studio, Beta–Agency, Beta–Studio.
    pub initial: [Option<Mode>; 4],
}

pub const PAIRS: [(Org, Org); 4] = [
    (Org::Acme, Org::Agency),
    (Org::Acme, Org::Studio),
    (Org::Beta, Org::Agency),
    (Org::Beta, Org::Studio),
];

/// Who places a member's order: the customer itself or one of the partners.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Who {
    Customer,
    Partner(Org),
}

/// An order or a renewal as an operation asks for it; references are resolved against
/// the history so far (a product index wraps around the products that exist).
#[derive(Clone, Debug)]
pub enum Ask {
    New {
        who: Who,
        customer: Org,
        offer: usize,
        manager: Option<Org>,
    },
    Renewal {
        who: Who,
        product: usize,
    },
}

#[derive(Clone, Debug)]
pub enum Grant {
    Full(Mode),
    Limited(Vec<usize>),
}

#[derive(Clone, Debug)]
pub enum Wait {
    Minutes(i64),
    /// Until 31 December, 23:58 of the current year (the next step is at 23:59).
    YearEnd,
}

/// One step of a history.
#[derive(Clone, Debug)]
pub enum Op {
    /// Review and confirm at once, as most members do.
    Order(Ask),
    /// A review left open: its confirmation comes later, if ever.
    Review(Ask),
    /// The member confirms review `review` (again, if it was confirmed before), with the
    /// VAT in force then when it is given.
    Confirm {
        review: usize,
        vat: Option<i32>,
    },
    /// The confirmation of one review arrives twice at the same moment.
    ConfirmTwiceAtOnce {
        review: usize,
    },
    /// Two confirmations arrive at the same moment.
    ConfirmTogether {
        a: usize,
        b: usize,
    },
    /// A confirmation arrives while the scheduler runs.
    ConfirmDuringRun {
        review: usize,
    },
    Schedule,
    /// Two instances run the scheduler at the same moment.
    TwoSchedules,
    SwitchMode {
        pair: usize,
        to: Mode,
    },
    ChangeAccess {
        pair: usize,
        to: Grant,
    },
    End {
        pair: usize,
        by_partner: bool,
    },
    /// The two organizations of a pair start (again) to work together.
    Start {
        pair: usize,
        grant: Grant,
    },
    SetRate {
        partner: Org,
        bp: i32,
    },
    SetPrice {
        offer: usize,
        currency: Currency,
        amount: i64,
    },
    Wait(Wait),
}

/// A whole history: how it starts and its steps.
#[derive(Clone)]
pub struct History {
    pub setup: Setup,
    pub ops: Vec<Op>,
}

/// The books as the README's table says they must be.
#[derive(Clone, Debug)]
pub struct Model {
    pub clock: NaiveDateTime,
    pub vat_bp: i32,
    pub rates: [i32; 2],
    pub prices: [[i64; 2]; 5],
    pub partnerships: Vec<Partnership>,
    pub products: BTreeMap<ProductKey, Product>,
    pub invoices: Vec<Invoice>,
    pub counters: BTreeMap<i32, i32>,
    /// Every intent issued: by a review, or by a confirmation that found the terms changed.
    pub intents: Vec<Intent>,
    /// The reviews left open by `Op::Review`, in order: the intent each shows now (the
    /// last terms shown), `None` when the review was refused.
    pub reviews: Vec<Option<usize>>,
    /// The application's identifier of each product once placed: products due the same
    /// day are renewed in the order of their identifiers (README).
    pub identifiers: BTreeMap<ProductKey, String>,
}

/// One of the actions an operation runs (two run at the same moment in some operations).
#[derive(Clone, Debug)]
pub enum Action {
    Review {
        slot: Option<usize>,
        by: Org,
        request: Request,
    },
    /// Confirms the open review `slot`, or (`None`) the one the same step just issued.
    Confirm {
        slot: Option<usize>,
        vat: i32,
        origin: ProductKey,
    },
    Run,
}

impl Model {
    pub fn new(setup: &Setup) -> Model {
        let mut model = Model {
            clock: setup.start,
            vat_bp: setup.vat_bp,
            rates: setup.rates,
            prices: setup.prices,
            partnerships: Vec::new(),
            products: BTreeMap::new(),
            invoices: Vec::new(),
            counters: BTreeMap::new(),
            intents: Vec::new(),
            reviews: Vec::new(),
            identifiers: BTreeMap::new(),
        };
        for (pair, mode) in PAIRS.iter().zip(setup.initial) {
            if let Some(mode) = mode {
                model.partnerships.push(Partnership {
                    customer: pair.0,
                    partner: pair.1,
                    access: Access::Full(mode),
                    active: true,
                });
            }
        }
        model
    }

    pub fn rate(&self, partner: Org) -> i32 {
        self.rates[partner.partner_index()]
    }

    pub fn price(&self, offer: usize, currency: Currency) -> i64 {
        self.prices[offer][currency.index()]
    }

    /// The latest partnership between a pair, active or not.
    pub fn latest_between(&self, customer: Org, partner: Org) -> Option<usize> {
        self.partnerships
            .iter()
            .rposition(|p| p.customer == customer && p.partner == partner)
    }

    pub fn active_between(&self, customer: Org, partner: Org) -> Option<usize> {
        self.latest_between(customer, partner)
            .filter(|&i| self.partnerships[i].active)
    }

    /// The partnership that manages a product now: its own, if still active.
    pub fn manager_of(&self, key: ProductKey) -> Option<usize> {
        self.products[&key]
            .manager
            .filter(|&m| self.partnerships[m].active)
    }

    /// The product an index designates: they wrap around, in the order they were ordered.
    pub fn product_at(&self, index: usize) -> Option<ProductKey> {
        if self.products.is_empty() {
            return None;
        }
        self.products
            .keys()
            .nth(index % self.products.len())
            .copied()
    }

    /// The products of `customer` that indexes designate, each once.
    /// Whether one of `listed` is managed, by a partnership other than `except`, under
    /// full access with the partner paying: such a product does not move to another
    /// partner (who pays would change without its own verify step).
    fn paid_by_another_partner(&self, listed: &[ProductKey], except: Option<usize>) -> bool {
        listed.iter().any(|key| {
            self.products
                .get(key)
                .and_then(|p| p.manager)
                .filter(|m| Some(*m) != except)
                .is_some_and(|m| {
                    let p = &self.partnerships[m];
                    p.active && p.access == Access::Full(Mode::PartnerPays)
                })
        })
    }

    pub fn products_of(&self, customer: Org, indexes: &[usize]) -> Vec<ProductKey> {
        let owned: Vec<ProductKey> = self
            .products
            .iter()
            .filter(|(_, p)| p.customer == customer)
            .map(|(k, _)| *k)
            .collect();
        let mut chosen: Vec<ProductKey> = Vec::new();
        if owned.is_empty() {
            return chosen;
        }
        for i in indexes {
            let key = owned[i % owned.len()];
            if !chosen.contains(&key) {
                chosen.push(key);
            }
        }
        chosen.sort();
        chosen
    }

    /// Resolves what an operation asks for: who acts, and for what.
    pub fn resolve(&self, ask: &Ask) -> Option<(Org, Request)> {
        match ask {
            Ask::New {
                who,
                customer,
                offer,
                manager,
            } => {
                let by = match who {
                    Who::Customer => *customer,
                    Who::Partner(p) => *p,
                };
                let manager = match who {
                    Who::Customer => manager.and_then(|m| self.latest_between(*customer, m)),
                    Who::Partner(_) => None,
                };
                Some((
                    by,
                    Request::New {
                        customer: *customer,
                        offer: *offer,
                        manager,
                    },
                ))
            }
            Ask::Renewal { who, product } => {
                let key = self.product_at(*product)?;
                let by = match who {
                    Who::Customer => self.products[&key].customer,
                    Who::Partner(p) => *p,
                };
                Some((by, Request::Renewal { product: key }))
            }
        }
    }

    /// What `request` by `by` would do at `today`, with VAT at `vat_bp`.
    pub fn quote(
        &self,
        by: Actor,
        request: &Request,
        today: NaiveDate,
        vat_bp: i32,
    ) -> Result<Quote, &'static str> {
        let quote = self.terms(by, request, today, vat_bp)?;
        self.income_fits(&quote)?;
        Ok(quote)
    }

    fn terms(
        &self,
        by: Actor,
        request: &Request,
        today: NaiveDate,
        vat_bp: i32,
    ) -> Result<Quote, &'static str> {
        match request {
            Request::New {
                customer,
                offer,
                manager,
            } => {
                let Actor::Member(org) = by else {
                    return Err("the scheduler orders nothing new");
                };
                let (placer, partnership) = if org == *customer {
                    match manager {
                        Some(m) if self.partnerships[*m].active => (Placer::Customer, Some(*m)),
                        Some(_) => return Err("the chosen partner no longer works with it"),
                        None => (Placer::Customer, None),
                    }
                } else if org.is_partner() {
                    let p = self
                        .active_between(*customer, org)
                        .ok_or("the partner does not work with this customer")?;
                    (Placer::Partner, Some(p))
                } else {
                    return Err("a customer orders only for itself");
                };
                self.charge(
                    Kind::New,
                    placer,
                    *customer,
                    *offer,
                    None,
                    partnership,
                    today,
                    vat_bp,
                )
            }
            Request::Renewal { product } => {
                let p = &self.products[product];
                let manager = self.manager_of(*product);
                let placer = match by {
                    Actor::Scheduler => Placer::Scheduler,
                    Actor::Member(org) if org == p.customer => Placer::Customer,
                    Actor::Member(org)
                        if manager.is_some_and(|m| self.partnerships[m].partner == org) =>
                    {
                        Placer::Partner
                    }
                    Actor::Member(_) => return Err("neither its customer nor its partner"),
                };
                self.charge(
                    Kind::Renewal,
                    placer,
                    p.customer,
                    p.offer,
                    Some(*product),
                    manager,
                    p.renews_on,
                    vat_bp,
                )
            }
        }
    }

    /// The README's table.
    #[allow(clippy::too_many_arguments)]
    fn charge(
        &self,
        kind: Kind,
        placer: Placer,
        customer: Org,
        offer: usize,
        product: Option<ProductKey>,
        partnership: Option<usize>,
        start: NaiveDate,
        vat_bp: i32,
    ) -> Result<Quote, &'static str> {
        let currency = customer.currency();
        let public = self.price(offer, currency);
        let (payer, discount, income) = match partnership {
            None => match placer {
                Placer::Partner => return Err("nobody manages it"),
                Placer::Customer | Placer::Scheduler => (customer, 0, None),
            },
            Some(i) => {
                let p = &self.partnerships[i];
                let share = share(public, self.rate(p.partner)).ok_or("the share overflows")?;
                match (p.access, placer) {
                    (Access::Limited, Placer::Partner) => {
                        return Err("a partner with limited access cannot order");
                    }
                    (Access::Limited, _) | (Access::Full(_), Placer::Customer) => {
                        (customer, 0, Some((p.partner, IncomeKind::Refund, share)))
                    }
                    (Access::Full(Mode::CustomerPays), _) => {
                        (customer, 0, Some((p.partner, IncomeKind::Cashback, share)))
                    }
                    (Access::Full(Mode::PartnerPays), _) => (p.partner, share, None),
                }
            }
        };
        let mut lines = vec![public];
        if discount != 0 {
            lines.push(-discount);
        }
        let subtotal = lines
            .iter()
            .try_fold(0i64, |sum, line| sum.checked_add(*line))
            .ok_or("the lines overflow")?;
        let vat = share(subtotal, vat_bp).ok_or("the VAT overflows")?;
        let total = subtotal.checked_add(vat).ok_or("the total overflows")?;
        Ok(Quote {
            kind,
            placer,
            customer,
            offer,
            product,
            partnership,
            payer,
            currency,
            public_price: public,
            discount,
            price: public - discount,
            lines,
            subtotal,
            vat_bp,
            vat,
            total,
            income,
            period: (start, a_year_after(start)),
        })
    }

    /// What a partner has earned from a client, in a currency, of a kind.
    pub fn income_totals(&self) -> BTreeMap<(Org, Org, Currency, IncomeKind), i64> {
        let mut totals = BTreeMap::new();
        for invoice in &self.invoices {
            if let Some((partner, kind, amount)) = invoice.quote.income {
                *totals
                    .entry((
                        partner,
                        invoice.quote.customer,
                        invoice.quote.currency,
                        kind,
                    ))
                    .or_insert(0) += amount;
            }
        }
        totals
    }

    /// What the partner earned in the quote's currency, all clients and kinds together,
    /// stays countable with the quote's income added: every sum its ledger shows is then
    /// countable too. An order that would pass it is refused at the review already.
    fn income_fits(&self, quote: &Quote) -> Result<(), &'static str> {
        if let Some((partner, _, amount)) = quote.income {
            let earned = self
                .income_totals()
                .iter()
                .filter(|((p, _, currency, _), _)| *p == partner && *currency == quote.currency)
                .try_fold(0i64, |sum, (_, amount)| sum.checked_add(*amount))
                .ok_or("the partner's income overflows")?;
            earned
                .checked_add(amount)
                .ok_or("the partner's income overflows")?;
        }
        Ok(())
    }

    /// Places `quote` at `at`: the product or its next period, the invoice, the income.
    fn place(
        &mut self,
        quote: Quote,
        at: NaiveDateTime,
        origin: ProductKey,
        numbered: bool,
    ) -> Result<usize, &'static str> {
        self.income_fits(&quote)?;
        let product = match quote.product {
            Some(key) => {
                self.products
                    .get_mut(&key)
                    .expect("a renewed product exists")
                    .renews_on = quote.period.1;
                key
            }
            None => {
                self.products.insert(
                    origin,
                    Product {
                        customer: quote.customer,
                        offer: quote.offer,
                        manager: quote.partnership,
                        renews_on: quote.period.1,
                        created_on: quote.period.0,
                    },
                );
                origin
            }
        };
        let year = at.year();
        let counter = self.counters.entry(year).or_insert(0);
        *counter += 1;
        self.invoices.push(Invoice {
            product,
            quote,
            issued_at: at,
            year,
            sequence: numbered.then_some(*counter),
        });
        Ok(self.invoices.len() - 1)
    }

    /// Issues an intent for what `quote` shows `by`.
    fn issue(&mut self, by: Org, request: Request, quote: Quote, at: NaiveDateTime) -> usize {
        self.intents.push(Intent {
            by,
            request,
            quote,
            expires_at: at + TimeDelta::minutes(REVIEW_VALID_MINUTES),
            consumed: None,
        });
        self.intents.len() - 1
    }

    fn review(&mut self, by: Org, request: Request, at: NaiveDateTime) -> (Answer, Option<usize>) {
        match self.quote(Actor::Member(by), &request, at.date(), self.vat_bp) {
            Ok(quote) => {
                let intent = self.issue(by, request, quote.clone(), at);
                (Answer::Reviewed(quote), Some(intent))
            }
            Err(why) => (Answer::Refused(why), None),
        }
    }

    /// Confirms intent `i`; changed terms issue a new intent, whose index comes back.
    fn confirm(
        &mut self,
        i: usize,
        at: NaiveDateTime,
        vat_bp: i32,
        origin: ProductKey,
        numbered: bool,
    ) -> (Answer, Option<usize>) {
        let intent = self.intents[i].clone();
        if let Some(invoice) = intent.consumed {
            return (Answer::AlreadyPlaced(invoice), None);
        }
        if intent.expires_at <= at {
            return (Answer::Expired, None);
        }
        let quote = match self.quote(Actor::Member(intent.by), &intent.request, at.date(), vat_bp) {
            Ok(quote) => quote,
            Err(why) => return (Answer::Refused(why), None),
        };
        if quote.kind == Kind::Renewal && quote.period.0 > intent.quote.period.0 {
            return (
                Answer::Refused("the period reviewed was billed meanwhile"),
                None,
            );
        }
        if !quote.same_terms(&intent.quote) {
            // Answered "nothing was ordered": the review is over.
            self.intents[i].expires_at = at;
            let new = self.issue(intent.by, intent.request, quote.clone(), at);
            return (Answer::Changed(quote), Some(new));
        }
        match self.place(quote, at, origin, numbered) {
            Ok(invoice) => {
                self.intents[i].consumed = Some(invoice);
                (Answer::Placed(invoice), None)
            }
            Err(why) => (Answer::Refused(why), None),
        }
    }

    /// The scheduler: every period due by `at` is billed, with the terms of now.
    fn run(&mut self, at: NaiveDateTime) -> Answer {
        let today = at.date();
        let (mut renewed, mut failed) = (0, Vec::new());
        // The oldest period due first, whichever product it is, those due the same day
        // in the order of their identifiers (the order matters only when one renewal
        // leaves no room for another: a partner's income at its limit); a product that
        // cannot be renewed is not tried again in the run.
        loop {
            let next = self
                .products
                .iter()
                .filter(|(key, p)| p.renews_on <= today && !failed.contains(*key))
                .map(|(key, p)| (p.renews_on, self.identifiers.get(key), *key))
                .min();
            let Some((_, _, key)) = next else { break };
            let request = Request::Renewal { product: key };
            let placed = self
                .quote(Actor::Scheduler, &request, today, self.vat_bp)
                .and_then(|quote| self.place(quote, at, key, false));
            match placed {
                Ok(_) => renewed += 1,
                Err(_) => failed.push(key),
            }
        }
        Answer::Renewed {
            renewed,
            failed: failed.len(),
        }
    }

    /// Runs one action at the clock's time. A confirmation confirms `target`, the intent
    /// its review showed when the step began, or else the one the step's review issued
    /// (`scratch`). Returns the answer and the intent the action issued, if any.
    fn act(
        &mut self,
        action: &Action,
        target: Option<usize>,
        scratch: &mut Option<usize>,
        numbered: bool,
    ) -> (Answer, Option<usize>) {
        let at = self.clock;
        match action {
            Action::Review { by, request, .. } => {
                let (answer, intent) = self.review(*by, request.clone(), at);
                *scratch = intent;
                (answer, intent)
            }
            Action::Confirm { vat, origin, .. } => match target.or(*scratch) {
                Some(i) => self.confirm(i, at, *vat, *origin, numbered),
                None => (Answer::Nothing, None),
            },
            Action::Run => (self.run(at), None),
        }
    }

    /// Runs actions in `order`; each review slot then shows the last intent issued for it
    /// (in the actions' order, as the member's page would).
    fn act_all(&mut self, actions: &[Action], order: &[usize], numbered: bool) -> Vec<Answer> {
        let targets: Vec<Option<usize>> = actions
            .iter()
            .map(|a| match a {
                Action::Confirm { slot: Some(s), .. } => self.reviews[*s],
                _ => None,
            })
            .collect();
        let mut scratch = None;
        let mut answers = vec![Answer::Nothing; actions.len()];
        let mut issued = vec![None; actions.len()];
        for &i in order {
            (answers[i], issued[i]) = self.act(&actions[i], targets[i], &mut scratch, numbered);
        }
        for (action, issued) in actions.iter().zip(issued) {
            if let (
                Action::Review { slot: Some(s), .. } | Action::Confirm { slot: Some(s), .. },
                Some(i),
            ) = (action, issued)
            {
                self.reviews[*s] = Some(i);
            }
        }
        answers
    }

    /// Moves the clock to the time of step `step`'s operation.
    pub fn tick(&mut self, op: &Op) {
        self.clock += TimeDelta::minutes(1);
        if let Op::Wait(wait) = op {
            match wait {
                Wait::Minutes(m) => self.clock += TimeDelta::minutes(*m),
                Wait::YearEnd => {
                    let year_end = NaiveDate::from_ymd_opt(self.clock.year(), 12, 31)
                        .and_then(|d| d.and_hms_opt(23, 58, 0))
                        .expect("31 December exists");
                    self.clock = self.clock.max(year_end);
                }
            }
        }
    }

    /// The actions an operation runs, and whether they run at the same moment. `None`
    /// for operations that are not orders.
    pub fn actions(&self, step: usize, op: &Op) -> Option<(Vec<Action>, bool)> {
        let open = |review: usize| (!self.reviews.is_empty()).then(|| review % self.reviews.len());
        let confirm = |slot: usize, vat: i32, place: u8| Action::Confirm {
            slot: Some(slot),
            vat,
            origin: (step, place),
        };
        Some(match op {
            Op::Order(ask) => match self.resolve(ask) {
                Some((by, request)) => (
                    vec![
                        Action::Review {
                            slot: None,
                            by,
                            request,
                        },
                        Action::Confirm {
                            slot: None,
                            vat: self.vat_bp,
                            origin: (step, 0),
                        },
                    ],
                    false,
                ),
                None => (Vec::new(), false),
            },
            Op::Review(ask) => match self.resolve(ask) {
                Some((by, request)) => (
                    vec![Action::Review {
                        slot: Some(self.reviews.len()),
                        by,
                        request,
                    }],
                    false,
                ),
                None => (Vec::new(), false),
            },
            Op::Confirm { review, vat } => match open(*review) {
                Some(slot) => (vec![confirm(slot, vat.unwrap_or(self.vat_bp), 0)], false),
                None => (Vec::new(), false),
            },
            Op::ConfirmTwiceAtOnce { review } => match open(*review) {
                Some(slot) => (
                    vec![confirm(slot, self.vat_bp, 1), confirm(slot, self.vat_bp, 2)],
                    true,
                ),
                None => (Vec::new(), false),
            },
            Op::ConfirmTogether { a, b } => match (open(*a), open(*b)) {
                (Some(a), Some(b)) => (
                    vec![confirm(a, self.vat_bp, 1), confirm(b, self.vat_bp, 2)],
                    true,
                ),
                _ => (Vec::new(), false),
            },
            Op::ConfirmDuringRun { review } => match open(*review) {
                Some(slot) => (vec![confirm(slot, self.vat_bp, 1), Action::Run], true),
                None => (vec![Action::Run], false),
            },
            Op::Schedule => (vec![Action::Run], false),
            _ => return None,
        })
    }

    /// Every way the operation's actions may turn out: one, or one per order in which
    /// actions running at the same moment may be decided. Each with its answers, in the
    /// order of the actions.
    pub fn outcomes(&self, step: usize, op: &Op) -> Vec<(Model, Vec<Answer>)> {
        if let Op::Review(_) = op {
            // The slot exists even if the review is refused: later steps count it.
            let actions = self.actions(step, op);
            let mut model = self.clone();
            model.reviews.push(None);
            let answers = match actions {
                Some((actions, _)) => {
                    let order: Vec<usize> = (0..actions.len()).collect();
                    model.act_all(&actions, &order, true)
                }
                None => Vec::new(),
            };
            return vec![(model, answers)];
        }
        if let Op::TwoSchedules = op {
            // Two runs at once bill what one run bills; a renewal that cannot be billed
            // fails in each of them. The answers' sum is compared.
            let mut model = self.clone();
            let answer = match model.run(model.clock) {
                Answer::Renewed { renewed, failed } => Answer::Renewed {
                    renewed,
                    failed: failed * 2,
                },
                other => other,
            };
            return vec![(model, vec![answer])];
        }
        let Some((actions, together)) = self.actions(step, op) else {
            let mut model = self.clone();
            let answer = model.change(op);
            return vec![(model, vec![answer])];
        };
        let orders: Vec<Vec<usize>> = if together && actions.len() == 2 {
            vec![vec![0, 1], vec![1, 0]]
        } else {
            vec![(0..actions.len()).collect()]
        };
        // Beside the scheduler, a confirmation's number within the year is left to chance.
        let numbered = !matches!(op, Op::ConfirmDuringRun { .. });
        orders
            .into_iter()
            .map(|order| {
                let mut model = self.clone();
                let answers = model.act_all(&actions, &order, numbered);
                (model, answers)
            })
            .collect()
    }

    /// The partnership a pair's operation is about: the latest one between them.
    pub fn pair(&self, pair: usize) -> Option<usize> {
        let (customer, partner) = PAIRS[pair % PAIRS.len()];
        self.latest_between(customer, partner)
    }

    /// Partnership and catalog changes.
    fn change(&mut self, op: &Op) -> Answer {
        match op {
            Op::SwitchMode { pair, to } => {
                let Some(i) = self.pair(*pair) else {
                    return Answer::Nothing;
                };
                let p = &mut self.partnerships[i];
                match p.access {
                    Access::Limited => Answer::Refused("limited access has no payment mode"),
                    Access::Full(_) if !p.active => Answer::Refused("the partnership ended"),
                    Access::Full(mode) if mode == *to => Answer::Done(false),
                    Access::Full(_) => {
                        p.access = Access::Full(*to);
                        Answer::Done(true)
                    }
                }
            }
            Op::ChangeAccess { pair, to } => {
                let Some(i) = self.pair(*pair) else {
                    return Answer::Nothing;
                };
                if !self.partnerships[i].active {
                    return Answer::Refused("the partnership ended");
                }
                let customer = self.partnerships[i].customer;
                match to {
                    Grant::Full(mode) => {
                        let p = &mut self.partnerships[i];
                        let changed = p.access != Access::Full(*mode);
                        p.access = Access::Full(*mode);
                        Answer::Done(changed)
                    }
                    Grant::Limited(indexes) => {
                        let listed = self.products_of(customer, indexes);
                        if listed.is_empty() {
                            return Answer::Refused("limited access needs a product");
                        }
                        let managed: Vec<ProductKey> = self
                            .products
                            .iter()
                            .filter(|(_, p)| p.manager == Some(i))
                            .map(|(k, _)| *k)
                            .collect();
                        if self.partnerships[i].access == Access::Limited && managed == listed {
                            return Answer::Done(false);
                        }
                        if self.paid_by_another_partner(&listed, Some(i)) {
                            return Answer::Refused("another partner pays for a product listed");
                        }
                        self.partnerships[i].access = Access::Limited;
                        self.manage_exactly(i, &listed);
                        Answer::Done(true)
                    }
                }
            }
            Op::End { pair, .. } => {
                let Some(i) = self.pair(*pair) else {
                    return Answer::Nothing;
                };
                if !self.partnerships[i].active {
                    return Answer::Refused("the partnership already ended");
                }
                self.partnerships[i].active = false;
                Answer::Done(true)
            }
            Op::Start { pair, grant } => {
                let (customer, partner) = PAIRS[pair % PAIRS.len()];
                if self.active_between(customer, partner).is_some() {
                    return Answer::Refused("they already work together");
                }
                let access = match grant {
                    Grant::Full(mode) => Access::Full(*mode),
                    Grant::Limited(_) => Access::Limited,
                };
                let listed = match grant {
                    Grant::Full(_) => Vec::new(),
                    Grant::Limited(indexes) => {
                        let listed = self.products_of(customer, indexes);
                        if listed.is_empty() {
                            return Answer::Refused("limited access needs a product");
                        }
                        if self.paid_by_another_partner(&listed, None) {
                            return Answer::Refused("another partner pays for a product listed");
                        }
                        listed
                    }
                };
                self.partnerships.push(Partnership {
                    customer,
                    partner,
                    access,
                    active: true,
                });
                let i = self.partnerships.len() - 1;
                if access == Access::Limited {
                    self.manage_exactly(i, &listed);
                }
                Answer::Done(true)
            }
            Op::SetRate { partner, bp } => {
                self.rates[partner.partner_index()] = *bp;
                Answer::Done(true)
            }
            Op::SetPrice {
                offer,
                currency,
                amount,
            } => {
                self.prices[*offer][currency.index()] = *amount;
                Answer::Done(true)
            }
            Op::Wait(_) => Answer::Nothing,
            other => unreachable!("{other:?} is an order"),
        }
    }

    /// With limited access the partner manages exactly the listed products.
    fn manage_exactly(&mut self, partnership: usize, listed: &[ProductKey]) {
        for (key, product) in self.products.iter_mut() {
            if listed.contains(key) {
                product.manager = Some(partnership);
            } else if product.manager == Some(partnership) {
                product.manager = None;
            }
        }
    }

    fn describe_product(&self, key: ProductKey) -> String {
        let p = &self.products[&key];
        format!(
            "{}'s {} of {}",
            p.customer.name(),
            OFFERS[p.offer].1,
            product_name(key)
        )
    }

    fn describe_request(&self, by: Org, request: &Request) -> String {
        match request {
            Request::New {
                customer,
                offer,
                manager,
            } => {
                let offer = OFFERS[*offer].1;
                if by == *customer {
                    let managed = match manager {
                        Some(m) => format!(", managed by {}", self.partnerships[*m].partner.name()),
                        None => String::new(),
                    };
                    format!(
                        "{} ({by:?}) orders {offer} for {by:?} itself{managed}",
                        by.member()
                    )
                } else {
                    format!(
                        "{} ({by:?}) orders {offer} for {customer:?} ({})",
                        by.member(),
                        customer.currency().code()
                    )
                }
            }
            Request::Renewal { product } => format!(
                "{} ({by:?}) renews {}",
                by.member(),
                self.describe_product(*product)
            ),
        }
    }

    fn describe_review(&self, review: usize) -> String {
        match self.reviews.len() {
            0 => "a review, but none was opened".to_owned(),
            n => {
                let slot = review % n;
                match self.reviews[slot].map(|i| &self.intents[i]) {
                    Some(intent) if intent.consumed.is_some() => {
                        format!("review #{} again", slot + 1)
                    }
                    Some(_) => format!("review #{}", slot + 1),
                    None => format!("review #{}, which was refused", slot + 1),
                }
            }
        }
    }

    fn reviewer(&self, review: usize) -> &'static str {
        match self.reviews.len() {
            0 => "someone",
            n => self.reviews[review % n].map_or("someone", |i| self.intents[i].by.member()),
        }
    }

    fn describe_grant(&self, customer: Org, grant: &Grant) -> String {
        match grant {
            Grant::Full(mode) => format!("full access, {}", mode.words()),
            Grant::Limited(indexes) => {
                let listed = self.products_of(customer, indexes);
                if listed.is_empty() {
                    "limited access to no product".to_owned()
                } else {
                    let names: Vec<String> = listed
                        .iter()
                        .map(|k| {
                            format!(
                                "the {} of {}",
                                OFFERS[self.products[k].offer].1,
                                product_name(*k)
                            )
                        })
                        .collect();
                    format!("limited access to {}", names.join(" and "))
                }
            }
        }
    }

    /// The operation in words, as the history so far resolves it.
    pub fn describe(&self, op: &Op) -> String {
        let on = |clock: NaiveDateTime| clock.format("%Y-%m-%d").to_string();
        match op {
            Op::Order(ask) => match self.resolve(ask) {
                Some((by, request)) => self.describe_request(by, &request),
                None => "someone renews a product (there is none yet)".to_owned(),
            },
            Op::Review(ask) => match self.resolve(ask) {
                Some((by, request)) => format!(
                    "{}, to be confirmed later: review #{}",
                    self.describe_request(by, &request)
                        .replacen(" orders ", " reviews an order of ", 1)
                        .replacen(" renews ", " reviews the renewal of ", 1),
                    self.reviews.len() + 1
                ),
                None => format!(
                    "someone reviews the renewal of a product (there is none yet): review #{}",
                    self.reviews.len() + 1
                ),
            },
            Op::Confirm { review, vat } => {
                let vat = match vat {
                    Some(bp) if *bp != self.vat_bp => format!(", VAT being now {}", percent(*bp)),
                    _ => String::new(),
                };
                format!(
                    "{} confirms {}{vat}",
                    self.reviewer(*review),
                    self.describe_review(*review)
                )
            }
            Op::ConfirmTwiceAtOnce { review } => format!(
                "{} sends the confirmation of {} twice at the same moment",
                self.reviewer(*review),
                self.describe_review(*review)
            ),
            Op::ConfirmTogether { a, b } => format!(
                "{} confirms {} while {} confirms {}, at the same moment",
                self.reviewer(*a),
                self.describe_review(*a),
                self.reviewer(*b),
                self.describe_review(*b)
            ),
            Op::ConfirmDuringRun { .. } if self.reviews.is_empty() => {
                format!("the scheduler runs on {}", on(self.clock))
            }
            Op::ConfirmDuringRun { review } => format!(
                "{} confirms {} while the scheduler runs on {}",
                self.reviewer(*review),
                self.describe_review(*review),
                on(self.clock)
            ),
            Op::Schedule => format!("the scheduler runs on {}", on(self.clock)),
            Op::TwoSchedules => format!("two scheduler runs at once on {}", on(self.clock)),
            Op::SwitchMode { pair, to } => {
                let (customer, partner) = PAIRS[pair % PAIRS.len()];
                format!("{customer:?} switches {partner:?} to {}", to.words())
            }
            Op::ChangeAccess { pair, to } => {
                let (customer, partner) = PAIRS[pair % PAIRS.len()];
                format!(
                    "{customer:?} gives {partner:?} {}",
                    self.describe_grant(customer, to)
                )
            }
            Op::End { pair, by_partner } => {
                let (customer, partner) = PAIRS[pair % PAIRS.len()];
                if *by_partner {
                    format!("{partner:?} ends its collaboration with {customer:?}")
                } else {
                    format!("{customer:?} ends its collaboration with {partner:?}")
                }
            }
            Op::Start { pair, grant } => {
                let (customer, partner) = PAIRS[pair % PAIRS.len()];
                format!(
                    "{customer:?} invites {partner:?}, who accepts: {}",
                    self.describe_grant(customer, grant)
                )
            }
            Op::SetRate { partner, bp } => {
                format!("{partner:?}'s rate becomes {}", percent(*bp))
            }
            Op::SetPrice {
                offer,
                currency,
                amount,
            } => format!(
                "{} now costs {} ({amount} minor units)",
                OFFERS[*offer].1,
                money(*amount, *currency)
            ),
            Op::Wait(Wait::Minutes(m)) => {
                let (days, minutes) = (m / (24 * 60), m % (24 * 60));
                let mut text = String::new();
                if days > 0 {
                    let _ = write!(text, "{days} day{} ", if days > 1 { "s" } else { "" });
                }
                if minutes > 0 || days == 0 {
                    if days > 0 {
                        text.push_str("and ");
                    }
                    let _ = write!(
                        text,
                        "{minutes} minute{} ",
                        if minutes > 1 { "s" } else { "" }
                    );
                }
                format!("{text}pass")
            }
            Op::Wait(Wait::YearEnd) => "the clock reaches 31 December, 23:58".to_owned(),
        }
    }
}

pub fn percent(bp: i32) -> String {
    let (whole, frac) = (bp / 100, bp % 100);
    match frac {
        0 => format!("{whole} %"),
        tenths if tenths % 10 == 0 => format!("{whole}.{} %", tenths / 10),
        _ => format!("{whole}.{frac:02} %"),
    }
}

impl fmt::Debug for History {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = &self.setup;
        writeln!(
            f,
            "starting {} with VAT at {}:",
            s.start.format("%Y-%m-%d %H:%M"),
            percent(s.vat_bp)
        )?;
        writeln!(
            f,
            "   Agency's rate is {}, Studio's {}",
            percent(s.rates[0]),
            percent(s.rates[1])
        )?;
        let prices: Vec<String> = OFFERS
            .iter()
            .zip(s.prices)
            .map(|((_, name), [chf, eur])| {
                format!(
                    "{name} {} / {}",
                    money(chf, Currency::Chf),
                    money(eur, Currency::Eur)
                )
            })
            .collect();
        writeln!(f, "   prices: {}", prices.join(", "))?;
        for ((customer, partner), mode) in PAIRS.iter().zip(s.initial) {
            if let Some(mode) = mode {
                writeln!(
                    f,
                    "   {customer:?} ({}) works with {partner:?}: full access, {}",
                    customer.currency().code(),
                    mode.words()
                )?;
            }
        }
        let mut model = Model::new(s);
        for (i, op) in self.ops.iter().enumerate() {
            let step = i + 1;
            model.tick(op);
            let at = model.clock;
            writeln!(
                f,
                "{step:>3}. [{} {:02}:{:02}] {}",
                at.date(),
                at.hour(),
                at.minute(),
                model.describe(op)
            )?;
            model = model
                .outcomes(step, op)
                .into_iter()
                .next()
                .expect("an outcome")
                .0;
        }
        Ok(())
    }
}

/// Random histories.
pub mod strategy {
    use super::*;
    use proptest::prelude::*;
    use proptest::sample::select;

    /// The largest price the histories use: the largest amount minor units count, so
    /// that totals, VAT and partners' income overflow and must be refused.
    pub const LARGE_PRICE: i64 = i64::MAX;

    pub fn price(max: i64) -> impl Strategy<Value = i64> {
        prop_oneof![
            4 => 0i64..=100_000,
            2 => select(vec![
                0i64, 1, 2, 3, 4, 5, 25, 50, 99, 100, 1_250, 1_400, 1_500, 5_600, 6_000,
                11_200, 12_000, 14_000, 15_000, 44_900, 48_000,
            ]),
            1 => 0i64..=max,
            1 => Just(max),
        ]
    }

    pub fn rate() -> impl Strategy<Value = i32> {
        prop_oneof![select(vec![0, 1, 1_250, 2_000, 3_333, 3_500]), 0i32..=3_500,]
    }

    pub fn vat() -> impl Strategy<Value = i32> {
        prop_oneof![
            3 => select(vec![0, 250, 260, 370, 380, 550, 770, 810, 1_000, 1_900, 2_000, 2_100, 2_500]),
            1 => 0i32..=3_000,
        ]
    }

    fn at(y: i32, m: u32, d: u32, h: u32, min: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(y, m, d)
            .and_then(|d| d.and_hms_opt(h, min, 0))
            .expect("a valid start")
    }

    pub fn start() -> impl Strategy<Value = NaiveDateTime> {
        prop_oneof![
            2 => select(vec![
                at(2026, 1, 1, 8, 0),
                at(2026, 12, 31, 23, 30),
                at(2027, 12, 31, 23, 50),
                at(2028, 2, 28, 23, 55),
                at(2028, 2, 29, 9, 0),
                at(2028, 12, 31, 22, 0),
            ]),
            1 => (0i64..5 * 365, 0i64..24 * 60)
                .prop_map(|(days, minutes)| at(2026, 1, 1, 0, 0)
                    + TimeDelta::days(days)
                    + TimeDelta::minutes(minutes)),
        ]
    }

    fn mode() -> impl Strategy<Value = Mode> {
        prop_oneof![Just(Mode::CustomerPays), Just(Mode::PartnerPays)]
    }

    fn partner() -> impl Strategy<Value = Org> {
        prop_oneof![Just(Org::Agency), Just(Org::Studio)]
    }

    fn customer() -> impl Strategy<Value = Org> {
        prop_oneof![Just(Org::Acme), Just(Org::Beta)]
    }

    fn who() -> impl Strategy<Value = Who> {
        prop_oneof![2 => Just(Who::Customer), 2 => partner().prop_map(Who::Partner)]
    }

    fn ask() -> impl Strategy<Value = Ask> {
        prop_oneof![
            3 => (who(), customer(), 0usize..OFFERS.len(), proptest::option::of(partner()))
                .prop_map(|(who, customer, offer, manager)| Ask::New { who, customer, offer, manager }),
            2 => (who(), 0usize..64).prop_map(|(who, product)| Ask::Renewal { who, product }),
        ]
    }

    fn grant() -> impl Strategy<Value = Grant> {
        prop_oneof![
            2 => mode().prop_map(Grant::Full),
            1 => proptest::collection::vec(0usize..16, 0..3).prop_map(Grant::Limited),
        ]
    }

    fn wait() -> impl Strategy<Value = Wait> {
        prop_oneof![
            3 => (1i64..=90).prop_map(Wait::Minutes),
            2 => (1i64..=800).prop_map(|days| Wait::Minutes(days * 24 * 60)),
            1 => Just(Wait::YearEnd),
        ]
    }

    pub fn op(max_price: i64) -> impl Strategy<Value = Op> {
        prop_oneof![
            8 => ask().prop_map(Op::Order),
            3 => ask().prop_map(Op::Review),
            4 => (0usize..16, prop_oneof![3 => Just(None), 1 => vat().prop_map(Some)])
                .prop_map(|(review, vat)| Op::Confirm { review, vat }),
            1 => (0usize..16).prop_map(|review| Op::ConfirmTwiceAtOnce { review }),
            1 => (0usize..16, 0usize..16).prop_map(|(a, b)| Op::ConfirmTogether { a, b }),
            1 => (0usize..16).prop_map(|review| Op::ConfirmDuringRun { review }),
            3 => Just(Op::Schedule),
            1 => Just(Op::TwoSchedules),
            2 => (0usize..4, mode()).prop_map(|(pair, to)| Op::SwitchMode { pair, to }),
            1 => (0usize..4, grant()).prop_map(|(pair, to)| Op::ChangeAccess { pair, to }),
            1 => (0usize..4, any::<bool>()).prop_map(|(pair, by_partner)| Op::End { pair, by_partner }),
            1 => (0usize..4, grant()).prop_map(|(pair, grant)| Op::Start { pair, grant }),
            1 => (partner(), rate()).prop_map(|(partner, bp)| Op::SetRate { partner, bp }),
            1 => (0usize..OFFERS.len(), prop_oneof![Just(Currency::Chf), Just(Currency::Eur)], price(max_price))
                .prop_map(|(offer, currency, amount)| Op::SetPrice { offer, currency, amount }),
            5 => wait().prop_map(Op::Wait),
        ]
    }

    pub fn setup(max_price: i64) -> impl Strategy<Value = Setup> {
        let prices = [
            [price(max_price).boxed(), price(max_price).boxed()],
            [price(max_price).boxed(), price(max_price).boxed()],
            [price(max_price).boxed(), price(max_price).boxed()],
            [price(max_price).boxed(), price(max_price).boxed()],
            [price(max_price).boxed(), price(max_price).boxed()],
        ];
        let initial = [
            proptest::option::weighted(0.75, mode()),
            proptest::option::weighted(0.75, mode()),
            proptest::option::weighted(0.75, mode()),
            proptest::option::weighted(0.75, mode()),
        ];
        (start(), vat(), [rate(), rate()], prices, initial).prop_map(
            |(start, vat_bp, rates, prices, initial)| Setup {
                start,
                vat_bp,
                rates,
                prices,
                initial,
            },
        )
    }

    pub fn history(max_ops: usize, max_price: i64) -> impl Strategy<Value = History> {
        (
            setup(max_price),
            proptest::collection::vec(op(max_price), 1..=max_ops),
        )
            .prop_map(|(setup, ops)| History { setup, ops })
    }
}
