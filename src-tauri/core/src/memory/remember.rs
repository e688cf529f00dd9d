//! What the companion brings to mind for a new message: memories ranked by
//! how well they match (FTS5 BM25), how important they are and how recently
//! they were learnt or confirmed, plus the user's most important memories
//! always; and past messages recalled by [`super::recall`]. With the new
//! message's embedding ([`recollect_with`]), a memory's text match is BM25
//! and vector similarity fused (every memory vector is compared: memories
//! number in the thousands), and message recall is hybrid too.

use std::collections::HashMap;

use rusqlite::Connection;

use super::semantic::{self, QueryVector};
use crate::store::vectors::{self, OwnerKind};

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
    memories_with(conn, text, None, now_ms, amounts)
}

/// [`memories`], with the new message's embedding when there is one: the
/// text match of a memory that has a vector is the mean of its scaled BM25
/// score and its scaled similarity (see [`super::semantic`]); one without a
/// vector (not embedded yet) keeps its BM25 score.
pub fn memories_with(
    conn: &Connection,
    text: &str,
    query: Option<QueryVector<'_>>,
    now_ms: i64,
    amounts: Amounts,
) -> rusqlite::Result<Vec<Memory>> {
    let words = super::recall::content_words(text);
    let matched = memories::matching(conn, &words, amounts.memories * 2)?;
    let best = matched.iter().map(|(_, s)| *s).fold(f64::MIN, f64::max);
    let mut candidates: HashMap<i64, (f64, Memory)> = matched
        .into_iter()
        .map(|(m, bm25)| {
            let relevance = if best > 0.0 {
                (bm25 / best).max(0.0)
            } else {
                0.0
            };
            (m.id, (relevance, m))
        })
        .collect();
    if let Some(q) = query {
        let tuning = super::recall::Tuning::default();
        let mut hits = vectors::top_k(
            conn,
            OwnerKind::Memory,
            q.model,
            q.vector,
            amounts.memories as usize * 2,
        )?;
        let missing: Vec<i64> = candidates
            .keys()
            .filter(|id| !hits.iter().any(|h| h.owner_id == **id))
            .copied()
            .collect();
        hits.extend(vectors::similarities(
            conn,
            OwnerKind::Memory,
            q.model,
            q.vector,
            missing,
        )?);
        let with_vector: Vec<i64> = hits.iter().map(|h| h.owner_id).collect();
        let similar = semantic::scaled(&hits, tuning.similarity_floor);
        for id in with_vector {
            let s = similar.get(&id).copied().unwrap_or(0.0);
            if let Some((relevance, _)) = candidates.get_mut(&id) {
                *relevance = (*relevance + s) / 2.0;
            } else if s > 0.0
                && memories::is_current(conn, id)?
                && let Some(m) = memories::get(conn, id)?
            {
                candidates.insert(id, (s / 2.0, m));
            }
        }
    }
    let mut ranked: Vec<(f64, Memory)> = candidates
        .into_values()
        .map(|(relevance, m)| {
            let age = (now_ms - m.updated_at) as f64 / DAY_MS;
            (score(relevance, m.importance, age), m)
        })
        .collect();
    ranked.sort_by(|a, b| b.0.total_cmp(&a.0).then(b.1.id.cmp(&a.1.id)));
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
    recollect_with(conn, text, None, now_ms, exclude_from, amounts)
}

/// [`recollect`], with the new message's embedding when there is one
/// (memories and messages then recalled by BM25 and embeddings together).
pub fn recollect_with(
    conn: &Connection,
    text: &str,
    query: Option<QueryVector<'_>>,
    now_ms: i64,
    exclude_from: Option<i64>,
    amounts: Amounts,
) -> rusqlite::Result<Recollection> {
    let memories = memories_with(conn, text, query, now_ms, amounts)?;
    let mut recalled = Vec::new();
    let hits = super::recall::messages_hybrid(
        conn,
        text,
        query,
        amounts.messages,
        exclude_from,
        &super::recall::Tuning::default(),
    )?;
    for hit in hits {
        // A message whose memory the user deleted is not brought up again.
        if let Some(m) = messages::get(conn, hit.message_id)?.filter(|m| !m.forgotten) {
            recalled.push(m);
        }
    }
    Ok(Recollection {
        memories,
        messages: recalled,
    })
}
