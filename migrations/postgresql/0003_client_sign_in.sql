-- 0003_client_sign_in: what a client needs for people to sign in through it (redirect URIs, PKCE, consent, MFA,
-- ID token algorithm, refresh-token lifetimes). Columns as `authserver migrations script --provider postgresql` declares them.

ALTER TABLE clients
    ADD COLUMN redirect_uris text[],
    ADD COLUMN post_logout_redirect_uris text[],
    ADD COLUMN pkce_optional boolean NOT NULL DEFAULT FALSE,
    ADD COLUMN require_consent boolean NOT NULL DEFAULT FALSE,
    ADD COLUMN require_mfa boolean NOT NULL DEFAULT FALSE,
    ADD COLUMN id_token_signing_algorithm character varying(10) NOT NULL DEFAULT 'RS256',
    ADD COLUMN refresh_token_lifetime_seconds integer NOT NULL DEFAULT 2592000,
    ADD COLUMN refresh_token_idle_seconds integer NOT NULL DEFAULT 1209600;
