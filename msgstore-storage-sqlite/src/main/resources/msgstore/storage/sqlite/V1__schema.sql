-- msgstore SQLite schema, version 1.
-- Times are epoch microseconds (INTEGER). Store and named-property GUIDs are TEXT (UUID form).
-- Ids are never reused (AUTOINCREMENT); the writer allocates message, folder and journal ids
-- itself from sqlite_sequence and inserts them explicitly.

CREATE TABLE store (
  guid           TEXT    PRIMARY KEY,
  display_name   TEXT    NOT NULL,
  owner          TEXT    NOT NULL,
  root_folder_id INTEGER NOT NULL,
  created_at     INTEGER NOT NULL,
  last_cn        INTEGER NOT NULL
);
CREATE INDEX store_by_owner ON store (owner);

-- parent_id is 0 for a store's root folder.
CREATE TABLE folder (
  id           INTEGER PRIMARY KEY AUTOINCREMENT,
  store_guid   TEXT    NOT NULL,
  parent_id    INTEGER NOT NULL,
  display_name TEXT    NOT NULL,
  deleted      INTEGER NOT NULL DEFAULT 0,
  props        BLOB    NOT NULL DEFAULT x''
);
CREATE INDEX folder_children ON folder (parent_id, deleted, display_name COLLATE NOCASE);

CREATE TABLE folder_rights (
  folder_id INTEGER NOT NULL,
  user      TEXT    NOT NULL,
  rights    TEXT    NOT NULL,
  PRIMARY KEY (folder_id, user)
) WITHOUT ROWID;
CREATE INDEX folder_rights_by_user ON folder_rights (user);

-- One row per message: identity, current cn, non-transacted state and the columns contents
-- tables sort on. The content of every version, the current one included, is in message_version.
CREATE TABLE message (
  id                INTEGER PRIMARY KEY AUTOINCREMENT,
  store_guid        TEXT    NOT NULL,
  folder_id         INTEGER NOT NULL,
  cn                INTEGER NOT NULL,
  deleted           INTEGER NOT NULL DEFAULT 0,
  deleted_at        INTEGER,
  read_flags        INTEGER NOT NULL DEFAULT 0,
  status            INTEGER NOT NULL DEFAULT 0,
  local_commit_time INTEGER NOT NULL,
  subject           TEXT,
  sender_name       TEXT,
  delivery_time     INTEGER,
  last_mod_time     INTEGER,
  size              INTEGER NOT NULL DEFAULT 0,
  importance        INTEGER,
  message_class     TEXT,
  has_attach        INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX message_by_delivery ON message (folder_id, deleted, delivery_time, id);
CREATE INDEX message_by_modified ON message (folder_id, deleted, last_mod_time, id);
-- Serves the unread count (MSGFLAG_READ = 1) without touching the table.
CREATE INDEX message_unread ON message (folder_id) WHERE deleted = 0 AND read_flags & 1 = 0;
-- Serves the purge of soft-deleted messages.
CREATE INDEX message_soft_deleted ON message (deleted_at) WHERE deleted = 1;

-- Every version, the current one included (findMessage joins message to it). A rowid table, not
-- WITHOUT ROWID: a ~2 KB content exceeds the ~1 KB a WITHOUT ROWID b-tree keeps in a 4 KiB page
-- and would spill to overflow pages; measured, the rowid table halves the insert time and the
-- bytes written per commit.
CREATE TABLE message_version (
  message_id   INTEGER NOT NULL,
  cn           INTEGER NOT NULL,
  committed_at INTEGER NOT NULL,
  committed_by TEXT    NOT NULL,
  kind         TEXT    NOT NULL,
  based_on_cn  INTEGER NOT NULL,
  size         INTEGER NOT NULL,
  content      BLOB    NOT NULL,
  PRIMARY KEY (message_id, cn)
);

CREATE TABLE version_blob (
  message_id INTEGER NOT NULL,
  cn         INTEGER NOT NULL,
  sha        TEXT    NOT NULL,
  PRIMARY KEY (message_id, cn, sha)
) WITHOUT ROWID;
CREATE INDEX version_blob_by_sha ON version_blob (sha);

-- type: the EventType's fnev bit; kind: 0 message, 1 folder; parent_id 0 = none;
-- changed_tags: comma-separated 8-digit hex property tags, NULL when none.
CREATE TABLE journal (
  position      INTEGER PRIMARY KEY AUTOINCREMENT,
  store_guid    TEXT    NOT NULL,
  type          INTEGER NOT NULL,
  kind          INTEGER NOT NULL,
  object_id     INTEGER NOT NULL,
  parent_id     INTEGER NOT NULL,
  old_id        INTEGER,
  old_parent_id INTEGER,
  cn            INTEGER,
  changed_tags  TEXT,
  at            INTEGER NOT NULL
);
CREATE INDEX journal_by_store ON journal (store_guid, position);

-- Exactly one of name and lid is set; each kind is unique per store and property-set GUID.
CREATE TABLE named_prop (
  store_guid TEXT    NOT NULL,
  prop_id    INTEGER NOT NULL,
  guid       TEXT    NOT NULL,
  name       TEXT,
  lid        INTEGER,
  PRIMARY KEY (store_guid, prop_id)
) WITHOUT ROWID;
CREATE UNIQUE INDEX named_prop_by_name ON named_prop (store_guid, guid, name) WHERE name IS NOT NULL;
CREATE UNIQUE INDEX named_prop_by_lid ON named_prop (store_guid, guid, lid) WHERE lid IS NOT NULL;
