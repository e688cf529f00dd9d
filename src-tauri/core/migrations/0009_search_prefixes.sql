-- Search while typing: the word being typed is searched as the start of
-- longer words ("lak" finds "lake"). Without a prefix index FTS5 answers that
-- by merging the whole list of every word that starts so, a list of hundreds
-- of thousands of rows for a common start over 10^6 messages (most of a
-- search's time; see benches/search.rs). Prefix indexes of the first two,
-- three and four letters answer those starts as it answers a word, reading
-- only the newest matches. FTS5 options cannot change in place: each index
-- the search box reads is made anew with them and rebuilt from its table.
-- Its triggers name it, not its options, so they stay as they are. The old
-- index's pages are overwritten as they are freed (PRAGMA secure_delete), and
-- the new one deletes securely too (see migration 6).

DROP TABLE messages_fts;
CREATE VIRTUAL TABLE messages_fts USING fts5 (
    content,
    content = 'messages',
    content_rowid = 'id',
    tokenize = 'porter unicode61 remove_diacritics 2',
    prefix = '2 3 4'
);
INSERT INTO messages_fts (messages_fts, rank) VALUES ('secure-delete', 1);
INSERT INTO messages_fts (messages_fts) VALUES ('rebuild');

DROP TABLE moments_fts;
CREATE VIRTUAL TABLE moments_fts USING fts5 (
    title,
    body,
    reflection,
    content = 'moments',
    content_rowid = 'id',
    tokenize = 'porter unicode61 remove_diacritics 2',
    prefix = '2 3 4'
);
INSERT INTO moments_fts (moments_fts, rank) VALUES ('secure-delete', 1);
INSERT INTO moments_fts (moments_fts) VALUES ('rebuild');

DROP TABLE diary_fts;
CREATE VIRTUAL TABLE diary_fts USING fts5 (
    title,
    body,
    tags,
    people,
    content = 'diary_entries',
    content_rowid = 'id',
    tokenize = 'porter unicode61 remove_diacritics 2',
    prefix = '2 3 4'
);
INSERT INTO diary_fts (diary_fts, rank) VALUES ('secure-delete', 1);
INSERT INTO diary_fts (diary_fts) VALUES ('rebuild');

DROP TABLE letters_fts;
CREATE VIRTUAL TABLE letters_fts USING fts5 (
    recipient,
    occasion,
    body,
    content = 'letters',
    content_rowid = 'id',
    tokenize = 'porter unicode61 remove_diacritics 2',
    prefix = '2 3 4'
);
INSERT INTO letters_fts (letters_fts, rank) VALUES ('secure-delete', 1);
INSERT INTO letters_fts (letters_fts) VALUES ('rebuild');
