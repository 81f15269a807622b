// The one schema both backends share. Kept by hand in step with `migrations/*/`.

diesel::table! {
    organizations (id) {
        id -> Text,
        name -> Text,
        currency -> Text,
        created_at -> Timestamp,
        requires_two_factor -> Bool,
    }
}

diesel::table! {
    users (id) {
        id -> Text,
        email -> Text,
        name -> Text,
        password_hash -> Text,
        created_at -> Timestamp,
        password_changed_at -> Timestamp,
        locale -> Nullable<Text>,
        totp_secret -> Nullable<Text>,
        two_factor_since -> Nullable<Timestamp>,
        totp_last_step -> BigInt,
    }
}

diesel::table! {
    memberships (org_id, user_id) {
        org_id -> Text,
        user_id -> Text,
        role -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    partner_profiles (org_id) {
        org_id -> Text,
        rate_bp -> Integer,
        created_at -> Timestamp,
    }
}

diesel::table! {
    partnerships (id) {
        id -> Text,
        customer_org_id -> Text,
        partner_org_id -> Text,
        access -> Text,
        payment_mode -> Nullable<Text>,
        status -> Text,
        version -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        initiated_by -> Text,
        invited_at -> Nullable<Timestamp>,
        ended_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    account_links (token_hash) {
        token_hash -> Text,
        purpose -> Text,
        user_id -> Text,
        detail -> Nullable<Text>,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    known_browsers (user_id, browser_hash) {
        user_id -> Text,
        browser_hash -> Text,
        first_seen_at -> Timestamp,
    }
}

diesel::table! {
    billing_details (org_id) {
        org_id -> Text,
        legal_name -> Text,
        street -> Text,
        house_number -> Text,
        postcode -> Text,
        town -> Text,
        country -> Text,
        vat_number -> Nullable<Text>,
        billing_email -> Text,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    bank_payments (id) {
        id -> Text,
        bank_ref -> Text,
        reference -> Nullable<Text>,
        invoice_id -> Nullable<Text>,
        currency -> Text,
        amount -> BigInt,
        booked_on -> Date,
        debtor -> Nullable<Text>,
        outcome -> Text,
        file_name -> Text,
        imported_at -> Timestamp,
    }
}

diesel::table! {
    invoice_reminders (invoice_id, step_days) {
        invoice_id -> Text,
        step_days -> Integer,
        sent_at -> Timestamp,
    }
}

diesel::table! {
    recovery_codes (user_id, digest) {
        user_id -> Text,
        digest -> Text,
        used_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    login_throttle (key) {
        key -> Text,
        window_start -> Timestamp,
        failures -> Integer,
    }
}

diesel::table! {
    requested_products (partnership_id, product_id) {
        partnership_id -> Text,
        product_id -> Text,
    }
}

diesel::table! {
    member_invitations (id) {
        id -> Text,
        org_id -> Text,
        email -> Text,
        name -> Text,
        role -> Text,
        token_hash -> Text,
        invited_by_user_id -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        accepted_at -> Nullable<Timestamp>,
        declined_at -> Nullable<Timestamp>,
        cancelled_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    client_requests (id) {
        id -> Text,
        partner_org_id -> Text,
        email -> Text,
        access -> Text,
        requested_by_user_id -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        answered_at -> Nullable<Timestamp>,
        outcome -> Nullable<Text>,
        partnership_id -> Nullable<Text>,
    }
}

diesel::table! {
    partnership_events (id) {
        id -> Text,
        partnership_id -> Text,
        occurred_at -> Timestamp,
        actor_user_id -> Nullable<Text>,
        actor_org_id -> Nullable<Text>,
        kind -> Text,
        old_value -> Nullable<Text>,
        new_value -> Nullable<Text>,
    }
}

diesel::table! {
    outbox_emails (id) {
        id -> Text,
        message_id -> Text,
        recipient -> Text,
        recipient_name -> Text,
        subject -> Text,
        body_text -> Text,
        body_html -> Text,
        created_at -> Timestamp,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        sent_at -> Nullable<Timestamp>,
        last_error -> Nullable<Text>,
    }
}

diesel::table! {
    sessions (id) {
        id -> Text,
        user_id -> Nullable<Text>,
        state -> Text,
        expires_at -> Timestamp,
    }
}

diesel::table! {
    offers (code) {
        code -> Text,
        name -> Text,
        price_chf -> BigInt,
        price_eur -> BigInt,
        position -> Integer,
    }
}

diesel::table! {
    products (id) {
        id -> Text,
        customer_org_id -> Text,
        offer_code -> Text,
        partnership_id -> Nullable<Text>,
        renews_on -> Date,
        auto_renew -> Integer,
        created_at -> Timestamp,
    }
}

diesel::table! {
    orders (id) {
        id -> Text,
        customer_org_id -> Text,
        product_id -> Text,
        kind -> Text,
        placed_by -> Text,
        placed_by_user_id -> Nullable<Text>,
        partnership_id -> Nullable<Text>,
        payer_org_id -> Text,
        currency -> Text,
        public_price -> BigInt,
        discount -> BigInt,
        price -> BigInt,
        period_start -> Date,
        period_end -> Date,
        created_at -> Timestamp,
    }
}

diesel::table! {
    invoice_counters (year) {
        year -> Integer,
        last_number -> Integer,
    }
}

diesel::table! {
    invoices (id) {
        id -> Text,
        number -> Text,
        year -> Integer,
        sequence -> Integer,
        payer_org_id -> Text,
        payer_name -> Text,
        order_id -> Text,
        currency -> Text,
        issued_at -> Timestamp,
        due_on -> Date,
        paid_at -> Nullable<Timestamp>,
        subtotal -> BigInt,
        vat_rate_bp -> Integer,
        vat -> BigInt,
        total -> BigInt,
        buyer_address -> Nullable<Text>,
        buyer_vat_number -> Nullable<Text>,
    }
}

diesel::table! {
    invoice_lines (id) {
        id -> Text,
        invoice_id -> Text,
        position -> Integer,
        description -> Text,
        amount -> BigInt,
    }
}

diesel::table! {
    income_entries (id) {
        id -> Text,
        partner_org_id -> Text,
        customer_org_id -> Text,
        order_id -> Text,
        kind -> Text,
        currency -> Text,
        amount -> BigInt,
        created_at -> Timestamp,
    }
}

diesel::table! {
    income_totals (partner_org_id, customer_org_id, currency, kind) {
        partner_org_id -> Text,
        customer_org_id -> Text,
        currency -> Text,
        kind -> Text,
        amount -> BigInt,
    }
}

diesel::table! {
    order_intents (id) {
        id -> Text,
        org_id -> Text,
        user_id -> Text,
        kind -> Text,
        customer_org_id -> Text,
        offer_code -> Text,
        product_id -> Nullable<Text>,
        partnership_id -> Nullable<Text>,
        payer_org_id -> Text,
        currency -> Text,
        public_price -> BigInt,
        discount -> BigInt,
        total -> BigInt,
        income_kind -> Nullable<Text>,
        income_amount -> Nullable<BigInt>,
        period_start -> Date,
        period_end -> Date,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        order_id -> Nullable<Text>,
    }
}

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
