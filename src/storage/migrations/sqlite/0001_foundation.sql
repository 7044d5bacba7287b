-- Foundation: users and credentials, the hash-chained audit log with its
-- signed checkpoints and signing keys. Timestamps are microseconds since the
-- Unix epoch (UTC). Secrets are never stored, only SHA-256 or argon2id hashes.

CREATE TABLE users (
  id                   TEXT PRIMARY KEY,
  username             TEXT NOT NULL UNIQUE,
  display_name         TEXT NOT NULL,
  email                TEXT NOT NULL DEFAULT '',
  kind                 TEXT NOT NULL CHECK (kind IN ('human', 'service')),
  password_hash        TEXT NOT NULL DEFAULT '',
  must_change_password INTEGER NOT NULL DEFAULT 0 CHECK (must_change_password IN (0, 1)),
  disabled_at          INTEGER,
  created_at           INTEGER NOT NULL,
  updated_at           INTEGER NOT NULL,
  version              INTEGER NOT NULL DEFAULT 1
) STRICT;

CREATE TABLE user_roles (
  user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  role    TEXT NOT NULL CHECK (role IN ('admin', 'change_manager', 'approver', 'implementer',
                                        'auditor', 'ci')),
  PRIMARY KEY (user_id, role)
) STRICT, WITHOUT ROWID;
CREATE INDEX user_roles_role ON user_roles (role);

CREATE TABLE api_tokens (
  id           TEXT PRIMARY KEY,
  user_id      TEXT NOT NULL REFERENCES users (id),
  name         TEXT NOT NULL,
  secret_hash  BLOB NOT NULL UNIQUE,
  scopes       TEXT NOT NULL,
  created_at   INTEGER NOT NULL,
  created_by   TEXT NOT NULL,
  expires_at   INTEGER NOT NULL,
  revoked_at   INTEGER,
  last_used_at INTEGER
) STRICT;
CREATE INDEX api_tokens_user ON api_tokens (user_id);

CREATE TABLE sessions (
  id           TEXT PRIMARY KEY,
  secret_hash  BLOB NOT NULL UNIQUE,
  user_id      TEXT NOT NULL REFERENCES users (id),
  csrf_token   TEXT NOT NULL,
  created_at   INTEGER NOT NULL,
  expires_at   INTEGER NOT NULL,
  last_seen_at INTEGER NOT NULL,
  revoked_at   INTEGER,
  client_ip    TEXT NOT NULL DEFAULT '',
  user_agent   TEXT NOT NULL DEFAULT ''
) STRICT;
CREATE INDEX sessions_user ON sessions (user_id);

-- hash = SHA-256(previous hash || body); body is the canonical JSON event.
-- The query columns are derived from the body, so they cannot disagree with it.
CREATE TABLE audit_events (
  seq         INTEGER PRIMARY KEY,
  hash        BLOB NOT NULL,
  body        TEXT NOT NULL,
  action      TEXT GENERATED ALWAYS AS (json_extract(body, '$.action')) VIRTUAL,
  object_type TEXT GENERATED ALWAYS AS (json_extract(body, '$.object.type')) VIRTUAL,
  object_id   TEXT GENERATED ALWAYS AS (json_extract(body, '$.object.id')) VIRTUAL,
  actor_id    TEXT GENERATED ALWAYS AS (json_extract(body, '$.actor.id')) VIRTUAL
) STRICT;
CREATE INDEX audit_events_object ON audit_events (object_type, object_id, seq);
CREATE INDEX audit_events_actor ON audit_events (actor_id, seq);

-- The application never changes or removes audit rows; these triggers make an
-- accidental UPDATE/DELETE fail loudly. Deliberate tampering (dropping the
-- triggers) is caught by `changeledger audit verify`.
CREATE TRIGGER audit_events_append_only_update BEFORE UPDATE ON audit_events
BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END;
CREATE TRIGGER audit_events_append_only_delete BEFORE DELETE ON audit_events
BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END;

CREATE TABLE audit_keys (
  key_id     TEXT PRIMARY KEY,
  public_key BLOB NOT NULL,
  created_at INTEGER NOT NULL
) STRICT;

CREATE TABLE audit_checkpoints (
  seq       INTEGER PRIMARY KEY,
  hash      BLOB NOT NULL,
  signed_at INTEGER NOT NULL,
  key_id    TEXT NOT NULL REFERENCES audit_keys (key_id),
  signature BLOB NOT NULL
) STRICT;

CREATE TRIGGER audit_checkpoints_append_only_update BEFORE UPDATE ON audit_checkpoints
BEGIN SELECT RAISE(ABORT, 'audit_checkpoints is append-only'); END;
CREATE TRIGGER audit_checkpoints_append_only_delete BEFORE DELETE ON audit_checkpoints
BEGIN SELECT RAISE(ABORT, 'audit_checkpoints is append-only'); END;
