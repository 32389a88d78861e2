-- Each child's register version, moved on by the database itself whenever a consent, a withdrawal, a decision not to
-- seek consent or an endorsement is recorded for the child: a gateway keeps a child's register once read and checks
-- it against this one small row at every request, whichever gateway recorded the change. No row: version 0.
CREATE TABLE register_versions (
    subject_id TEXT PRIMARY KEY NOT NULL REFERENCES subjects(id),
    version BIGINT NOT NULL
);

CREATE TRIGGER consents_move_register_version AFTER INSERT ON consents BEGIN
    INSERT INTO register_versions (subject_id, version) VALUES (NEW.subject_id, 1)
        ON CONFLICT (subject_id) DO UPDATE SET version = version + 1;
END;
CREATE TRIGGER withdrawals_move_register_version AFTER INSERT ON consent_withdrawals BEGIN
    INSERT INTO register_versions (subject_id, version) SELECT subject_id, 1 FROM consents WHERE id = NEW.consent_id
        ON CONFLICT (subject_id) DO UPDATE SET version = version + 1;
END;
CREATE TRIGGER decisions_move_register_version AFTER INSERT ON consent_decisions BEGIN
    INSERT INTO register_versions (subject_id, version) VALUES (NEW.subject_id, 1)
        ON CONFLICT (subject_id) DO UPDATE SET version = version + 1;
END;
CREATE TRIGGER endorsements_move_register_version AFTER INSERT ON consent_endorsements BEGIN
    INSERT INTO register_versions (subject_id, version)
        SELECT subject_id, 1 FROM consent_decisions WHERE id = NEW.decision_id
        ON CONFLICT (subject_id) DO UPDATE SET version = version + 1;
END;
