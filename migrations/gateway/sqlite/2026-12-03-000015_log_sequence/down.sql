-- Back to one table: each entry's text and hash beside its columns, the frontier in the head. The tables are built
-- again with the text they were made with, so that the schema reads as it did; run it only with the index caught up
-- (`sharegate log reindex`): entries the index did not hold yet would have no row here.
DROP TRIGGER log_sequence_append_only_update;
DROP TRIGGER log_sequence_append_only_delete;
DROP INDEX log_entries_by_subject;
DROP INDEX log_entries_by_outcome;
DROP INDEX log_entries_by_review;
ALTER TABLE log_entries RENAME TO log_index_rows;
ALTER TABLE log_head RENAME TO log_sequence_head;

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
, reviews TEXT, dropped_from TEXT, waits_for TEXT);
INSERT INTO log_entries (seq, id, at, kind, subject_id, requester_agency, requester_person, purpose, lawful_basis,
        outcome, agencies, canonical, leaf_hash, reviews, dropped_from, waits_for)
    SELECT e.seq, e.id, e.at, e.kind, e.subject_id, e.requester_agency, e.requester_person, e.purpose, e.lawful_basis,
        e.outcome, e.agencies, s.canonical, s.leaf_hash, e.reviews, e.dropped_from, e.waits_for
    FROM log_index_rows e JOIN log_sequence s ON s.seq = e.seq ORDER BY e.seq;
CREATE INDEX log_entries_by_subject ON log_entries (subject_id, seq);
CREATE INDEX log_entries_by_outcome ON log_entries (outcome, lawful_basis, seq);
CREATE INDEX log_entries_by_review ON log_entries (reviews) WHERE reviews IS NOT NULL;
DROP TABLE log_index_rows;
DROP TABLE log_sequence;

CREATE TABLE log_head (
    id INTEGER PRIMARY KEY NOT NULL CHECK (id = 1),
    size BIGINT NOT NULL,
    last_hash TEXT NOT NULL,
    frontier TEXT NOT NULL
);
INSERT INTO log_head (id, size, last_hash, frontier)
    SELECT h.id, i.size, h.last_hash, i.frontier FROM log_sequence_head h JOIN log_index_head i ON i.id = h.id;
DROP TABLE log_sequence_head;
DROP TABLE log_index_head;

CREATE TRIGGER log_entries_append_only_update BEFORE UPDATE ON log_entries BEGIN SELECT RAISE(ABORT, 'the disclosure log is append-only'); END;
CREATE TRIGGER log_entries_append_only_delete BEFORE DELETE ON log_entries BEGIN SELECT RAISE(ABORT, 'the disclosure log is append-only'); END;
CREATE TRIGGER log_blocks_append_only_update BEFORE UPDATE ON log_blocks BEGIN SELECT RAISE(ABORT, 'the disclosure log is append-only'); END;
CREATE TRIGGER log_blocks_append_only_delete BEFORE DELETE ON log_blocks BEGIN SELECT RAISE(ABORT, 'the disclosure log is append-only'); END;
