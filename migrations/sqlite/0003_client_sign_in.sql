-- 0003_client_sign_in: what a client needs for people to sign in through it (redirect URIs, PKCE, consent, MFA,
-- ID token algorithm, refresh-token lifetimes). Columns as `authserver migrations script --provider sqlite` declares them.

ALTER TABLE "clients" ADD COLUMN "redirect_uris" TEXT NULL;

ALTER TABLE "clients" ADD COLUMN "post_logout_redirect_uris" TEXT NULL;

ALTER TABLE "clients" ADD COLUMN "pkce_optional" INTEGER NOT NULL DEFAULT 0;

ALTER TABLE "clients" ADD COLUMN "require_consent" INTEGER NOT NULL DEFAULT 0;

ALTER TABLE "clients" ADD COLUMN "require_mfa" INTEGER NOT NULL DEFAULT 0;

ALTER TABLE "clients" ADD COLUMN "id_token_signing_algorithm" TEXT NOT NULL DEFAULT 'RS256';

ALTER TABLE "clients" ADD COLUMN "refresh_token_lifetime_seconds" INTEGER NOT NULL DEFAULT 2592000;

ALTER TABLE "clients" ADD COLUMN "refresh_token_idle_seconds" INTEGER NOT NULL DEFAULT 1209600;
