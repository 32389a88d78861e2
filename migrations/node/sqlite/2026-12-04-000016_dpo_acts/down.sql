ALTER TABLE node_children DROP COLUMN date_of_birth;
DROP TABLE dpo_acts;
