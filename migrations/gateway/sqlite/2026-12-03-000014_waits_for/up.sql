-- The agencies whose DPOs review an entry (`,a,b,`; `,,` for none), derived from the entry by the one rule in
-- `disclosure_log::queue` and hashed with it, so the review queue is a lookup instead of a rule kept again in SQL.
-- NULL for entries logged before it was kept: the queue selects those by the rule as it stood then.
ALTER TABLE log_entries ADD COLUMN waits_for TEXT;
