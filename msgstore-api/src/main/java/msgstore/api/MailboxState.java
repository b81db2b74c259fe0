package msgstore.api;

/**
 * A folder seen as an IMAP mailbox (RFC 9051 2.3.1, RFC 7162 3.1.2; ADR 0028), read in one
 * snapshot.
 *
 * @param uidValidity UIDVALIDITY: fixed for the folder's life (its UIDs are never reused)
 * @param uidNext UIDNEXT: greater than every UID the folder ever gave; rises only when a message
 *     arrives (created, moved or copied in, restored, or given a new UID by a change of content)
 * @param highestModseq HIGHESTMODSEQ: the highest MODSEQ of any change to a message of the folder,
 *     expunges and moves out included; 0 when none yet
 * @param messages live messages
 * @param unseen live messages without the read flag
 */
public record MailboxState(FolderId folder, long uidValidity, long uidNext, long highestModseq, long messages, long unseen) {}
