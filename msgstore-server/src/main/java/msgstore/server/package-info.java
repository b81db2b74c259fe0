/**
 * The msgstore HTTP server ({@link msgstore.server.MsgstoreServer}): the JSON API of
 * docs/http-api.md on Javalin (platform threads; event streams on virtual threads, ADR 0027),
 * Server-Sent Events, health and Prometheus
 * metrics. Requests are translated onto msgstore-api calls of one engine session per request;
 * saves go through {@link msgstore.engine.ServerSupport#openAtBase}. Auth lives in {@code
 * msgstore.server.auth}.
 */
package msgstore.server;
