-- Small blobs stored in the database (ADR 0022): content staged by an attachment handle
-- (Storage.stageBlob, at most SqliteStaging.MAX_BYTES) is written here by the commit whose
-- version first refers to it, in that commit's transaction, so the group commit's one WAL fsync
-- covers it: no blob file, no fsync of its own. Larger content and uploads (putBlob) stay files in
-- <db>.blobs/. A blob is read from here first, then from its file; version_blob refers to both
-- alike. stored_at (storage-clock micros) is what garbage collection's grace period reads.
CREATE TABLE inline_blob (
  sha       TEXT    NOT NULL PRIMARY KEY,
  size      INTEGER NOT NULL,
  stored_at INTEGER NOT NULL,
  data      BLOB    NOT NULL
);
