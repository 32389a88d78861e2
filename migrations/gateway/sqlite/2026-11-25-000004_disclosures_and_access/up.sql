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

CREATE TRIGGER disclosures_append_only_update BEFORE UPDATE ON disclosures BEGIN SELECT RAISE(ABORT, 'the disclosure log is append-only'); END;
CREATE TRIGGER disclosures_append_only_delete BEFORE DELETE ON disclosures BEGIN SELECT RAISE(ABORT, 'the disclosure log is append-only'); END;
