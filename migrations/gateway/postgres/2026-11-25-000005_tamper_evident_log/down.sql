DROP TRIGGER log_checkpoints_append_only ON log_checkpoints;
DROP TRIGGER log_blocks_append_only ON log_blocks;
DROP TRIGGER log_entries_append_only ON log_entries;
DROP TABLE log_head;
DROP TABLE log_checkpoints;
DROP TABLE log_blocks;
DROP TABLE log_entries;

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
CREATE TRIGGER disclosures_append_only BEFORE UPDATE OR DELETE ON disclosures
    FOR EACH ROW EXECUTE FUNCTION sharegate_log_append_only();
