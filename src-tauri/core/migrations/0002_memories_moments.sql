-- Hearth journal, schema 2: what the companion remembers, and the moments kept.

-- Durable facts the companion learnt about the user's life. A newer fact that
-- contradicts an older one supersedes it: the older row stays for history but
-- is never recalled. Deleting a memory removes the row (and its index entry).
CREATE TABLE memories (
    id                INTEGER PRIMARY KEY,
    text              TEXT NOT NULL CHECK (length(trim(text)) > 0),
    kind              TEXT NOT NULL DEFAULT 'fact'
                      CHECK (kind IN ('person', 'date', 'preference', 'plan', 'event', 'feeling', 'fact')),
    importance        INTEGER NOT NULL DEFAULT 3 CHECK (importance BETWEEN 1 AND 5),
    source_message_id INTEGER REFERENCES messages (id) ON DELETE SET NULL,
    superseded_by     INTEGER REFERENCES memories (id) ON DELETE SET NULL,
    created_at        INTEGER NOT NULL,
    updated_at        INTEGER NOT NULL,
    last_recalled_at  INTEGER
) STRICT;

CREATE INDEX memories_current ON memories (updated_at) WHERE superseded_by IS NULL;

CREATE VIRTUAL TABLE memories_fts USING fts5 (
    text,
    content = 'memories',
    content_rowid = 'id',
    tokenize = 'porter unicode61 remove_diacritics 2'
);

CREATE TRIGGER memories_fts_insert AFTER INSERT ON memories BEGIN
    INSERT INTO memories_fts (rowid, text) VALUES (new.id, new.text);
END;

CREATE TRIGGER memories_fts_delete AFTER DELETE ON memories BEGIN
    INSERT INTO memories_fts (memories_fts, rowid, text) VALUES ('delete', old.id, old.text);
END;

CREATE TRIGGER memories_fts_update AFTER UPDATE OF text ON memories BEGIN
    INSERT INTO memories_fts (memories_fts, rowid, text) VALUES ('delete', old.id, old.text);
    INSERT INTO memories_fts (rowid, text) VALUES (new.id, new.text);
END;

-- Moments the two shared, kept by the user ("keep this moment") or written by
-- the companion for the diary. `day` is the local calendar day, YYYY-MM-DD.
CREATE TABLE moments (
    id          INTEGER PRIMARY KEY,
    day         TEXT NOT NULL CHECK (day GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    title       TEXT NOT NULL DEFAULT '',
    body        TEXT NOT NULL,
    mood        TEXT NOT NULL DEFAULT '',
    tags        TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(tags)),
    favourite   INTEGER NOT NULL DEFAULT 0 CHECK (favourite IN (0, 1)),
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
) STRICT;

CREATE INDEX moments_by_day ON moments (day, id);

-- Which messages a moment came from.
CREATE TABLE moment_sources (
    moment_id  INTEGER NOT NULL REFERENCES moments (id) ON DELETE CASCADE,
    message_id INTEGER NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
    PRIMARY KEY (moment_id, message_id)
) STRICT, WITHOUT ROWID;

CREATE INDEX moment_sources_by_message ON moment_sources (message_id);
