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
CREATE TRIGGER confirmations_append_only_update BEFORE UPDATE ON consent_confirmations BEGIN SELECT RAISE(ABORT, 'the consent register is append-only'); END;
CREATE TRIGGER confirmations_append_only_delete BEFORE DELETE ON consent_confirmations BEGIN SELECT RAISE(ABORT, 'the consent register is append-only'); END;
CREATE TRIGGER confirmations_move_register_version AFTER INSERT ON consent_confirmations BEGIN
    INSERT INTO register_versions (subject_id, version) SELECT subject_id, 1 FROM consents WHERE id = NEW.consent_id
        ON CONFLICT (subject_id) DO UPDATE SET version = version + 1;
END;
