-- Hearth journal: each message's token count, counted once.
--
-- Building a prompt needs the size of every recent message; counting a long
-- one again on every turn made each later turn slower. `tokens` holds the
-- count (NULL until the first prompt that includes the message counts it),
-- and any change to the words clears it, whichever code changes them.
ALTER TABLE messages ADD COLUMN tokens INTEGER;

CREATE TRIGGER messages_tokens_stale AFTER UPDATE OF content ON messages
WHEN new.content IS NOT old.content
BEGIN
    UPDATE messages SET tokens = NULL WHERE id = new.id;
END;
