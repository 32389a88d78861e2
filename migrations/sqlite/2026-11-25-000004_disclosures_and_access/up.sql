-- The gateway's disclosure entries: one per answer (granted, partial, refused, discovery), committed before the
-- answer is sent. `entry` is the whole entry as canonical JSON; the columns repeat parts of it for finding entries.
CREATE TABLE disclosures (
    id TEXT PRIMARY KEY NOT NULL,
    at TIMESTAMP NOT NULL,
    kind TEXT NOT NULL,
    subject_id TEXT NOT NULL,
    requester_agency TEXT NOT NULL,
    requester_person TEXT NOT NULL,
    purpose TEXT NOT NULL,
    lawful_basis TEXT NOT NULL,
    outcome TEXT NOT NULL,
    policy_hash TEXT NOT NULL,
    response_digest TEXT NOT NULL,
    entry TEXT NOT NULL
);
CREATE INDEX disclosures_by_subject ON disclosures (subject_id, at);

-- A node's access register: every read of its records, and for whom the gateway read them.
CREATE TABLE access_register (
    id TEXT PRIMARY KEY NOT NULL,
    at TIMESTAMP NOT NULL,
    disclosure_id TEXT,
    requester TEXT NOT NULL,
    purpose TEXT NOT NULL,
    reader TEXT NOT NULL,
    subject_ref TEXT NOT NULL,
    categories TEXT NOT NULL,
    returned BIGINT NOT NULL
);
CREATE INDEX access_register_by_time ON access_register (at);

CREATE TRIGGER disclosures_append_only_update BEFORE UPDATE ON disclosures BEGIN SELECT RAISE(ABORT, 'the disclosure log is append-only'); END;
CREATE TRIGGER disclosures_append_only_delete BEFORE DELETE ON disclosures BEGIN SELECT RAISE(ABORT, 'the disclosure log is append-only'); END;
CREATE TRIGGER access_register_append_only_update BEFORE UPDATE ON access_register BEGIN SELECT RAISE(ABORT, 'the access register is append-only'); END;
CREATE TRIGGER access_register_append_only_delete BEFORE DELETE ON access_register BEGIN SELECT RAISE(ABORT, 'the access register is append-only'); END;
