/**
 * The msgstore HTTP server ({@link msgstore.server.MsgstoreServer}): the JSON API of
 * docs/http-api.md on Javalin (virtual threads), Server-Sent Events, health and Prometheus
 * metrics. Requests are translated onto msgstore-api calls of one engine session per request;
 * saves go through {@link msgstore.engine.ServerSupport#openAtBase}. Auth lives in {@code
 * msgstore.server.auth}.
 */
package msgstore.server;
