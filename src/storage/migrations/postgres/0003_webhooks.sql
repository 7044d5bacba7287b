-- Outbound notifications: webhook endpoints and the delivery log (every
-- attempt's outcome), filled in the same transaction as the change event.

CREATE TABLE webhooks (
  id          TEXT PRIMARY KEY,
  url         TEXT NOT NULL,
  secret      TEXT NOT NULL,
  events      TEXT NOT NULL,
  description TEXT NOT NULL DEFAULT '',
  active      BIGINT NOT NULL CHECK (active IN (0, 1)),
  created_by  TEXT NOT NULL,
  created_at  BIGINT NOT NULL
);

CREATE TABLE webhook_deliveries (
  id              TEXT PRIMARY KEY,
  webhook_id      TEXT NOT NULL REFERENCES webhooks (id),
  event           TEXT NOT NULL,
  object_id       TEXT NOT NULL,
  payload         TEXT NOT NULL,
  status          TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
  attempts        BIGINT NOT NULL,
  next_attempt_at BIGINT NOT NULL,
  last_status     BIGINT NOT NULL,
  last_error      TEXT NOT NULL,
  created_at      BIGINT NOT NULL,
  delivered_at    BIGINT
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_hook ON webhook_deliveries (webhook_id, created_at);
