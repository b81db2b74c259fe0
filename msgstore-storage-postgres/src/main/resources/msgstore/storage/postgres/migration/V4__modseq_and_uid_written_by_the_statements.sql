-- MODSEQ, HIGHESTMODSEQ and UIDNEXT (V3, ADR 0028) are written by the statements that make the
-- change (PostgresWriteOps), no longer by triggers: the common save sets its message's MODSEQ in its
-- own UPDATE and its folder's HIGHESTMODSEQ and UIDNEXT in one row write, where the triggers wrote
-- the message row a second time and the folder row twice, each through a PL/pgSQL call (ADR 0024,
-- addendum of 2026-12-06). The values are the same: a journal entry about a message is its MODSEQ
-- and its folders' HIGHESTMODSEQ; whoever gives a message a UID takes its folder's uid_next.
-- Every node must run this code: stop the nodes of an older version before starting a newer one.
DROP TRIGGER journal_modseq ON journal;
DROP FUNCTION journal_modseq();
DROP TRIGGER message_uid_insert ON message;
DROP TRIGGER message_uid_update ON message;
DROP FUNCTION message_uid();
