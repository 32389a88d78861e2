DROP TRIGGER tombstones_are_permanent ON record_tombstones;
DROP TRIGGER records_leave_only_by_retention ON records;
DROP TRIGGER records_are_never_edited ON records;
DROP FUNCTION sharegate_tombstones_permanent();
DROP FUNCTION sharegate_records_leave_only_by_retention();
DROP FUNCTION sharegate_records_never_edited();
DROP FUNCTION sharegate_refuse(TEXT);
DROP TABLE record_tombstones;
DROP TABLE records;
