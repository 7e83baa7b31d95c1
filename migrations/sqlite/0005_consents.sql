-- 0005_consents: the scopes each user approved for each client, remembered until revoked.
-- From `authserver migrations script --provider sqlite`.

CREATE TABLE "consents" (
    "id" INTEGER NOT NULL CONSTRAINT "PK_consents" PRIMARY KEY AUTOINCREMENT,
    "user_id" TEXT NOT NULL,
    "client_id" TEXT NOT NULL,
    "scopes" TEXT NOT NULL,
    "granted_at" TEXT NOT NULL
);

CREATE UNIQUE INDEX "IX_consents_user_id_client_id" ON "consents" ("user_id", "client_id");
