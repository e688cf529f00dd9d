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
/// prefix ("i", "th") stands for thousands of words, and reads as a word.
const SHORTEST_PREFIX: usize = 3;

/// The longest last word always searched as the start of longer ones. The
/// indexes keep prefix indexes of two to four letters (migration 9: a typed
/// word is stemmed first, so "was" is the prefix "wa"), which FTS5 reads
/// like a word, newest match first. A longer start has no prefix index:
/// FTS5 would merge the whole list of every word so beginning, hundreds of
/// thousands of rows for a common word over 10^6 messages.
const LONGEST_INDEXED_PREFIX: usize = 4;

/// What to search for a text: its first words, each a phrase, and the last
/// one, perhaps still being typed, as typed and as the start of longer words
/// ("lak" finds "lake").
#[derive(Debug, PartialEq)]
struct Query {
    /// Every word as typed (stemming still finds "lakes" for "lake").
    exact: String,
    /// The last word also as a prefix, when it is long enough.
    prefix: Option<String>,
    /// Whether the prefix has a prefix index (it is short).
    indexed: bool,
}

fn query_for(text: &str) -> Option<Query> {
    let words: Vec<&str> = fts::words(text).take(MAX_WORDS).collect();
    let (last, before) = words.split_last()?;
    let before = fts::query(&before.join(" "), Combine::All);
    let join = |last: Option<String>| match (&before, last) {
        (Some(b), Some(l)) => Some(format!("{b} {l}")),
        (b, l) => l.or_else(|| b.clone()),
    };
    let exact = join(fts::query(last, Combine::All))?;
    let letters = last.chars().count();
    let prefix = (letters >= SHORTEST_PREFIX)
        .then(|| join(fts::prefix_query(last, Combine::All)))
        .flatten();
    Some(Query {
        exact,
        prefix,
        indexed: letters <= LONGEST_INDEXED_PREFIX,
    })
}

impl Query {
    /// The FTS5 query for the index `table`. A short last word is searched
    /// as a prefix through the prefix index. A longer one is taken as typed
    /// when the index holds it so (a whole word: the matches anyone would
    /// want first, found as fast as any word), and as the start of longer
    /// words only when it does not (a word still being typed, whose longer
    /// words are then few enough to read).
    fn against(&self, conn: &Connection, table: &str) -> rusqlite::Result<&str> {
        let Some(prefix) = &self.prefix else {
            return Ok(&self.exact);
        };
        if self.indexed {
            return Ok(prefix);
        }
        let held = conn
            .prepare_cached(&format!(
                "SELECT EXISTS (SELECT 1 FROM {table} WHERE {table} MATCH ?1)"
            ))?
            .query_row([&self.exact], |r| r.get::<_, bool>(0))?;
        Ok(if held { &self.exact } else { prefix })
    }
}

/// Searches every kind for `text`; groups with no hit are left out. Diary
/// entries and letters come best match first (among their newest
/// [`RANKED`] matches); moments and messages, which
/// may number 10^5 and 10^6, newest first: FTS5 then reads matches in id
/// order and stops at the limit, where ranking would score every match of a
/// common word (about 1 s at 10^6 messages; see `benches/search.rs`).
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
        (
            FoundKind::Entry,
            entries(conn, q.against(conn, "diary_fts")?, per_kind)?,
        ),
        (
            FoundKind::Moment,
            moments(conn, q.against(conn, "moments_fts")?, per_kind)?,
        ),
        (
            FoundKind::Letter,
            letters(
                conn,
                q.against(conn, "letters_fts")?,
                per_kind,
                offset_minutes,
            )?,
        ),
        (
            FoundKind::Message,
            messages(
                conn,
                q.against(conn, "messages_fts")?,
                per_kind,
                offset_minutes,
            )?,
        ),
    ];
    Ok(groups
        .into_iter()
        .filter(|(_, hits)| !hits.is_empty())
        .map(|(kind, hits)| FoundGroup { kind, hits })
        .collect())
}

/// The most matches of a kind ranked best first: the newest ones. Scoring
/// a match reads every place its words stand, and a common word is in
/// nearly every entry and letter (10 ms for 5,000 of them).
const RANKED: u32 = 200;

fn entries(conn: &Connection, q: &str, limit: u32) -> rusqlite::Result<Vec<Found>> {
    // Rank the newest matches and limit inside the FTS query; join the few
    // winners afterwards.
    conn.prepare_cached(&format!(
        "WITH hits AS (
            SELECT rowid, rank,
                   highlight(diary_fts, 0, char(2), char(3)) AS title,
                   snippet(diary_fts, 1, char(2), char(3), '…', 24) AS excerpt
            FROM diary_fts WHERE diary_fts MATCH ?1 AND rowid >= (
                SELECT coalesce(min(rowid), 0) FROM (
                    SELECT rowid FROM diary_fts WHERE diary_fts MATCH ?1
                    ORDER BY rowid DESC LIMIT {RANKED}))
            ORDER BY rank LIMIT ?2)
         SELECT e.id, e.day, hits.title, hits.excerpt, e.created_at
         FROM hits JOIN diary_entries e ON e.id = hits.rowid ORDER BY hits.rank"
    ))?
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
    conn.prepare_cached(&format!(
        "WITH hits AS (
            SELECT rowid, rank,
                   highlight(letters_fts, 0, char(2), char(3)) AS recipient,
                   highlight(letters_fts, 1, char(2), char(3)) AS occasion,
                   snippet(letters_fts, 2, char(2), char(3), '…', 24) AS excerpt
            FROM letters_fts WHERE letters_fts MATCH ?1 AND rowid >= (
                SELECT coalesce(min(rowid), 0) FROM (
                    SELECT rowid FROM letters_fts WHERE letters_fts MATCH ?1
                    ORDER BY rowid DESC LIMIT {RANKED}))
            ORDER BY rank LIMIT ?2)
         SELECT l.id, l.updated_at,
                hits.recipient || iif(hits.occasion = '', '', ' · ' || hits.occasion),
                hits.excerpt, l.created_at
         FROM hits JOIN letters l ON l.id = hits.rowid ORDER BY hits.rank"
    ))?
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
        assert_eq!(q.exact.matches("\"word\"").count(), MAX_WORDS);
        assert_eq!(query_for("  ( * \" "), None);
    }

    #[test]
    fn only_the_last_word_of_three_letters_or_more_is_a_prefix() {
        let q = |text| query_for(text).unwrap();
        assert_eq!(q("the lak").prefix.as_deref(), Some(r#""the" "lak"*"#));
        assert_eq!(q("the lak").exact, r#""the" "lak""#);
        assert!(q("the lak").indexed);
        assert_eq!(q("lake i").prefix, None);
        assert_eq!(q("lake i").exact, r#""lake" "i""#);
        assert_eq!(q("OR NOT (").prefix.as_deref(), Some(r#""OR" "NOT"*"#));
        assert!(!q("wedding").indexed);
    }

    #[test]
    fn a_long_last_word_is_taken_as_typed_when_the_index_holds_it() {
        let dir = tempfile::tempdir().unwrap();
        let (store, _) = crate::store::Store::open(dir.path().join("journal.db")).unwrap();
        store
            .with(|c| {
                c.execute(
                    "INSERT INTO letters (recipient, body, created_at, updated_at)
                     VALUES ('Amy', 'Your wedding by the lakeside', 0, 0)",
                    [],
                )?;
                let q = |text| query_for(text).unwrap();
                let wedding = q("wedding");
                assert_eq!(wedding.against(c, "letters_fts")?, r#""wedding""#);
                let typing = q("lakesi");
                assert_eq!(typing.against(c, "letters_fts")?, r#""lakesi"*"#);
                let short = q("lak");
                assert_eq!(short.against(c, "letters_fts")?, r#""lak"*"#);
                let found = everything(c, "lakesi", 20, 0)?;
                assert_eq!(found[0].kind, FoundKind::Letter);
                assert!(found[0].hits[0].excerpt.contains("\u{2}lakeside\u{3}"));
                Ok(())
            })
            .unwrap();
    }
}
