/**
 * The HTTP wire contract shared by msgstore-server and msgstore-client: the JSON shapes of the
 * msgstore.api types ({@link msgstore.protocol.Wire#mapper()}), the message body, the ops body the
 * SDK sends, the merge-patch delta, Problem Details and the one MapiError-to-status table. The
 * contract in prose is docs/http-api.md.
 */
package msgstore.protocol;
