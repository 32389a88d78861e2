DROP TRIGGER access_register_append_only_delete;
DROP TRIGGER access_register_append_only_update;
DROP TRIGGER disclosures_append_only_delete;
DROP TRIGGER disclosures_append_only_update;
DROP INDEX access_register_by_time;
DROP TABLE access_register;
DROP INDEX disclosures_by_subject;
DROP TABLE disclosures;
