-- Only reviews name a disclosure they review, and they are few: the index of `reviews` keeps just those rows, so
-- appending any other entry no longer writes to it. (Every query of it asks for given disclosures, which implies
-- `reviews IS NOT NULL`, so both databases still use it.)
DROP INDEX log_entries_by_review;
CREATE INDEX log_entries_by_review ON log_entries (reviews) WHERE reviews IS NOT NULL;
