//! Every address the application links to or redirects to, in one place: handlers,
//! templates and emails build them here (the routes themselves are in
//! `web/routes.rs`). Ids are opaque text from the database, never typed by a user.

use crate::domain::Side;

pub const HOME: &str = "/";
pub const PARTNERS: &str = "/partners";
pub const CLIENTS: &str = "/clients";
pub const PRODUCTS: &str = "/products";
pub const MANAGED_PRODUCTS: &str = "/products?view=clients";
pub const INVOICES: &str = "/invoices";
/// Who the organization's invoices are addressed to.
pub const BILLING_DETAILS: &str = "/billing";
pub const INCOME: &str = "/income";
pub const TEAM: &str = "/team";
pub const ACCOUNT: &str = "/account";
/// Two-factor authentication: set up, or managed once on.
pub const TWO_FACTOR: &str = "/account/two-factor";
/// Recovery codes just made, shown once.
pub const NEW_RECOVERY_CODES: &str = "/account/two-factor/recovery-codes";
/// The second step of signing in: the code.
pub const LOGIN_CODE: &str = "/login/code";
pub const LOGIN: &str = "/login";
pub const SIGNED_OUT: &str = "/login?signed_out=1";
pub const FORGOT_PASSWORD: &str = "/password/forgot";
/// The login page after a password was reset.
pub const PASSWORD_WAS_RESET: &str = "/login?reset=1";

/// The first segment of a partnership's pages on each side.
pub fn side_segment(side: Side) -> &'static str {
    match side {
        Side::Customer => "partners",
        Side::Partner => "clients",
    }
}

/// A partnership's page, as `side` sees it: `/partners/{id}` or `/clients/{id}`.
pub fn partnership(side: Side, id: &str) -> String {
    format!("/{}/{id}", side_segment(side))
}

/// One of a partnership's actions as `side` takes it: `/partners/{id}/end`, …
pub fn partnership_action(side: Side, id: &str, action: &str) -> String {
    format!("/{}/{id}/{action}", side_segment(side))
}

pub fn payment_edit(partnership_id: &str) -> String {
    format!("/partners/{partnership_id}/payment/edit")
}

pub fn access_edit(partnership_id: &str) -> String {
    format!("/partners/{partnership_id}/access/edit")
}

/// A partner's request, as the address it was sent to answers it.
pub fn client_request(id: &str) -> String {
    format!("/partners/requests/{id}")
}

/// An invitation's link: answered, or a password chosen, there.
pub fn welcome(token: &str) -> String {
    format!("/welcome/{token}")
}

/// A password reset's link: the new password is chosen there.
pub fn password_reset(token: &str) -> String {
    format!("/password/reset/{token}")
}

/// The link that confirms a new email address.
pub fn email_confirm(token: &str) -> String {
    format!("/account/email/{token}")
}

pub fn renew(product_id: &str) -> String {
    format!("/products/{product_id}/renew")
}

pub fn invoice(id: &str) -> String {
    format!("/invoices/{id}")
}

/// The Products page an order or a renewal goes back to: the partner's clients' view
/// when a partner placed it.
pub fn products_for(placed_by_partner: bool) -> &'static str {
    if placed_by_partner {
        MANAGED_PRODUCTS
    } else {
        PRODUCTS
    }
}

/// `path` opened in the organization `org_id`: a link in an email goes to the
/// organization it is about, whichever one its reader worked in last.
pub fn in_org(path: &str, org_id: &str) -> String {
    let sep = if path.contains('?') { '&' } else { '?' };
    format!(
        "{path}{sep}{}",
        serde_urlencoded::to_string([("org", org_id)]).unwrap_or_default()
    )
}

/// The login page, coming back to `next` afterwards (a path of this site).
pub fn login_then(next: &str) -> String {
    if next.is_empty() || next == HOME {
        return LOGIN.to_owned();
    }
    format!(
        "{LOGIN}?{}",
        serde_urlencoded::to_string([("next", next)]).unwrap_or_default()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_side_reads_its_own_address_of_a_partnership() {
        assert_eq!(partnership(Side::Customer, "p1"), "/partners/p1");
        assert_eq!(partnership(Side::Partner, "p1"), "/clients/p1");
        assert_eq!(
            partnership_action(Side::Partner, "p1", "end"),
            "/clients/p1/end"
        );
    }

    #[test]
    fn a_link_names_its_organization() {
        assert_eq!(in_org("/clients/p1", "o1"), "/clients/p1?org=o1");
        assert_eq!(
            in_org(MANAGED_PRODUCTS, "o1"),
            "/products?view=clients&org=o1"
        );
    }

    #[test]
    fn the_login_page_comes_back_where_it_was_asked() {
        assert_eq!(login_then("/"), "/login");
        assert_eq!(
            login_then("/partners?x=1"),
            "/login?next=%2Fpartners%3Fx%3D1"
        );
    }
}
