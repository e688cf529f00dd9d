//! Searching everything at once: diary entries, moments, letters and
//! messages (a new kind adds a [`FoundKind`] and one query).
//!
//! The user's words become a safe FTS5 query ([`super::fts`]): every word
//! must appear, each also as the start of a longer word. Matches are marked
//! in titles and excerpts by `\u{2}` … `\u{3}` (FTS5 `highlight`/`snippet`),
//! control characters the UI splits on, so no stored text is read as markup.

use std::borrow::Cow;

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
/// FTS5 would merge the whole list of every word so beginning before
/// returning its first row, hundreds of thousands of rows for a common word
/// over 10^6 messages. So a longer start still being typed is read as the
/// words the index holds that begin so, joined by OR, which FTS5 reads
/// newest first and stops at the limit ([`Query::against`]).
const LONGEST_INDEXED_PREFIX: usize = 4;

/// The most words a longer start is read as; a start shared by more is
/// left to FTS5's prefix query.
const MOST_WORDS_FOR_A_START: usize = 64;

/// The tokenizer of every search index (migration 9), for stemming a typed
/// start as the index would.
const TOKENIZER: &str = "porter unicode61 remove_diacritics 2";

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
    /// The words before the last, as a query (`None` when there is one word).
    before: Option<String>,
    /// The last word, as typed.
    last: String,
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
        before,
        last: (*last).to_owned(),
    })
}

impl Query {
    /// The FTS5 query for the index `table`. A short last word is searched
    /// as a prefix through the prefix index. A longer one is taken as typed
    /// when the index holds it so (a whole word: the matches anyone would
    /// want first, found as fast as any word), and as the start of longer
    /// words only when it does not (a word still being typed): as the words
    /// of the index that begin so, when they are few ([`words_for_start`]),
    /// else as FTS5's prefix query.
    fn against(&self, conn: &Connection, table: &str) -> rusqlite::Result<Cow<'_, str>> {
        let Some(prefix) = &self.prefix else {
            return Ok(Cow::Borrowed(&self.exact));
        };
        if self.indexed {
            return Ok(Cow::Borrowed(prefix));
        }
        let held = conn
            .prepare_cached(&format!(
                "SELECT EXISTS (SELECT 1 FROM {table} WHERE {table} MATCH ?1)"
            ))?
            .query_row([&self.exact], |r| r.get::<_, bool>(0))?;
        if held {
            return Ok(Cow::Borrowed(&self.exact));
        }
        Ok(match words_for_start(conn, table, &self.last)? {
            Some(any) => Cow::Owned(match &self.before {
                // FTS5 joins a group to other words only by AND.
                Some(b) => format!("({b}) AND ({any})"),
                None => format!("({any})"),
            }),
            None => Cow::Borrowed(prefix),
        })
    }
}

/// The words of the index `table` that begin as `typed` does once stemmed
/// and folded as the index folds it, as an FTS5 query of those words joined
/// by OR: it matches exactly what FTS5's prefix query `"typed"*` matches.
/// Porter's stemmer is not idempotent (a word the index holds as
/// "shandralors" is searched as "shandralor"), so such a word is searched
/// as the start of its stem again, which stays within the words that begin
/// as typed. `None` when that cannot be said so: the start is more than one
/// word to the index ("o'bri"), no word or more than
/// [`MOST_WORDS_FOR_A_START`] words begin so, or a word's stem leaves the
/// start ("refere", held for "refereed", is searched as "refer"). The lists
/// of words and of stems are read through scratch tables of this connection
/// (`temp`).
fn words_for_start(
    conn: &Connection,
    table: &str,
    typed: &str,
) -> rusqlite::Result<Option<String>> {
    conn.execute_batch(&format!(
        "CREATE VIRTUAL TABLE IF NOT EXISTS temp.{table}_words USING fts5vocab(main, {table}, row);
         CREATE VIRTUAL TABLE IF NOT EXISTS temp.search_stems USING fts5(words, tokenize = '{TOKENIZER}');
         CREATE VIRTUAL TABLE IF NOT EXISTS temp.search_stems_words USING fts5vocab(temp, search_stems, instance);"
    ))?;
    let Some(start) = stems(conn, typed)?.and_then(|mut s| (s.len() == 1).then(|| s.remove(0)))
    else {
        return Ok(None);
    };
    let words: Vec<String> = conn
        .prepare_cached(&format!(
            "SELECT term FROM temp.{table}_words WHERE term >= ?1 AND term < ?2 LIMIT ?3"
        ))?
        .query_map(
            params![
                start,
                format!("{start}\u{10FFFF}"),
                MOST_WORDS_FOR_A_START as i64 + 1
            ],
            |r| r.get(0),
        )?
        .collect::<rusqlite::Result<_>>()?;
    if words.is_empty() || words.len() > MOST_WORDS_FOR_A_START {
        return Ok(None);
    }
    let Some(again) = stems(conn, &words.join(" "))?.filter(|a| a.len() == words.len()) else {
        return Ok(None);
    };
    let mut any = Vec::with_capacity(words.len());
    for (word, stem) in words.iter().zip(&again) {
        let quoted = format!("\"{}\"", word.replace('"', "\"\""));
        if stem == word {
            any.push(quoted);
        } else if stem.starts_with(start.as_str()) {
            any.push(quoted + "*");
        } else {
            return Ok(None);
        }
    }
    Ok(Some(any.join(" OR ")))
}

/// `text` as the index would hold it: its words stemmed and folded, in
/// order (`None` when it holds no word).
fn stems(conn: &Connection, text: &str) -> rusqlite::Result<Option<Vec<String>>> {
    // OR REPLACE: a row left by a statement that failed midway cannot
    // block every later search on this connection.
    conn.prepare_cached("INSERT OR REPLACE INTO temp.search_stems (rowid, words) VALUES (1, ?1)")?
        .execute([text])?;
    let stems: Vec<String> = conn
        .prepare_cached("SELECT term FROM temp.search_stems_words ORDER BY offset")?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    conn.prepare_cached("DELETE FROM temp.search_stems WHERE rowid = 1")?
        .execute([])?;
    Ok((!stems.is_empty()).then_some(stems))
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
            entries(conn, &q.against(conn, "diary_fts")?, per_kind)?,
        ),
        (
            FoundKind::Moment,
            moments(conn, &q.against(conn, "moments_fts")?, per_kind)?,
        ),
        (
            FoundKind::Letter,
            letters(
                conn,
                &q.against(conn, "letters_fts")?,
                per_kind,
                offset_minutes,
            )?,
        ),
        (
            FoundKind::Message,
            messages(
                conn,
                &q.against(conn, "messages_fts")?,
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
                assert_eq!(typing.against(c, "letters_fts")?, r#"("lakesid")"#);
                let two = q("your lakesi");
                assert_eq!(
                    two.against(c, "letters_fts")?,
                    r#"("your") AND ("lakesid")"#
                );
                assert_eq!(everything(c, "your lakesi", 20, 0)?.len(), 1);
                let none = q("lakeview");
                assert_eq!(none.against(c, "letters_fts")?, r#""lakeview"*"#);
                let short = q("lak");
                assert_eq!(short.against(c, "letters_fts")?, r#""lak"*"#);
                let found = everything(c, "lakesi", 20, 0)?;
                assert_eq!(found[0].kind, FoundKind::Letter);
                assert!(found[0].hits[0].excerpt.contains("\u{2}lakeside\u{3}"));
                Ok(())
            })
            .unwrap();
    }

    /// A start read as the words that begin so finds exactly what FTS5's
    /// own prefix query finds: stemmed, folded, in any case and script.
    #[test]
    fn a_long_start_read_as_its_words_finds_what_the_prefix_query_finds() {
        let dir = tempfile::tempdir().unwrap();
        let (store, _) = crate::store::Store::open(dir.path().join("journal.db")).unwrap();
        let texts = [
            "I remembered the lakeside café in Lisbon",
            "We agreed on the agriculture fair",
            "Remembering Amy's wedding, the lakes and the CAFÉS",
            "O'Brien's remembrance of the agreement",
            "Zoë’s wedding dress, Ζωή and 東京 in June",
            "the agrarian reform, refereed",
        ];
        store
            .with(|c| {
                for (i, t) in texts.iter().enumerate() {
                    c.execute(
                        "INSERT INTO messages (role, content, status, created_at) VALUES ('user', ?1, 'complete', ?2)",
                        params![t, i as i64],
                    )?;
                }
                let ids = |q: &str| -> rusqlite::Result<Vec<i64>> {
                    c.prepare(
                        "SELECT rowid FROM messages_fts WHERE messages_fts MATCH ?1 ORDER BY rowid DESC",
                    )?
                    .query_map([q], |r| r.get(0))?
                    .collect()
                };
                for typed in [
                    "remem", "Rememb", "REMEMBE", "lakesi", "cafés", "agree", "agreem", "agric",
                    "weddi", "o'bri", "brien", "zoë’s", "Ζωή", "lisbo", "xylop", "refer",
                    "the remem", "amy wed", "the lakes and the caf", "in lisbo",
                ] {
                    let q = query_for(typed).unwrap();
                    let prefix = q.prefix.clone().unwrap();
                    let read = q.against(c, "messages_fts")?;
                    if read == q.exact {
                        // A whole word the index holds is taken as typed.
                        assert!(!ids(&read)?.is_empty(), "{typed:?}");
                        continue;
                    }
                    assert_eq!(ids(&read)?, ids(&prefix)?, "{typed:?} read as {read}");
                }
                // Read as words where it can be; FTS5's prefix query where it cannot.
                let refer = query_for("refer").unwrap();
                assert_eq!(
                    refer.against(c, "messages_fts")?,
                    r#"("refere"*)"#,
                    "the stem of refereed, refere, is searched as the start refer"
                );
                let remem = query_for("remem").unwrap();
                assert!(remem.against(c, "messages_fts")?.contains(" OR "));
                Ok(())
            })
            .unwrap();
    }
}
