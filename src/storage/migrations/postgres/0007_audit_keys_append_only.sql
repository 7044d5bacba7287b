-- SQLite gained the append-only triggers on audit_keys that PostgreSQL has
-- had from 0001; the numbering stays the same on both backends. Verification
-- also checks that every key id is derived from its public key.
COMMENT ON TABLE audit_keys IS
  'Append-only: public keys that sign audit checkpoints; key_id is derived from public_key';
