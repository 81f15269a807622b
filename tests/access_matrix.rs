//! Every route × every demo user (and an anonymous visitor) × the resources it may name
//! (the user's own, another organization's, one that does not exist): the status must be
//! the page for the entitled, 404 for what the user may not see, 403 for an action on
//! something the user sees but may not do. No answer may show another organization's
//! invoice numbers, and nothing may change. The route table is read from
//! `src/web/routes.rs`: a route without a row here fails the test.

mod support;

use std::collections::BTreeSet;

use diesel::prelude::*;
use partnerdesk::db::schema::{
    invoices, memberships, orders, outbox_emails, partnership_events, partnerships, products, users,
};
use support::*;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Who {
    Alice, // Acme SA, legal representative (customer)
    Bob,   // Acme SA, technical
    Paul,  // Web Agency Sàrl, legal representative (partner, full access to Acme and Beta)
    Petra, // Digital Studio GmbH, administrator (partner, limited access to Acme)
    Carla, // Beta AG, legal representative (customer)
    Anonymous,
}

const EVERYONE: [Who; 6] = [
    Who::Alice,
    Who::Bob,
    Who::Paul,
    Who::Petra,
    Who::Carla,
    Who::Anonymous,
];

impl Who {
    fn email(self) -> Option<&'static str> {
        match self {
            Who::Alice => Some("alice@acme.test"),
            Who::Bob => Some("bob@acme.test"),
            Who::Paul => Some("paul@webagency.test"),
            Who::Petra => Some("petra@studio.test"),
            Who::Carla => Some("carla@beta.test"),
            Who::Anonymous => None,
        }
    }
    fn manager(self) -> bool {
        matches!(self, Who::Alice | Who::Paul | Who::Petra | Who::Carla)
    }
    fn billing(self) -> bool {
        self.manager()
    }
    fn partner_org(self) -> bool {
        matches!(self, Who::Paul | Who::Petra)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Target {
    /// A route without a resource in its path.
    Plain,
    Own,
    Foreign,
    Missing,
}

/// The kind of resource a route's `{…}` names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    None,
    CustomerPartnership,
    PartnerPartnership,
    Invoice,
    Product,
    Colleague,
    /// An invitation to join an organization, addressed to someone's email.
    Invitation,
    /// A partner's request for a client, addressed to someone's email: to read it…
    ClientRequest,
    /// …and to answer or withdraw it.
    ClientRequestAction,
    Token,
    File,
}

struct Row {
    method: &'static str,
    route: &'static str,
    /// The path, with `{}` where the resource id goes.
    path: &'static str,
    kind: Kind,
    form: &'static [(&'static str, &'static str)],
    expect: fn(Who, Target) -> u16,
}

const OK: u16 = 200;
const SEE_OTHER: u16 = 303;
const BAD: u16 = 400;
const FORBIDDEN: u16 = 403;
const NOT_FOUND: u16 = 404;
const CONFLICT: u16 = 409;
const UNPROCESSABLE: u16 = 422;

/// Logged-in pages redirect anonymous visitors to the login page.
/// An invoice's page or document: for the billing people of the organization that
/// paid it.
fn invoice_page(w: Who, t: Target) -> u16 {
    if w == Who::Anonymous {
        SEE_OTHER
    } else if w.billing() && t == Target::Own {
        OK
    } else {
        NOT_FOUND
    }
}

fn member_page(who: Who, entitled: u16) -> u16 {
    if who == Who::Anonymous {
        SEE_OTHER
    } else {
        entitled
    }
}

/// An action on a resource: the entitled get `entitled`; members who see it but may
/// not act get 403; those who do not see it get 404.
fn action(who: Who, target: Target, entitled: u16) -> u16 {
    match (who, target) {
        (Who::Anonymous, _) => SEE_OTHER,
        (_, Target::Foreign | Target::Missing) => NOT_FOUND,
        (w, _) if !w.manager() => FORBIDDEN,
        _ => entitled,
    }
}

/// A page about a resource, open to every member who sees it.
fn view(who: Who, target: Target) -> u16 {
    match (who, target) {
        (Who::Anonymous, _) => SEE_OTHER,
        (_, Target::Own) => OK,
        _ => NOT_FOUND,
    }
}

/// An action whose role check comes first (whatever the resource): 403 for non-managers.
fn role_first(who: Who, target: Target, entitled: u16) -> u16 {
    match (who, target) {
        (Who::Anonymous, _) => SEE_OTHER,
        (w, _) if !w.manager() => FORBIDDEN,
        (_, Target::Foreign | Target::Missing) => NOT_FOUND,
        _ => entitled,
    }
}

const ROWS: &[Row] = &[
    Row {
        method: "GET",
        route: "/",
        path: "/",
        kind: Kind::None,
        form: &[],
        expect: |w, _| member_page(w, OK),
    },
    Row {
        method: "GET",
        route: "/login",
        path: "/login",
        kind: Kind::None,
        form: &[],
        expect: |w, _| if w == Who::Anonymous { OK } else { SEE_OTHER },
    },
    Row {
        method: "POST",
        route: "/login",
        path: "/login",
        kind: Kind::None,
        form: &[("email", ""), ("password", "")],
        expect: |_, _| UNPROCESSABLE,
    },
    // The code step opens only after a right password (tests/two_factor.rs): before it,
    // and once signed in, it sends elsewhere.
    Row {
        method: "GET",
        route: "/login/code",
        path: "/login/code",
        kind: Kind::None,
        form: &[],
        expect: |_, _| SEE_OTHER,
    },
    Row {
        method: "POST",
        route: "/login/code",
        path: "/login/code",
        kind: Kind::None,
        form: &[("code", "123456")],
        expect: |_, _| SEE_OTHER,
    },
    Row {
        method: "GET",
        route: "/password/forgot",
        path: "/password/forgot",
        kind: Kind::None,
        form: &[],
        expect: |_, _| OK,
    },
    Row {
        method: "POST",
        route: "/password/forgot",
        path: "/password/forgot",
        kind: Kind::None,
        form: &[("email", "")],
        expect: |_, _| UNPROCESSABLE,
    },
    Row {
        method: "GET",
        route: "/password/reset/{token}",
        path: "/password/reset/{}",
        kind: Kind::Token,
        form: &[],
        expect: |_, _| OK,
    },
    Row {
        method: "POST",
        route: "/password/reset/{token}",
        path: "/password/reset/{}",
        kind: Kind::Token,
        form: &[
            ("new_password", "a new password long enough"),
            ("confirm_password", "a new password long enough"),
        ],
        expect: |_, _| NOT_FOUND,
    },
    Row {
        method: "POST",
        route: "/org",
        path: "/org",
        kind: Kind::None,
        form: &[("org_id", "00000000-0000-0000-0000-000000000000")],
        expect: |w, _| member_page(w, NOT_FOUND),
    },
    Row {
        method: "GET",
        route: "/partners",
        path: "/partners",
        kind: Kind::None,
        form: &[],
        expect: |w, _| member_page(w, OK),
    },
    Row {
        method: "POST",
        route: "/partners",
        path: "/partners",
        kind: Kind::None,
        form: &[],
        expect: |w, _| member_page(w, if w.manager() { BAD } else { FORBIDDEN }),
    },
    Row {
        method: "GET",
        route: "/partners/new",
        path: "/partners/new",
        kind: Kind::None,
        form: &[],
        expect: |w, _| member_page(w, if w.manager() { OK } else { FORBIDDEN }),
    },
    Row {
        method: "GET",
        route: "/partners/{id}/access/edit",
        path: "/partners/{}/access/edit",
        kind: Kind::CustomerPartnership,
        form: &[],
        expect: |w, t| action(w, t, OK),
    },
    Row {
        method: "POST",
        route: "/partners/{id}/access",
        path: "/partners/{}/access",
        kind: Kind::CustomerPartnership,
        form: &[],
        expect: |w, t| action(w, t, BAD),
    },
    Row {
        method: "GET",
        route: "/partners/{id}/payment/edit",
        path: "/partners/{}/payment/edit",
        kind: Kind::CustomerPartnership,
        form: &[],
        expect: |w, t| action(w, t, OK),
    },
    Row {
        method: "POST",
        route: "/partners/{id}/payment/verify",
        path: "/partners/{}/payment/verify",
        kind: Kind::CustomerPartnership,
        form: &[],
        expect: |w, t| action(w, t, BAD),
    },
    Row {
        method: "POST",
        route: "/partners/{id}/payment",
        path: "/partners/{}/payment",
        kind: Kind::CustomerPartnership,
        form: &[],
        expect: |w, t| action(w, t, BAD),
    },
    Row {
        method: "GET",
        route: "/clients",
        path: "/clients",
        kind: Kind::None,
        form: &[],
        expect: |w, _| member_page(w, if w.partner_org() { OK } else { NOT_FOUND }),
    },
    Row {
        method: "POST",
        route: "/clients",
        path: "/clients",
        kind: Kind::None,
        form: &[],
        expect: |w, _| member_page(w, if w.partner_org() { BAD } else { NOT_FOUND }),
    },
    Row {
        method: "GET",
        route: "/clients/new",
        path: "/clients/new",
        kind: Kind::None,
        form: &[],
        expect: |w, _| member_page(w, if w.partner_org() { OK } else { NOT_FOUND }),
    },
    Row {
        method: "GET",
        route: "/{side:partners|clients}/{id}",
        path: "/partners/{}",
        kind: Kind::CustomerPartnership,
        form: &[],
        expect: view,
    },
    Row {
        method: "GET",
        route: "/{side:partners|clients}/{id}",
        path: "/clients/{}",
        kind: Kind::PartnerPartnership,
        form: &[],
        expect: view,
    },
    // The customer answering must choose the rights (400 for an empty form); the
    // partner's acceptance of an active partnership is too late (409).
    Row {
        method: "POST",
        route: "/{side:partners|clients}/{id}/accept",
        path: "/partners/{}/accept",
        kind: Kind::CustomerPartnership,
        form: &[],
        expect: |w, t| action(w, t, BAD),
    },
    Row {
        method: "POST",
        route: "/{side:partners|clients}/{id}/accept",
        path: "/clients/{}/accept",
        kind: Kind::PartnerPartnership,
        form: &[],
        expect: |w, t| action(w, t, CONFLICT),
    },
    Row {
        method: "POST",
        route: "/{side:partners|clients}/{id}/refuse",
        path: "/partners/{}/refuse",
        kind: Kind::CustomerPartnership,
        form: &[],
        expect: |w, t| action(w, t, CONFLICT),
    },
    Row {
        method: "POST",
        route: "/{side:partners|clients}/{id}/refuse",
        path: "/clients/{}/refuse",
        kind: Kind::PartnerPartnership,
        form: &[],
        expect: |w, t| action(w, t, CONFLICT),
    },
    Row {
        method: "POST",
        route: "/{side:partners|clients}/{id}/withdraw",
        path: "/partners/{}/withdraw",
        kind: Kind::CustomerPartnership,
        form: &[],
        expect: |w, t| action(w, t, CONFLICT),
    },
    Row {
        method: "POST",
        route: "/{side:partners|clients}/{id}/withdraw",
        path: "/clients/{}/withdraw",
        kind: Kind::PartnerPartnership,
        form: &[],
        expect: |w, t| action(w, t, CONFLICT),
    },
    Row {
        method: "POST",
        route: "/{side:partners|clients}/{id}/resend",
        path: "/partners/{}/resend",
        kind: Kind::CustomerPartnership,
        form: &[],
        expect: |w, t| action(w, t, CONFLICT),
    },
    Row {
        method: "POST",
        route: "/{side:partners|clients}/{id}/resend",
        path: "/clients/{}/resend",
        kind: Kind::PartnerPartnership,
        form: &[],
        expect: |w, t| action(w, t, CONFLICT),
    },
    Row {
        method: "GET",
        route: "/{side:partners|clients}/{id}/end",
        path: "/partners/{}/end",
        kind: Kind::CustomerPartnership,
        form: &[],
        expect: |w, t| action(w, t, OK),
    },
    Row {
        method: "GET",
        route: "/{side:partners|clients}/{id}/end",
        path: "/clients/{}/end",
        kind: Kind::PartnerPartnership,
        form: &[],
        expect: |w, t| action(w, t, OK),
    },
    // Without the password, the second confirmation is shown; nothing ends.
    Row {
        method: "POST",
        route: "/{side:partners|clients}/{id}/end",
        path: "/partners/{}/end",
        kind: Kind::CustomerPartnership,
        form: &[],
        expect: |w, t| action(w, t, OK),
    },
    Row {
        method: "POST",
        route: "/{side:partners|clients}/{id}/end",
        path: "/clients/{}/end",
        kind: Kind::PartnerPartnership,
        form: &[],
        expect: |w, t| action(w, t, OK),
    },
    Row {
        method: "GET",
        route: "/{side:partners|clients}/{id}/timeline.csv",
        path: "/partners/{}/timeline.csv",
        kind: Kind::CustomerPartnership,
        form: &[],
        expect: view,
    },
    Row {
        method: "GET",
        route: "/{side:partners|clients}/{id}/timeline.csv",
        path: "/clients/{}/timeline.csv",
        kind: Kind::PartnerPartnership,
        form: &[],
        expect: view,
    },
    Row {
        method: "GET",
        route: "/products",
        path: "/products",
        kind: Kind::None,
        form: &[],
        expect: |w, _| member_page(w, OK),
    },
    Row {
        method: "POST",
        route: "/orders",
        path: "/orders",
        kind: Kind::None,
        form: &[],
        expect: |w, _| member_page(w, if w.manager() { BAD } else { FORBIDDEN }),
    },
    // Without `confirm`, a renewal shows its confirmation; a limited partner may not renew.
    Row {
        method: "POST",
        route: "/products/{id}/renew",
        path: "/products/{}/renew",
        kind: Kind::Product,
        form: &[],
        expect: |w, t| {
            if w == Who::Petra && t == Target::Own {
                FORBIDDEN
            } else {
                role_first(w, t, OK)
            }
        },
    },
    // The billing details are the billing people's, like the invoices: a form without
    // its fields is refused on the page.
    Row {
        method: "GET",
        route: "/billing",
        path: "/billing",
        kind: Kind::None,
        form: &[],
        expect: |w, _| member_page(w, if w.billing() { OK } else { NOT_FOUND }),
    },
    Row {
        method: "POST",
        route: "/billing",
        path: "/billing",
        kind: Kind::None,
        form: &[],
        expect: |w, _| {
            member_page(
                w,
                if w.billing() {
                    UNPROCESSABLE
                } else {
                    NOT_FOUND
                },
            )
        },
    },
    Row {
        method: "GET",
        route: "/invoices",
        path: "/invoices",
        kind: Kind::None,
        form: &[],
        expect: |w, _| member_page(w, if w.billing() { OK } else { NOT_FOUND }),
    },
    Row {
        method: "GET",
        route: "/invoices.csv",
        path: "/invoices.csv",
        kind: Kind::None,
        form: &[],
        expect: |w, _| member_page(w, if w.billing() { OK } else { NOT_FOUND }),
    },
    Row {
        method: "GET",
        route: "/invoices/{id}",
        path: "/invoices/{}",
        kind: Kind::Invoice,
        form: &[],
        expect: invoice_page,
    },
    Row {
        method: "GET",
        route: "/invoices/{id}/pdf",
        path: "/invoices/{}/pdf",
        kind: Kind::Invoice,
        form: &[],
        expect: invoice_page,
    },
    Row {
        method: "GET",
        route: "/invoices/{id}/credit-note",
        path: "/invoices/{}/credit-note",
        kind: Kind::Invoice,
        form: &[],
        // No credit note cancelled it (tests/credit_notes.rs has one that did).
        expect: |w, _| member_page(w, NOT_FOUND),
    },
    Row {
        method: "GET",
        route: "/income",
        path: "/income",
        kind: Kind::None,
        form: &[],
        expect: |w, _| member_page(w, if w.partner_org() { OK } else { NOT_FOUND }),
    },
    Row {
        method: "GET",
        route: "/income.csv",
        path: "/income.csv",
        kind: Kind::None,
        form: &[],
        expect: |w, _| member_page(w, if w.partner_org() { OK } else { NOT_FOUND }),
    },
    Row {
        method: "GET",
        route: "/team",
        path: "/team",
        kind: Kind::None,
        form: &[],
        expect: |w, _| member_page(w, OK),
    },
    Row {
        method: "POST",
        route: "/team/invite",
        path: "/team/invite",
        kind: Kind::None,
        form: &[],
        expect: |w, _| member_page(w, if w.manager() { BAD } else { FORBIDDEN }),
    },
    // The role sent is the colleague's current one: an entitled request changes nothing.
    Row {
        method: "POST",
        route: "/team/{user_id}/role",
        path: "/team/{}/role",
        kind: Kind::Colleague,
        form: &[("role", "legal_rep")],
        expect: |w, t| role_first(w, t, SEE_OTHER),
    },
    // The colleague named is the organization's last legal representative.
    Row {
        method: "POST",
        route: "/team/invitations/{id}/resend",
        path: "/team/invitations/{}/resend",
        kind: Kind::Token,
        form: &[],
        expect: |w, _| role_first(w, Target::Missing, NOT_FOUND),
    },
    Row {
        method: "POST",
        route: "/team/invitations/{id}/cancel",
        path: "/team/invitations/{}/cancel",
        kind: Kind::Token,
        form: &[],
        expect: |w, _| role_first(w, Target::Missing, NOT_FOUND),
    },
    Row {
        method: "POST",
        route: "/team/{user_id}/remove",
        path: "/team/{}/remove",
        kind: Kind::Colleague,
        form: &[],
        expect: |w, t| role_first(w, t, CONFLICT),
    },
    // An unknown language is refused, for everyone alike.
    Row {
        method: "POST",
        route: "/lang",
        path: "/lang",
        kind: Kind::None,
        form: &[("lang", "klingon")],
        expect: |_, _| BAD,
    },
    Row {
        method: "GET",
        route: "/account",
        path: "/account",
        kind: Kind::None,
        form: &[],
        expect: |w, _| member_page(w, OK),
    },
    Row {
        method: "POST",
        route: "/account/password",
        path: "/account/password",
        kind: Kind::None,
        form: &[],
        expect: |w, _| member_page(w, UNPROCESSABLE),
    },
    Row {
        method: "POST",
        route: "/account/details",
        path: "/account/details",
        kind: Kind::None,
        form: &[],
        expect: |w, _| member_page(w, UNPROCESSABLE),
    },
    Row {
        method: "GET",
        route: "/account/email/{token}",
        path: "/account/email/{}",
        kind: Kind::Token,
        form: &[],
        expect: |_, _| OK,
    },
    Row {
        method: "POST",
        route: "/account/email/{token}",
        path: "/account/email/{}",
        kind: Kind::Token,
        form: &[],
        expect: |_, _| NOT_FOUND,
    },
    // One's own two-factor: nobody of the demo has it on, so turning it off has nothing
    // to do; a form without its fields is refused on the page.
    Row {
        method: "GET",
        route: "/account/two-factor",
        path: "/account/two-factor",
        kind: Kind::None,
        form: &[],
        expect: |w, _| member_page(w, OK),
    },
    Row {
        method: "POST",
        route: "/account/two-factor",
        path: "/account/two-factor",
        kind: Kind::None,
        form: &[],
        expect: |w, _| member_page(w, UNPROCESSABLE),
    },
    Row {
        method: "POST",
        route: "/account/two-factor/off",
        path: "/account/two-factor/off",
        kind: Kind::None,
        form: &[],
        expect: |w, _| member_page(w, SEE_OTHER),
    },
    // Codes are shown once, after the form that makes them: none waiting, the page
    // sends to the two-factor page.
    Row {
        method: "GET",
        route: "/account/two-factor/recovery-codes",
        path: "/account/two-factor/recovery-codes",
        kind: Kind::None,
        form: &[],
        expect: |w, _| member_page(w, SEE_OTHER),
    },
    Row {
        method: "POST",
        route: "/account/two-factor/recovery-codes",
        path: "/account/two-factor/recovery-codes",
        kind: Kind::None,
        form: &[],
        expect: |w, _| member_page(w, UNPROCESSABLE),
    },
    // Only legal representatives require it of their organization.
    Row {
        method: "POST",
        route: "/team/two-factor",
        path: "/team/two-factor",
        kind: Kind::None,
        form: &[("required", "sometimes")],
        expect: |w, _| match w {
            Who::Anonymous => SEE_OTHER,
            Who::Alice | Who::Paul | Who::Carla => BAD,
            _ => FORBIDDEN,
        },
    },
    // Ending one's own sessions: a name that is none of one's sessions is not found;
    // ending the others leaves the one in use (the sessions are tested in
    // tests/account.rs).
    Row {
        method: "POST",
        route: "/account/sessions/{sid}/end",
        path: "/account/sessions/{}/end",
        kind: Kind::Token,
        form: &[],
        expect: |w, _| member_page(w, NOT_FOUND),
    },
    Row {
        method: "POST",
        route: "/account/sessions/end-others",
        path: "/account/sessions/end-others",
        kind: Kind::None,
        form: &[],
        expect: |w, _| member_page(w, SEE_OTHER),
    },
    Row {
        method: "GET",
        route: "/welcome/{token}",
        path: "/welcome/{}",
        kind: Kind::Token,
        form: &[],
        expect: |_, _| NOT_FOUND,
    },
    Row {
        method: "POST",
        route: "/welcome/{token}",
        path: "/welcome/{}",
        kind: Kind::Token,
        form: &[],
        expect: |_, _| NOT_FOUND,
    },
    // A partner's request: its addressee reads it; answering and withdrawing are
    // tested in tests/lifecycle.rs (they would change the data here).
    Row {
        method: "GET",
        route: "/partners/requests/{id}",
        path: "/partners/requests/{}",
        kind: Kind::ClientRequest,
        form: &[],
        expect: |w, t| match (w, t) {
            (Who::Anonymous, _) => SEE_OTHER,
            (Who::Carla, Target::Own) => OK,
            _ => NOT_FOUND,
        },
    },
    Row {
        method: "POST",
        route: "/partners/requests/{id}/accept",
        path: "/partners/requests/{}/accept",
        kind: Kind::ClientRequestAction,
        form: &[("access", "full"), ("payment_mode", "customer")],
        expect: |w, _| member_page(w, NOT_FOUND),
    },
    Row {
        method: "POST",
        route: "/partners/requests/{id}/refuse",
        path: "/partners/requests/{}/refuse",
        kind: Kind::ClientRequestAction,
        form: &[],
        expect: |w, _| member_page(w, NOT_FOUND),
    },
    Row {
        method: "POST",
        route: "/clients/requests/{id}/withdraw",
        path: "/clients/requests/{}/withdraw",
        kind: Kind::ClientRequestAction,
        form: &[],
        expect: |w, _| member_page(w, NOT_FOUND),
    },
    // Only the addressee answers; the entitled answer is tested in tests/team.rs.
    Row {
        method: "POST",
        route: "/invitations/{id}/accept",
        path: "/invitations/{}/accept",
        kind: Kind::Invitation,
        form: &[],
        expect: |w, _| member_page(w, NOT_FOUND),
    },
    Row {
        method: "POST",
        route: "/invitations/{id}/decline",
        path: "/invitations/{}/decline",
        kind: Kind::Invitation,
        form: &[],
        expect: |w, _| member_page(w, NOT_FOUND),
    },
    Row {
        method: "GET",
        route: "/about",
        path: "/about",
        kind: Kind::None,
        form: &[],
        expect: |_, _| OK,
    },
    Row {
        method: "GET",
        route: "/healthz",
        path: "/healthz",
        kind: Kind::None,
        form: &[],
        expect: |_, _| OK,
    },
    Row {
        method: "GET",
        route: "/static/{file}",
        path: "/static/{}",
        kind: Kind::File,
        form: &[],
        expect: |_, t| if t == Target::Own { OK } else { NOT_FOUND },
    },
    Row {
        method: "GET",
        route: "/favicon.ico",
        path: "/favicon.ico",
        kind: Kind::None,
        form: &[],
        expect: |_, _| OK,
    },
    // Last: it ends the session.
    Row {
        method: "POST",
        route: "/logout",
        path: "/logout",
        kind: Kind::None,
        form: &[],
        expect: |_, _| SEE_OTHER,
    },
];

/// The routes the application registers, read from its route table.
fn registered_routes() -> BTreeSet<(String, String)> {
    let source = include_str!("../src/web/routes.rs");
    let mut routes = BTreeSet::new();
    let mut rest = source;
    while let Some(start) = rest.find(".route(") {
        rest = &rest[start + ".route(".len()..];
        let open = rest.find('"').unwrap();
        let close = open + 1 + rest[open + 1..].find('"').unwrap();
        let path = &rest[open + 1..close];
        let after = rest[close..].trim_start_matches(['"', ',', ' ', '\n']);
        let method = if after.starts_with("get()") {
            "GET"
        } else if after.starts_with("post()") {
            "POST"
        } else {
            panic!("unknown method for {path}")
        };
        routes.insert((method.to_owned(), path.to_owned()));
    }
    routes
}

#[test]
fn every_route_has_a_row_in_the_matrix() {
    let registered = registered_routes();
    assert!(
        registered.len() > 30,
        "the route table was read: {registered:?}"
    );
    let covered: BTreeSet<(String, String)> = ROWS
        .iter()
        .map(|r| (r.method.to_owned(), r.route.to_owned()))
        .collect();
    let missing: Vec<_> = registered.difference(&covered).collect();
    let unknown: Vec<_> = covered.difference(&registered).collect();
    assert!(
        missing.is_empty(),
        "routes without a row in the access matrix: {missing:?}"
    );
    assert!(
        unknown.is_empty(),
        "rows for routes that do not exist: {unknown:?}"
    );
}

/// The ids each user names as "own" and "foreign" for each kind of resource.
struct Ids {
    acme_agency: String,
    acme_studio: String,
    beta_agency: String,
    invoice_of: std::collections::HashMap<&'static str, String>,
    acme_product_agency: String,
    acme_product_studio: String,
    beta_product: String,
    user_of: std::collections::HashMap<&'static str, String>,
    /// Acme's invitation to Carla.
    invitation_to_carla: String,
    /// Digital Studio's request to Carla.
    request_to_carla: String,
}

impl Ids {
    fn resolve(&self, kind: Kind, who: Who, target: Target) -> Option<String> {
        let missing = "00000000-0000-7000-8000-000000000000".to_owned();
        if target == Target::Missing {
            return Some(if kind == Kind::File {
                "nothing.css".into()
            } else {
                missing
            });
        }
        let own = target == Target::Own;
        let pick = |own_id: Option<&String>, foreign_id: &String| {
            if own {
                own_id.cloned()
            } else {
                Some(foreign_id.clone())
            }
        };
        match kind {
            Kind::None => None,
            Kind::Token => None,
            // Nobody names their own (accepting it would change the data); Carla's is
            // everyone else's foreign one.
            Kind::Invitation => {
                (!own && who != Who::Carla).then(|| self.invitation_to_carla.clone())
            }
            // Carla reads hers; for everyone else it is another person's.
            Kind::ClientRequest => match who {
                Who::Carla => own.then(|| self.request_to_carla.clone()),
                _ => (!own).then(|| self.request_to_carla.clone()),
            },
            // Those who could answer or withdraw it never name it here.
            Kind::ClientRequestAction => (!own && !matches!(who, Who::Carla | Who::Petra))
                .then(|| self.request_to_carla.clone()),
            Kind::File => own.then(|| "app.css".to_owned()),
            Kind::CustomerPartnership => match who {
                Who::Alice | Who::Bob => pick(Some(&self.acme_agency), &self.beta_agency),
                Who::Carla => pick(Some(&self.beta_agency), &self.acme_agency),
                _ => pick(None, &self.acme_agency),
            },
            Kind::PartnerPartnership => match who {
                Who::Paul => pick(Some(&self.acme_agency), &self.acme_studio),
                Who::Petra => pick(Some(&self.acme_studio), &self.acme_agency),
                _ => pick(None, &self.acme_agency),
            },
            Kind::Invoice => match who {
                Who::Alice | Who::Bob => {
                    pick(self.invoice_of.get(ACME), &self.invoice_of[WEB_AGENCY])
                }
                Who::Paul => pick(self.invoice_of.get(WEB_AGENCY), &self.invoice_of[ACME]),
                Who::Carla => pick(self.invoice_of.get(BETA), &self.invoice_of[ACME]),
                _ => pick(None, &self.invoice_of[ACME]),
            },
            Kind::Product => match who {
                Who::Alice | Who::Bob => pick(Some(&self.acme_product_agency), &self.beta_product),
                Who::Paul => pick(Some(&self.acme_product_agency), &self.acme_product_studio),
                Who::Petra => pick(Some(&self.acme_product_studio), &self.beta_product),
                Who::Carla => pick(Some(&self.beta_product), &self.acme_product_agency),
                Who::Anonymous => pick(None, &self.acme_product_agency),
            },
            // The organization's last legal representative; Digital Studio has none.
            Kind::Colleague => match who {
                Who::Alice | Who::Bob => pick(
                    Some(&self.user_of["alice@acme.test"]),
                    &self.user_of["carla@beta.test"],
                ),
                Who::Paul => pick(
                    Some(&self.user_of["paul@webagency.test"]),
                    &self.user_of["alice@acme.test"],
                ),
                Who::Carla => pick(
                    Some(&self.user_of["carla@beta.test"]),
                    &self.user_of["alice@acme.test"],
                ),
                _ => pick(None, &self.user_of["alice@acme.test"]),
            },
        }
    }
}

/// A fingerprint of everything a request could change.
async fn state_of(app: &TestApp) -> Vec<i64> {
    app.with_db(|conn| {
        let versions: Vec<i32> = partnerships::table
            .order(partnerships::id)
            .select(partnerships::version)
            .load(conn)
            .unwrap();
        vec![
            versions.iter().map(|v| i64::from(*v)).sum(),
            partnership_events::table.count().get_result(conn).unwrap(),
            // The matrix signs in from a new browser for each request: the emails that
            // tell an account of it are no change a route made.
            outbox_emails::table
                .filter(outbox_emails::subject.not_like("A new sign-in%"))
                .count()
                .get_result(conn)
                .unwrap(),
            orders::table.count().get_result(conn).unwrap(),
            invoices::table.count().get_result(conn).unwrap(),
            memberships::table.count().get_result(conn).unwrap(),
            products::table.count().get_result(conn).unwrap(),
            users::table.count().get_result(conn).unwrap(),
        ]
    })
    .await
}

#[tokio::test]
async fn every_route_answers_every_user_as_the_rules_say() {
    let app = spawn_demo().await;
    let names = [ACME, WEB_AGENCY, BETA];
    let mut invoice_of = std::collections::HashMap::new();
    for name in names {
        let org = org_id(&app, name).await;
        let id: Option<String> = app
            .with_db(move |conn| {
                invoices::table
                    .filter(invoices::payer_org_id.eq(org))
                    .select(invoices::id)
                    .first(conn)
                    .optional()
                    .unwrap()
            })
            .await;
        invoice_of.insert(name, id.expect("each paying organization has invoices"));
    }
    let mut user_of = std::collections::HashMap::new();
    for email in ["alice@acme.test", "paul@webagency.test", "carla@beta.test"] {
        let id: String = app
            .with_db(move |conn| {
                users::table
                    .filter(users::email.eq(email))
                    .select(users::id)
                    .first(conn)
                    .unwrap()
            })
            .await;
        user_of.insert(email, id);
    }
    let (acme_agency, acme_studio, beta_agency) = (
        app.partnership_id(ACME, WEB_AGENCY).await,
        app.partnership_id(ACME, STUDIO).await,
        app.partnership_id(BETA, WEB_AGENCY).await,
    );
    let product_under = |partnership: String| {
        app.with_db(move |conn| {
            products::table
                .filter(products::partnership_id.eq(partnership))
                .select(products::id)
                .first::<String>(conn)
                .unwrap()
        })
    };
    let alice = app.logged_in("alice@acme.test").await;
    let invited = alice
        .submit(
            "/team/invite",
            &[
                ("email", "carla@beta.test"),
                ("name", "Carla"),
                ("role", "billing"),
            ],
        )
        .await;
    assert_eq!(invited.status.as_u16(), SEE_OTHER);
    let invitation_to_carla: String = app
        .with_db(|conn| {
            use partnerdesk::db::schema::member_invitations;
            member_invitations::table
                .select(member_invitations::id)
                .first(conn)
                .unwrap()
        })
        .await;
    let petra = app.logged_in("petra@studio.test").await;
    let asked = petra
        .submit(
            "/clients",
            &[("email", "carla@beta.test"), ("access", "full")],
        )
        .await;
    assert_eq!(asked.status.as_u16(), SEE_OTHER);
    let request_to_carla: String = app
        .with_db(|conn| {
            use partnerdesk::db::schema::client_requests;
            client_requests::table
                .select(client_requests::id)
                .first(conn)
                .unwrap()
        })
        .await;
    let ids = Ids {
        invitation_to_carla,
        request_to_carla,
        acme_product_agency: product_under(acme_agency.clone()).await,
        acme_product_studio: product_under(acme_studio.clone()).await,
        beta_product: product_under(beta_agency.clone()).await,
        acme_agency,
        acme_studio,
        beta_agency,
        invoice_of,
        user_of,
    };
    // Every invoice number, and whose it is.
    let all_invoices: Vec<(String, String, String)> = app
        .with_db(|conn| {
            invoices::table
                .select((invoices::id, invoices::number, invoices::payer_org_id))
                .load(conn)
                .unwrap()
        })
        .await;
    let before = state_of(&app).await;

    let mut failures = Vec::new();
    let mut requests = 0;
    for who in EVERYONE {
        let browser = match who.email() {
            Some(email) => app.logged_in(email).await,
            None => app.browser(),
        };
        let token = browser.csrf_token().await;
        let own_orgs: Vec<String> = match who {
            Who::Alice => vec![org_id(&app, ACME).await],
            Who::Paul => vec![org_id(&app, WEB_AGENCY).await],
            Who::Petra => vec![org_id(&app, STUDIO).await],
            Who::Carla => vec![org_id(&app, BETA).await],
            Who::Bob | Who::Anonymous => vec![], // technical staff see no invoice
        };
        let hidden: Vec<&(String, String, String)> = all_invoices
            .iter()
            .filter(|(_, _, payer)| !own_orgs.contains(payer))
            .collect();
        for row in ROWS {
            let targets: &[Target] = match row.kind {
                Kind::None => &[Target::Plain],
                Kind::Token => &[Target::Missing],
                _ => &[Target::Own, Target::Foreign, Target::Missing],
            };
            for &target in targets {
                let path = match row.kind {
                    Kind::None => row.path.to_owned(),
                    Kind::Token => row.path.replace("{}", "no-such-token"),
                    kind => match ids.resolve(kind, who, target) {
                        Some(id) => row.path.replace("{}", &id),
                        None => continue, // this user has no such resource of its own
                    },
                };
                let page = if row.method == "GET" {
                    browser.get(&path).await
                } else {
                    let mut form: Vec<(&str, &str)> = vec![("csrf_token", &token)];
                    form.extend_from_slice(row.form);
                    browser.post(&path, &form).await
                };
                requests += 1;
                let expected = (row.expect)(who, target);
                if page.status.as_u16() != expected {
                    failures.push(format!(
                        "{who:?} {} {path} ({target:?}): expected {expected}, got {}",
                        row.method, page.status
                    ));
                }
                assert!(
                    page.status.as_u16() < 500,
                    "{who:?} {} {path}: {}",
                    row.method,
                    page.status
                );
                for (id, number, _) in &hidden {
                    if page.body.contains(number.as_str()) || page.body.contains(id.as_str()) {
                        failures.push(format!(
                            "{who:?} {} {path} shows another organization's invoice {number}",
                            row.method
                        ));
                    }
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {requests} answers broke the rules:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert_eq!(state_of(&app).await, before, "no request changed anything");
}

#[tokio::test]
async fn every_post_route_refuses_forged_requests_and_changes_nothing() {
    let app = spawn_demo().await;
    let alice = app.logged_in("alice@acme.test").await;
    let paul = app.logged_in("paul@webagency.test").await;
    let (alices_token, pauls_token) = (alice.csrf_token().await, paul.csrf_token().await);
    let partnership = app.partnership_id(ACME, WEB_AGENCY).await;
    let alice_id: String = app
        .with_db(|conn| {
            users::table
                .filter(users::email.eq("alice@acme.test"))
                .select(users::id)
                .first(conn)
                .unwrap()
        })
        .await;
    let product: String = {
        let p = partnership.clone();
        app.with_db(move |conn| {
            products::table
                .filter(products::partnership_id.eq(p))
                .select(products::id)
                .first(conn)
                .unwrap()
        })
        .await
    };
    let before = state_of(&app).await;
    let mut checked = 0;
    for row in ROWS.iter().filter(|r| r.method == "POST") {
        let id = match row.kind {
            Kind::CustomerPartnership | Kind::PartnerPartnership => partnership.clone(),
            Kind::Product => product.clone(),
            Kind::Colleague => alice_id.clone(),
            _ => "x".to_owned(),
        };
        let path = row.path.replace("{}", &id);
        // Forms that would be accepted with the right token.
        type Forgery<'a> = (&'a str, Vec<(&'a str, &'a str)>, Option<(&'a str, &'a str)>);
        let forgeries: [Forgery<'_>; 5] = [
            ("no token", vec![], None),
            ("an empty token", vec![("csrf_token", "")], None),
            (
                "a wrong token",
                vec![("csrf_token", "forged-token-value")],
                None,
            ),
            (
                "another session's token",
                vec![("csrf_token", pauls_token.as_str())],
                None,
            ),
            (
                "a foreign origin",
                vec![("csrf_token", alices_token.as_str())],
                Some(("origin", "https://evil.example")),
            ),
        ];
        for (what, mut form, header) in forgeries {
            form.extend_from_slice(row.form);
            let mut request = alice
                .client
                .post(format!("{}{path}", app.address))
                .form(&form);
            if let Some((name, value)) = header {
                request = request.header(name, value);
            }
            let status = request.send().await.unwrap().status();
            assert_eq!(status.as_u16(), FORBIDDEN, "POST {path} with {what}");
            checked += 1;
        }
        // A cross-site request, as a browser labels it.
        let status = alice
            .client
            .post(format!("{}{path}", app.address))
            .header("sec-fetch-site", "cross-site")
            .form(&[("csrf_token", alices_token.as_str())])
            .send()
            .await
            .unwrap()
            .status();
        assert_eq!(status.as_u16(), FORBIDDEN, "POST {path} from another site");
    }
    assert!(checked >= 5 * 20, "{checked}");
    assert_eq!(
        state_of(&app).await,
        before,
        "no forged request changed anything"
    );
    assert_eq!(
        alice.get("/partners").await.status.as_u16(),
        OK,
        "and Alice is still logged in"
    );
}

/// Whether `path` is one of the route `pattern`'s (`{…}` is any segment; a `{side:…}`
/// segment one of its choices).
fn route_matches(pattern: &str, path: &str) -> bool {
    let (pattern, path): (Vec<&str>, Vec<&str>) =
        (pattern.split('/').collect(), path.split('/').collect());
    pattern.len() == path.len()
        && pattern
            .iter()
            .zip(&path)
            .all(|(p, s)| match p.strip_prefix("{side:") {
                Some(choices) => choices.trim_end_matches('}').split('|').any(|c| c == *s),
                None => p == s || (p.starts_with('{') && !s.is_empty()),
            })
}

#[test]
fn the_language_switch_goes_back_to_a_page_that_opens() {
    let routes = registered_routes();
    let gets: Vec<&String> = routes
        .iter()
        .filter(|(method, _)| method == "GET")
        .map(|(_, pattern)| pattern)
        .collect();
    for (method, pattern) in &routes {
        let path: String = pattern
            .split('/')
            .map(|s| match s {
                s if s.starts_with("{side") => "partners",
                s if s.starts_with('{') => "x7",
                s => s,
            })
            .collect::<Vec<_>>()
            .join("/");
        let page = partnerdesk::web::routes::page_of(&path);
        assert!(
            gets.iter().any(|g| route_matches(g, &page)),
            "{method} {pattern}: the switch would go back to {page}, which opens nothing"
        );
        if method == "GET" {
            assert_eq!(page, path, "a page opens again as it is");
        }
    }
}
