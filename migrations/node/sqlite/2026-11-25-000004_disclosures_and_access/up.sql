-- A node's access register: every read of its records, and for whom the gateway read them.
CREATE TABLE access_register (
    id TEXT PRIMARY KEY NOT NULL,
    at TIMESTAMP NOT NULL,
    disclosure_id TEXT,
    requester TEXT NOT NULL,
    purpose TEXT NOT NULL,
    reader TEXT NOT NULL,
    subject_ref TEXT NOT NULL,
    categories TEXT NOT NULL,
    returned BIGINT NOT NULL
);
CREATE INDEX access_register_by_time ON access_register (at);

CREATE TRIGGER access_register_append_only_update BEFORE UPDATE ON access_register BEGIN SELECT RAISE(ABORT, 'the access register is append-only'); END;
CREATE TRIGGER access_register_append_only_delete BEFORE DELETE ON access_register BEGIN SELECT RAISE(ABORT, 'the access register is append-only'); END;
