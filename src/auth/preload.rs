//! The member behind a session, read in the same trip to the database as the session
//! itself: a page then makes one trip for who is asking and one for what it shows.
//!
//! [`scope`] gives each request a slot (which requests want one is said where the
//! routes are, in `web/routes.rs`); the session store fills it when the session it
//! loads belongs to a user, and the [`Member`](super::Member) extractor takes from it
//! rather than asking the database again. Nothing outlives the request, so a removed
//! membership or a changed password still takes effect at the next request.

use std::cell::RefCell;

use diesel::QueryResult;

use crate::db::DbConn;
use crate::db::models::users::{self, MembershipView, User};

/// A user and their organizations, as the extractor needs them.
pub struct Loaded {
    pub user_id: String,
    /// `None` when the user no longer exists.
    pub user: Option<User>,
    pub memberships: Vec<MembershipView>,
}

/// Reads a user and their memberships.
pub fn load(conn: &mut DbConn, user_id: &str) -> QueryResult<Loaded> {
    let user = users::find(conn, user_id)?;
    let memberships = match &user {
        Some(user) => users::memberships(conn, &user.id)?,
        None => Vec::new(),
    };
    Ok(Loaded {
        user_id: user_id.to_owned(),
        user,
        memberships,
    })
}

enum Slot {
    /// The request's answer does not depend on who asks (assets, health, about).
    NotWanted,
    Wanted,
    Filled(Loaded),
}

tokio::task_local! {
    static SLOT: RefCell<Slot>;
}

/// Serves a request (`serve`, from outside the session middleware) with its slot: one
/// the session store fills if `wanted`, none if its answer does not depend on who asks.
pub async fn scope<F: Future>(wanted: bool, serve: F) -> F::Output {
    let slot = if wanted {
        Slot::Wanted
    } else {
        Slot::NotWanted
    };
    SLOT.scope(RefCell::new(slot), serve).await
}

/// Whether the session store should read the member along with the session.
pub fn is_wanted() -> bool {
    SLOT.try_with(|slot| matches!(*slot.borrow(), Slot::Wanted))
        .unwrap_or(false)
}

/// Keeps what the session store read for the extractor.
pub fn fill(loaded: Loaded) {
    let _ = SLOT.try_with(|slot| *slot.borrow_mut() = Slot::Filled(loaded));
}

/// What was read for `user_id` in this request, if anything.
pub fn take(user_id: &str) -> Option<Loaded> {
    SLOT.try_with(|slot| {
        let mut slot = slot.borrow_mut();
        match std::mem::replace(&mut *slot, Slot::Wanted) {
            Slot::Filled(loaded) if loaded.user_id == user_id => Some(loaded),
            other => {
                *slot = other;
                None
            }
        }
    })
    .ok()
    .flatten()
}
