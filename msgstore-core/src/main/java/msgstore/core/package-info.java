/**
 * The rules of a handle written once for the embedded store (msgstore-engine) and the SDK
 * (msgstore-client), ADR 0023: handle states ({@link msgstore.core.HandleState}), the pending
 * overlay on a base ({@link msgstore.core.PendingProps}), the recipient and attachment tables of a
 * handle, the message and attachment handle bases ({@link msgstore.core.MessageCore}, {@link
 * msgstore.core.AttachmentCore}), contents-table state and evaluation ({@link
 * msgstore.core.TableQuery}, {@link msgstore.core.RowEvaluation}) and event delivery positions
 * ({@link msgstore.core.Delivery}). Transport-neutral: it depends on msgstore-api only, and each
 * side supplies how a base is read and how a save is committed. Implementation support, not API:
 * applications use msgstore-api.
 */
package msgstore.core;
