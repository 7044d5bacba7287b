-- Change control (C1): change records with append-only content versions,
-- transitions, approvals bound to a content hash, evidence with
-- content-addressed files, reviews, the versioned change policy and
-- findings. JSON columns hold documents the API returns as they are.

CREATE TABLE policy_versions (
  version    INTEGER PRIMARY KEY,
  sha256     TEXT NOT NULL,
  name       TEXT NOT NULL,
  source     TEXT NOT NULL,
  origin     TEXT NOT NULL,
  created_by TEXT NOT NULL,
  created_at INTEGER NOT NULL
) STRICT;

-- number is the rowid: CHG-<number>, allocated as MAX + 1 by the single
-- writer (no counter row, so a create writes fewer pages).
CREATE TABLE changes (
  number            INTEGER PRIMARY KEY,
  id                TEXT NOT NULL UNIQUE,
  type              TEXT NOT NULL,
  state             TEXT NOT NULL,
  risk              TEXT NOT NULL,
  service           TEXT NOT NULL,
  environment       TEXT NOT NULL,
  category          TEXT NOT NULL,
  title             TEXT NOT NULL,
  requestor_id      TEXT NOT NULL,
  requestor         TEXT NOT NULL,
  implementer_id    TEXT NOT NULL DEFAULT '',
  implementer       TEXT NOT NULL DEFAULT '',
  policy_version    INTEGER NOT NULL DEFAULT 0,
  content_version   INTEGER NOT NULL,
  material_sha256   TEXT NOT NULL,
  content           TEXT NOT NULL,
  assessment        TEXT NOT NULL DEFAULT 'null',
  verification      TEXT NOT NULL DEFAULT 'null',
  planned_start     INTEGER,
  planned_end       INTEGER,
  submitted_at      INTEGER,
  approved_at       INTEGER,
  scheduled_at      INTEGER,
  started_at        INTEGER,
  implemented_at    INTEGER,
  verified_at       INTEGER,
  closed_at         INTEGER,
  review_deadline   INTEGER,
  retrospective_at  INTEGER,
  needs_independent_review INTEGER NOT NULL DEFAULT 0,
  created_at        INTEGER NOT NULL,
  updated_at        INTEGER NOT NULL,
  row_version       INTEGER NOT NULL
) STRICT;
CREATE INDEX changes_state ON changes (state);
CREATE INDEX changes_service ON changes (service);
CREATE INDEX changes_requestor ON changes (requestor);
CREATE INDEX changes_created ON changes (created_at);
CREATE INDEX changes_planned ON changes (planned_start);
CREATE INDEX changes_emergency_due ON changes (review_deadline) WHERE review_deadline IS NOT NULL;

CREATE TABLE change_versions (
  change_id       TEXT NOT NULL REFERENCES changes (id),
  version         INTEGER NOT NULL,
  material_sha256 TEXT NOT NULL,
  content         TEXT NOT NULL,
  author_id       TEXT NOT NULL,
  author          TEXT NOT NULL,
  created_at      INTEGER NOT NULL,
  PRIMARY KEY (change_id, version)
) STRICT, WITHOUT ROWID;

CREATE TABLE change_transitions (
  seq        INTEGER PRIMARY KEY,
  change_id  TEXT NOT NULL REFERENCES changes (id),
  from_state TEXT NOT NULL,
  to_state   TEXT NOT NULL,
  action     TEXT NOT NULL,
  actor_id   TEXT NOT NULL,
  actor      TEXT NOT NULL,
  at         INTEGER NOT NULL,
  note       TEXT NOT NULL DEFAULT ''
) STRICT;
CREATE INDEX change_transitions_change ON change_transitions (change_id, seq);

CREATE TABLE approvals (
  id              TEXT PRIMARY KEY,
  change_id       TEXT NOT NULL REFERENCES changes (id),
  approver_id     TEXT NOT NULL,
  approver        TEXT NOT NULL,
  role            TEXT NOT NULL,
  decision        TEXT NOT NULL CHECK (decision IN ('approve', 'reject')),
  comment         TEXT NOT NULL DEFAULT '',
  content_version INTEGER NOT NULL,
  material_sha256 TEXT NOT NULL,
  retrospective   INTEGER NOT NULL DEFAULT 0,
  compensating    INTEGER NOT NULL DEFAULT 0,
  created_at      INTEGER NOT NULL,
  voided_at       INTEGER,
  voided_reason   TEXT NOT NULL DEFAULT ''
) STRICT;
CREATE INDEX approvals_change ON approvals (change_id, created_at);

CREATE TABLE blobs (
  sha256       TEXT PRIMARY KEY,
  content_type TEXT NOT NULL,
  size         INTEGER NOT NULL,
  data         BLOB NOT NULL,
  created_at   INTEGER NOT NULL
) STRICT;

CREATE TABLE evidence (
  id            TEXT PRIMARY KEY,
  change_id     TEXT NOT NULL REFERENCES changes (id),
  kind          TEXT NOT NULL,
  url           TEXT NOT NULL DEFAULT '',
  sha256        TEXT NOT NULL DEFAULT '',
  filename      TEXT NOT NULL DEFAULT '',
  content_type  TEXT NOT NULL DEFAULT '',
  size          INTEGER NOT NULL DEFAULT 0,
  note          TEXT NOT NULL DEFAULT '',
  added_by_id   TEXT NOT NULL,
  added_by      TEXT NOT NULL,
  created_at    INTEGER NOT NULL,
  status        TEXT NOT NULL,
  status_reason TEXT NOT NULL DEFAULT ''
) STRICT;
CREATE INDEX evidence_change ON evidence (change_id, created_at);

CREATE TABLE reviews (
  id          TEXT PRIMARY KEY,
  change_id   TEXT NOT NULL REFERENCES changes (id),
  kind        TEXT NOT NULL,
  reviewer_id TEXT NOT NULL,
  reviewer    TEXT NOT NULL,
  outcome     TEXT NOT NULL,
  notes       TEXT NOT NULL DEFAULT '',
  created_at  INTEGER NOT NULL
) STRICT;
CREATE INDEX reviews_change ON reviews (change_id, created_at);

CREATE TABLE findings (
  id          TEXT PRIMARY KEY,
  kind        TEXT NOT NULL,
  severity    TEXT NOT NULL,
  object_type TEXT NOT NULL,
  object_id   TEXT NOT NULL,
  controls    TEXT NOT NULL,
  summary     TEXT NOT NULL,
  details     TEXT NOT NULL,
  status      TEXT NOT NULL,
  created_at  INTEGER NOT NULL
) STRICT;
CREATE UNIQUE INDEX findings_open_once ON findings (kind, object_type, object_id) WHERE status = 'open';
