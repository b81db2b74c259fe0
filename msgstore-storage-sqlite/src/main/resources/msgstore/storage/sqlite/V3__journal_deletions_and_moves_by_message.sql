-- Finding how a message left its identity (Storage.lastDeletionOrMove): a save of a message that
-- was deleted or moved answers OBJECT_DELETED to a caller who could read it where it was (R27,
-- R43), and NOT_FOUND when it never existed (ADR 0009). Both indexes are PARTIAL: an ordinary save
-- journals OBJECT_MODIFIED (type 16) with old_id NULL, so it writes neither index.

-- OBJECT_DELETED (EventType bit 0x08 = 8) of a message (kind 0): object_id is the deleted message.
CREATE INDEX journal_message_deleted ON journal (object_id) WHERE type = 8 AND kind = 0;

-- Moves and copies (messages and folders) carry the id before in old_id.
CREATE INDEX journal_by_old_id ON journal (old_id) WHERE old_id IS NOT NULL;
