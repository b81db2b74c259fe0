/**
 * The Java SDK of msgstore: {@link msgstore.client.RemoteMessageStore} implements the msgstore API
 * over the HTTP API of docs/http-api.md, with the same rules as the embedded store (X5). Usage:
 * docs/client.md.
 */
package msgstore.client;
