//! Who the user is: passwords, signing in and its throttle, the sessions' store and the
//! member read along with a session. It knows nothing of the web layer: the extractors
//! handlers ask for ([`Member`](crate::web::Member), the typed session) live in `web`.

pub mod details;
pub mod devices;
pub mod login;
pub mod password;
pub mod preload;
pub mod reset;
pub mod store;
pub mod throttle;
pub mod tokens;
pub mod two_factor;
