-- Letters meet the diary and the conversation.
--
-- The moment a letter was finished (NULL while it is a draft). The diary
-- keeps one moment for a finished letter, on the day it was finished, linked
-- here; it goes with the letter.
ALTER TABLE letters ADD COLUMN finished_at INTEGER;
ALTER TABLE moments ADD COLUMN letter_id INTEGER REFERENCES letters (id) ON DELETE CASCADE;
CREATE UNIQUE INDEX moments_by_letter ON moments (letter_id) WHERE letter_id IS NOT NULL;

-- A person's date is mentioned in conversation once per year it comes round:
-- the occurrences already mentioned (`occurs` is its day, YYYY-MM-DD).
CREATE TABLE dates_mentioned (
    person_id INTEGER NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    label     TEXT    NOT NULL,
    occurs    TEXT    NOT NULL,
    PRIMARY KEY (person_id, label, occurs)
) STRICT, WITHOUT ROWID;
