-- 0009_audit_chain: the audit log becomes a hash chain (each entry holds its place, the previous entry's hash and its
-- own), and records who made an admin change (actor), from where (source) and its before/after (data, JSON). Rows
-- written before this migration are chained in id order by a code step in the same transaction (AuditChain).
-- From `authserver migrations script --provider postgresql`.

ALTER TABLE audit_events ADD COLUMN sequence bigint;

ALTER TABLE audit_events ADD COLUMN actor character varying(200);

ALTER TABLE audit_events ADD COLUMN source character varying(100);

ALTER TABLE audit_events ADD COLUMN data text;

ALTER TABLE audit_events ADD COLUMN previous_hash character varying(64);

ALTER TABLE audit_events ADD COLUMN hash character varying(64);

CREATE UNIQUE INDEX "IX_audit_events_sequence" ON audit_events (sequence);
