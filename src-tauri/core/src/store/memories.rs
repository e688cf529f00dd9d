//! What the companion remembers about the user: durable facts, each with a
//! kind, an importance and the message it came from. The user sees, edits and
//! deletes them; a deleted memory is gone from the table and its index (and,
//! with `secure_delete`, its bytes are overwritten), so it can never be
//! recalled or sent to a model again.

use rusqlite::{Connection, OptionalExtension, Row, params};
use serde::{Deserialize, Serialize};

use super::fts::{self, Combine};
use crate::AppError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "lowercase")]
pub enum MemoryKind {
    /// People in the user's life and how they relate.
    Person,
    /// Birthdays, anniversaries, dates that matter.
    Date,
    /// Likes, dislikes, habits.
    Preference,
    /// Things the user means to do.
    Plan,
    /// Things that happened.
    Event,
    /// How the user felt about something.
    Feeling,
    /// Anything else worth keeping.
    Fact,
}

impl MemoryKind {
    pub const ALL: [MemoryKind; 7] = [
        MemoryKind::Person,
        MemoryKind::Date,
        MemoryKind::Preference,
        MemoryKind::Plan,
        MemoryKind::Event,
        MemoryKind::Feeling,
        MemoryKind::Fact,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            MemoryKind::Person => "person",
            MemoryKind::Date => "date",
            MemoryKind::Preference => "preference",
            MemoryKind::Plan => "plan",
            MemoryKind::Event => "event",
            MemoryKind::Feeling => "feeling",
            MemoryKind::Fact => "fact",
        }
    }

    /// Reads a kind loosely (model output): unknown words become `Fact`.
    pub fn parse(s: &str) -> MemoryKind {
        let s = s.trim().to_lowercase();
        MemoryKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s || s.strip_suffix('s') == Some(k.as_str()))
            .unwrap_or(match s.as_str() {
                "people" | "relationship" | "relationships" => MemoryKind::Person,
                "emotion" | "emotions" | "mood" => MemoryKind::Feeling,
                "like" | "likes" | "dislike" | "habit" => MemoryKind::Preference,
                "goal" | "intention" | "plans" => MemoryKind::Plan,
                "birthday" | "anniversary" => MemoryKind::Date,
                _ => MemoryKind::Fact,
            })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct Memory {
    pub id: i64,
    pub text: String,
    pub kind: MemoryKind,
    /// 1 (a passing detail) to 5 (central to the user's life).
    pub importance: u8,
    pub source_message_id: Option<i64>,
    /// UTC milliseconds since the Unix epoch.
    pub created_at: i64,
    pub updated_at: i64,
    pub last_recalled_at: Option<i64>,
}

/// A memory as the user edits it, or as extraction proposes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct MemoryDraft {
    pub text: String,
    pub kind: MemoryKind,
    pub importance: u8,
}

/// The longest memory kept, in characters (Unicode scalar values, counted
/// once runs of whitespace are one space): a memory is a fact, not a
/// transcript. A longer one is refused, never cut ([`check`]). The window
/// applies the same rule before saving: it reads this constant from the
/// generated bindings (`MAX_MEMORY_CHARS`).
pub const MAX_TEXT_CHARS: usize = 1_000;

const COLUMNS: &str = "memories.id, memories.text, memories.kind, memories.importance, \
    memories.source_message_id, memories.created_at, memories.updated_at, memories.last_recalled_at";

fn from_row(r: &Row<'_>) -> rusqlite::Result<Memory> {
    Ok(Memory {
        id: r.get(0)?,
        text: r.get(1)?,
        kind: MemoryKind::parse(&r.get::<_, String>(2)?),
        importance: r.get(3)?,
        source_message_id: r.get(4)?,
        created_at: r.get(5)?,
        updated_at: r.get(6)?,
        last_recalled_at: r.get(7)?,
    })
}

/// The one rule for what a memory may be. Makes every run of whitespace one
/// space, trims the ends, and clamps the importance to 1–5; refuses, with a
/// sentence the window can show as it is, a memory with no words left or
/// one longer than [`MAX_TEXT_CHARS`] (nothing is ever cut).
pub fn check(draft: &MemoryDraft) -> Result<MemoryDraft, AppError> {
    let text = draft.text.split_whitespace().collect::<Vec<_>>().join(" ");
    let length = text.chars().count();
    if length == 0 {
        return Err(AppError::invalid(
            "A memory needs some words. To forget it, delete it instead.",
        ));
    }
    if text.contains('\0') {
        return Err(AppError::invalid(
            "That memory holds a NUL character, which Hearth cannot keep. Nothing was saved.",
        ));
    }
    if length > MAX_TEXT_CHARS {
        return Err(AppError::invalid(format!(
            "A memory can hold up to {} characters; this one has {}. Shorten it or split it in two.",
            thousands(MAX_TEXT_CHARS),
            thousands(length)
        )));
    }
    Ok(MemoryDraft {
        text,
        kind: draft.kind,
        importance: draft.importance.clamp(1, 5),
    })
}

/// [`check`] without the reason: `None` for any draft it refuses (no words,
/// or too long). For callers that only keep what can be kept, such as
/// learning from a conversation; where a person wrote the memory, call
/// [`check`], whose sentence says why it was refused.
pub fn tidy(draft: &MemoryDraft) -> Option<MemoryDraft> {
    check(draft).ok()
}

/// `n` with a comma between thousands: 1234 is "1,234".
fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, d) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(d);
    }
    out
}

/// Whether memory `id` exists and no newer one supersedes it.
pub fn is_current(conn: &Connection, id: i64) -> rusqlite::Result<bool> {
    conn.prepare_cached("SELECT 1 FROM memories WHERE id = ?1 AND superseded_by IS NULL")?
        .exists([id])
}

/// Stores a new memory (the draft should be [`tidy`]).
pub fn insert(
    conn: &Connection,
    draft: &MemoryDraft,
    source_message_id: Option<i64>,
    at: i64,
) -> rusqlite::Result<Memory> {
    conn.execute(
        "INSERT INTO memories (text, kind, importance, source_message_id, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?5)",
        params![
            draft.text,
            draft.kind.as_str(),
            draft.importance.clamp(1, 5),
            source_message_id,
            at
        ],
    )?;
    Ok(Memory {
        id: conn.last_insert_rowid(),
        text: draft.text.clone(),
        kind: draft.kind,
        importance: draft.importance.clamp(1, 5),
        source_message_id,
        created_at: at,
        updated_at: at,
        last_recalled_at: None,
    })
}

pub fn get(conn: &Connection, id: i64) -> rusqlite::Result<Option<Memory>> {
    conn.query_row(
        &format!("SELECT {COLUMNS} FROM memories WHERE id = ?1"),
        [id],
        from_row,
    )
    .optional()
}

/// Current memories (not superseded), newest first; with `query`, those
/// containing every word of it (prefixes count), best match first.
pub fn list(conn: &Connection, query: Option<&str>, limit: u32) -> rusqlite::Result<Vec<Memory>> {
    match query.and_then(|q| fts::prefix_query(q, Combine::All)) {
        Some(q) => {
            let mut stmt = conn.prepare_cached(&format!(
                "WITH hits AS (SELECT rowid, rank FROM memories_fts WHERE memories_fts MATCH ?1)
                 SELECT {COLUMNS} FROM hits JOIN memories ON memories.id = hits.rowid
                 WHERE memories.superseded_by IS NULL ORDER BY hits.rank LIMIT ?2"
            ))?;
            stmt.query_map(params![q, limit], from_row)?.collect()
        }
        None if query.is_some_and(|q| !q.trim().is_empty()) => Ok(Vec::new()),
        None => {
            let mut stmt = conn.prepare_cached(&format!(
                "SELECT {COLUMNS} FROM memories WHERE superseded_by IS NULL
                 ORDER BY updated_at DESC, id DESC LIMIT ?1"
            ))?;
            stmt.query_map([limit], from_row)?.collect()
        }
    }
}

/// How many current memories there are.
pub fn count(conn: &Connection) -> rusqlite::Result<u64> {
    conn.query_row(
        "SELECT count(*) FROM memories WHERE superseded_by IS NULL",
        [],
        |r| r.get(0),
    )
}

/// Replaces a memory's text, kind and importance (the user's edit).
pub fn update(
    conn: &Connection,
    id: i64,
    draft: &MemoryDraft,
    at: i64,
) -> rusqlite::Result<Option<Memory>> {
    let n = conn.execute(
        "UPDATE memories SET text = ?2, kind = ?3, importance = ?4, updated_at = ?5 WHERE id = ?1",
        params![
            id,
            draft.text,
            draft.kind.as_str(),
            draft.importance.clamp(1, 5),
            at
        ],
    )?;
    if n == 0 {
        return Ok(None);
    }
    get(conn, id)
}

/// Raises a memory's importance to at least `importance` and marks it as
/// freshly confirmed (a near-duplicate was learnt again).
pub fn confirm(conn: &Connection, id: i64, importance: u8, at: i64) -> rusqlite::Result<()> {
    conn.execute(
        "UPDATE memories SET importance = max(importance, ?2), updated_at = ?3 WHERE id = ?1",
        params![id, importance.clamp(1, 5), at],
    )?;
    Ok(())
}

/// Marks `old` as replaced by `new`: it stays for history, never recalled.
pub fn supersede(conn: &Connection, old: i64, new: i64) -> rusqlite::Result<bool> {
    let n = conn.execute(
        "UPDATE memories SET superseded_by = ?2 WHERE id = ?1 AND id <> ?2 AND superseded_by IS NULL",
        params![old, new],
    )?;
    Ok(n == 1)
}

/// Deletes a memory for good, and any older versions it replaced. The
/// messages they were learnt from are marked forgotten: never recalled or
/// learnt from again.
pub fn delete(conn: &Connection, id: i64) -> rusqlite::Result<bool> {
    let tx = conn.unchecked_transaction()?;
    tx.execute(
        "WITH RECURSIVE chain(id) AS (
            SELECT ?1
            UNION SELECT m.id FROM memories m JOIN chain c ON m.superseded_by = c.id
         ) UPDATE messages SET forgotten = 1
           WHERE id IN (SELECT source_message_id FROM memories WHERE id IN (SELECT id FROM chain))",
        [id],
    )?;
    tx.execute(
        "WITH RECURSIVE older(id) AS (
            SELECT id FROM memories WHERE superseded_by = ?1
            UNION SELECT m.id FROM memories m JOIN older o ON m.superseded_by = o.id
         ) DELETE FROM memories WHERE id IN (SELECT id FROM older)",
        [id],
    )?;
    let n = tx.execute("DELETE FROM memories WHERE id = ?1", [id])?;
    tx.commit()?;
    Ok(n == 1)
}

/// Notes that these memories were just recalled into a prompt.
pub fn mark_recalled(conn: &Connection, ids: &[i64], at: i64) -> rusqlite::Result<()> {
    let mut stmt =
        conn.prepare_cached("UPDATE memories SET last_recalled_at = ?2 WHERE id = ?1")?;
    for id in ids {
        stmt.execute(params![id, at])?;
    }
    Ok(())
}

/// Current memories sharing any content word with `text`, with their BM25
/// score (higher is better), best first.
pub fn matching(
    conn: &Connection,
    words: &str,
    limit: u32,
) -> rusqlite::Result<Vec<(Memory, f64)>> {
    let Some(q) = fts::query(words, Combine::Any) else {
        return Ok(Vec::new());
    };
    let mut stmt = conn.prepare_cached(&format!(
        "WITH hits AS (
            SELECT rowid, bm25(memories_fts) AS rank FROM memories_fts
            WHERE memories_fts MATCH ?1 ORDER BY rank LIMIT ?2
         )
         SELECT {COLUMNS}, hits.rank FROM hits JOIN memories ON memories.id = hits.rowid
         WHERE memories.superseded_by IS NULL ORDER BY hits.rank"
    ))?;
    stmt.query_map(params![q, limit], |r| {
        Ok((from_row(r)?, -r.get::<_, f64>(8)?))
    })?
    .collect()
}

/// The most important current memories, most recently confirmed first among
/// equals: what the companion always keeps in mind.
pub fn most_important(conn: &Connection, limit: u32) -> rusqlite::Result<Vec<Memory>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM memories WHERE superseded_by IS NULL
         ORDER BY importance DESC, updated_at DESC LIMIT ?1"
    ))?;
    stmt.query_map([limit], from_row)?.collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft(text: &str) -> MemoryDraft {
        MemoryDraft {
            text: text.to_owned(),
            kind: MemoryKind::Fact,
            importance: 9,
        }
    }

    #[test]
    fn a_memory_is_tidied_but_never_cut() {
        let kept = check(&draft("  Loves   the lake\n house in\tJune ")).unwrap();
        assert_eq!(kept.text, "Loves the lake house in June");
        assert_eq!(kept.importance, 5);

        // Exactly the limit, in characters rather than bytes.
        let longest = "é".repeat(MAX_TEXT_CHARS);
        assert_eq!(check(&draft(&longest)).unwrap().text, longest);
        let emoji = format!("{} ", "😀 ".repeat(MAX_TEXT_CHARS / 2));
        assert_eq!(
            check(&draft(&emoji)).unwrap().text.chars().count(),
            MAX_TEXT_CHARS - 1,
            "whitespace runs count as one space, the ends not at all"
        );
    }

    #[test]
    fn a_memory_over_the_limit_is_refused_in_a_sentence() {
        let e = check(&draft(&"x".repeat(1_234))).unwrap_err();
        assert_eq!(e.code, crate::ErrorCode::InvalidInput);
        assert_eq!(
            e.message,
            "A memory can hold up to 1,000 characters; this one has 1,234. Shorten it or split it in two."
        );
        let e = check(&draft(&"é".repeat(MAX_TEXT_CHARS + 1))).unwrap_err();
        assert!(e.message.contains("this one has 1,001."), "{}", e.message);
        assert_eq!(tidy(&draft(&"x".repeat(1_234))), None, "refused, not cut");
    }

    #[test]
    fn a_memory_with_a_nul_is_refused_not_stored() {
        let e = check(&draft("Amy\0 lives in Lisbon")).unwrap_err();
        assert!(e.message.contains("NUL"), "{}", e.message);
        assert_eq!(tidy(&draft("Amy\0")), None);
    }

    #[test]
    fn a_memory_without_words_is_refused() {
        for blank in ["", "   ", "\n\t "] {
            let e = check(&draft(blank)).unwrap_err();
            assert_eq!(
                e.message,
                "A memory needs some words. To forget it, delete it instead."
            );
            assert_eq!(tidy(&draft(blank)), None);
        }
    }

    #[test]
    fn thousands_are_separated_by_commas() {
        let cases = [
            (0, "0"),
            (999, "999"),
            (1_000, "1,000"),
            (1_234_567, "1,234,567"),
        ];
        for (n, said) in cases {
            assert_eq!(thousands(n), said);
        }
    }
}
