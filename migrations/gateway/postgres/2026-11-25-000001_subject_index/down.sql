DROP TABLE subject_local_refs;
DROP TABLE subjects;
