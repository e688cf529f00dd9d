-- Hearth journal: forgetting that really forgets.

-- A row deleted from an FTS5 index's content table leaves its words in the
-- index's segments unless the index deletes securely; set it, and rebuild
-- both indexes from their tables so words deleted before now go too.
INSERT INTO messages_fts (messages_fts, rank) VALUES ('secure-delete', 1);
INSERT INTO memories_fts (memories_fts, rank) VALUES ('secure-delete', 1);
INSERT INTO messages_fts (messages_fts) VALUES ('rebuild');
INSERT INTO memories_fts (memories_fts) VALUES ('rebuild');

-- A message whose memory the user deleted: it stays in the conversation but
-- is never recalled or learnt from again.
ALTER TABLE messages ADD COLUMN forgotten INTEGER NOT NULL DEFAULT 0 CHECK (forgotten IN (0, 1));
