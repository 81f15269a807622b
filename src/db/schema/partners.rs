//! The tables of partnerships: profiles, the relationships, their timelines and requests.

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
        outcome -> Nullable<Text>,
    }
}

diesel::table! {
    requested_products (partnership_id, product_id) {
        partnership_id -> Text,
        product_id -> Text,
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
