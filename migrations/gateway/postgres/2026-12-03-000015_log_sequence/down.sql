ALTER TABLE log_head ADD COLUMN frontier TEXT NOT NULL DEFAULT '{"size":0,"subtrees":[]}';
UPDATE log_head SET frontier = (SELECT frontier FROM log_index_head WHERE id = 1);
DROP TABLE log_index_head;

ALTER TABLE log_entries ADD COLUMN canonical TEXT NOT NULL DEFAULT '', ADD COLUMN leaf_hash TEXT NOT NULL DEFAULT '';
UPDATE log_entries SET canonical = s.canonical, leaf_hash = s.leaf_hash FROM log_sequence s WHERE s.seq = log_entries.seq;
CREATE TRIGGER log_entries_append_only BEFORE UPDATE OR DELETE ON log_entries
    FOR EACH ROW EXECUTE FUNCTION sharegate_log_append_only();
CREATE TRIGGER log_blocks_append_only BEFORE UPDATE OR DELETE ON log_blocks
    FOR EACH ROW EXECUTE FUNCTION sharegate_log_append_only();
DROP TABLE log_sequence;
