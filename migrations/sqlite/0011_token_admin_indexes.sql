-- 0011_token_admin_indexes: the admin pages and API find tokens by client or by user, newest first; without these
-- each search reads the whole token table. From `authserver migrations script --provider sqlite`.

CREATE INDEX "IX_tokens_client_id_issued_at" ON "tokens" ("client_id", "issued_at");
CREATE INDEX "IX_tokens_subject_issued_at" ON "tokens" ("subject", "issued_at");
