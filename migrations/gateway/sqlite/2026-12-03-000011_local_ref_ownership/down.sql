DROP TRIGGER link_events_move_register_version;
DROP TRIGGER link_events_append_only_delete;
DROP TRIGGER link_events_append_only_update;
DROP INDEX subject_link_events_by_subject;
DROP TABLE subject_link_events;
ALTER TABLE subject_local_refs DROP COLUMN link_event;
ALTER TABLE subject_local_refs DROP COLUMN linked_by_person;
ALTER TABLE subject_local_refs DROP COLUMN linked_by_agency;
ALTER TABLE subject_local_refs DROP COLUMN linked_at;
