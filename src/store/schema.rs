//! The tables, as diesel sees them. Kept by hand in step with both migration folders; the migration tests check
//! that the two backends agree.

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
    }
}

diesel::joinable!(subject_local_refs -> subjects (subject_id));
diesel::allow_tables_to_appear_in_same_query!(subjects, subject_local_refs);
