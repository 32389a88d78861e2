-- ¶13: each agency records that it gave the family (and the child where old enough) its privacy notice — when,
-- how, by whom — so that practitioners see, before they share, that the family knows the agency keeps records, why,
-- and how to see them. Sealed and append-only like the rest of the register.
CREATE TABLE privacy_notices (
    id TEXT PRIMARY KEY NOT NULL,
    subject_id TEXT NOT NULL REFERENCES subjects(id),
    recorded_at TIMESTAMP NOT NULL,
    sealed TEXT NOT NULL,
    signature TEXT NOT NULL
);
CREATE INDEX privacy_notices_by_subject ON privacy_notices (subject_id, recorded_at);
CREATE TRIGGER privacy_notices_append_only BEFORE UPDATE OR DELETE ON privacy_notices
    FOR EACH ROW EXECUTE FUNCTION sharegate_append_only();
