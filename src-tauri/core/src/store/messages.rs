//! The conversation's messages: paging back through history and searching it.

use rusqlite::{Connection, Row, params};
use serde::{Deserialize, Serialize};

use super::fts::{self, Combine};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    User,
    Assistant,
}

/// Where a message is in its life. A reply that was cut short (stopped, failed,
/// or the app died) keeps its words and is marked, never silently dropped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "lowercase")]
pub enum MessageStatus {
    Complete,
    Streaming,
    Partial,
    Error,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct Message {
    pub id: i64,
    pub role: Role,
    pub content: String,
    pub status: MessageStatus,
    /// UTC milliseconds since the Unix epoch.
    pub created_at: i64,
    pub model: Option<String>,
    /// Why the reply failed, for a reply whose status is `error`.
    pub error: Option<String>,
    /// Whether the user kept this message as a moment.
    pub kept: bool,
    /// Whether the user deleted a memory learnt from it: it is never
    /// recalled or learnt from again.
    pub forgotten: bool,
}

/// A search result: the message and a short excerpt with the match marked by
/// `\u{2}` … `\u{3}` (control characters that never occur in stored text, so the
/// UI can highlight without parsing HTML).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct SearchHit {
    pub message: Message,
    pub excerpt: String,
}

const COLUMNS: &str = "messages.id, messages.role, messages.content, messages.status, \
    messages.created_at, messages.model, messages.error, \
    EXISTS (SELECT 1 FROM moment_sources s WHERE s.message_id = messages.id), messages.forgotten";

fn role_str(role: Role) -> &'static str {
    match role {
        Role::User => "user",
        Role::Assistant => "assistant",
    }
}

fn status_str(status: MessageStatus) -> &'static str {
    match status {
        MessageStatus::Complete => "complete",
        MessageStatus::Streaming => "streaming",
        MessageStatus::Partial => "partial",
        MessageStatus::Error => "error",
    }
}

fn from_row(r: &Row<'_>) -> rusqlite::Result<Message> {
    let text = |i: usize| r.get::<_, String>(i);
    let role = match text(1)?.as_str() {
        "user" => Role::User,
        _ => Role::Assistant,
    };
    let status = match text(3)?.as_str() {
        "complete" => MessageStatus::Complete,
        "streaming" => MessageStatus::Streaming,
        "partial" => MessageStatus::Partial,
        _ => MessageStatus::Error,
    };
    Ok(Message {
        id: r.get(0)?,
        role,
        content: text(2)?,
        status,
        created_at: r.get(4)?,
        model: r.get(5)?,
        error: r.get(6)?,
        kept: r.get(7)?,
        forgotten: r.get(8)?,
    })
}

/// Appends a message stamped now.
pub fn insert(
    conn: &Connection,
    role: Role,
    content: &str,
    status: MessageStatus,
    model: Option<&str>,
) -> rusqlite::Result<Message> {
    insert_at(conn, role, content, status, model, super::now_ms())
}

/// Appends a message with an explicit time (imports, tests, benchmarks).
pub fn insert_at(
    conn: &Connection,
    role: Role,
    content: &str,
    status: MessageStatus,
    model: Option<&str>,
    created_at: i64,
) -> rusqlite::Result<Message> {
    conn.execute(
        "INSERT INTO messages (role, content, status, created_at, model) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![role_str(role), content, status_str(status), created_at, model],
    )?;
    Ok(Message {
        id: conn.last_insert_rowid(),
        role,
        content: content.to_owned(),
        status,
        created_at,
        model: model.map(str::to_owned),
        error: None,
        kept: false,
        forgotten: false,
    })
}

/// Replaces a message's text and status (a streaming reply growing or ending).
pub fn update(
    conn: &Connection,
    id: i64,
    content: &str,
    status: MessageStatus,
) -> rusqlite::Result<bool> {
    let n = conn.execute(
        "UPDATE messages SET content = ?2, status = ?3 WHERE id = ?1",
        params![id, content, status_str(status)],
    )?;
    Ok(n == 1)
}

/// How a reply ended: its final words, status, and what the provider counted.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Ending<'a> {
    pub content: &'a str,
    pub error: Option<&'a str>,
    pub prompt_tokens: Option<u32>,
    pub completion_tokens: Option<u32>,
}

/// Records how a reply ended.
pub fn finish(
    conn: &Connection,
    id: i64,
    status: MessageStatus,
    ending: &Ending<'_>,
) -> rusqlite::Result<bool> {
    let n = conn.execute(
        "UPDATE messages SET content = ?2, status = ?3, error = ?4,
                prompt_tokens = ?5, completion_tokens = ?6 WHERE id = ?1",
        params![
            id,
            ending.content,
            status_str(status),
            ending.error,
            ending.prompt_tokens,
            ending.completion_tokens
        ],
    )?;
    Ok(n == 1)
}

pub fn get(conn: &Connection, id: i64) -> rusqlite::Result<Option<Message>> {
    use rusqlite::OptionalExtension;
    conn.query_row(
        &format!("SELECT {COLUMNS} FROM messages WHERE id = ?1"),
        [id],
        from_row,
    )
    .optional()
}

/// Removes a message (a reply being regenerated, or one stopped before any word).
pub fn delete(conn: &Connection, id: i64) -> rusqlite::Result<bool> {
    Ok(conn.execute("DELETE FROM messages WHERE id = ?1", [id])? == 1)
}

/// Up to `limit` messages older than `before` (or the newest, if `None`), oldest first.
pub fn page(conn: &Connection, before: Option<i64>, limit: u32) -> rusqlite::Result<Vec<Message>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM messages WHERE id < ?1 ORDER BY id DESC LIMIT ?2"
    ))?;
    let mut rows = stmt
        .query_map(params![before.unwrap_or(i64::MAX), limit], from_row)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    rows.reverse();
    Ok(rows)
}

/// Up to `limit` messages created in `[start, end)` (UTC milliseconds), oldest first.
pub fn between(
    conn: &Connection,
    start: i64,
    end: i64,
    limit: u32,
) -> rusqlite::Result<Vec<Message>> {
    conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM messages WHERE created_at >= ?1 AND created_at < ?2
         ORDER BY created_at, id LIMIT ?3"
    ))?
    .query_map(params![start, end, limit], from_row)?
    .collect()
}

/// Messages containing every word of `text`, best match first.
pub fn search(conn: &Connection, text: &str, limit: u32) -> rusqlite::Result<Vec<SearchHit>> {
    let Some(q) = fts::query(text, Combine::All) else {
        return Ok(Vec::new());
    };
    // Rank and limit inside the FTS query; join the few winners afterwards.
    let mut stmt = conn.prepare_cached(&format!(
        "WITH hits AS (
            SELECT rowid, rank, snippet(messages_fts, 0, char(2), char(3), '…', 24) AS excerpt
            FROM messages_fts WHERE messages_fts MATCH ?1 ORDER BY rank LIMIT ?2
         )
         SELECT {COLUMNS}, hits.excerpt FROM hits JOIN messages ON messages.id = hits.rowid ORDER BY hits.rank"
    ))?;
    stmt.query_map(params![q, limit], |r| {
        Ok(SearchHit {
            message: from_row(r)?,
            excerpt: r.get(9)?,
        })
    })?
    .collect()
}

/// The token counts stored for the messages `ids` (those counted before and
/// unchanged since: changing a message's words clears its count).
pub fn token_counts(
    conn: &Connection,
    ids: &[i64],
) -> rusqlite::Result<std::collections::HashMap<i64, u32>> {
    let ids = serde_json::to_string(ids).unwrap_or_else(|_| "[]".into());
    conn.prepare_cached(
        "SELECT id, tokens FROM messages
         WHERE tokens IS NOT NULL AND id IN (SELECT value FROM json_each(?1))",
    )?
    .query_map([ids], |r| Ok((r.get(0)?, r.get(1)?)))?
    .collect()
}

/// Stores the token count of message `id`'s words.
pub fn set_token_count(conn: &Connection, id: i64, tokens: u32) -> rusqlite::Result<()> {
    conn.prepare_cached("UPDATE messages SET tokens = ?2 WHERE id = ?1")?
        .execute(params![id, tokens])?;
    Ok(())
}

/// Marks replies left 'streaming' by a previous run (the app died mid-reply)
/// as 'partial'; one that had no words yet is removed, as a reply stopped
/// before its first word is (a reply it was to replace stays). Returns how
/// many were kept.
pub fn mark_interrupted(conn: &Connection) -> rusqlite::Result<usize> {
    conn.execute(
        "DELETE FROM messages WHERE status = 'streaming' AND trim(content) = ''",
        [],
    )?;
    conn.execute(
        "UPDATE messages SET status = 'partial' WHERE status = 'streaming'",
        [],
    )
}

/// Marks reply `id` partial if it is still `streaming` (its writer ended
/// without saving its end). Returns whether it was.
pub fn interrupt(conn: &Connection, id: i64) -> rusqlite::Result<bool> {
    Ok(conn.execute(
        "UPDATE messages SET status = 'partial' WHERE id = ?1 AND status = 'streaming'",
        [id],
    )? > 0)
}
