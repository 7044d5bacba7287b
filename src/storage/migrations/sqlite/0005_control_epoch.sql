-- The control epoch: a counter that every committed change to what the
-- deploy gate decides on advances (changes, approvals, evidence, artifact
-- links, freezes, policy versions), whoever writes it: the server, the CLI
-- on the same file, a migration. Decisions are cached against it in memory
-- and each one is checked against it again in the transaction that records
-- it, so a cached decision is never recorded on data that has moved on.
CREATE TABLE control_epoch (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  n INTEGER NOT NULL
);
INSERT INTO control_epoch (id, n) VALUES (1, 0);

CREATE TRIGGER changes_insert_epoch AFTER INSERT ON changes BEGIN UPDATE control_epoch SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER changes_update_epoch AFTER UPDATE ON changes BEGIN UPDATE control_epoch SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER changes_delete_epoch AFTER DELETE ON changes BEGIN UPDATE control_epoch SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER approvals_insert_epoch AFTER INSERT ON approvals BEGIN UPDATE control_epoch SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER approvals_update_epoch AFTER UPDATE ON approvals BEGIN UPDATE control_epoch SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER approvals_delete_epoch AFTER DELETE ON approvals BEGIN UPDATE control_epoch SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER evidence_insert_epoch AFTER INSERT ON evidence BEGIN UPDATE control_epoch SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER evidence_update_epoch AFTER UPDATE ON evidence BEGIN UPDATE control_epoch SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER evidence_delete_epoch AFTER DELETE ON evidence BEGIN UPDATE control_epoch SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER change_artifacts_insert_epoch AFTER INSERT ON change_artifacts BEGIN UPDATE control_epoch SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER change_artifacts_update_epoch AFTER UPDATE ON change_artifacts BEGIN UPDATE control_epoch SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER change_artifacts_delete_epoch AFTER DELETE ON change_artifacts BEGIN UPDATE control_epoch SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER freezes_insert_epoch AFTER INSERT ON freezes BEGIN UPDATE control_epoch SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER freezes_update_epoch AFTER UPDATE ON freezes BEGIN UPDATE control_epoch SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER freezes_delete_epoch AFTER DELETE ON freezes BEGIN UPDATE control_epoch SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER policy_versions_insert_epoch AFTER INSERT ON policy_versions BEGIN UPDATE control_epoch SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER policy_versions_update_epoch AFTER UPDATE ON policy_versions BEGIN UPDATE control_epoch SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER policy_versions_delete_epoch AFTER DELETE ON policy_versions BEGIN UPDATE control_epoch SET n = n + 1 WHERE id = 1; END;
