-- The subject index: one gateway id per child, and each agency's own reference for that child.
CREATE TABLE subjects (
    id TEXT PRIMARY KEY NOT NULL,
    nhs_number TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    date_of_birth DATE NOT NULL,
    created_at TIMESTAMP NOT NULL,
    created_by_agency TEXT NOT NULL,
    created_by_person TEXT NOT NULL,
    created_by_serial TEXT NOT NULL
);

CREATE TABLE subject_local_refs (
    subject_id TEXT NOT NULL REFERENCES subjects(id),
    agency TEXT NOT NULL,
    local_ref TEXT NOT NULL,
    PRIMARY KEY (subject_id, agency),
    UNIQUE (agency, local_ref)
);
