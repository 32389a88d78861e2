DROP TRIGGER disclosures_append_only ON disclosures;
DROP FUNCTION sharegate_log_append_only();
DROP TABLE disclosures;
