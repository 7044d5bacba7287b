-- The control epoch: a counter that every committed change to what the
-- deploy gate decides on advances (changes, approvals, evidence, artifact
-- links, freezes, policy versions), whichever server or tool writes it.
-- Decisions are cached against it in memory and each one is checked against
-- it again in the transaction that records it (ADR 0003), so a server never
-- records a decision made on data another server has since changed.
CREATE TABLE control_epoch (
  id BIGINT PRIMARY KEY CHECK (id = 1),
  n  BIGINT NOT NULL
);
INSERT INTO control_epoch (id, n) VALUES (1, 0);

CREATE FUNCTION cl_bump_control_epoch() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE control_epoch SET n = n + 1 WHERE id = 1;
  RETURN NULL;
END;
$$;

CREATE TRIGGER changes_epoch AFTER INSERT OR UPDATE OR DELETE ON changes
  FOR EACH STATEMENT EXECUTE FUNCTION cl_bump_control_epoch();
CREATE TRIGGER approvals_epoch AFTER INSERT OR UPDATE OR DELETE ON approvals
  FOR EACH STATEMENT EXECUTE FUNCTION cl_bump_control_epoch();
CREATE TRIGGER evidence_epoch AFTER INSERT OR UPDATE OR DELETE ON evidence
  FOR EACH STATEMENT EXECUTE FUNCTION cl_bump_control_epoch();
CREATE TRIGGER change_artifacts_epoch AFTER INSERT OR UPDATE OR DELETE ON change_artifacts
  FOR EACH STATEMENT EXECUTE FUNCTION cl_bump_control_epoch();
CREATE TRIGGER freezes_epoch AFTER INSERT OR UPDATE OR DELETE ON freezes
  FOR EACH STATEMENT EXECUTE FUNCTION cl_bump_control_epoch();
CREATE TRIGGER policy_versions_epoch AFTER INSERT OR UPDATE OR DELETE ON policy_versions
  FOR EACH STATEMENT EXECUTE FUNCTION cl_bump_control_epoch();
