DROP TABLE access_pack_events;
