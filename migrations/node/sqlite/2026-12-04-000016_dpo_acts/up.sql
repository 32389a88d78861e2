-- What the agency's DPO does to its records' sharing and keeping, each act sealed by the node with its reason and
-- kept for ever: a record restricted while its accuracy is disputed (UK GDPR Art. 18) and the restriction lifted;
-- a child's records put on legal hold, which retention keeps (¶20), and the hold lifted. The state in force is the
-- last act for each record (restriction) or child (hold).
CREATE TABLE dpo_acts (
    id TEXT PRIMARY KEY NOT NULL,
    at TIMESTAMP NOT NULL,
    act TEXT NOT NULL CHECK (act IN ('restrict', 'lift_restriction', 'hold', 'lift_hold')),
    subject_ref TEXT NOT NULL,
    -- The record restricted; NULL for a hold, which covers all of a child's records.
    record_id TEXT,
    reason TEXT NOT NULL,
    by_person TEXT NOT NULL,
    by_serial TEXT NOT NULL,
    sealed TEXT NOT NULL,
    signature TEXT NOT NULL
);
CREATE INDEX dpo_acts_by_subject ON dpo_acts (subject_ref, at);

CREATE TRIGGER dpo_acts_append_only_update BEFORE UPDATE ON dpo_acts BEGIN SELECT RAISE(ABORT, 'the DPO''s acts are append-only'); END;
CREATE TRIGGER dpo_acts_append_only_delete BEFORE DELETE ON dpo_acts BEGIN SELECT RAISE(ABORT, 'the DPO''s acts are append-only'); END;

-- The child's date of birth, where the agency's own practitioners recorded it: retention rules may count from it.
ALTER TABLE node_children ADD COLUMN date_of_birth DATE;
