DROP TRIGGER disclosures_append_only_delete;
DROP TRIGGER disclosures_append_only_update;
DROP INDEX disclosures_by_subject;
DROP TABLE disclosures;
