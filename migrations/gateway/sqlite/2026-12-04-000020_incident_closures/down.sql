DROP TABLE incident_closures;
