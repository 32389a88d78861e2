ALTER TABLE access_register DROP COLUMN refused;
DROP TABLE node_children;
