-- Folder counts kept in the folder row by triggers, in the same transaction as the change, so
-- reading a folder (every contents-table query does) costs one row, not a count over the folder.
-- The triggers fire only on the columns that change liveness, read state or placement; a save
-- (which updates cn and the sort columns) does not fire them.
ALTER TABLE folder ADD COLUMN content_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE folder ADD COLUMN unread_count  INTEGER NOT NULL DEFAULT 0;
ALTER TABLE folder ADD COLUMN child_count   INTEGER NOT NULL DEFAULT 0;

UPDATE folder SET
  content_count = (SELECT count(*) FROM message m WHERE m.folder_id = folder.id AND m.deleted = 0),
  unread_count  = (SELECT count(*) FROM message m WHERE m.folder_id = folder.id AND m.deleted = 0 AND m.read_flags & 1 = 0),
  child_count   = (SELECT count(*) FROM folder k WHERE k.parent_id = folder.id AND k.deleted = 0);

CREATE TRIGGER message_counts_insert AFTER INSERT ON message WHEN NEW.deleted = 0 BEGIN
  UPDATE folder SET content_count = content_count + 1, unread_count = unread_count + (NEW.read_flags & 1 = 0)
    WHERE id = NEW.folder_id;
END;

CREATE TRIGGER message_counts_delete AFTER DELETE ON message WHEN OLD.deleted = 0 BEGIN
  UPDATE folder SET content_count = content_count - 1, unread_count = unread_count - (OLD.read_flags & 1 = 0)
    WHERE id = OLD.folder_id;
END;

CREATE TRIGGER message_counts_update AFTER UPDATE OF folder_id, deleted, read_flags ON message BEGIN
  UPDATE folder SET content_count = content_count - (OLD.deleted = 0),
                    unread_count = unread_count - (OLD.deleted = 0 AND OLD.read_flags & 1 = 0)
    WHERE id = OLD.folder_id;
  UPDATE folder SET content_count = content_count + (NEW.deleted = 0),
                    unread_count = unread_count + (NEW.deleted = 0 AND NEW.read_flags & 1 = 0)
    WHERE id = NEW.folder_id;
END;

CREATE TRIGGER folder_counts_insert AFTER INSERT ON folder WHEN NEW.deleted = 0 BEGIN
  UPDATE folder SET child_count = child_count + 1 WHERE id = NEW.parent_id;
END;

CREATE TRIGGER folder_counts_update AFTER UPDATE OF parent_id, deleted ON folder BEGIN
  UPDATE folder SET child_count = child_count - (OLD.deleted = 0) WHERE id = OLD.parent_id;
  UPDATE folder SET child_count = child_count + (NEW.deleted = 0) WHERE id = NEW.parent_id;
END;

CREATE TRIGGER folder_counts_delete AFTER DELETE ON folder WHEN OLD.deleted = 0 BEGIN
  UPDATE folder SET child_count = child_count - 1 WHERE id = OLD.parent_id;
END;

-- Every save changes last_mod_time, so an index on it costs every save one or two extra page
-- writes (measured: the bytes written per save bound the durable save rate). Tables sorted by
-- modification time sort the folder's rows instead; the delivery-time index, which a save does
-- not touch, stays the fast path.
DROP INDEX message_by_modified;
