-- The log split in two (issue 24). `log_sequence` is the log itself: each entry's canonical text and leaf hash at
-- its position, appended (one narrow row per entry, no other index) before the answer that the entry records is
-- sent, with the head that chains them. Everything else is derived from it behind the writer and can be rebuilt
-- (`sharegate log reindex`): `log_entries` keeps only the query columns, `log_blocks` the tree's block hashes, and
-- `log_index_head` how far they reach and the tree's frontier there. Checkpoints stay append-only: once signed and
-- published they are evidence, not an index.
CREATE TABLE log_sequence (
    seq INTEGER PRIMARY KEY NOT NULL,
    canonical TEXT NOT NULL,
    leaf_hash TEXT NOT NULL
);
INSERT INTO log_sequence (seq, canonical, leaf_hash) SELECT seq, canonical, leaf_hash FROM log_entries ORDER BY seq;
CREATE TRIGGER log_sequence_append_only_update BEFORE UPDATE ON log_sequence BEGIN SELECT RAISE(ABORT, 'the disclosure log is append-only'); END;
CREATE TRIGGER log_sequence_append_only_delete BEFORE DELETE ON log_sequence BEGIN SELECT RAISE(ABORT, 'the disclosure log is append-only'); END;

DROP TRIGGER log_entries_append_only_update;
DROP TRIGGER log_entries_append_only_delete;
DROP TRIGGER log_blocks_append_only_update;
DROP TRIGGER log_blocks_append_only_delete;
ALTER TABLE log_entries DROP COLUMN canonical;
ALTER TABLE log_entries DROP COLUMN leaf_hash;

CREATE TABLE log_index_head (
    id INTEGER PRIMARY KEY NOT NULL CHECK (id = 1),
    size BIGINT NOT NULL,
    frontier TEXT NOT NULL
);
INSERT INTO log_index_head (id, size, frontier) SELECT 1, size, frontier FROM log_head;
ALTER TABLE log_head DROP COLUMN frontier;
