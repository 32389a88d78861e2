DROP TRIGGER meeting_events_append_only ON meeting_events;
DROP TABLE meeting_events;
