/**
 * The IMAP4rev2 front end (RFC 9051 with CONDSTORE/QRESYNC, IDLE, UIDPLUS, MOVE, ENABLE,
 * LITERAL+, SPECIAL-USE, NAMESPACE, ID, ESEARCH, APPENDLIMIT): mailboxes are folders, UIDs and
 * MODSEQs are the store's (ADR 0028); the protocol side is ADR 0029. {@link msgstore.imap.ImapServer}
 * is the entry point.
 */
package msgstore.imap;
