-- Each agency owns its link to a child (issue 22): only that agency links, changes or removes its reference. Each
-- link, change and removal is a sealed, append-only history event; the current link says which event set it.
-- Links made before ownership keep link_event NULL and name the agency and person that registered the child.
ALTER TABLE subject_local_refs ADD COLUMN linked_at TIMESTAMP;
ALTER TABLE subject_local_refs ADD COLUMN linked_by_agency TEXT;
ALTER TABLE subject_local_refs ADD COLUMN linked_by_person TEXT;
ALTER TABLE subject_local_refs ADD COLUMN link_event TEXT;
UPDATE subject_local_refs SET linked_at = s.created_at, linked_by_agency = s.created_by_agency,
    linked_by_person = s.created_by_person
    FROM subjects s WHERE s.id = subject_local_refs.subject_id;

CREATE TABLE subject_link_events (
    id TEXT PRIMARY KEY NOT NULL,
    subject_id TEXT NOT NULL REFERENCES subjects(id),
    agency TEXT NOT NULL,
    recorded_at TIMESTAMP NOT NULL,
    sealed TEXT NOT NULL,
    signature TEXT NOT NULL
);
CREATE INDEX subject_link_events_by_subject ON subject_link_events (subject_id, agency);

CREATE FUNCTION sharegate_link_history_append_only() RETURNS TRIGGER AS $$
BEGIN
    RAISE EXCEPTION 'the link history is append-only';
END
$$ LANGUAGE plpgsql;
CREATE TRIGGER link_events_append_only BEFORE UPDATE OR DELETE ON subject_link_events
    FOR EACH ROW EXECUTE FUNCTION sharegate_link_history_append_only();
-- A link changed moves the child's version on, as a consent recorded does (the function's ELSE branch).
CREATE TRIGGER link_events_move_register_version AFTER INSERT ON subject_link_events
    FOR EACH ROW EXECUTE FUNCTION sharegate_move_register_version();
