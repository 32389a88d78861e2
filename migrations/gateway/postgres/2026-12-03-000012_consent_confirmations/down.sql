DROP TRIGGER confirmations_move_register_version ON consent_confirmations;
CREATE OR REPLACE FUNCTION sharegate_move_register_version() RETURNS TRIGGER AS $$
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
DROP TRIGGER confirmations_append_only ON consent_confirmations;
DROP TABLE consent_confirmations;
