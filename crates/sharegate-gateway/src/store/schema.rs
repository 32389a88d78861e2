//! The gateway's tables, as diesel sees them. Kept by hand in step with `migrations/gateway/`; the migration tests
//! check that the two backends agree.

diesel::table! {
    subjects (id) {
        id -> Text,
        nhs_number -> Text,
        name -> Text,
        date_of_birth -> Date,
        created_at -> Timestamp,
        created_by_agency -> Text,
        created_by_person -> Text,
        created_by_serial -> Text,
    }
}

diesel::table! {
    subject_local_refs (subject_id, agency) {
        subject_id -> Text,
        agency -> Text,
        local_ref -> Text,
        linked_at -> Nullable<Timestamp>,
        linked_by_agency -> Nullable<Text>,
        linked_by_person -> Nullable<Text>,
        link_event -> Nullable<Text>,
    }
}

diesel::table! {
    subject_link_events (id) {
        id -> Text,
        subject_id -> Text,
        agency -> Text,
        recorded_at -> Timestamp,
        sealed -> Text,
        signature -> Text,
    }
}

diesel::joinable!(subject_local_refs -> subjects (subject_id));

diesel::joinable!(consent_confirmations -> consents (consent_id));

diesel::allow_tables_to_appear_in_same_query!(subjects, subject_local_refs);

diesel::table! {
    consents (id) {
        id -> Text,
        subject_id -> Text,
        recorded_at -> Timestamp,
        sealed -> Text,
        signature -> Text,
    }
}

diesel::table! {
    consent_confirmations (consent_id, agency) {
        consent_id -> Text,
        agency -> Text,
        confirmed_at -> Timestamp,
        sealed -> Text,
        signature -> Text,
    }
}

diesel::table! {
    consent_withdrawals (consent_id) {
        consent_id -> Text,
        withdrawn_at -> Timestamp,
        sealed -> Text,
        signature -> Text,
    }
}

diesel::table! {
    consent_decisions (id) {
        id -> Text,
        subject_id -> Text,
        deciding_agency -> Text,
        decided_at -> Timestamp,
        sealed -> Text,
        signature -> Text,
    }
}

diesel::table! {
    consent_endorsements (decision_id) {
        decision_id -> Text,
        endorsed_at -> Timestamp,
        sealed -> Text,
        signature -> Text,
    }
}

diesel::joinable!(consent_withdrawals -> consents (consent_id));

diesel::joinable!(consent_endorsements -> consent_decisions (decision_id));

diesel::table! {
    privacy_notices (id) {
        id -> Text,
        subject_id -> Text,
        recorded_at -> Timestamp,
        sealed -> Text,
        signature -> Text,
    }
}

diesel::allow_tables_to_appear_in_same_query!(
    consents,
    consent_withdrawals,
    consent_confirmations,
    consent_decisions,
    consent_endorsements
);

diesel::table! {
    /// Moved on by database triggers at every insert into the four register tables.
    register_versions (subject_id) {
        subject_id -> Text,
        version -> BigInt,
    }
}

diesel::table! {
    log_entries (seq) {
        seq -> BigInt,
        id -> Text,
        at -> Timestamp,
        kind -> Text,
        subject_id -> Text,
        requester_agency -> Text,
        requester_person -> Text,
        purpose -> Text,
        lawful_basis -> Text,
        outcome -> Text,
        agencies -> Text,
        reviews -> Nullable<Text>,
        dropped_from -> Nullable<Text>,
        waits_for -> Nullable<Text>,
    }
}

diesel::table! {
    log_blocks (idx) {
        idx -> BigInt,
        hash -> Text,
    }
}

diesel::table! {
    log_checkpoints (size) {
        size -> BigInt,
        root -> Text,
        at -> Timestamp,
        signature -> Text,
    }
}

diesel::table! {
    /// The log itself: each entry's canonical text and leaf hash at its position. `log_entries`, `log_blocks` and
    /// `log_index_head` are derived from it.
    log_sequence (seq) {
        seq -> BigInt,
        canonical -> Text,
        leaf_hash -> Text,
    }
}

diesel::table! {
    /// The sequence's head: what writers lock to append, so that the chain stays one chain.
    log_head (id) {
        id -> Integer,
        size -> BigInt,
        last_hash -> Text,
    }
}

diesel::table! {
    /// How far the index reaches, and the tree's frontier there.
    log_index_head (id) {
        id -> Integer,
        size -> BigInt,
        frontier -> Text,
    }
}

diesel::joinable!(log_entries -> log_sequence (seq));
diesel::allow_tables_to_appear_in_same_query!(log_entries, log_sequence);

diesel::table! {
    meeting_events (id) {
        id -> Text,
        meeting_id -> Text,
        kind -> Text,
        at -> Timestamp,
        sealed -> Text,
        signature -> Text,
    }
}

diesel::table! {
    access_pack_events (id) {
        id -> Text,
        pack_id -> Text,
        agency -> Text,
        kind -> Text,
        at -> Timestamp,
        sealed -> Text,
        signature -> Text,
    }
}

diesel::table! {
    log_cosignatures (size, witness) {
        size -> BigInt,
        witness -> Text,
        cosigned_at -> BigInt,
        public_key -> Text,
        signature -> Text,
    }
}

diesel::table! {
    incident_closures (incident_id) {
        incident_id -> Text,
        agency -> Text,
        closed_at -> Timestamp,
        sealed -> Text,
        signature -> Text,
    }
}
