-- Blob references per message (ADR 0036). A message refers to a blob through one version_blob row,
-- written by the first version of the message that refers to it (its "holder"); later versions
-- that share the blob write no row. Each version lists its blobs in message_version.blobs (their
-- SHA-256s separated by spaces, NULL for none), so that pruning the holder can hand the row to the
-- oldest remaining version that still refers to the blob, or delete it when none does. Versions
-- written before this migration have no list (NULL) and keep their own rows: every version of
-- theirs is its own holder. ADD COLUMN rewrites nothing.
ALTER TABLE message_version ADD COLUMN blobs TEXT;
