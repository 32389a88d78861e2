-- UK GDPR Art. 33: a breach a DPO found on review is an incident, opened by the review entries in the log that name
-- it; it stays open until a DPO of the same agency closes it with an outcome (reported to the ICO, not reportable,
-- not a breach after all) and a note. Each closure is sealed by the gateway binding the DPO; once per incident.
-- Append-only.
CREATE TABLE incident_closures (
    incident_id TEXT PRIMARY KEY NOT NULL,
    agency TEXT NOT NULL,
    closed_at TIMESTAMP NOT NULL,
    sealed TEXT NOT NULL,
    signature TEXT NOT NULL
);
CREATE TRIGGER incident_closures_append_only BEFORE UPDATE OR DELETE ON incident_closures
    FOR EACH ROW EXECUTE FUNCTION sharegate_append_only();
