//! The one schema both backends share, kept by hand in step with `migrations/*/`: its
//! tables by subject, and how they join.

mod billing;
mod partners;
mod people;

pub use billing::*;
pub use partners::*;
pub use people::*;

diesel::joinable!(memberships -> organizations (org_id));
diesel::joinable!(member_invitations -> organizations (org_id));
diesel::joinable!(client_requests -> organizations (partner_org_id));
diesel::joinable!(memberships -> users (user_id));
diesel::joinable!(partner_profiles -> organizations (org_id));
diesel::joinable!(partnership_events -> partnerships (partnership_id));
diesel::joinable!(account_links -> users (user_id));
diesel::joinable!(known_browsers -> users (user_id));
diesel::joinable!(recovery_codes -> users (user_id));
diesel::joinable!(partnership_events -> users (actor_user_id));
diesel::joinable!(sessions -> users (user_id));
diesel::joinable!(products -> offers (offer_code));
diesel::joinable!(products -> partnerships (partnership_id));
diesel::joinable!(orders -> products (product_id));
diesel::joinable!(invoices -> orders (order_id));
diesel::joinable!(invoice_lines -> invoices (invoice_id));
diesel::joinable!(credit_notes -> invoices (invoice_id));
diesel::joinable!(invoice_reminders -> invoices (invoice_id));
diesel::joinable!(bank_payments -> invoices (invoice_id));
diesel::joinable!(billing_details -> organizations (org_id));
diesel::joinable!(income_entries -> orders (order_id));

diesel::allow_tables_to_appear_in_same_query!(
    organizations,
    users,
    memberships,
    partner_profiles,
    partnerships,
    partnership_events,
    outbox_emails,
    sessions,
    offers,
    products,
    orders,
    invoice_counters,
    invoices,
    invoice_lines,
    credit_note_counters,
    credit_notes,
    income_entries,
    income_totals,
    requested_products,
    member_invitations,
    account_links,
    known_browsers,
    recovery_codes,
    invoice_reminders,
    bank_payments,
    billing_details,
    login_throttle,
    order_intents,
    client_requests,
);
