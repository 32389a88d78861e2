-- Each agency owns its link to a child (issue 22): only that agency links, changes or removes its reference. Each
-- link, change and removal is a sealed, append-only history event; the current link says which event set it.
-- Links made before ownership keep link_event NULL and name the agency and person that registered the child.
ALTER TABLE subject_local_refs ADD COLUMN linked_at TIMESTAMP;
ALTER TABLE subject_local_refs ADD COLUMN linked_by_agency TEXT;
ALTER TABLE subject_local_refs ADD COLUMN linked_by_person TEXT;
ALTER TABLE subject_local_refs ADD COLUMN link_event TEXT;
UPDATE subject_local_refs SET
    linked_at = (SELECT created_at FROM subjects WHERE subjects.id = subject_local_refs.subject_id),
    linked_by_agency = (SELECT created_by_agency FROM subjects WHERE subjects.id = subject_local_refs.subject_id),
    linked_by_person = (SELECT created_by_person FROM subjects WHERE subjects.id = subject_local_refs.subject_id);

CREATE TABLE subject_link_events (
    id TEXT PRIMARY KEY NOT NULL,
    subject_id TEXT NOT NULL REFERENCES subjects(id),
    agency TEXT NOT NULL,
    recorded_at TIMESTAMP NOT NULL,
    sealed TEXT NOT NULL,
    signature TEXT NOT NULL
);
CREATE INDEX subject_link_events_by_subject ON subject_link_events (subject_id, agency);

CREATE TRIGGER link_events_append_only_update BEFORE UPDATE ON subject_link_events BEGIN SELECT RAISE(ABORT, 'the link history is append-only'); END;
CREATE TRIGGER link_events_append_only_delete BEFORE DELETE ON subject_link_events BEGIN SELECT RAISE(ABORT, 'the link history is append-only'); END;
-- A link changed moves the child's version on, as a consent recorded does: gateways keep a child once read and check
-- it against that one row at every request, so a corrected link counts from the very next request on every gateway.
CREATE TRIGGER link_events_move_register_version AFTER INSERT ON subject_link_events BEGIN
    INSERT INTO register_versions (subject_id, version) VALUES (NEW.subject_id, 1)
        ON CONFLICT (subject_id) DO UPDATE SET version = version + 1;
END;
