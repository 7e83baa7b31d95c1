-- 0012_private_key_jwt: a client's public keys for private_key_jwt (RFC 7523), registered inline as a JWK Set (null on
-- existing rows: no keys), and the jti values of used client assertions, each kept until its assertion expires so it
-- authenticates once across every node. From `authserver migrations script --provider sqlite`.

ALTER TABLE "clients" ADD COLUMN "jwks" TEXT NULL;

CREATE TABLE "client_assertion_jtis" (
    "client_id" TEXT NOT NULL,
    "jti" TEXT NOT NULL,
    "expires_at" INTEGER NOT NULL,
    CONSTRAINT "PK_client_assertion_jtis" PRIMARY KEY ("client_id", "jti")
);

CREATE INDEX "IX_client_assertion_jtis_expires_at" ON "client_assertion_jtis" ("expires_at");
