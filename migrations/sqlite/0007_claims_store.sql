-- 0007_claims_store: the central claims store (claim types, what each scope releases, client claim values; user
-- values live in Identity's user_claims), internal APIs, client token exchange policies, and the claims fixed on an
-- access token when it is issued. From `authserver migrations script --provider sqlite`.

CREATE TABLE "claim_types" (
    "id" INTEGER NOT NULL CONSTRAINT "PK_claim_types" PRIMARY KEY AUTOINCREMENT,
    "name" TEXT NOT NULL,
    "description" TEXT NULL,
    "value_type" TEXT NOT NULL,
    "sensitive" INTEGER NOT NULL,
    "created_at" TEXT NOT NULL,
    "updated_at" TEXT NOT NULL
);

CREATE UNIQUE INDEX "IX_claim_types_name" ON "claim_types" ("name");

CREATE TABLE "client_claims" (
    "id" INTEGER NOT NULL CONSTRAINT "PK_client_claims" PRIMARY KEY AUTOINCREMENT,
    "client_id" INTEGER NOT NULL,
    "type" TEXT NOT NULL,
    "value" TEXT NOT NULL,
    CONSTRAINT "FK_client_claims_clients_client_id" FOREIGN KEY ("client_id") REFERENCES "clients" ("id") ON DELETE CASCADE
);

CREATE INDEX "IX_client_claims_client_id" ON "client_claims" ("client_id");

ALTER TABLE "scopes" ADD COLUMN "claims" TEXT NULL;

ALTER TABLE "apis" ADD COLUMN "internal" INTEGER NOT NULL DEFAULT 0;

ALTER TABLE "clients" ADD COLUMN "token_exchange" TEXT NULL;

ALTER TABLE "tokens" ADD COLUMN "claims" TEXT NULL;
