DROP TRIGGER endorsements_append_only ON consent_endorsements;
DROP TRIGGER decisions_append_only ON consent_decisions;
DROP TRIGGER withdrawals_append_only ON consent_withdrawals;
DROP TRIGGER consents_append_only ON consents;
DROP FUNCTION sharegate_append_only();
DROP TABLE consent_endorsements;
DROP TABLE consent_decisions;
DROP TABLE consent_withdrawals;
DROP TABLE consents;
