-- Hearth journal, schema 4: embedding vectors stored compactly.
--
-- Schema 3 kept each vector as 384 float32 values in a WITHOUT ROWID table,
-- whose rows may hold only about 1 KB in the B-tree page: every 1.5 KB vector
-- spilled to an overflow page of its own, about 4.9 KB on disk per vector.
-- Now a vector is one float32 scale followed by one signed byte per value
-- (value = scale * byte; 388 bytes for 384 dimensions; cosine ranks are kept
-- to within ~1%), in an ordinary rowid table where ten fit in a page.
--
-- Vectors are derived data: the old ones are dropped, and the background
-- embedder makes them again (in batches, with progress in the log).

DROP TRIGGER embeddings_memory_deleted;
DROP TRIGGER embeddings_memory_changed;
DROP TRIGGER embeddings_moment_deleted;
DROP TRIGGER embeddings_moment_changed;
DROP TRIGGER embeddings_message_deleted;
DROP TRIGGER embeddings_message_changed;
DROP TABLE embeddings;

CREATE TABLE embeddings (
    id         INTEGER PRIMARY KEY,
    owner_kind TEXT NOT NULL CHECK (owner_kind IN ('memory', 'moment', 'message')),
    owner_id   INTEGER NOT NULL,
    model      TEXT NOT NULL,
    dim        INTEGER NOT NULL CHECK (dim > 0),
    vector     BLOB NOT NULL CHECK (length(vector) = 4 + dim),
    created_at INTEGER NOT NULL,
    UNIQUE (owner_kind, owner_id)
) STRICT;

CREATE TRIGGER embeddings_memory_deleted AFTER DELETE ON memories BEGIN
    DELETE FROM embeddings WHERE owner_kind = 'memory' AND owner_id = old.id;
END;
CREATE TRIGGER embeddings_memory_changed AFTER UPDATE OF text ON memories
WHEN new.text IS NOT old.text BEGIN
    DELETE FROM embeddings WHERE owner_kind = 'memory' AND owner_id = old.id;
END;

CREATE TRIGGER embeddings_moment_deleted AFTER DELETE ON moments BEGIN
    DELETE FROM embeddings WHERE owner_kind = 'moment' AND owner_id = old.id;
END;
CREATE TRIGGER embeddings_moment_changed AFTER UPDATE OF title, body ON moments
WHEN new.title IS NOT old.title OR new.body IS NOT old.body BEGIN
    DELETE FROM embeddings WHERE owner_kind = 'moment' AND owner_id = old.id;
END;

CREATE TRIGGER embeddings_message_deleted AFTER DELETE ON messages BEGIN
    DELETE FROM embeddings WHERE owner_kind = 'message' AND owner_id = old.id;
END;
CREATE TRIGGER embeddings_message_changed AFTER UPDATE OF content ON messages
WHEN new.content IS NOT old.content BEGIN
    DELETE FROM embeddings WHERE owner_kind = 'message' AND owner_id = old.id;
END;
