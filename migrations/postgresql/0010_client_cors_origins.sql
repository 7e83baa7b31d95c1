-- 0010_client_cors_origins: the browser origins a client's script may call from (the admin UI edits them; serving
-- CORS headers comes later). Null on existing rows: no origins. From `authserver migrations script --provider postgresql`.

ALTER TABLE clients ADD COLUMN allowed_cors_origins text[];
