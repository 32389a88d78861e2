//! The node's tables, as diesel sees them. Kept by hand in step with `migrations/node/`; the migration tests
//! check that the two backends agree.

diesel::allow_tables_to_appear_in_same_query!(records, record_tombstones, node_children);

diesel::table! {
    records (id) {
        id -> Text,
        subject_ref -> Text,
        category -> Text,
        retention_class -> Text,
        occurred_at -> Timestamp,
        recorded_at -> Timestamp,
        amends -> Nullable<Text>,
        author_agency -> Text,
        author_role -> Text,
        author_person -> Text,
        author_serial -> Text,
        sealed -> Text,
        signature -> Text,
    }
}

diesel::table! {
    record_tombstones (record_id) {
        record_id -> Text,
        sealed_sha256 -> Text,
        category -> Text,
        retention_class -> Text,
        removed_at -> Timestamp,
        rule -> Text,
    }
}

diesel::table! {
    access_register (id) {
        id -> Text,
        at -> Timestamp,
        disclosure_id -> Nullable<Text>,
        requester -> Text,
        purpose -> Text,
        reader -> Text,
        subject_ref -> Text,
        categories -> Text,
        returned -> BigInt,
        refused -> Nullable<Text>,
    }
}

diesel::table! {
    node_children (local_ref) {
        local_ref -> Text,
        nhs_number -> Text,
        recorded_at -> Timestamp,
        recorded_by_person -> Text,
        recorded_by_serial -> Text,
        date_of_birth -> Nullable<Date>,
    }
}

diesel::table! {
    dpo_acts (id) {
        id -> Text,
        at -> Timestamp,
        act -> Text,
        subject_ref -> Text,
        record_id -> Nullable<Text>,
        reason -> Text,
        by_person -> Text,
        by_serial -> Text,
        sealed -> Text,
        signature -> Text,
    }
}
