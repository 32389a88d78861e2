-- The consent register (¶33–34): consents and their withdrawals, decisions not to seek consent and their
-- endorsements. Each row's `sealed` text is signed by the gateway, binding who recorded it; the other columns
-- repeat parts of it for finding rows. Append-only: nothing is ever updated or deleted.
CREATE TABLE consents (
    id TEXT PRIMARY KEY NOT NULL,
    subject_id TEXT NOT NULL REFERENCES subjects(id),
    recorded_at TIMESTAMP NOT NULL,
    sealed TEXT NOT NULL,
    signature TEXT NOT NULL
);
CREATE INDEX consents_by_subject ON consents (subject_id);

CREATE TABLE consent_withdrawals (
    consent_id TEXT PRIMARY KEY NOT NULL REFERENCES consents(id),
    withdrawn_at TIMESTAMP NOT NULL,
    sealed TEXT NOT NULL,
    signature TEXT NOT NULL
);

CREATE TABLE consent_decisions (
    id TEXT PRIMARY KEY NOT NULL,
    subject_id TEXT NOT NULL REFERENCES subjects(id),
    deciding_agency TEXT NOT NULL,
    decided_at TIMESTAMP NOT NULL,
    sealed TEXT NOT NULL,
    signature TEXT NOT NULL
);
CREATE INDEX consent_decisions_by_subject ON consent_decisions (subject_id);

CREATE TABLE consent_endorsements (
    decision_id TEXT PRIMARY KEY NOT NULL REFERENCES consent_decisions(id),
    endorsed_at TIMESTAMP NOT NULL,
    sealed TEXT NOT NULL,
    signature TEXT NOT NULL
);

CREATE TRIGGER consents_append_only_update BEFORE UPDATE ON consents BEGIN SELECT RAISE(ABORT, 'the consent register is append-only'); END;
CREATE TRIGGER consents_append_only_delete BEFORE DELETE ON consents BEGIN SELECT RAISE(ABORT, 'the consent register is append-only'); END;
CREATE TRIGGER withdrawals_append_only_update BEFORE UPDATE ON consent_withdrawals BEGIN SELECT RAISE(ABORT, 'the consent register is append-only'); END;
CREATE TRIGGER withdrawals_append_only_delete BEFORE DELETE ON consent_withdrawals BEGIN SELECT RAISE(ABORT, 'the consent register is append-only'); END;
CREATE TRIGGER decisions_append_only_update BEFORE UPDATE ON consent_decisions BEGIN SELECT RAISE(ABORT, 'the consent register is append-only'); END;
CREATE TRIGGER decisions_append_only_delete BEFORE DELETE ON consent_decisions BEGIN SELECT RAISE(ABORT, 'the consent register is append-only'); END;
CREATE TRIGGER endorsements_append_only_update BEFORE UPDATE ON consent_endorsements BEGIN SELECT RAISE(ABORT, 'the consent register is append-only'); END;
CREATE TRIGGER endorsements_append_only_delete BEFORE DELETE ON consent_endorsements BEGIN SELECT RAISE(ABORT, 'the consent register is append-only'); END;
