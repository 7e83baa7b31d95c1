-- 0006_refresh_tokens: what refresh-token rotation records on a token row (when it was exchanged, for which
-- successor, and the family's absolute end). Columns as `authserver migrations script --provider postgresql` declares them.

ALTER TABLE tokens
    ADD COLUMN consumed_at bigint,
    ADD COLUMN successor_id character varying(64),
    ADD COLUMN absolute_expires_at bigint;
