-- A consent recorded by an agency other than the one holding the records is a claim until that agency confirms it
-- (issue 30): one sealed confirmation per consent and holding agency, append-only like the rest of the register.
CREATE TABLE consent_confirmations (
    consent_id TEXT NOT NULL REFERENCES consents(id),
    agency TEXT NOT NULL,
    confirmed_at TIMESTAMP NOT NULL,
    sealed TEXT NOT NULL,
    signature TEXT NOT NULL,
    PRIMARY KEY (consent_id, agency)
);
CREATE TRIGGER confirmations_append_only BEFORE UPDATE OR DELETE ON consent_confirmations
    FOR EACH ROW EXECUTE FUNCTION sharegate_append_only();

-- The child of the new row: its own subject_id, or its consent's or decision's.
CREATE OR REPLACE FUNCTION sharegate_move_register_version() RETURNS TRIGGER AS $$
DECLARE
    child TEXT;
BEGIN
    IF TG_TABLE_NAME = 'consent_withdrawals' OR TG_TABLE_NAME = 'consent_confirmations' THEN
        SELECT subject_id INTO child FROM consents WHERE id = NEW.consent_id;
    ELSIF TG_TABLE_NAME = 'consent_endorsements' THEN
        SELECT subject_id INTO child FROM consent_decisions WHERE id = NEW.decision_id;
    ELSE
        child := NEW.subject_id;
    END IF;
    INSERT INTO register_versions (subject_id, version) VALUES (child, 1)
        ON CONFLICT (subject_id) DO UPDATE SET version = register_versions.version + 1;
    RETURN NULL;
END
$$ LANGUAGE plpgsql;
CREATE TRIGGER confirmations_move_register_version AFTER INSERT ON consent_confirmations
    FOR EACH ROW EXECUTE FUNCTION sharegate_move_register_version();
