-- 0004_authorization_codes: authorization codes, stored by hash and bound to client, redirect URI and PKCE challenge.
-- From `authserver migrations script --provider postgresql`.

CREATE TABLE authorization_codes (
    id character varying(64) NOT NULL,
    client_id character varying(200) NOT NULL,
    subject character varying(200) NOT NULL,
    redirect_uri character varying(2000) NOT NULL,
    scopes text NOT NULL,
    audiences text NOT NULL,
    code_challenge character varying(43),
    nonce character varying(500),
    auth_time bigint NOT NULL,
    amr character varying(100) NOT NULL,
    session_id character varying(64),
    family_id character varying(64) NOT NULL,
    issued_at bigint NOT NULL,
    expires_at bigint NOT NULL,
    redeemed_at bigint,
    CONSTRAINT "PK_authorization_codes" PRIMARY KEY (id)
);

CREATE INDEX "IX_authorization_codes_expires_at" ON authorization_codes (expires_at);
