-- Core group meetings as the events that make them: created, attendance, a written view, a decision, an
-- endorsement, closed. Each event is sealed by the gateway binding its author. Append-only.
CREATE TABLE meeting_events (
    id TEXT PRIMARY KEY NOT NULL,
    meeting_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    at TIMESTAMP NOT NULL,
    sealed TEXT NOT NULL,
    signature TEXT NOT NULL
);
CREATE INDEX meeting_events_by_meeting ON meeting_events (meeting_id, at);
CREATE TRIGGER meeting_events_append_only_update BEFORE UPDATE ON meeting_events BEGIN SELECT RAISE(ABORT, 'meeting records are append-only'); END;
CREATE TRIGGER meeting_events_append_only_delete BEFORE DELETE ON meeting_events BEGIN SELECT RAISE(ABORT, 'meeting records are append-only'); END;
