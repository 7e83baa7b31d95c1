-- 0001_initial: the first schema, generated from the EF model by `authserver migrations script --provider sqlite`.

CREATE TABLE "apis" (
    "id" INTEGER NOT NULL CONSTRAINT "PK_apis" PRIMARY KEY AUTOINCREMENT,
    "name" TEXT NOT NULL,
    "display_name" TEXT NULL,
    "scopes" TEXT NOT NULL,
    "signing_algorithm" TEXT NOT NULL,
    "enabled" INTEGER NOT NULL,
    "created_at" TEXT NOT NULL,
    "updated_at" TEXT NOT NULL
);


CREATE TABLE "audit_events" (
    "id" INTEGER NOT NULL CONSTRAINT "PK_audit_events" PRIMARY KEY AUTOINCREMENT,
    "occurred_at" INTEGER NOT NULL,
    "action" TEXT NOT NULL,
    "outcome" TEXT NOT NULL,
    "client_id" TEXT NULL,
    "subject" TEXT NULL,
    "target" TEXT NULL,
    "detail" TEXT NULL
);


CREATE TABLE "clients" (
    "id" INTEGER NOT NULL CONSTRAINT "PK_clients" PRIMARY KEY AUTOINCREMENT,
    "client_id" TEXT NOT NULL,
    "display_name" TEXT NULL,
    "type" TEXT NOT NULL,
    "enabled" INTEGER NOT NULL,
    "grant_types" TEXT NOT NULL,
    "allowed_scopes" TEXT NOT NULL,
    "default_scopes" TEXT NOT NULL,
    "allowed_apis" TEXT NOT NULL,
    "introspection_apis" TEXT NOT NULL,
    "access_token_format" TEXT NOT NULL,
    "access_token_lifetime_seconds" INTEGER NOT NULL,
    "created_at" TEXT NOT NULL,
    "updated_at" TEXT NOT NULL
);


CREATE TABLE "scopes" (
    "id" INTEGER NOT NULL CONSTRAINT "PK_scopes" PRIMARY KEY AUTOINCREMENT,
    "name" TEXT NOT NULL,
    "description" TEXT NULL,
    "created_at" TEXT NOT NULL,
    "updated_at" TEXT NOT NULL
);


CREATE TABLE "signing_keys" (
    "kid" TEXT NOT NULL CONSTRAINT "PK_signing_keys" PRIMARY KEY,
    "algorithm" TEXT NOT NULL,
    "state" TEXT NOT NULL,
    "created_at" TEXT NOT NULL,
    "activated_at" TEXT NULL,
    "retired_at" TEXT NULL,
    "public_jwk" TEXT NOT NULL,
    "encrypted_private_key" BLOB NOT NULL
);


CREATE TABLE "tokens" (
    "id" TEXT NOT NULL CONSTRAINT "PK_tokens" PRIMARY KEY,
    "jti" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "format" TEXT NOT NULL,
    "client_id" TEXT NOT NULL,
    "subject" TEXT NOT NULL,
    "scopes" TEXT NOT NULL,
    "audiences" TEXT NOT NULL,
    "issued_at" INTEGER NOT NULL,
    "expires_at" INTEGER NOT NULL,
    "status" TEXT NOT NULL,
    "revoked_at" INTEGER NULL,
    "family_id" TEXT NOT NULL,
    "prune_after" INTEGER NOT NULL
);


CREATE TABLE "client_secrets" (
    "id" INTEGER NOT NULL CONSTRAINT "PK_client_secrets" PRIMARY KEY AUTOINCREMENT,
    "client_id" INTEGER NOT NULL,
    "hash" TEXT NOT NULL,
    "created_at" TEXT NOT NULL,
    CONSTRAINT "FK_client_secrets_clients_client_id" FOREIGN KEY ("client_id") REFERENCES "clients" ("id") ON DELETE CASCADE
);


CREATE UNIQUE INDEX "IX_apis_name" ON "apis" ("name");


CREATE INDEX "IX_audit_events_occurred_at" ON "audit_events" ("occurred_at");


CREATE INDEX "IX_client_secrets_client_id" ON "client_secrets" ("client_id");


CREATE UNIQUE INDEX "IX_clients_client_id" ON "clients" ("client_id");


CREATE UNIQUE INDEX "IX_scopes_name" ON "scopes" ("name");


CREATE INDEX "IX_tokens_family_id" ON "tokens" ("family_id");


CREATE INDEX "IX_tokens_prune_after" ON "tokens" ("prune_after");
