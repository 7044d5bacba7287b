-- Checkpoints v2 (docs/audit.md): each signs, besides the chain head, the
-- RFC 9162 Merkle root over every event hash up to its seq and the digest
-- of the checkpoint before it, so checkpoints form a chain of their own.
-- `frontier` is not signed: the right edge of the Merkle tree at `seq`,
-- kept so the next checkpoint extends the tree without rereading the log
-- (checked against the signed root before use). Rows written before this
-- migration stay version 1.
ALTER TABLE audit_checkpoints ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE audit_checkpoints ADD COLUMN root BLOB;
ALTER TABLE audit_checkpoints ADD COLUMN prev BLOB;
ALTER TABLE audit_checkpoints ADD COLUMN frontier BLOB;
