-- Foundation (PostgreSQL): the same tables and meaning as the SQLite schema.
-- Timestamps are microseconds since the Unix epoch (UTC) in BIGINT; hashes
-- and keys are BYTEA. Migrations run as the schema owner; `changeledger
-- migrate --app-role ROLE` grants the serving role only what it needs (and
-- never UPDATE, DELETE or TRUNCATE on the audit tables).

CREATE TABLE users (
  id                   TEXT PRIMARY KEY,
  username             TEXT NOT NULL UNIQUE,
  display_name         TEXT NOT NULL,
  email                TEXT NOT NULL DEFAULT '',
  kind                 TEXT NOT NULL CHECK (kind IN ('human', 'service')),
  password_hash        TEXT NOT NULL DEFAULT '',
  must_change_password BIGINT NOT NULL DEFAULT 0 CHECK (must_change_password IN (0, 1)),
  disabled_at          BIGINT,
  created_at           BIGINT NOT NULL,
  updated_at           BIGINT NOT NULL,
  version              BIGINT NOT NULL DEFAULT 1
);

CREATE TABLE user_roles (
  user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  role    TEXT NOT NULL CHECK (role IN ('admin', 'change_manager', 'approver', 'implementer',
                                        'auditor', 'ci')),
  PRIMARY KEY (user_id, role)
);
CREATE INDEX user_roles_role ON user_roles (role);

CREATE TABLE api_tokens (
  id           TEXT PRIMARY KEY,
  user_id      TEXT NOT NULL REFERENCES users (id),
  name         TEXT NOT NULL,
  secret_hash  BYTEA NOT NULL UNIQUE,
  scopes       TEXT NOT NULL,
  created_at   BIGINT NOT NULL,
  created_by   TEXT NOT NULL,
  expires_at   BIGINT NOT NULL,
  revoked_at   BIGINT,
  last_used_at BIGINT
);
CREATE INDEX api_tokens_user ON api_tokens (user_id);

CREATE TABLE sessions (
  id           TEXT PRIMARY KEY,
  secret_hash  BYTEA NOT NULL UNIQUE,
  user_id      TEXT NOT NULL REFERENCES users (id),
  csrf_token   TEXT NOT NULL,
  created_at   BIGINT NOT NULL,
  expires_at   BIGINT NOT NULL,
  last_seen_at BIGINT NOT NULL,
  revoked_at   BIGINT,
  client_ip    TEXT NOT NULL DEFAULT '',
  user_agent   TEXT NOT NULL DEFAULT ''
);
CREATE INDEX sessions_user ON sessions (user_id);

-- hash = SHA-256(previous hash || body); body is the canonical JSON event.
-- The query columns are derived from the body, so they cannot disagree with it.
-- seq is assigned by the application under the store's write lock: one total
-- order across every server process (no sequence: a sequence leaves gaps).
CREATE TABLE audit_events (
  seq         BIGINT PRIMARY KEY,
  hash        BYTEA NOT NULL,
  body        TEXT NOT NULL,
  action      TEXT GENERATED ALWAYS AS ((body::jsonb) ->> 'action') STORED,
  object_type TEXT GENERATED ALWAYS AS ((body::jsonb) -> 'object' ->> 'type') STORED,
  object_id   TEXT GENERATED ALWAYS AS ((body::jsonb) -> 'object' ->> 'id') STORED,
  actor_id    TEXT GENERATED ALWAYS AS ((body::jsonb) -> 'actor' ->> 'id') STORED
);
CREATE INDEX audit_events_object ON audit_events (object_type, object_id, seq);
CREATE INDEX audit_events_actor ON audit_events (actor_id, seq);

-- Append-only, whoever asks: the app role has no UPDATE/DELETE/TRUNCATE grant,
-- and these triggers refuse them for the owner too. Deliberate tampering
-- (a superuser dropping the triggers) is caught by `changeledger audit verify`.
CREATE FUNCTION cl_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '% is append-only', TG_TABLE_NAME USING ERRCODE = 'P0001';
END;
$$;

CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events
  FOR EACH ROW EXECUTE FUNCTION cl_append_only();
CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
  FOR EACH STATEMENT EXECUTE FUNCTION cl_append_only();

CREATE TABLE audit_keys (
  key_id     TEXT PRIMARY KEY,
  public_key BYTEA NOT NULL,
  created_at BIGINT NOT NULL
);

CREATE TABLE audit_checkpoints (
  seq       BIGINT PRIMARY KEY,
  hash      BYTEA NOT NULL,
  signed_at BIGINT NOT NULL,
  key_id    TEXT NOT NULL REFERENCES audit_keys (key_id),
  signature BYTEA NOT NULL
);

CREATE TRIGGER audit_checkpoints_append_only BEFORE UPDATE OR DELETE ON audit_checkpoints
  FOR EACH ROW EXECUTE FUNCTION cl_append_only();
CREATE TRIGGER audit_checkpoints_no_truncate BEFORE TRUNCATE ON audit_checkpoints
  FOR EACH STATEMENT EXECUTE FUNCTION cl_append_only();
CREATE TRIGGER audit_keys_append_only BEFORE UPDATE OR DELETE ON audit_keys
  FOR EACH ROW EXECUTE FUNCTION cl_append_only();
CREATE TRIGGER audit_keys_no_truncate BEFORE TRUNCATE ON audit_keys
  FOR EACH STATEMENT EXECUTE FUNCTION cl_append_only();
