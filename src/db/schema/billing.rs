//! The tables of billing: the catalog, products, orders, invoices, income and payments.

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
        label -> Text,
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
        cancelled_at -> Nullable<Timestamp>,
        payment_reference -> Nullable<Text>,
    }
}

diesel::table! {
    credit_note_counters (year) {
        year -> Integer,
        last_number -> Integer,
    }
}

diesel::table! {
    credit_notes (id) {
        id -> Text,
        number -> Text,
        year -> Integer,
        sequence -> Integer,
        invoice_id -> Text,
        issued_at -> Timestamp,
        reason -> Text,
    }
}

diesel::table! {
    invoice_lines (id) {
        id -> Text,
        invoice_id -> Text,
        position -> Integer,
        description -> Text,
        amount -> BigInt,
        words -> Nullable<Text>,
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
        label -> Text,
    }
}
