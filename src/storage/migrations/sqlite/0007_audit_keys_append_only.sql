-- audit_keys was the one audit table without append-only triggers on SQLite
-- (PostgreSQL has had them from the start): an UPDATE that kept a key id
-- but swapped its public key let a rewritten log be re-signed. Verification
-- also checks that every key id is derived from its public key.
CREATE TRIGGER audit_keys_append_only_update BEFORE UPDATE ON audit_keys
BEGIN SELECT RAISE(ABORT, 'audit_keys is append-only'); END;
CREATE TRIGGER audit_keys_append_only_delete BEFORE DELETE ON audit_keys
BEGIN SELECT RAISE(ABORT, 'audit_keys is append-only'); END;
