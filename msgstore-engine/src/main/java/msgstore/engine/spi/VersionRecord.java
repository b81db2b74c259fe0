package msgstore.engine.spi;

import java.time.Instant;

/**
 * One retained version. {@code kind} is a {@code VersionInfo.VersionKind} name; {@code basedOnCn}
 * is 0 when none; {@code content} is null in listings.
 */
public record VersionRecord(
    long messageId, long cn, Instant committedAt, String committedBy, String kind, long basedOnCn, long size, byte[] content) {}
