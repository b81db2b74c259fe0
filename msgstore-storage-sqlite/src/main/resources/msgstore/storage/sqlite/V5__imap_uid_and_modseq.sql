-- IMAP numbers (ADR 0028). A folder gives its messages UIDs from its own counter (uid_next); a
-- message keeps its UID until its content changes, it moves or copies (new row), or it is
-- restored. MODSEQ is the journal position of a message's last change; HIGHESTMODSEQ that of the
-- last change of any message in the folder or leaving it. No index on either: a save would pay
-- for it on every commit, and IMAP reads a folder's rows in one pass anyway.
ALTER TABLE folder ADD COLUMN uid_next INTEGER NOT NULL DEFAULT 1;
ALTER TABLE folder ADD COLUMN highest_modseq INTEGER NOT NULL DEFAULT 0;
ALTER TABLE message ADD COLUMN uid INTEGER NOT NULL DEFAULT 0;
ALTER TABLE message ADD COLUMN modseq INTEGER NOT NULL DEFAULT 0;

-- Existing messages: UIDs in id order (the order they arrived), MODSEQ from the journal.
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
          UNION ALL SELECT old_parent_id AS f, position FROM journal WHERE kind = 0 AND old_parent_id IS NOT NULL)
        GROUP BY f) AS j
  WHERE j.f = folder.id;

-- Whoever gives a message a UID takes its folder's uid_next; these keep the counter above it.
CREATE TRIGGER message_uid_insert AFTER INSERT ON message BEGIN
  UPDATE folder SET uid_next = max(uid_next, NEW.uid + 1) WHERE id = NEW.folder_id;
END;
CREATE TRIGGER message_uid_update AFTER UPDATE OF uid ON message WHEN NEW.uid <> OLD.uid BEGIN
  UPDATE folder SET uid_next = max(uid_next, NEW.uid + 1) WHERE id = NEW.folder_id;
END;

-- Every journal entry about a message is its new MODSEQ, and its folder's (and, for a move, the
-- old folder's) HIGHESTMODSEQ, in the transaction that writes the entry.
CREATE TRIGGER journal_modseq AFTER INSERT ON journal WHEN NEW.kind = 0 BEGIN
  UPDATE message SET modseq = NEW.position WHERE id = NEW.object_id;
  UPDATE folder SET highest_modseq = NEW.position WHERE id IN (NEW.parent_id, NEW.old_parent_id);
END;
