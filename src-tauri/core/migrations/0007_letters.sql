-- Letters: the people the user writes to and their dates, letters, and every
-- version of each letter (drafts, revisions, the user's edits, restores).

CREATE TABLE people (
    id           INTEGER PRIMARY KEY,
    name         TEXT    NOT NULL CHECK (length(trim(name)) > 0),
    relationship TEXT    NOT NULL DEFAULT '',
    notes        TEXT    NOT NULL DEFAULT '',
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
);

-- A date that comes back each year (a birthday, an anniversary); the year,
-- when known, tells how many years it marks.
CREATE TABLE person_dates (
    id        INTEGER PRIMARY KEY,
    person_id INTEGER NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    label     TEXT    NOT NULL,
    month     INTEGER NOT NULL CHECK (month BETWEEN 1 AND 12),
    day       INTEGER NOT NULL CHECK (day BETWEEN 1 AND 31),
    year      INTEGER
);

CREATE INDEX person_dates_person ON person_dates (person_id);

CREATE TABLE letters (
    id         INTEGER PRIMARY KEY,
    -- One of the people, or NULL for someone the user writes to (or for).
    person_id  INTEGER REFERENCES people (id) ON DELETE SET NULL,
    recipient  TEXT    NOT NULL,
    occasion   TEXT    NOT NULL DEFAULT '',
    carry      TEXT    NOT NULL DEFAULT '',
    -- JSON: the memories to weave in, as text.
    weave      TEXT    NOT NULL DEFAULT '[]',
    tone       TEXT    NOT NULL DEFAULT 'tender',
    length     TEXT    NOT NULL DEFAULT 'medium',
    signature  TEXT    NOT NULL DEFAULT '',
    -- JSON: the companion's questions and the user's answers.
    answers    TEXT    NOT NULL DEFAULT '[]',
    font       TEXT    NOT NULL DEFAULT 'dancing-script',
    paper      TEXT    NOT NULL DEFAULT 'cream',
    -- The text on the desk now, saved as the user types.
    body       TEXT    NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);

CREATE TABLE letter_versions (
    id         INTEGER PRIMARY KEY,
    letter_id  INTEGER NOT NULL REFERENCES letters (id) ON DELETE CASCADE,
    source     TEXT    NOT NULL CHECK (source IN ('draft', 'revision', 'edit', 'restore')),
    -- The revision asked for, in the user's words.
    request    TEXT,
    body       TEXT    NOT NULL,
    status     TEXT    NOT NULL DEFAULT 'complete'
                       CHECK (status IN ('streaming', 'complete', 'partial', 'error')),
    error      TEXT,
    created_at INTEGER NOT NULL
);

CREATE INDEX letter_versions_letter ON letter_versions (letter_id, id);

-- Full-text search over letters (for the search box).
CREATE VIRTUAL TABLE letters_fts USING fts5 (
    recipient,
    occasion,
    body,
    content = 'letters',
    content_rowid = 'id',
    tokenize = 'porter unicode61 remove_diacritics 2'
);

CREATE TRIGGER letters_fts_insert AFTER INSERT ON letters BEGIN
    INSERT INTO letters_fts (rowid, recipient, occasion, body)
    VALUES (new.id, new.recipient, new.occasion, new.body);
END;

CREATE TRIGGER letters_fts_delete AFTER DELETE ON letters BEGIN
    INSERT INTO letters_fts (letters_fts, rowid, recipient, occasion, body)
    VALUES ('delete', old.id, old.recipient, old.occasion, old.body);
END;

CREATE TRIGGER letters_fts_update AFTER UPDATE OF recipient, occasion, body ON letters BEGIN
    INSERT INTO letters_fts (letters_fts, rowid, recipient, occasion, body)
    VALUES ('delete', old.id, old.recipient, old.occasion, old.body);
    INSERT INTO letters_fts (rowid, recipient, occasion, body)
    VALUES (new.id, new.recipient, new.occasion, new.body);
END;

-- A deleted or rewritten letter leaves no words in the index (see migration 6).
INSERT INTO letters_fts (letters_fts, rank) VALUES ('secure-delete', 1);
