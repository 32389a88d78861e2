-- The agencies whose nodes sent records that the gateway did not pass on (`,a,b,`; NULL when every record sent was
-- passed on): their DPOs' review queues list those entries. Older entries keep NULL, as their text says.
ALTER TABLE log_entries ADD COLUMN dropped_from TEXT;
