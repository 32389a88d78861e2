DROP TABLE privacy_notices;
