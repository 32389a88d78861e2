-- Each child's register version, moved on by the database itself whenever a consent, a withdrawal, a decision not to
-- seek consent or an endorsement is recorded for the child: a gateway keeps a child's register once read and checks
-- it against this one small row at every request, whichever gateway recorded the change. No row: version 0.
CREATE TABLE register_versions (
    subject_id TEXT PRIMARY KEY NOT NULL REFERENCES subjects(id),
    version BIGINT NOT NULL
);

-- The child of the new row: its own subject_id, or its consent's or decision's.
CREATE FUNCTION sharegate_move_register_version() RETURNS TRIGGER AS $$
DECLARE
    child TEXT;
BEGIN
    IF TG_TABLE_NAME = 'consent_withdrawals' THEN
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

CREATE TRIGGER consents_move_register_version AFTER INSERT ON consents
    FOR EACH ROW EXECUTE FUNCTION sharegate_move_register_version();
CREATE TRIGGER withdrawals_move_register_version AFTER INSERT ON consent_withdrawals
    FOR EACH ROW EXECUTE FUNCTION sharegate_move_register_version();
CREATE TRIGGER decisions_move_register_version AFTER INSERT ON consent_decisions
    FOR EACH ROW EXECUTE FUNCTION sharegate_move_register_version();
CREATE TRIGGER endorsements_move_register_version AFTER INSERT ON consent_endorsements
    FOR EACH ROW EXECUTE FUNCTION sharegate_move_register_version();
