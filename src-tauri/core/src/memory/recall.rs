//! Recalling past messages for a new one, by FTS5's BM25 over their words.

use rusqlite::{Connection, params};

use crate::store::fts::{self, Combine};

/// A recalled message and how well it matched (higher is better).
#[derive(Debug, Clone, PartialEq)]
pub struct Recalled {
    pub message_id: i64,
    pub score: f64,
}

/// Words that say little about what a message is about. Dropping them keeps
/// "When did Caroline go to the support group?" from matching every "the".
const FUNCTION_WORDS: &[&str] = &[
    "a", "about", "after", "all", "also", "am", "an", "and", "any", "are", "as", "at", "be",
    "been", "before", "but", "by", "can", "could", "did", "do", "does", "for", "from", "had",
    "has", "have", "he", "her", "hers", "him", "his", "how", "i", "if", "in", "into", "is", "it",
    "its", "me", "my", "of", "on", "or", "our", "she", "so", "than", "that", "the", "their",
    "them", "then", "there", "these", "they", "this", "those", "to", "was", "we", "were", "what",
    "when", "where", "which", "who", "whom", "why", "will", "with", "would", "you", "your",
];

/// The words of `text` worth searching for.
pub fn content_words(text: &str) -> String {
    text.split(|c: char| !(c.is_alphanumeric() || c == '\''))
        .map(|w| w.trim_matches('\''))
        .filter(|w| !w.is_empty() && !FUNCTION_WORDS.contains(&w.to_lowercase().as_str()))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The `limit` past messages that best match `text`, best first. Messages
/// with id `exclude_from` and later (the new message itself) are left out.
pub fn messages(
    conn: &Connection,
    text: &str,
    limit: u32,
    exclude_from: Option<i64>,
) -> rusqlite::Result<Vec<Recalled>> {
    let words = content_words(text);
    let Some(query) = fts::query(if words.is_empty() { text } else { &words }, Combine::Any) else {
        return Ok(Vec::new());
    };
    // Rank and limit inside the FTS query (bm25 is lower-is-better).
    let mut stmt = conn.prepare_cached(
        "SELECT rowid, bm25(messages_fts) AS rank FROM messages_fts
         WHERE messages_fts MATCH ?1 AND rowid < ?2
         ORDER BY rank LIMIT ?3",
    )?;
    stmt.query_map(
        params![query, exclude_from.unwrap_or(i64::MAX), limit],
        |r| {
            Ok(Recalled {
                message_id: r.get(0)?,
                score: -r.get::<_, f64>(1)?,
            })
        },
    )?
    .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;
    use crate::store::messages::{self as msgs, MessageStatus, Role};

    #[test]
    fn the_message_about_the_subject_comes_first_and_function_words_do_not_count() {
        let dir = tempfile::tempdir().unwrap();
        let (store, _) = Store::open(dir.path().join("j.db")).unwrap();
        let ids = store
            .with(|c| {
                let a = msgs::insert(
                    c,
                    Role::User,
                    "I went to the support group yesterday",
                    MessageStatus::Complete,
                    None,
                )?
                .id;
                let b = msgs::insert(
                    c,
                    Role::User,
                    "What a day it was, and when it rained",
                    MessageStatus::Complete,
                    None,
                )?
                .id;
                let d = msgs::insert(
                    c,
                    Role::User,
                    "Painted a sunrise by the lake",
                    MessageStatus::Complete,
                    None,
                )?
                .id;
                Ok([a, b, d])
            })
            .unwrap();
        let found = store
            .with(|c| messages(c, "When did I go to the support group?", 10, None))
            .unwrap();
        assert_eq!(found.first().map(|r| r.message_id), Some(ids[0]));
        assert!(
            found.iter().all(|r| r.message_id != ids[1]),
            "only function words in common: {found:?}"
        );
        let none = store
            .with(|c| messages(c, "When did I go?", 10, Some(ids[0])))
            .unwrap();
        assert!(none.iter().all(|r| r.message_id < ids[0]));
    }

    #[test]
    fn query_syntax_in_the_text_is_harmless() {
        let dir = tempfile::tempdir().unwrap();
        let (store, _) = Store::open(dir.path().join("j.db")).unwrap();
        for text in ["\"", "NEAR(", "a OR b AND", "col:*", "", "?!"] {
            assert!(
                store.with(|c| messages(c, text, 5, None)).is_ok(),
                "{text:?}"
            );
        }
    }
}
