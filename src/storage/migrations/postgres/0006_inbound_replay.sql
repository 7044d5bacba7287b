-- Replays of signed webhooks: the delivery id is not covered by the
-- signature, so a captured delivery re-sent with a new id must still be
-- recognised. The body's SHA-256 (what the signature covers) is a second
-- key: one delivery per source and body. Older rows have none.
ALTER TABLE inbound_deliveries ADD COLUMN content_digest TEXT;
CREATE UNIQUE INDEX inbound_deliveries_content ON inbound_deliveries (source, content_digest)
  WHERE content_digest IS NOT NULL;
