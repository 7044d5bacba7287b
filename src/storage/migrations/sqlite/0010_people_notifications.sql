-- Notifications to people (docs/change-control.md, "Notifications"): each row is one message
-- to one person about one object, listed in their in-app notifications and,
-- unless skipped (with why), e-mailed with retries; the row keeps who was
-- told what, when, and whether it arrived. Preferences say what each user
-- wants e-mailed. Chat webhooks (Slack, Microsoft Teams) are webhooks with a
-- message format. Evidence given as a link to a pull request, merge request
-- or pipeline keeps a snapshot of what the link showed, and when.

CREATE TABLE notifications (
  id              TEXT PRIMARY KEY,
  user_id         TEXT REFERENCES users (id),
  recipient       TEXT NOT NULL,
  kind            TEXT NOT NULL,
  object_id       TEXT NOT NULL,
  subject         TEXT NOT NULL,
  body            TEXT NOT NULL,
  link            TEXT NOT NULL,
  created_at      INTEGER NOT NULL,
  read_at         INTEGER,
  email_to        TEXT NOT NULL,
  email_status    TEXT NOT NULL CHECK (email_status IN ('pending', 'delivered', 'failed', 'skipped')),
  attempts        INTEGER NOT NULL,
  next_attempt_at INTEGER NOT NULL,
  last_error      TEXT NOT NULL,
  delivered_at    INTEGER
) STRICT;
CREATE INDEX notifications_user ON notifications (user_id, created_at);
CREATE INDEX notifications_object ON notifications (object_id, kind, created_at);
CREATE INDEX notifications_due ON notifications (next_attempt_at) WHERE email_status = 'pending';

CREATE TABLE notification_preferences (
  user_id    TEXT PRIMARY KEY REFERENCES users (id),
  email      INTEGER NOT NULL CHECK (email IN (0, 1)),
  muted      TEXT NOT NULL,
  updated_at INTEGER NOT NULL
) STRICT;

ALTER TABLE webhooks ADD COLUMN format TEXT NOT NULL DEFAULT 'changeledger';

ALTER TABLE evidence ADD COLUMN snapshot_at INTEGER;
