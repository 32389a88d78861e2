-- A DPO's review of a disclosure is itself an entry of the log; `reviews` names the disclosure it reviews, so the
-- review queue can find what each agency has not reviewed yet.
ALTER TABLE log_entries ADD COLUMN reviews TEXT;
CREATE INDEX log_entries_by_review ON log_entries (reviews);
CREATE INDEX log_entries_by_outcome ON log_entries (outcome, lawful_basis, seq);
