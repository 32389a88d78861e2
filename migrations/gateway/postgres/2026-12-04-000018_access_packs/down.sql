DROP TRIGGER access_pack_events_append_only ON access_pack_events;
DROP TABLE access_pack_events;
