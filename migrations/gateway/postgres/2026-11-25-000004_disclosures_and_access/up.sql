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

CREATE FUNCTION sharegate_log_append_only() RETURNS TRIGGER AS $$
BEGIN
    RAISE EXCEPTION '% is append-only', TG_TABLE_NAME;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER disclosures_append_only BEFORE UPDATE OR DELETE ON disclosures
    FOR EACH ROW EXECUTE FUNCTION sharegate_log_append_only();
