//! The billing rules of docs/design.md §2, in one place: who pays an order, what is charged,
//! and what the partner earns. Pure functions over integer minor units; no I/O.
//!
//! | access / mode         | placed by            | payer    | charged            | partner income       |
//! |-----------------------|----------------------|----------|--------------------|----------------------|
//! | full / customer pays  | partner or scheduler | customer | public             | cashback = rate × public |
//! | full / customer pays  | customer             | customer | public             | refund = rate × public   |
//! | full / partner pays   | partner or scheduler | partner  | public − rate × public | none             |
//! | full / partner pays   | customer             | customer | public             | refund = rate × public   |
//! | limited               | customer or scheduler| customer | public             | refund = rate × public   |
//! | limited               | partner              | refused: a partner with limited access cannot order |
//!
//! A product nobody manages is billed to the customer at the public price, without income.

use crate::domain::{Access, IncomeKind, PaymentMode, Placer, Rate};

/// Basis points in one whole: 10 000 bp = 100 %.
const BP: i128 = 10_000;

/// `amount × bp / 10 000`, rounded half-up to the minor unit. Amounts are never
/// negative here; the result of a negative amount is rounded half away from zero.
pub fn apply_bp(amount: i64, bp: i32) -> i64 {
    let product = i128::from(amount) * i128::from(bp);
    let rounded = if product >= 0 {
        (product + BP / 2) / BP
    } else {
        (product - BP / 2) / BP
    };
    i64::try_from(rounded).expect("a percentage of an i64 amount with bp ≤ 10 000 fits in an i64")
}

/// Who manages the product: nobody, or a partner under an active partnership.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Management {
    Unmanaged,
    Partner { access: Access, rate: Rate },
}

/// The organization an invoice is issued to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Payer {
    Customer,
    Partner,
}

impl Payer {
    /// Of the customer's and the partner's `T` (an id, a name), the payer's.
    pub fn of<T>(self, customer: T, partner: T) -> T {
        match self {
            Payer::Customer => customer,
            Payer::Partner => partner,
        }
    }
}

/// What an order costs, and who earns what, before VAT.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Charge {
    pub payer: Payer,
    pub public_price: i64,
    /// The partner's discount, when the partner pays.
    pub discount: i64,
    /// What the payer is charged, before VAT: public price less the discount.
    pub price: i64,
    pub income: Option<(IncomeKind, i64)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("a partner with limited access cannot order or renew for its client")]
    LimitedPartnerCannotOrder,
    #[error("only the partner managing the product, with full access, can order or renew it")]
    NotManagedByThePartner,
    #[error("a price cannot be negative")]
    NegativePrice,
    /// An amount, or a total it adds to, beyond what minor units can count.
    #[error("the amount is too large")]
    TooLarge,
}

/// What the automatic renewal of a product under `management` will charge, and whom:
/// what the product list and the verify step of a change of who pays show ahead.
pub fn next_renewal(management: Management, public_price: i64) -> Result<Charge, Refusal> {
    charge(management, Placer::Scheduler, public_price)
}

/// Applies the table above.
pub fn charge(
    management: Management,
    placer: Placer,
    public_price: i64,
) -> Result<Charge, Refusal> {
    if public_price < 0 {
        return Err(Refusal::NegativePrice);
    }
    let customer_pays = |income: Option<(IncomeKind, i64)>| Charge {
        payer: Payer::Customer,
        public_price,
        discount: 0,
        price: public_price,
        income,
    };
    let Management::Partner { access, rate } = management else {
        return match placer {
            Placer::Partner => Err(Refusal::NotManagedByThePartner),
            Placer::Customer | Placer::Scheduler => Ok(customer_pays(None)),
        };
    };
    let share = apply_bp(public_price, rate.bp());
    Ok(match (access, placer) {
        (Access::Limited, Placer::Partner) => return Err(Refusal::LimitedPartnerCannotOrder),
        (Access::Limited, Placer::Customer | Placer::Scheduler) => {
            customer_pays(Some((IncomeKind::Refund, share)))
        }
        (Access::Full(_), Placer::Customer) => customer_pays(Some((IncomeKind::Refund, share))),
        (Access::Full(PaymentMode::CustomerPays), Placer::Partner | Placer::Scheduler) => {
            customer_pays(Some((IncomeKind::Cashback, share)))
        }
        (Access::Full(PaymentMode::PartnerPays), Placer::Partner | Placer::Scheduler) => Charge {
            payer: Payer::Partner,
            public_price,
            discount: share,
            price: public_price - share,
            income: None,
        },
    })
}

/// An invoice's amounts: the lines' sum, the VAT on it, and the total.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Totals {
    pub subtotal: i64,
    pub vat_rate_bp: i32,
    pub vat: i64,
    pub total: i64,
}

/// VAT is computed once on the subtotal, rounded half-up, so that total = lines + VAT.
/// Amounts whose sum does not fit in minor units are refused, never wrapped.
pub fn totals(line_amounts: &[i64], vat_rate_bp: i32) -> Result<Totals, Refusal> {
    let subtotal = line_amounts
        .iter()
        .try_fold(0i64, |sum, amount| sum.checked_add(*amount))
        .ok_or(Refusal::TooLarge)?;
    let vat = apply_bp(subtotal, vat_rate_bp);
    Ok(Totals {
        subtotal,
        vat_rate_bp,
        vat,
        total: subtotal.checked_add(vat).ok_or(Refusal::TooLarge)?,
    })
}

/// A VAT or partner rate typed as a percentage ("8.1", "20", "7.75"), in basis points.
pub fn parse_percent(input: &str) -> Option<i32> {
    let input = input.trim().trim_end_matches('%').trim();
    let (whole, frac) = input.split_once('.').unwrap_or((input, ""));
    if whole.is_empty()
        || frac.len() > 2
        || !whole.bytes().all(|b| b.is_ascii_digit())
        || !frac.bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let whole: i32 = whole.parse().ok()?;
    let frac: i32 = format!("{frac:0<2}").parse().ok()?;
    let bp = whole.checked_mul(100)?.checked_add(frac)?;
    (bp <= 10_000).then_some(bp)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::PaymentMode::{CustomerPays, PartnerPays};

    fn rate(bp: i32) -> Rate {
        Rate::from_bp(bp).unwrap()
    }

    fn managed(access: Access) -> Management {
        Management::Partner {
            access,
            rate: rate(2000),
        }
    }

    #[test]
    fn full_access_customer_pays_partner_or_scheduler_order_earns_cashback() {
        for placer in [Placer::Partner, Placer::Scheduler] {
            let c = charge(managed(Access::Full(CustomerPays)), placer, 15_000).unwrap();
            assert_eq!(c.payer, Payer::Customer);
            assert_eq!((c.public_price, c.discount, c.price), (15_000, 0, 15_000));
            assert_eq!(c.income, Some((IncomeKind::Cashback, 3_000)));
        }
    }

    #[test]
    fn full_access_customer_pays_own_order_earns_a_refund() {
        let c = charge(
            managed(Access::Full(CustomerPays)),
            Placer::Customer,
            15_000,
        )
        .unwrap();
        assert_eq!((c.payer, c.price, c.discount), (Payer::Customer, 15_000, 0));
        assert_eq!(c.income, Some((IncomeKind::Refund, 3_000)));
    }

    #[test]
    fn full_access_partner_pays_partner_or_scheduler_order_is_discounted_without_income() {
        for placer in [Placer::Partner, Placer::Scheduler] {
            let c = charge(managed(Access::Full(PartnerPays)), placer, 15_000).unwrap();
            assert_eq!(c.payer, Payer::Partner);
            assert_eq!(
                (c.public_price, c.discount, c.price),
                (15_000, 3_000, 12_000)
            );
            assert_eq!(c.income, None);
        }
    }

    #[test]
    fn full_access_partner_pays_own_order_is_paid_by_the_customer_with_a_refund() {
        let c = charge(managed(Access::Full(PartnerPays)), Placer::Customer, 15_000).unwrap();
        assert_eq!((c.payer, c.price, c.discount), (Payer::Customer, 15_000, 0));
        assert_eq!(c.income, Some((IncomeKind::Refund, 3_000)));
    }

    #[test]
    fn limited_access_customer_and_scheduler_orders_earn_a_refund() {
        for placer in [Placer::Customer, Placer::Scheduler] {
            let c = charge(managed(Access::Limited), placer, 15_000).unwrap();
            assert_eq!((c.payer, c.price, c.discount), (Payer::Customer, 15_000, 0));
            assert_eq!(c.income, Some((IncomeKind::Refund, 3_000)));
        }
    }

    #[test]
    fn the_next_renewal_goes_to_whoever_pays_renewals_under_the_rights() {
        let payer = |m: Management| next_renewal(m, 15_000).unwrap().payer.of("Acme", "Agency");
        assert_eq!(payer(managed(Access::Full(PartnerPays))), "Agency");
        assert_eq!(payer(managed(Access::Full(CustomerPays))), "Acme");
        assert_eq!(payer(managed(Access::Limited)), "Acme");
        assert_eq!(payer(Management::Unmanaged), "Acme");
    }

    #[test]
    fn a_limited_partner_cannot_order() {
        assert_eq!(
            charge(managed(Access::Limited), Placer::Partner, 15_000),
            Err(Refusal::LimitedPartnerCannotOrder)
        );
    }

    #[test]
    fn an_unmanaged_product_is_billed_to_the_customer_without_income() {
        for placer in [Placer::Customer, Placer::Scheduler] {
            let c = charge(Management::Unmanaged, placer, 15_000).unwrap();
            assert_eq!(
                (c.payer, c.price, c.discount, c.income),
                (Payer::Customer, 15_000, 0, None)
            );
        }
        assert_eq!(
            charge(Management::Unmanaged, Placer::Partner, 15_000),
            Err(Refusal::NotManagedByThePartner)
        );
    }

    #[test]
    fn every_combination_follows_the_table() {
        let accesses = [
            Access::Limited,
            Access::Full(CustomerPays),
            Access::Full(PartnerPays),
        ];
        let placers = [Placer::Customer, Placer::Partner, Placer::Scheduler];
        for access in accesses {
            for placer in placers {
                for bp in [0, 1, 999, 2000, 3333, 3500] {
                    for price in [0, 1, 3, 99, 15_000, 123_456_789] {
                        let management = Management::Partner {
                            access,
                            rate: rate(bp),
                        };
                        let share = apply_bp(price, bp);
                        match charge(management, placer, price) {
                            Err(Refusal::LimitedPartnerCannotOrder) => {
                                assert_eq!((access, placer), (Access::Limited, Placer::Partner))
                            }
                            Err(other) => panic!("unexpected refusal {other:?}"),
                            Ok(c) => {
                                assert_eq!(c.public_price, price);
                                assert_eq!(
                                    c.price + c.discount,
                                    price,
                                    "price + discount = public price"
                                );
                                let partner_pays = access == Access::Full(PartnerPays)
                                    && placer != Placer::Customer;
                                assert_eq!(c.payer == Payer::Partner, partner_pays);
                                if partner_pays {
                                    assert_eq!((c.discount, c.income), (share, None));
                                } else {
                                    assert_eq!(c.discount, 0);
                                    let kind = if placer == Placer::Customer
                                        || access == Access::Limited
                                    {
                                        IncomeKind::Refund
                                    } else {
                                        IncomeKind::Cashback
                                    };
                                    assert_eq!(c.income, Some((kind, share)));
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn shares_round_half_up_to_the_minor_unit() {
        // 20 % of 0.03 = 0.006 → 0.01; 20 % of 0.02 = 0.004 → 0.00
        assert_eq!(apply_bp(3, 2000), 1);
        assert_eq!(apply_bp(2, 2000), 0);
        // exactly half a minor unit rounds up: 50 % of 0.01 = 0.005 → 0.01
        assert_eq!(apply_bp(1, 5000), 1);
        // 8.1 % of 123.45 = 9.99945 → 10.00 ; of 0.06 = 0.00486 → 0.00
        assert_eq!(apply_bp(12_345, 810), 1_000);
        assert_eq!(apply_bp(6, 810), 0);
        // 12.5 % of 0.04 = 0.005 → 0.01 (half-up, not to even)
        assert_eq!(apply_bp(4, 1250), 1);
        assert_eq!(apply_bp(12, 1250), 2); // 0.015 → 0.02
        assert_eq!(apply_bp(-3, 2000), -1);
        assert_eq!(apply_bp(i64::MAX, 10_000), i64::MAX);
        assert_eq!(apply_bp(0, 3500), 0);
    }

    #[test]
    fn totals_are_lines_plus_vat_on_their_sum() {
        let t = totals(&[15_000, 1_500], 810).unwrap();
        assert_eq!(t.subtotal, 16_500);
        assert_eq!(t.vat, 1_337); // 8.1 % of 165.00 = 13.365 → 13.37
        assert_eq!(t.total, 17_837);
        assert_eq!(
            totals(&[], 810).unwrap(),
            Totals {
                subtotal: 0,
                vat_rate_bp: 810,
                vat: 0,
                total: 0
            }
        );
        assert_eq!(totals(&[12_000], 0).unwrap().total, 12_000);
        assert_eq!(totals(&[i64::MAX], 810), Err(Refusal::TooLarge));
        assert_eq!(totals(&[i64::MAX, 1], 0), Err(Refusal::TooLarge));
        assert_eq!(totals(&[i64::MAX], 0).unwrap().total, i64::MAX);
    }

    #[test]
    fn negative_prices_are_refused() {
        assert_eq!(
            charge(Management::Unmanaged, Placer::Customer, -1),
            Err(Refusal::NegativePrice)
        );
    }

    #[test]
    fn percentages_parse_to_basis_points() {
        assert_eq!(parse_percent("8.1"), Some(810));
        assert_eq!(parse_percent("7.75 %"), Some(775));
        assert_eq!(parse_percent("20"), Some(2000));
        assert_eq!(parse_percent("0"), Some(0));
        assert_eq!(parse_percent("100"), Some(10_000));
        for bad in ["", "abc", "8.125", "-1", "101", "8,1", ".5", "99999999999"] {
            assert_eq!(parse_percent(bad), None, "{bad}");
        }
    }
}
