-- IMAP numbers (ADR 0028), as in the SQLite schema (V5__imap_uid_and_modseq.sql): a folder gives
-- its messages UIDs from its own counter (uid_next); MODSEQ is the journal position of a message's
-- last change; HIGHESTMODSEQ that of the last change of any message in the folder or leaving it.
-- Every write transaction holds the journal_head row lock (ADR 0024), so these rows are written in
-- journal order. Not indexed: a save would pay for it on every commit.
ALTER TABLE folder ADD COLUMN uid_next bigint NOT NULL DEFAULT 1;
ALTER TABLE folder ADD COLUMN highest_modseq bigint NOT NULL DEFAULT 0;
ALTER TABLE message ADD COLUMN uid bigint NOT NULL DEFAULT 0;
ALTER TABLE message ADD COLUMN modseq bigint NOT NULL DEFAULT 0;

UPDATE message SET uid = r.n
  FROM (SELECT id, row_number() OVER (PARTITION BY folder_id ORDER BY id) AS n FROM message) AS r
  WHERE r.id = message.id;
UPDATE folder SET uid_next = 1 + (SELECT count(*) FROM message m WHERE m.folder_id = folder.id);
UPDATE message SET modseq = j.p
  FROM (SELECT object_id, max(position) AS p FROM journal WHERE kind = 0 GROUP BY object_id) AS j
  WHERE j.object_id = message.id;
UPDATE folder SET highest_modseq = j.p
  FROM (SELECT f, max(position) AS p FROM (
          SELECT parent_id AS f, position FROM journal WHERE kind = 0
          UNION ALL SELECT old_parent_id AS f, position FROM journal WHERE kind = 0 AND old_parent_id IS NOT NULL) AS e
        GROUP BY f) AS j
  WHERE j.f = folder.id;

-- Whoever gives a message a UID takes its folder's uid_next; this keeps the counter above it.
CREATE FUNCTION message_uid() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE folder SET uid_next = greatest(uid_next, NEW.uid + 1) WHERE id = NEW.folder_id;
  RETURN NULL;
END
$$;
CREATE TRIGGER message_uid_insert AFTER INSERT ON message FOR EACH ROW EXECUTE FUNCTION message_uid();
CREATE TRIGGER message_uid_update AFTER UPDATE OF uid ON message
  FOR EACH ROW WHEN (OLD.uid <> NEW.uid) EXECUTE FUNCTION message_uid();

-- Every journal entry about a message is its new MODSEQ and its folders' HIGHESTMODSEQ.
CREATE FUNCTION journal_modseq() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE message SET modseq = NEW.position WHERE id = NEW.object_id;
  UPDATE folder SET highest_modseq = NEW.position WHERE id IN (NEW.parent_id, NEW.old_parent_id);
  RETURN NULL;
END
$$;
CREATE TRIGGER journal_modseq AFTER INSERT ON journal FOR EACH ROW WHEN (NEW.kind = 0) EXECUTE FUNCTION journal_modseq();
