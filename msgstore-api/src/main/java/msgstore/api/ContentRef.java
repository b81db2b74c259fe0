package msgstore.api;

/** Attachment content as stored: content-addressed by SHA-256 (hex) and its size in bytes. */
public record ContentRef(String sha256, long size) {}
