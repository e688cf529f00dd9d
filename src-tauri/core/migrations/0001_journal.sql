-- Hearth journal, schema 1: settings, the companion's persona, and the conversation.
-- Timestamps are UTC milliseconds since the Unix epoch; the UI shows local time.

CREATE TABLE settings (
    key        TEXT PRIMARY KEY NOT NULL,
    value      TEXT NOT NULL CHECK (json_valid(value)),
    updated_at INTEGER NOT NULL
) STRICT;

-- One row: the companion the user set up on first run.
CREATE TABLE persona (
    id             INTEGER PRIMARY KEY CHECK (id = 1),
    companion_name TEXT NOT NULL CHECK (length(trim(companion_name)) > 0),
    voice          TEXT NOT NULL DEFAULT '',
    user_name      TEXT NOT NULL DEFAULT '',
    address_style  TEXT NOT NULL DEFAULT '',
    hopes          TEXT NOT NULL DEFAULT '',
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL
) STRICT;

-- The one continuous conversation. A reply is inserted as 'streaming' when it
-- starts; if the app dies before it ends, start-up marks it 'partial'.
CREATE TABLE messages (
    id                INTEGER PRIMARY KEY,
    role              TEXT NOT NULL CHECK (role IN ('user', 'assistant')),
    content           TEXT NOT NULL,
    status            TEXT NOT NULL DEFAULT 'complete'
                      CHECK (status IN ('complete', 'streaming', 'partial', 'error')),
    created_at        INTEGER NOT NULL,
    model             TEXT,
    prompt_tokens     INTEGER,
    completion_tokens INTEGER,
    error             TEXT
) STRICT;

CREATE INDEX messages_by_time ON messages (created_at, id);
CREATE INDEX messages_unfinished ON messages (status) WHERE status = 'streaming';

CREATE VIRTUAL TABLE messages_fts USING fts5 (
    content,
    content = 'messages',
    content_rowid = 'id',
    tokenize = 'porter unicode61 remove_diacritics 2'
);

CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN
    INSERT INTO messages_fts (rowid, content) VALUES (new.id, new.content);
END;

CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN
    INSERT INTO messages_fts (messages_fts, rowid, content) VALUES ('delete', old.id, old.content);
END;

CREATE TRIGGER messages_fts_update AFTER UPDATE OF content ON messages BEGIN
    INSERT INTO messages_fts (messages_fts, rowid, content) VALUES ('delete', old.id, old.content);
    INSERT INTO messages_fts (rowid, content) VALUES (new.id, new.content);
END;
