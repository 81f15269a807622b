//! Why an order was not placed.

use diesel::result::Error as DieselError;

use crate::billing::Refusal;

#[derive(Debug, thiserror::Error)]
pub enum OrderError {
    /// The customer or the product is not the acting organization's to order for.
    #[error("not found")]
    NotFound,
    #[error("there is no such offer in the catalog")]
    UnknownOffer,
    #[error("the chosen partner does not manage products of this organization")]
    UnknownManager,
    #[error(transparent)]
    Refused(#[from] Refusal),
    /// The confirmation came after its review expired.
    #[error("this review expired")]
    Expired,
    /// This period of the product was billed meanwhile.
    #[error("this period is already billed")]
    AlreadyBilled,
    /// The payer has not given its billing details yet (`ours`: it is the orderer's own
    /// organization, which can give them).
    #[error("the payer has no billing details")]
    NoBillingDetails { payer: String, ours: bool },
    #[error(transparent)]
    Storage(#[from] anyhow::Error),
}

impl From<DieselError> for OrderError {
    fn from(e: DieselError) -> OrderError {
        OrderError::Storage(e.into())
    }
}
