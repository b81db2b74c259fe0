-- Accounts (ADR 0007) in the store's database when it is PostgreSQL (ADR 0024): every node
-- authenticates anyone, and a revoked token is refused by every node on its next request
-- (tokens are never cached). The same tables as the SQLite accounts.db; times are epoch millis.
CREATE TABLE users (
  name            text     PRIMARY KEY,
  phc             text     NOT NULL,
  admin           smallint NOT NULL DEFAULT 0,
  mailbox_pending smallint NOT NULL DEFAULT 0,
  created_at      bigint   NOT NULL
);

CREATE TABLE tokens (
  id           text   PRIMARY KEY,
  "user"       text   NOT NULL,
  label        text   NOT NULL,
  token_sha256 bytea  NOT NULL UNIQUE,
  created_at   bigint NOT NULL,
  revoked_at   bigint,
  last_used_at bigint
);
CREATE INDEX tokens_user ON tokens ("user");
