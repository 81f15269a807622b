//! Who the user is: passwords, the session, and the extractors handlers ask for.

pub mod extract;
pub mod login;
pub mod password;
pub mod preload;
pub mod session;
pub mod store;
pub mod throttle;

pub use extract::{Member, SignedIn};
pub use session::{AppSession, FlashKind};
