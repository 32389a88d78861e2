-- A node knows its own children: which NHS number each of its references belongs to, as its own practitioners
-- recorded it. The gateway says the NHS number of the child it asks about with every read, and the node refuses a
-- read whose reference and NHS number disagree (a link to the wrong child), noting it in its access register.
CREATE TABLE node_children (
    local_ref TEXT PRIMARY KEY NOT NULL,
    nhs_number TEXT NOT NULL,
    recorded_at TIMESTAMP NOT NULL,
    recorded_by_person TEXT NOT NULL,
    recorded_by_serial TEXT NOT NULL
);
-- Why a read was refused ('subject_mismatch'); NULL for a read that was answered.
ALTER TABLE access_register ADD COLUMN refused TEXT;
