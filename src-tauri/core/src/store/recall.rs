//! The queries message recall runs (`crate::memory::recall`): BM25 over
//! `messages_fts` with rank and limit inside the FTS query, how common a word
//! is, and the turns around a hit.

use std::collections::HashMap;

use rusqlite::{Connection, OptionalExtension, params};

/// A word as an FTS5 phrase: quoted, so no word is read as an operator.
fn phrase(term: &str) -> String {
    format!("\"{}\"", term.replace('"', "\"\""))
}

/// How many messages before id `before` hold `term`, counting no further than `cap`.
pub fn rows_with(conn: &Connection, term: &str, before: i64, cap: u32) -> rusqlite::Result<u32> {
    conn.prepare_cached(
        "SELECT count(*) FROM (SELECT 1 FROM messages_fts
         WHERE messages_fts MATCH ?1 AND rowid < ?2 LIMIT ?3)",
    )?
    .query_row(params![phrase(term), before, cap], |r| r.get(0))
}

/// The oldest id among the latest `n` messages before `before` that hold `term`.
pub fn oldest_of_latest(
    conn: &Connection,
    term: &str,
    before: i64,
    n: u32,
) -> rusqlite::Result<Option<i64>> {
    conn.prepare_cached(
        "SELECT min(rowid) FROM (SELECT rowid FROM messages_fts
         WHERE messages_fts MATCH ?1 AND rowid < ?2 ORDER BY rowid DESC LIMIT ?3)",
    )?
    .query_row(params![phrase(term), before, n], |r| r.get(0))
}

/// The best `pool` BM25 hits for an FTS query among ids in `after..before`:
/// id → score (higher is better).
pub fn bm25_hits(
    conn: &Connection,
    query: &str,
    after: i64,
    before: i64,
    pool: u32,
) -> rusqlite::Result<HashMap<i64, f64>> {
    // Rank and limit inside the FTS query (bm25 is lower-is-better).
    conn.prepare_cached(
        "SELECT rowid, rank FROM messages_fts
         WHERE messages_fts MATCH ?1 AND rowid >= ?2 AND rowid < ?3
         ORDER BY rank LIMIT ?4",
    )?
    .query_map(params![query, after, before, pool], |r| {
        Ok((r.get::<_, i64>(0)?, -r.get::<_, f64>(1)?))
    })?
    .collect()
}

/// The messages within `reach` ids of `id` and before `before`, as
/// id → (said by the user, created at).
pub fn around(
    conn: &Connection,
    id: i64,
    before: i64,
    reach: i64,
) -> rusqlite::Result<Vec<(i64, bool, i64)>> {
    conn.prepare_cached(
        "SELECT id, role = 'user', created_at FROM messages
         WHERE id BETWEEN ?1 - ?3 AND ?1 + ?3 AND id < ?2",
    )?
    .query_map(params![id, before, reach], |r| {
        Ok((r.get(0)?, r.get(1)?, r.get(2)?))
    })?
    .collect()
}

/// The words of message `id`, if it exists.
pub fn content(conn: &Connection, id: i64) -> rusqlite::Result<Option<String>> {
    conn.prepare_cached("SELECT content FROM messages WHERE id = ?1")?
        .query_row([id], |r| r.get(0))
        .optional()
}

/// The highest message id (about how many messages there are).
pub fn last_id(conn: &Connection) -> rusqlite::Result<i64> {
    conn.query_row("SELECT coalesce(max(id), 0) FROM messages", [], |r| {
        r.get(0)
    })
}

/// How many messages hold `term`, counting no further than `cap`.
pub fn documents_with(conn: &Connection, term: &str, cap: i64) -> rusqlite::Result<i64> {
    conn.prepare_cached(
        "SELECT count(*) FROM (SELECT 1 FROM messages_fts WHERE messages_fts MATCH ?1 LIMIT ?2)",
    )?
    .query_row(params![phrase(term), cap], |r| r.get(0))
}
