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

CREATE FUNCTION sharegate_log_append_only() RETURNS TRIGGER AS $$
BEGIN
    RAISE EXCEPTION '% is append-only', TG_TABLE_NAME;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER access_register_append_only BEFORE UPDATE OR DELETE ON access_register
    FOR EACH ROW EXECUTE FUNCTION sharegate_log_append_only();
