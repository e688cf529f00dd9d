//! What the companion brings to mind for a new message: memories ranked by
//! how well they match (FTS5 BM25), how important they are and how recently
//! they were learnt or confirmed, plus the user's most important memories
//! always; and past messages recalled by [`super::recall`].

use rusqlite::Connection;

use crate::store::memories::{self, Memory};
use crate::store::messages::{self, Message};

/// How many of each kind to bring to the prompt builder (which trims further).
#[derive(Debug, Clone, Copy)]
pub struct Amounts {
    pub memories: u32,
    pub always: u32,
    pub messages: u32,
}

impl Default for Amounts {
    fn default() -> Self {
        Amounts {
            memories: 24,
            always: 8,
            messages: 12,
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Recollection {
    /// Best first.
    pub memories: Vec<Memory>,
    /// Best first.
    pub messages: Vec<Message>,
}

const DAY_MS: f64 = 86_400_000.0;
/// A memory's recency weight halves every this many days.
const HALF_LIFE_DAYS: f64 = 120.0;

/// A memory's score for a query: text match (0..1, relative to the best
/// match), importance (0..1) and recency (0..1), weighted.
pub fn score(relevance: f64, importance: u8, age_days: f64) -> f64 {
    let importance = f64::from(importance.clamp(1, 5) - 1) / 4.0;
    let recency = 0.5f64.powf(age_days.max(0.0) / HALF_LIFE_DAYS);
    0.6 * relevance + 0.25 * importance + 0.15 * recency
}

/// Memories for `text`, best first: matching ones ranked by [`score`], then
/// the most important others.
pub fn memories(
    conn: &Connection,
    text: &str,
    now_ms: i64,
    amounts: Amounts,
) -> rusqlite::Result<Vec<Memory>> {
    let words = super::recall::content_words(text);
    let matched = memories::matching(conn, &words, amounts.memories * 2)?;
    let best = matched.iter().map(|(_, s)| *s).fold(f64::MIN, f64::max);
    let mut ranked: Vec<(f64, Memory)> = matched
        .into_iter()
        .map(|(m, bm25)| {
            let relevance = if best > 0.0 {
                (bm25 / best).max(0.0)
            } else {
                0.0
            };
            let age = (now_ms - m.updated_at) as f64 / DAY_MS;
            (score(relevance, m.importance, age), m)
        })
        .collect();
    ranked.sort_by(|a, b| b.0.total_cmp(&a.0));
    let mut out: Vec<Memory> = ranked
        .into_iter()
        .take(amounts.memories as usize)
        .map(|(_, m)| m)
        .collect();
    for m in memories::most_important(conn, amounts.always)? {
        if !out.iter().any(|o| o.id == m.id) {
            out.push(m);
        }
    }
    Ok(out)
}

/// Everything recalled for a new message. Messages with id `exclude_from` and
/// later (the new message, its reply) are left out.
pub fn recollect(
    conn: &Connection,
    text: &str,
    now_ms: i64,
    exclude_from: Option<i64>,
    amounts: Amounts,
) -> rusqlite::Result<Recollection> {
    let memories = memories(conn, text, now_ms, amounts)?;
    let mut recalled = Vec::new();
    for hit in super::recall::messages(conn, text, amounts.messages, exclude_from)? {
        if let Some(m) = messages::get(conn, hit.message_id)? {
            recalled.push(m);
        }
    }
    Ok(Recollection {
        memories,
        messages: recalled,
    })
}
