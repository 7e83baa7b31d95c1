-- 0008_data_protection_keys: ASP.NET Core Data Protection's key ring (the keys behind session cookies and
-- antiforgery tokens), shared by every node on the database; each key's secret is sealed under the master key.
-- From `authserver migrations script --provider sqlite`.

CREATE TABLE "data_protection_keys" (
    "id" INTEGER NOT NULL CONSTRAINT "PK_data_protection_keys" PRIMARY KEY AUTOINCREMENT,
    "friendly_name" TEXT NOT NULL,
    "xml" TEXT NOT NULL
);
