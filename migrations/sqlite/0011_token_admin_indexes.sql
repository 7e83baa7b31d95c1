-- 0011_token_admin_indexes: the admin pages and API find tokens by client or by user, newest first, and revoke one by
-- its jti; without these each of those reads the whole token table. From `authserver migrations script --provider sqlite`.

CREATE INDEX "IX_tokens_client_id_issued_at" ON "tokens" ("client_id", "issued_at");
CREATE INDEX "IX_tokens_subject_issued_at" ON "tokens" ("subject", "issued_at");
CREATE INDEX "IX_tokens_jti" ON "tokens" ("jti");
