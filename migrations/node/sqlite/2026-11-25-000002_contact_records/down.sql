DROP TRIGGER tombstones_are_never_removed;
DROP TRIGGER tombstones_are_never_edited;
DROP TRIGGER records_leave_only_by_retention;
DROP TRIGGER records_are_never_edited;
DROP TABLE record_tombstones;
DROP INDEX records_by_original;
DROP INDEX records_by_subject;
DROP TABLE records;
