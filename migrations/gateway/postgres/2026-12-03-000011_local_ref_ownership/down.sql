DROP TRIGGER link_events_move_register_version ON subject_link_events;
DROP TRIGGER link_events_append_only ON subject_link_events;
DROP FUNCTION sharegate_link_history_append_only();
DROP INDEX subject_link_events_by_subject;
DROP TABLE subject_link_events;
ALTER TABLE subject_local_refs DROP COLUMN link_event;
ALTER TABLE subject_local_refs DROP COLUMN linked_by_person;
ALTER TABLE subject_local_refs DROP COLUMN linked_by_agency;
ALTER TABLE subject_local_refs DROP COLUMN linked_at;
