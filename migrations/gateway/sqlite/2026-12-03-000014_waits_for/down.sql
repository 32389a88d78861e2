ALTER TABLE log_entries DROP COLUMN waits_for;
