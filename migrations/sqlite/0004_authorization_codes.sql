-- 0004_authorization_codes: authorization codes, stored by hash and bound to client, redirect URI and PKCE challenge.
-- From `authserver migrations script --provider sqlite`.

CREATE TABLE "authorization_codes" (
    "id" TEXT NOT NULL CONSTRAINT "PK_authorization_codes" PRIMARY KEY,
    "client_id" TEXT NOT NULL,
    "subject" TEXT NOT NULL,
    "redirect_uri" TEXT NOT NULL,
    "scopes" TEXT NOT NULL,
    "audiences" TEXT NOT NULL,
    "code_challenge" TEXT NULL,
    "nonce" TEXT NULL,
    "auth_time" INTEGER NOT NULL,
    "amr" TEXT NOT NULL,
    "session_id" TEXT NULL,
    "family_id" TEXT NOT NULL,
    "issued_at" INTEGER NOT NULL,
    "expires_at" INTEGER NOT NULL,
    "redeemed_at" INTEGER NULL
);

CREATE INDEX "IX_authorization_codes_expires_at" ON "authorization_codes" ("expires_at");
