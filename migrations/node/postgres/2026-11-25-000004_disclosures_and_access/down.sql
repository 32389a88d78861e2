DROP TRIGGER access_register_append_only ON access_register;
DROP FUNCTION sharegate_log_append_only();
DROP TABLE access_register;
