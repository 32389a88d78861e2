-- The tamper-evident disclosure log replaces the plain table of the brokering step (it held no released data).
DROP TRIGGER disclosures_append_only_delete;
DROP TRIGGER disclosures_append_only_update;
DROP INDEX disclosures_by_subject;
DROP TABLE disclosures;

-- One row per entry, in log order. `canonical` is exactly what is hashed: the entry with its position and the
-- previous entry's leaf hash, so each entry carries the hash of the one before it. `leaf_hash` is
-- H(0x00 ‖ canonical), hex. The other columns repeat parts of the entry for queries; `log verify` checks them.
CREATE TABLE log_entries (
    seq INTEGER PRIMARY KEY NOT NULL, -- the rowid: one B-tree fewer per append
    id TEXT NOT NULL UNIQUE,
    at TIMESTAMP NOT NULL,
    kind TEXT NOT NULL,
    subject_id TEXT NOT NULL,
    requester_agency TEXT NOT NULL,
    requester_person TEXT NOT NULL,
    purpose TEXT NOT NULL,
    lawful_basis TEXT NOT NULL,
    outcome TEXT NOT NULL,
    -- ",police,health,": every agency that asked or was asked (a category it holds was requested, granted or refused).
    agencies TEXT NOT NULL,
    canonical TEXT NOT NULL,
    leaf_hash TEXT NOT NULL
);
CREATE INDEX log_entries_by_subject ON log_entries (subject_id, seq);

-- The hash of each complete, aligned block of 256 leaves: proofs never read more than a block of leaves.
CREATE TABLE log_blocks (
    idx INTEGER PRIMARY KEY NOT NULL,
    hash TEXT NOT NULL
);

-- Signed checkpoints: the tree hash of the first `size` entries, signed with the gateway's key.
CREATE TABLE log_checkpoints (
    size BIGINT PRIMARY KEY NOT NULL,
    root TEXT NOT NULL,
    at TIMESTAMP NOT NULL,
    signature TEXT NOT NULL
);

-- The head: the one row writers lock, so appends from several gateways make one chain.
CREATE TABLE log_head (
    id INTEGER PRIMARY KEY NOT NULL CHECK (id = 1),
    size BIGINT NOT NULL,
    last_hash TEXT NOT NULL,
    frontier TEXT NOT NULL
);
INSERT INTO log_head (id, size, last_hash, frontier) VALUES (1, 0, '', '{"size":0,"subtrees":[]}');

CREATE TRIGGER log_entries_append_only_update BEFORE UPDATE ON log_entries BEGIN SELECT RAISE(ABORT, 'the disclosure log is append-only'); END;
CREATE TRIGGER log_entries_append_only_delete BEFORE DELETE ON log_entries BEGIN SELECT RAISE(ABORT, 'the disclosure log is append-only'); END;
CREATE TRIGGER log_blocks_append_only_update BEFORE UPDATE ON log_blocks BEGIN SELECT RAISE(ABORT, 'the disclosure log is append-only'); END;
CREATE TRIGGER log_blocks_append_only_delete BEFORE DELETE ON log_blocks BEGIN SELECT RAISE(ABORT, 'the disclosure log is append-only'); END;
CREATE TRIGGER log_checkpoints_append_only_update BEFORE UPDATE ON log_checkpoints BEGIN SELECT RAISE(ABORT, 'the disclosure log is append-only'); END;
CREATE TRIGGER log_checkpoints_append_only_delete BEFORE DELETE ON log_checkpoints BEGIN SELECT RAISE(ABORT, 'the disclosure log is append-only'); END;
