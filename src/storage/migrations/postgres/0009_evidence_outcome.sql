-- Evidence records its outcome (docs/change-control.md): pipeline runs and
-- test results are success or failure, and only successful ones satisfy a
-- requirement. Rows written before this migration did not keep it: runs and
-- tests become 'unknown' (they satisfy nothing until a successful one is
-- attached), other kinds 'none'.
ALTER TABLE evidence ADD COLUMN outcome TEXT NOT NULL DEFAULT 'none';
UPDATE evidence SET outcome = 'unknown' WHERE kind IN ('pipeline_run', 'test_result');
