//! Searching everything at once: diary entries, moments, letters and
//! messages (a new kind adds a [`FoundKind`] and one query).
//!
//! The user's words become a safe FTS5 query ([`super::fts`]): every word
//! must appear, each also as the start of a longer word. Matches are marked
//! in titles and excerpts by `\u{2}` … `\u{3}` (FTS5 `highlight`/`snippet`),
//! control characters the UI splits on, so no stored text is read as markup.

use rusqlite::{Connection, params};
use serde::{Deserialize, Serialize};

use super::fts::{self, Combine};
use super::moments::local_day;

/// What a search result is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub enum FoundKind {
    Entry,
    Moment,
    Letter,
    Message,
}

/// One result: where it is and the words around the match.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct Found {
    pub kind: FoundKind,
    pub id: i64,
    /// The local day it belongs to, `YYYY-MM-DD` (a letter's is the day it
    /// was last written).
    pub day: String,
    /// The title with matches marked (a message's is empty; a letter's is
    /// its recipient, then its occasion when it has one).
    pub title: String,
    /// A few words around the match, matches marked.
    pub excerpt: String,
    pub created_at: i64,
}

/// The results of one kind, best first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct FoundGroup {
    pub kind: FoundKind,
    pub hits: Vec<Found>,
}

/// The most words of a query that are searched (10 KB of pasted text would
/// otherwise be thousands of terms that must all match).
const MAX_WORDS: usize = 32;

/// The shortest last word searched as the start of longer ones: a shorter
/// prefix ("i", "th") stands for thousands of words, which is slow to read.
const SHORTEST_PREFIX: usize = 3;

/// The query for `text`: its first words, each a phrase; the last one, still
/// being typed, also as the start of a longer word ("lak" finds "lake").
fn query_for(text: &str) -> Option<String> {
    let words: Vec<&str> = fts::words(text).take(MAX_WORDS).collect();
    let (last, before) = words.split_last()?;
    let mut q = fts::query(&before.join(" "), Combine::All).unwrap_or_default();
    let last = if last.chars().count() >= SHORTEST_PREFIX {
        fts::prefix_query(last, Combine::All)
    } else {
        fts::query(last, Combine::All)
    };
    if let Some(last) = last {
        if !q.is_empty() {
            q.push(' ');
        }
        q.push_str(&last);
    }
    (!q.is_empty()).then_some(q)
}

/// Searches every kind for `text`; groups with no hit are left out. Diary
/// entries and letters come best match first; moments and messages, which may number
/// 10^5 and 10^6, newest first: FTS5 then reads matches in id order and stops
/// at the limit, where ranking would score every match of a common word
/// (about 1 s at 10^6 messages; see `benches/search.rs`).
pub fn everything(
    conn: &Connection,
    text: &str,
    per_kind: u32,
    offset_minutes: i32,
) -> rusqlite::Result<Vec<FoundGroup>> {
    let Some(q) = query_for(text) else {
        return Ok(Vec::new());
    };
    let groups = [
        (FoundKind::Entry, entries(conn, &q, per_kind)?),
        (FoundKind::Moment, moments(conn, &q, per_kind)?),
        (
            FoundKind::Letter,
            letters(conn, &q, per_kind, offset_minutes)?,
        ),
        (
            FoundKind::Message,
            messages(conn, &q, per_kind, offset_minutes)?,
        ),
    ];
    Ok(groups
        .into_iter()
        .filter(|(_, hits)| !hits.is_empty())
        .map(|(kind, hits)| FoundGroup { kind, hits })
        .collect())
}

fn entries(conn: &Connection, q: &str, limit: u32) -> rusqlite::Result<Vec<Found>> {
    // Rank and limit inside the FTS query; join the few winners afterwards.
    conn.prepare_cached(
        "WITH hits AS (
            SELECT rowid, rank,
                   highlight(diary_fts, 0, char(2), char(3)) AS title,
                   snippet(diary_fts, 1, char(2), char(3), '…', 24) AS excerpt
            FROM diary_fts WHERE diary_fts MATCH ?1 ORDER BY rank LIMIT ?2)
         SELECT e.id, e.day, hits.title, hits.excerpt, e.created_at
         FROM hits JOIN diary_entries e ON e.id = hits.rowid ORDER BY hits.rank",
    )?
    .query_map(params![q, limit], |r| found(FoundKind::Entry, r, None))?
    .collect()
}

fn moments(conn: &Connection, q: &str, limit: u32) -> rusqlite::Result<Vec<Found>> {
    conn.prepare_cached(
        "WITH hits AS (
            SELECT rowid,
                   highlight(moments_fts, 0, char(2), char(3)) AS title,
                   snippet(moments_fts, 1, char(2), char(3), '…', 24) AS kept,
                   snippet(moments_fts, 2, char(2), char(3), '…', 24) AS reflected
            FROM moments_fts WHERE moments_fts MATCH ?1 ORDER BY rowid DESC LIMIT ?2)
         -- The words kept, unless only the companion's reflection holds the match.
         SELECT m.id, m.day, hits.title,
                iif(instr(hits.kept, char(2)) = 0 AND instr(hits.reflected, char(2)) > 0,
                    hits.reflected, hits.kept),
                m.created_at
         FROM hits JOIN moments m ON m.id = hits.rowid ORDER BY m.id DESC",
    )?
    .query_map(params![q, limit], |r| found(FoundKind::Moment, r, None))?
    .collect()
}

fn letters(
    conn: &Connection,
    q: &str,
    limit: u32,
    offset_minutes: i32,
) -> rusqlite::Result<Vec<Found>> {
    // The letter as it stands on the desk now (not its older versions).
    conn.prepare_cached(
        "WITH hits AS (
            SELECT rowid, rank,
                   highlight(letters_fts, 0, char(2), char(3)) AS recipient,
                   highlight(letters_fts, 1, char(2), char(3)) AS occasion,
                   snippet(letters_fts, 2, char(2), char(3), '…', 24) AS excerpt
            FROM letters_fts WHERE letters_fts MATCH ?1 ORDER BY rank LIMIT ?2)
         SELECT l.id, l.updated_at,
                hits.recipient || iif(hits.occasion = '', '', ' · ' || hits.occasion),
                hits.excerpt, l.created_at
         FROM hits JOIN letters l ON l.id = hits.rowid ORDER BY hits.rank",
    )?
    .query_map(params![q, limit], |r| {
        Ok(Found {
            kind: FoundKind::Letter,
            id: r.get(0)?,
            day: local_day(r.get(1)?, offset_minutes),
            title: r.get(2)?,
            excerpt: r.get(3)?,
            created_at: r.get(4)?,
        })
    })?
    .collect()
}

fn messages(
    conn: &Connection,
    q: &str,
    limit: u32,
    offset_minutes: i32,
) -> rusqlite::Result<Vec<Found>> {
    conn.prepare_cached(
        "WITH hits AS (
            SELECT rowid, snippet(messages_fts, 0, char(2), char(3), '…', 24) AS excerpt
            FROM messages_fts WHERE messages_fts MATCH ?1 ORDER BY rowid DESC LIMIT ?2)
         SELECT m.id, '', '', hits.excerpt, m.created_at
         FROM hits JOIN messages m ON m.id = hits.rowid ORDER BY m.id DESC",
    )?
    .query_map(params![q, limit], |r| {
        found(FoundKind::Message, r, Some(offset_minutes))
    })?
    .collect()
}

fn found(
    kind: FoundKind,
    r: &rusqlite::Row<'_>,
    day_from_time: Option<i32>,
) -> rusqlite::Result<Found> {
    let created_at: i64 = r.get(4)?;
    Ok(Found {
        kind,
        id: r.get(0)?,
        day: match day_from_time {
            Some(offset) => local_day(created_at, offset),
            None => r.get(1)?,
        },
        title: r.get(2)?,
        excerpt: r.get(3)?,
        created_at,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_text_is_cut_to_its_first_words() {
        let text = "word ".repeat(5_000);
        let q = query_for(&text).unwrap();
        assert_eq!(q.matches("\"word\"").count(), MAX_WORDS);
        assert_eq!(query_for("  ( * \" "), None);
    }

    #[test]
    fn only_the_last_word_of_three_letters_or_more_is_a_prefix() {
        assert_eq!(query_for("the lak").as_deref(), Some(r#""the" "lak"*"#));
        assert_eq!(query_for("lake i").as_deref(), Some(r#""lake" "i""#));
        assert_eq!(query_for("OR NOT (").as_deref(), Some(r#""OR" "NOT"*"#));
    }
}
