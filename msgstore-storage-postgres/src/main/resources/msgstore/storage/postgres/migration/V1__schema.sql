-- msgstore PostgreSQL schema, version 1 (ADR 0024): the model of the SQLite schema (ADR 0004)
-- with PostgreSQL types. Times are epoch microseconds (bigint), store and named-property GUIDs
-- text (UUID form), flags smallint 0/1, so both backends share their row encodings.
-- Message and folder ids come from sequences (never reused; a rolled-back transaction leaves a
-- gap). Journal positions come from journal_head, a single row locked by every write
-- transaction (PostgresWriter): positions are gapless and committed in order, so a reader that
-- has seen position p has seen everything before it, on every node.

CREATE TABLE store (
  guid           text   PRIMARY KEY,
  display_name   text   NOT NULL,
  owner          text   NOT NULL,
  root_folder_id bigint NOT NULL,
  created_at     bigint NOT NULL,
  last_cn        bigint NOT NULL
);
CREATE INDEX store_by_owner ON store (owner);

CREATE SEQUENCE folder_id_seq;
CREATE SEQUENCE message_id_seq;

-- parent_id is 0 for a store's root folder. Counts are kept by triggers (as in SQLite's V2).
CREATE TABLE folder (
  id            bigint   PRIMARY KEY,
  store_guid    text     NOT NULL,
  parent_id     bigint   NOT NULL,
  display_name  text     NOT NULL,
  deleted       smallint NOT NULL DEFAULT 0,
  props         bytea    NOT NULL DEFAULT '\x'::bytea,
  content_count bigint   NOT NULL DEFAULT 0,
  unread_count  bigint   NOT NULL DEFAULT 0,
  child_count   bigint   NOT NULL DEFAULT 0
);
CREATE INDEX folder_children ON folder (parent_id, deleted, lower(display_name));

CREATE TABLE folder_rights (
  folder_id bigint NOT NULL,
  user_name text   NOT NULL,
  rights    text   NOT NULL,
  PRIMARY KEY (folder_id, user_name)
);
CREATE INDEX folder_rights_by_user ON folder_rights (user_name);

CREATE TABLE message (
  id                bigint   PRIMARY KEY,
  store_guid        text     NOT NULL,
  folder_id         bigint   NOT NULL,
  cn                bigint   NOT NULL,
  deleted           smallint NOT NULL DEFAULT 0,
  deleted_at        bigint,
  read_flags        integer  NOT NULL DEFAULT 0,
  status            integer  NOT NULL DEFAULT 0,
  local_commit_time bigint   NOT NULL,
  subject           text,
  sender_name       text,
  delivery_time     bigint,
  last_mod_time     bigint,
  size              bigint   NOT NULL DEFAULT 0,
  importance        integer,
  message_class     text,
  has_attach        smallint NOT NULL DEFAULT 0
);
CREATE INDEX message_by_delivery ON message (folder_id, deleted, delivery_time, id);
CREATE INDEX message_unread ON message (folder_id) WHERE deleted = 0 AND read_flags & 1 = 0;
CREATE INDEX message_soft_deleted ON message (deleted_at) WHERE deleted = 1;

CREATE TABLE message_version (
  message_id   bigint NOT NULL,
  cn           bigint NOT NULL,
  committed_at bigint NOT NULL,
  committed_by text   NOT NULL,
  kind         text   NOT NULL,
  based_on_cn  bigint NOT NULL,
  size         bigint NOT NULL,
  content      bytea  NOT NULL,
  PRIMARY KEY (message_id, cn)
);

CREATE TABLE version_blob (
  message_id bigint NOT NULL,
  cn         bigint NOT NULL,
  sha        text   NOT NULL,
  PRIMARY KEY (message_id, cn, sha)
);
CREATE INDEX version_blob_by_sha ON version_blob (sha);

-- type: the EventType's fnev bit; kind: 0 message, 1 folder; parent_id 0 = none;
-- changed_tags: comma-separated 8-digit hex property tags, NULL when none.
CREATE TABLE journal (
  position      bigint  PRIMARY KEY,
  store_guid    text    NOT NULL,
  type          integer NOT NULL,
  kind          integer NOT NULL,
  object_id     bigint  NOT NULL,
  parent_id     bigint  NOT NULL,
  old_id        bigint,
  old_parent_id bigint,
  cn            bigint,
  changed_tags  text,
  at            bigint  NOT NULL
);
CREATE INDEX journal_by_store ON journal (store_guid, position);
CREATE INDEX journal_message_deleted ON journal (object_id) WHERE type = 8 AND kind = 0;
CREATE INDEX journal_by_old_id ON journal (old_id) WHERE old_id IS NOT NULL;

-- The newest journal position; its row lock orders the write transactions (see above).
CREATE TABLE journal_head (
  id       integer PRIMARY KEY CHECK (id = 1),
  position bigint  NOT NULL
);
INSERT INTO journal_head (id, position) VALUES (1, 0);

CREATE TABLE named_prop (
  store_guid text    NOT NULL,
  prop_id    integer NOT NULL,
  guid       text    NOT NULL,
  name       text,
  lid        integer,
  PRIMARY KEY (store_guid, prop_id)
);
CREATE UNIQUE INDEX named_prop_by_name ON named_prop (store_guid, guid, name) WHERE name IS NOT NULL;
CREATE UNIQUE INDEX named_prop_by_lid ON named_prop (store_guid, guid, lid) WHERE lid IS NOT NULL;

-- Blobs, content-addressed: the blob row names the upload whose chunks hold the content. An
-- upload writes its chunks and its blob row in one transaction (nothing is left by a crash);
-- when the address exists already, the upload's chunks are dropped and the stored time refreshed.
-- stored_at (storage-clock micros) is what garbage collection's grace period reads.
CREATE SEQUENCE blob_upload_seq;
CREATE TABLE blob (
  sha       text   PRIMARY KEY,
  upload_id bigint NOT NULL,
  size      bigint NOT NULL,
  stored_at bigint NOT NULL
);
CREATE TABLE blob_chunk (
  upload_id bigint  NOT NULL,
  seq       integer NOT NULL,
  data      bytea   NOT NULL,
  PRIMARY KEY (upload_id, seq)
);
-- Attachments are mostly compressed already: store chunks out of line without trying to compress.
ALTER TABLE blob_chunk ALTER COLUMN data SET STORAGE EXTERNAL;

-- Folder counts, kept in the folder row in the same transaction as the change.
CREATE FUNCTION message_counts() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP <> 'INSERT' AND OLD.deleted = 0 THEN
    UPDATE folder SET content_count = content_count - 1,
                      unread_count = unread_count - CASE WHEN OLD.read_flags & 1 = 0 THEN 1 ELSE 0 END
      WHERE id = OLD.folder_id;
  END IF;
  IF TG_OP <> 'DELETE' AND NEW.deleted = 0 THEN
    UPDATE folder SET content_count = content_count + 1,
                      unread_count = unread_count + CASE WHEN NEW.read_flags & 1 = 0 THEN 1 ELSE 0 END
      WHERE id = NEW.folder_id;
  END IF;
  RETURN NULL;
END
$$;
CREATE TRIGGER message_counts_insert AFTER INSERT ON message
  FOR EACH ROW WHEN (NEW.deleted = 0) EXECUTE FUNCTION message_counts();
CREATE TRIGGER message_counts_delete AFTER DELETE ON message
  FOR EACH ROW WHEN (OLD.deleted = 0) EXECUTE FUNCTION message_counts();
CREATE TRIGGER message_counts_update AFTER UPDATE OF folder_id, deleted, read_flags ON message
  FOR EACH ROW WHEN (OLD.folder_id <> NEW.folder_id OR OLD.deleted <> NEW.deleted
                     OR (OLD.read_flags & 1) <> (NEW.read_flags & 1))
  EXECUTE FUNCTION message_counts();

CREATE FUNCTION folder_counts() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP <> 'INSERT' AND OLD.deleted = 0 THEN
    UPDATE folder SET child_count = child_count - 1 WHERE id = OLD.parent_id;
  END IF;
  IF TG_OP <> 'DELETE' AND NEW.deleted = 0 THEN
    UPDATE folder SET child_count = child_count + 1 WHERE id = NEW.parent_id;
  END IF;
  RETURN NULL;
END
$$;
CREATE TRIGGER folder_counts_insert AFTER INSERT ON folder
  FOR EACH ROW WHEN (NEW.deleted = 0) EXECUTE FUNCTION folder_counts();
CREATE TRIGGER folder_counts_delete AFTER DELETE ON folder
  FOR EACH ROW WHEN (OLD.deleted = 0) EXECUTE FUNCTION folder_counts();
CREATE TRIGGER folder_counts_update AFTER UPDATE OF parent_id, deleted ON folder
  FOR EACH ROW WHEN (OLD.parent_id <> NEW.parent_id OR OLD.deleted <> NEW.deleted)
  EXECUTE FUNCTION folder_counts();
