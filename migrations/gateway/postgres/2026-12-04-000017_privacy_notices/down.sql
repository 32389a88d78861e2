DROP TRIGGER privacy_notices_append_only ON privacy_notices;
DROP TABLE privacy_notices;
