-- Blob references per message (ADR 0036), as in the SQLite schema (its V6): a message refers to a
-- blob through one version_blob row, written by the first version of the message that refers to
-- it; later versions that share the blob write no row. Each version lists its blobs in
-- message_version.blobs (SHA-256s separated by spaces, NULL for none; text, as in SQLite, so that
-- `msgstore migrate` copies it as it is), so that pruning that version can hand the row to the
-- oldest remaining version that still lists the blob. Versions written before this migration keep
-- their own rows. Adding a nullable column rewrites nothing.
ALTER TABLE message_version ADD COLUMN blobs text;
