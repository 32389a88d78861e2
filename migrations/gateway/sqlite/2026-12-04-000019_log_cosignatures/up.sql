-- Witnesses' co-signatures of the log's checkpoints: an agency's witness co-signs a checkpoint once it has checked
-- that the log extends the last checkpoint it co-signed. Published with the checkpoint; the first per witness and
-- size is kept. `cosigned_at` is when it was made (seconds since the epoch), `public_key` the witness's key (hex) that
-- signed it. Append-only.
CREATE TABLE log_cosignatures (
    size BIGINT NOT NULL,
    witness TEXT NOT NULL,
    cosigned_at BIGINT NOT NULL,
    public_key TEXT NOT NULL,
    signature TEXT NOT NULL,
    PRIMARY KEY (size, witness)
);
CREATE TRIGGER log_cosignatures_append_only_update BEFORE UPDATE ON log_cosignatures BEGIN SELECT RAISE(ABORT, 'the disclosure log is append-only'); END;
CREATE TRIGGER log_cosignatures_append_only_delete BEFORE DELETE ON log_cosignatures BEGIN SELECT RAISE(ABORT, 'the disclosure log is append-only'); END;
