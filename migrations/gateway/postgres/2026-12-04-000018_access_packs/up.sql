-- ¶28 and UK GDPR Art. 15: a DPO's subject-access packs, as the events that make them — drafted (the child's history
-- with the agency, in words for the family), a passage marked to be withheld (with why), released (what the family
-- was given and what was withheld). Each event is sealed by the gateway binding the DPO. Append-only.
CREATE TABLE access_pack_events (
    id TEXT PRIMARY KEY NOT NULL,
    pack_id TEXT NOT NULL,
    agency TEXT NOT NULL,
    kind TEXT NOT NULL,
    at TIMESTAMP NOT NULL,
    sealed TEXT NOT NULL,
    signature TEXT NOT NULL
);
CREATE INDEX access_pack_events_by_pack ON access_pack_events (pack_id, at);
CREATE TRIGGER access_pack_events_append_only BEFORE UPDATE OR DELETE ON access_pack_events
    FOR EACH ROW EXECUTE FUNCTION sharegate_append_only();
