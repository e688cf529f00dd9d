-- Hearth journal, schema 6: the diary.
--
-- A moment kept from the conversation gets a title and a short reflection in
-- the companion's voice, written in the background: `writing` is 1 until it
-- is, and `problem` says why the last try failed (the moment itself is kept).
ALTER TABLE moments ADD COLUMN reflection TEXT NOT NULL DEFAULT '';
ALTER TABLE moments ADD COLUMN writing INTEGER NOT NULL DEFAULT 0 CHECK (writing IN (0, 1));
ALTER TABLE moments ADD COLUMN problem TEXT;

-- The favourites, newest first, without reading every moment.
CREATE INDEX moments_favourite ON moments (day, id) WHERE favourite = 1;

CREATE VIRTUAL TABLE moments_fts USING fts5 (
    title,
    body,
    reflection,
    content = 'moments',
    content_rowid = 'id',
    tokenize = 'porter unicode61 remove_diacritics 2'
);

INSERT INTO moments_fts (moments_fts) VALUES ('rebuild');

CREATE TRIGGER moments_fts_insert AFTER INSERT ON moments BEGIN
    INSERT INTO moments_fts (rowid, title, body, reflection)
    VALUES (new.id, new.title, new.body, new.reflection);
END;

CREATE TRIGGER moments_fts_delete AFTER DELETE ON moments BEGIN
    INSERT INTO moments_fts (moments_fts, rowid, title, body, reflection)
    VALUES ('delete', old.id, old.title, old.body, old.reflection);
END;

CREATE TRIGGER moments_fts_update AFTER UPDATE OF title, body, reflection ON moments BEGIN
    INSERT INTO moments_fts (moments_fts, rowid, title, body, reflection)
    VALUES ('delete', old.id, old.title, old.body, old.reflection);
    INSERT INTO moments_fts (rowid, title, body, reflection)
    VALUES (new.id, new.title, new.body, new.reflection);
END;

-- The companion's entry for one local day (YYYY-MM-DD) the two talked.
-- `written_by` names who wrote it (the companion and its model); `edited`
-- is set once the user changes it.
CREATE TABLE diary_entries (
    id          INTEGER PRIMARY KEY,
    day         TEXT NOT NULL UNIQUE CHECK (day GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    title       TEXT NOT NULL CHECK (length(trim(title)) > 0),
    body        TEXT NOT NULL CHECK (length(trim(body)) > 0),
    mood        TEXT NOT NULL DEFAULT '',
    tags        TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(tags)),
    people      TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(people)),
    favourite   INTEGER NOT NULL DEFAULT 0 CHECK (favourite IN (0, 1)),
    written_by  TEXT NOT NULL DEFAULT '',
    edited      INTEGER NOT NULL DEFAULT 0 CHECK (edited IN (0, 1)),
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
) STRICT;

CREATE VIRTUAL TABLE diary_fts USING fts5 (
    title,
    body,
    tags,
    people,
    content = 'diary_entries',
    content_rowid = 'id',
    tokenize = 'porter unicode61 remove_diacritics 2'
);

CREATE TRIGGER diary_fts_insert AFTER INSERT ON diary_entries BEGIN
    INSERT INTO diary_fts (rowid, title, body, tags, people)
    VALUES (new.id, new.title, new.body, new.tags, new.people);
END;

CREATE TRIGGER diary_fts_delete AFTER DELETE ON diary_entries BEGIN
    INSERT INTO diary_fts (diary_fts, rowid, title, body, tags, people)
    VALUES ('delete', old.id, old.title, old.body, old.tags, old.people);
END;

CREATE TRIGGER diary_fts_update AFTER UPDATE OF title, body, tags, people ON diary_entries BEGIN
    INSERT INTO diary_fts (diary_fts, rowid, title, body, tags, people)
    VALUES ('delete', old.id, old.title, old.body, old.tags, old.people);
    INSERT INTO diary_fts (rowid, title, body, tags, people)
    VALUES (new.id, new.title, new.body, new.tags, new.people);
END;

-- The once-a-day rule: a day the companion is to write about ('pending', with
-- the reason its last try failed) or has written about ('written', for good:
-- deleting the entry does not bring the day back; rewriting is asked for).
CREATE TABLE diary_days (
    day         TEXT PRIMARY KEY NOT NULL CHECK (day GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    state       TEXT NOT NULL CHECK (state IN ('pending', 'written')),
    reason      TEXT,
    updated_at  INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

-- Deleted or edited moments and entries leave no words in the indexes (see
-- migration 6).
INSERT INTO moments_fts (moments_fts, rank) VALUES ('secure-delete', 1);
INSERT INTO diary_fts (diary_fts, rank) VALUES ('secure-delete', 1);
