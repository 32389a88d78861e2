DROP INDEX log_entries_by_outcome;
DROP INDEX log_entries_by_review;
ALTER TABLE log_entries DROP COLUMN reviews;
