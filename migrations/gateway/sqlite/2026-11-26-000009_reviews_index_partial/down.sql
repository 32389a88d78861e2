DROP INDEX log_entries_by_review;
CREATE INDEX log_entries_by_review ON log_entries (reviews);
