-- 0006_refresh_tokens: what refresh-token rotation records on a token row (when it was exchanged, for which
-- successor, and the family's absolute end). Columns as `authserver migrations script --provider sqlite` declares them.

ALTER TABLE "tokens" ADD COLUMN "consumed_at" INTEGER NULL;

ALTER TABLE "tokens" ADD COLUMN "successor_id" TEXT NULL;

ALTER TABLE "tokens" ADD COLUMN "absolute_expires_at" INTEGER NULL;
