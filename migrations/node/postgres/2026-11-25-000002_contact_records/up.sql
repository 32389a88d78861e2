-- An agency node's contact records. `sealed` is the canonical text the node signed; the other columns repeat parts
-- of it for finding records and are checked against it by `sharegate node verify`.
CREATE TABLE records (
    id TEXT PRIMARY KEY NOT NULL,
    subject_ref TEXT NOT NULL,
    category TEXT NOT NULL,
    retention_class TEXT NOT NULL,
    occurred_at TIMESTAMP NOT NULL,
    recorded_at TIMESTAMP NOT NULL,
    amends TEXT REFERENCES records(id),
    author_agency TEXT NOT NULL,
    author_role TEXT NOT NULL,
    author_person TEXT NOT NULL,
    author_serial TEXT NOT NULL,
    sealed TEXT NOT NULL,
    signature TEXT NOT NULL
);
CREATE INDEX records_by_subject ON records (subject_ref, category);
CREATE INDEX records_by_original ON records (amends);

-- What retention removed: enough to account for each record without keeping it.
CREATE TABLE record_tombstones (
    record_id TEXT PRIMARY KEY NOT NULL,
    sealed_sha256 TEXT NOT NULL,
    category TEXT NOT NULL,
    retention_class TEXT NOT NULL,
    removed_at TIMESTAMP NOT NULL,
    rule TEXT NOT NULL
);

-- Records are evidence (¶23): never edited; removed only by retention, which leaves a tombstone first.
CREATE FUNCTION sharegate_refuse(message TEXT) RETURNS VOID AS $$
BEGIN
    RAISE EXCEPTION '%', message;
END
$$ LANGUAGE plpgsql;

CREATE FUNCTION sharegate_records_never_edited() RETURNS TRIGGER AS $$
BEGIN
    PERFORM sharegate_refuse('records are never edited: post an amendment');
    RETURN NULL;
END
$$ LANGUAGE plpgsql;

CREATE FUNCTION sharegate_records_leave_only_by_retention() RETURNS TRIGGER AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM record_tombstones WHERE record_id = OLD.id) THEN
        PERFORM sharegate_refuse('records are removed only by retention, which leaves a tombstone');
    END IF;
    RETURN OLD;
END
$$ LANGUAGE plpgsql;

CREATE FUNCTION sharegate_tombstones_permanent() RETURNS TRIGGER AS $$
BEGIN
    PERFORM sharegate_refuse('tombstones are permanent');
    RETURN NULL;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER records_are_never_edited BEFORE UPDATE ON records
    FOR EACH ROW EXECUTE FUNCTION sharegate_records_never_edited();
CREATE TRIGGER records_leave_only_by_retention BEFORE DELETE ON records
    FOR EACH ROW EXECUTE FUNCTION sharegate_records_leave_only_by_retention();
CREATE TRIGGER tombstones_are_permanent BEFORE UPDATE OR DELETE ON record_tombstones
    FOR EACH ROW EXECUTE FUNCTION sharegate_tombstones_permanent();
