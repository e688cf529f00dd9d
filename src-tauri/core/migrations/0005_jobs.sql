-- Hearth journal, schema 5: background work that survives a restart.
--
-- One row per job waiting or running (learning from an exchange, embedding
-- new texts; later diary entries and letter drafts). A job is removed when it
-- is done, kept when it is interrupted (it runs again), and retried a few
-- times after a failure, not before `not_before` (milliseconds, UTC).
CREATE TABLE jobs (
    id          INTEGER PRIMARY KEY,
    kind        TEXT NOT NULL,
    payload     TEXT NOT NULL,
    priority    INTEGER NOT NULL,
    attempts    INTEGER NOT NULL DEFAULT 0,
    last_error  TEXT,
    not_before  INTEGER NOT NULL DEFAULT 0,
    created_at  INTEGER NOT NULL,
    UNIQUE (kind, payload)
) STRICT;
