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

CREATE FUNCTION sharegate_append_only() RETURNS TRIGGER AS $$
BEGIN
    RAISE EXCEPTION 'the consent register is append-only';
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER consents_append_only BEFORE UPDATE OR DELETE ON consents
    FOR EACH ROW EXECUTE FUNCTION sharegate_append_only();
CREATE TRIGGER withdrawals_append_only BEFORE UPDATE OR DELETE ON consent_withdrawals
    FOR EACH ROW EXECUTE FUNCTION sharegate_append_only();
CREATE TRIGGER decisions_append_only BEFORE UPDATE OR DELETE ON consent_decisions
    FOR EACH ROW EXECUTE FUNCTION sharegate_append_only();
CREATE TRIGGER endorsements_append_only BEFORE UPDATE OR DELETE ON consent_endorsements
    FOR EACH ROW EXECUTE FUNCTION sharegate_append_only();
