ALTER TABLE log_entries DROP COLUMN dropped_from;
