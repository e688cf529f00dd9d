-- Hearth journal, schema 3: on-device embeddings for recall.

-- One vector per memory, moment or message, from the model named in `model`
-- (vectors of different models are not comparable). `vector` holds `dim`
-- float32 values, little-endian, unit length. A vector is dropped when the
-- text it was made from changes or its owner is deleted, so a background task
-- can find what needs embedding by what has no row here.
CREATE TABLE embeddings (
    owner_kind TEXT NOT NULL CHECK (owner_kind IN ('memory', 'moment', 'message')),
    owner_id   INTEGER NOT NULL,
    model      TEXT NOT NULL,
    dim        INTEGER NOT NULL CHECK (dim > 0),
    vector     BLOB NOT NULL CHECK (length(vector) = 4 * dim),
    created_at INTEGER NOT NULL,
    PRIMARY KEY (owner_kind, owner_id)
) STRICT, WITHOUT ROWID;

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
