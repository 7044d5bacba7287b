-- G1: what pipelines tell us. IaC attachments bound to change versions,
-- every deploy gate decision and reported deployment, ad-hoc freezes, and
-- inbound webhook deliveries (unique per source + delivery id: replays are
-- recognised and do nothing).

CREATE TABLE iac_attachments (
  id              TEXT PRIMARY KEY,
  change_id       TEXT NOT NULL REFERENCES changes (id),
  format          TEXT NOT NULL,
  digest          TEXT NOT NULL,
  sha256          TEXT NOT NULL,
  filename        TEXT NOT NULL DEFAULT '',
  size            BIGINT NOT NULL,
  categories      TEXT NOT NULL,
  impact_raised   TEXT NOT NULL,
  report          TEXT NOT NULL,
  content_version BIGINT NOT NULL,
  evidence_id     TEXT NOT NULL,
  added_by_id     TEXT NOT NULL,
  added_by        TEXT NOT NULL,
  created_at      BIGINT NOT NULL
);
CREATE INDEX iac_attachments_change ON iac_attachments (change_id, created_at);

CREATE TABLE deployments (
  id            TEXT PRIMARY KEY,
  kind          TEXT NOT NULL,
  service       TEXT NOT NULL,
  environment   TEXT NOT NULL,
  commit_sha    TEXT NOT NULL DEFAULT '',
  image_digest  TEXT NOT NULL DEFAULT '',
  plan_digest   TEXT NOT NULL DEFAULT '',
  change_id     TEXT NOT NULL DEFAULT '',
  change_number BIGINT NOT NULL DEFAULT 0,
  decision      TEXT NOT NULL,
  reasons       TEXT NOT NULL,
  flags         TEXT NOT NULL,
  source        TEXT NOT NULL,
  status        TEXT NOT NULL DEFAULT '',
  url           TEXT NOT NULL DEFAULT '',
  actor_id      TEXT NOT NULL,
  actor         TEXT NOT NULL,
  created_at    BIGINT NOT NULL
);
CREATE INDEX deployments_change ON deployments (change_id, created_at);
CREATE INDEX deployments_target ON deployments (service, environment, created_at);

CREATE TABLE freezes (
  id           TEXT PRIMARY KEY,
  description  TEXT NOT NULL,
  environments TEXT NOT NULL,
  start_at     BIGINT NOT NULL,
  end_at       BIGINT NOT NULL,
  allow_types  TEXT NOT NULL,
  created_by   TEXT NOT NULL,
  created_at   BIGINT NOT NULL,
  lifted_at    BIGINT,
  lifted_by    TEXT NOT NULL DEFAULT ''
);
CREATE INDEX freezes_end ON freezes (end_at);

CREATE TABLE inbound_deliveries (
  source      TEXT NOT NULL,
  delivery_id TEXT NOT NULL,
  event       TEXT NOT NULL,
  action      TEXT NOT NULL DEFAULT '',
  outcome     TEXT NOT NULL DEFAULT '',
  result      TEXT NOT NULL,
  received_at BIGINT NOT NULL,
  PRIMARY KEY (source, delivery_id)
);

-- Commits, images and plans known to belong to a change (from pull/merge
-- request webhooks, pushes to a change's branch, and attached plans). The
-- gate uses them to tell which change covers an artifact.
CREATE TABLE change_artifacts (
  change_id  TEXT NOT NULL REFERENCES changes (id),
  kind       TEXT NOT NULL,
  value      TEXT NOT NULL,
  source     TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  PRIMARY KEY (change_id, kind, value)
);
CREATE INDEX change_artifacts_value ON change_artifacts (kind, value);

CREATE INDEX changes_target ON changes (service, environment, state);
