//! Recalling past messages that bear on a new one.
//!
//! A message alone is often too short to say what it is about: "A sunrise,
//! by the lake" answers "What did you paint?" one turn earlier. So recall
//! ranks each past message by FTS5's BM25 over its own words *and* a share of
//! the scores of the turns next to it in the same sitting. Speaker names the
//! persona knows ("What did Caroline research?") point at the messages that
//! speaker wrote, rather than at the words of a greeting that names them.
//! An RM3-style pseudo-relevance-feedback query is available in [`Tuning`]
//! but off by default: on LoCoMo it helped recall@10/20 a little and hurt
//! recall@1.
//!
//! With a vector of the new message ([`messages_hybrid`]), the cosine
//! similarity to stored message vectors joins BM25 (see [`super::semantic`]).
//!
//! Every FTS query ranks and limits inside the `MATCH` (DESIGN §8). Ranking
//! costs about 2 µs per matching row, so an OR over common words would take
//! tens of milliseconds at a million rows: the rarest words are kept while the
//! rows they match fit a budget (see [`Tuning::ranked_rows`]); in a journal
//! of a few thousand messages every word fits.

use std::collections::HashMap;

use rusqlite::Connection;

use super::semantic::{self, QueryVector};
use crate::store::vectors::{self, OwnerKind};
use crate::store::{self, persona};

/// A recalled message and how well it matched (higher is better).
#[derive(Debug, Clone, PartialEq)]
pub struct Recalled {
    pub message_id: i64,
    pub score: f64,
    /// When the message was written (UTC milliseconds), for recency weighting
    /// by whoever combines message recall with other memories.
    pub created_at: i64,
}

/// The knobs of [`messages_with`]. [`Tuning::default`] is what the app uses.
#[derive(Debug, Clone, PartialEq)]
pub struct Tuning {
    /// How many BM25 hits each FTS query considers before re-ranking.
    pub pool: u32,
    /// At most this many rows are ranked per query (ranking costs about 2 µs
    /// a row): the rarest words are kept while the rows they match fit, the
    /// commoner ones dropped; if even the rarest word alone matches more,
    /// only the most recent part of the journal is searched for it.
    pub ranked_rows: u32,
    /// Share of the score of each turn just before and after that a message
    /// inherits (same sitting only).
    pub neighbour_share: f64,
    /// Share of the score of each turn two away.
    pub far_share: f64,
    /// Turns further apart than this are not the same sitting.
    pub sitting_gap_ms: i64,
    /// Factor on the score of messages written by a speaker the text names.
    pub speaker_factor: f64,
    /// Feedback: how many top messages lend their words, how many words are
    /// added, and the weight of the feedback query against the original (0 = off).
    pub feedback_docs: usize,
    pub feedback_terms: usize,
    pub feedback_weight: f64,
    /// Weight of the (scaled) embedding similarity against the (scaled)
    /// BM25 score, when there is a query vector.
    pub semantic_weight: f64,
    /// Similarities at or below this count for nothing.
    pub similarity_floor: f64,
    /// How many of the most recent message vectors are compared with the
    /// query besides those of the BM25 candidates.
    pub vector_window: usize,
    /// How many of the closest of those join the candidates.
    pub vector_pool: usize,
    /// How many of the best BM25 candidates have their vectors compared too
    /// (a primary-key lookup each, about 50 µs in a large journal).
    pub vector_rerank: usize,
}

impl Default for Tuning {
    fn default() -> Self {
        Self {
            pool: 200,
            ranked_rows: 5000,
            neighbour_share: 0.3,
            far_share: 0.15,
            sitting_gap_ms: 30 * 60 * 1000,
            speaker_factor: 2.0,
            feedback_docs: 0,
            feedback_terms: 0,
            feedback_weight: 0.0,
            semantic_weight: 1.0,
            similarity_floor: 0.2,
            vector_window: 1_000,
            vector_pool: 50,
            vector_rerank: 50,
        }
    }
}

/// English function words (the common NLTK list). Dropping them keeps "When
/// did Caroline go to the support group?" from matching every "the".
const FUNCTION_WORDS: &[&str] = &[
    "a",
    "about",
    "above",
    "after",
    "again",
    "against",
    "all",
    "also",
    "am",
    "an",
    "and",
    "any",
    "are",
    "as",
    "at",
    "be",
    "because",
    "been",
    "before",
    "being",
    "below",
    "between",
    "both",
    "but",
    "by",
    "can",
    "could",
    "d",
    "did",
    "do",
    "does",
    "doing",
    "don",
    "down",
    "during",
    "each",
    "few",
    "for",
    "from",
    "further",
    "had",
    "has",
    "have",
    "having",
    "he",
    "her",
    "here",
    "hers",
    "herself",
    "him",
    "himself",
    "his",
    "how",
    "i",
    "if",
    "in",
    "into",
    "is",
    "it",
    "its",
    "itself",
    "just",
    "ll",
    "m",
    "may",
    "me",
    "might",
    "more",
    "most",
    "must",
    "my",
    "myself",
    "no",
    "nor",
    "not",
    "now",
    "of",
    "off",
    "on",
    "once",
    "only",
    "or",
    "other",
    "our",
    "ours",
    "ourselves",
    "out",
    "over",
    "own",
    "re",
    "s",
    "same",
    "shall",
    "she",
    "should",
    "so",
    "some",
    "such",
    "t",
    "than",
    "that",
    "the",
    "their",
    "theirs",
    "them",
    "themselves",
    "then",
    "there",
    "these",
    "they",
    "this",
    "those",
    "through",
    "to",
    "too",
    "under",
    "until",
    "up",
    "us",
    "ve",
    "very",
    "was",
    "we",
    "were",
    "what",
    "when",
    "where",
    "which",
    "while",
    "who",
    "whom",
    "whose",
    "why",
    "will",
    "with",
    "would",
    "you",
    "your",
    "yours",
    "yourself",
    "yourselves",
];

/// The lower-cased words of `text` by the splitter search uses
/// ([`crate::store::fts::tokens`]), split at apostrophes as the index splits them
/// ("Caroline's" is "caroline" and "s"), so function words can be dropped.
fn words(text: &str) -> impl Iterator<Item = String> + '_ {
    crate::store::fts::tokens(text).map(str::to_lowercase)
}

fn is_function_word(w: &str) -> bool {
    FUNCTION_WORDS.binary_search(&w).is_ok()
}

/// The words of `text` worth searching for, space-separated, lower-cased.
pub fn content_words(text: &str) -> String {
    terms(text).join(" ")
}

/// The words of `text` worth searching for, each once, in order (a set
/// remembers those seen: a long message of many words stays linear).
fn terms(text: &str) -> Vec<String> {
    let mut seen = std::collections::HashSet::new();
    let mut out: Vec<String> = Vec::new();
    for w in words(text) {
        if !is_function_word(&w) && seen.insert(w.clone()) {
            out.push(w);
        }
    }
    out
}

/// An FTS5 OR query over plain words (each quoted, so never read as syntax).
fn or_query(terms: &[String]) -> Option<String> {
    if terms.is_empty() {
        return None;
    }
    Some(
        terms
            .iter()
            .map(|t| format!("\"{}\"", t.replace('"', "\"\"")))
            .collect::<Vec<_>>()
            .join(" OR "),
    )
}

/// The `limit` past messages that best match `text`, best first, ranked as
/// the module explains with [`Tuning::default`]. Messages with id
/// `exclude_from` and later (the new message itself) are left out. This is
/// the call the app makes for every new user message.
pub fn messages(
    conn: &Connection,
    text: &str,
    limit: u32,
    exclude_from: Option<i64>,
) -> rusqlite::Result<Vec<Recalled>> {
    messages_with(conn, text, limit, exclude_from, &Tuning::default())
}

/// [`messages`], with the new message's embedding when there is one: BM25
/// and vector similarity fused (see [`super::semantic`]). With `None`, or
/// no stored vectors, the same as [`messages`].
pub fn messages_hybrid(
    conn: &Connection,
    text: &str,
    query: Option<QueryVector<'_>>,
    limit: u32,
    exclude_from: Option<i64>,
    tuning: &Tuning,
) -> rusqlite::Result<Vec<Recalled>> {
    ranked(conn, text, query, limit, exclude_from, tuning)
}

/// A message's place in the conversation, for neighbours and speakers.
#[derive(Debug, Clone, Copy)]
struct Turn {
    role_user: bool,
    created_at: i64,
}

/// [`messages`] with explicit knobs (benchmarks and experiments).
pub fn messages_with(
    conn: &Connection,
    text: &str,
    limit: u32,
    exclude_from: Option<i64>,
    tuning: &Tuning,
) -> rusqlite::Result<Vec<Recalled>> {
    ranked(conn, text, None, limit, exclude_from, tuning)
}

fn ranked(
    conn: &Connection,
    text: &str,
    query: Option<QueryVector<'_>>,
    limit: u32,
    exclude_from: Option<i64>,
    tuning: &Tuning,
) -> rusqlite::Result<Vec<Recalled>> {
    let before = exclude_from.unwrap_or(i64::MAX);
    let mut terms = terms(text);
    // Speaker names: a name the persona knows points at that speaker's turns.
    let mut speaker: Option<bool> = None;
    if tuning.speaker_factor != 1.0
        && let Some(p) = persona::get(conn)?
    {
        for (name, role_user) in [(&p.user_name, true), (&p.companion_name, false)] {
            let Some(first) = words(name).next() else {
                continue;
            };
            if let Some(at) = terms.iter().position(|t| *t == first) {
                terms.remove(at);
                speaker = if speaker.is_some() {
                    None
                } else {
                    Some(role_user)
                };
            }
        }
    }
    let (terms, after) = within_budget(conn, terms, before, tuning.ranked_rows)?;
    let mut base = match or_query(&terms) {
        Some(fts) => store::recall::bm25_hits(conn, &fts, after, before, tuning.pool)?,
        None => HashMap::new(),
    };
    normalise(&mut base);

    if !base.is_empty()
        && tuning.feedback_weight > 0.0
        && tuning.feedback_docs > 0
        && tuning.feedback_terms > 0
    {
        let expansion = feedback_terms(conn, &base, &terms, tuning)?;
        let (expansion, after) = within_budget(conn, expansion, before, tuning.ranked_rows)?;
        if let Some(q2) = or_query(&expansion) {
            let mut more = store::recall::bm25_hits(conn, &q2, after, before, tuning.pool)?;
            normalise(&mut more);
            for (id, s) in more {
                *base.entry(id).or_default() += tuning.feedback_weight * s;
            }
        }
    }

    if let Some(q) = query
        && tuning.semantic_weight > 0.0
    {
        let mut hits = vectors::similarities(
            conn,
            OwnerKind::Message,
            q.model,
            q.vector,
            best_ids(&base, tuning.vector_rerank),
        )?;
        let recent = vectors::top_k_recent(
            conn,
            OwnerKind::Message,
            q.model,
            q.vector,
            before,
            tuning.vector_window,
            tuning.vector_pool,
        )?;
        for h in recent {
            if !base.contains_key(&h.owner_id) {
                hits.push(h);
            }
        }
        for (id, s) in semantic::scaled(&hits, tuning.similarity_floor) {
            *base.entry(id).or_default() += tuning.semantic_weight * s;
        }
    }
    if base.is_empty() {
        return Ok(Vec::new());
    }

    // Each hit and its neighbours, with their speaker and time.
    let mut turns: HashMap<i64, Turn> = HashMap::with_capacity(base.len() * 3);
    let reach = if tuning.far_share > 0.0 { 2 } else { 1 };
    for &id in base.keys() {
        for (k, role_user, created_at) in store::recall::around(conn, id, before, reach)? {
            turns.insert(
                k,
                Turn {
                    role_user,
                    created_at,
                },
            );
        }
    }
    let mut scored: Vec<Recalled> = turns
        .iter()
        .map(|(&id, turn)| {
            let own = base.get(&id).copied().unwrap_or(0.0);
            let near = |k: i64| -> f64 {
                match (turns.get(&k), base.get(&k)) {
                    (Some(t), Some(s))
                        if (t.created_at - turn.created_at).abs() <= tuning.sitting_gap_ms =>
                    {
                        *s
                    }
                    _ => 0.0,
                }
            };
            let mut score = own
                + tuning.neighbour_share * (near(id - 1) + near(id + 1))
                + tuning.far_share * (near(id - 2) + near(id + 2));
            if speaker == Some(turn.role_user) {
                score *= tuning.speaker_factor;
            }
            Recalled {
                message_id: id,
                score,
                created_at: turn.created_at,
            }
        })
        .filter(|r| r.score > 0.0)
        .collect();
    scored.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then(b.message_id.cmp(&a.message_id))
    });
    scored.truncate(limit as usize);
    Ok(scored)
}

/// The rarest `terms` whose rows together fit in `budget`, and the first id
/// worth searching: 0, unless even the rarest word is too common, when only
/// the latest stretch of the journal that should hold `budget` of its rows is
/// searched. Counting is capped, so it costs little more than the budget.
fn within_budget(
    conn: &Connection,
    terms: Vec<String>,
    before: i64,
    budget: u32,
) -> rusqlite::Result<(Vec<String>, i64)> {
    if terms.is_empty() {
        return Ok((terms, 0));
    }
    let mut counted = Vec::with_capacity(terms.len());
    for t in terms {
        let n = store::recall::rows_with(conn, &t, before, budget + 1)?;
        counted.push((n, t));
    }
    counted.sort_by_key(|(n, _)| *n);
    let mut spent = 0;
    let mut kept = Vec::new();
    for (n, t) in &counted {
        if spent + n > budget {
            break;
        }
        spent += n;
        kept.push(t.clone());
    }
    if !kept.is_empty() {
        return Ok((kept, 0));
    }
    // The rarest word alone is too common: search back from `before` only as
    // far as holds about `budget` of its rows, guessing its share of rows from
    // how far back its first `budget` rows reach.
    let (_, rarest) = counted.swap_remove(0);
    let after = store::recall::oldest_of_latest(conn, &rarest, before, budget)?;
    Ok((vec![rarest], after.unwrap_or(0)))
}

/// The ids of the `n` best scores.
fn best_ids(scores: &HashMap<i64, f64>, n: usize) -> Vec<i64> {
    let mut all: Vec<(i64, f64)> = scores.iter().map(|(&k, &v)| (k, v)).collect();
    all.sort_by(|a, b| b.1.total_cmp(&a.1).then(b.0.cmp(&a.0)));
    all.into_iter().take(n).map(|(k, _)| k).collect()
}

/// Scales scores so the best is 1.
fn normalise(scores: &mut HashMap<i64, f64>) {
    let max = scores.values().copied().fold(0.0_f64, f64::max);
    if max > 0.0 {
        for s in scores.values_mut() {
            *s /= max;
        }
    }
}

/// RM3-style expansion: the words that weigh most in the best hits (by each
/// hit's score and the word's share of it), times how rare they are overall.
fn feedback_terms(
    conn: &Connection,
    base: &HashMap<i64, f64>,
    asked: &[String],
    tuning: &Tuning,
) -> rusqlite::Result<Vec<String>> {
    let mut top: Vec<(i64, f64)> = base.iter().map(|(&k, &v)| (k, v)).collect();
    top.sort_by(|a, b| b.1.total_cmp(&a.1));
    top.truncate(tuning.feedback_docs);
    let mut weight: HashMap<String, f64> = HashMap::new();
    for (id, score) in top {
        let Some(text) = store::recall::content(conn, id)? else {
            continue;
        };
        let ws: Vec<String> = words(&text)
            .filter(|w| !is_function_word(w) && w.chars().count() > 2)
            .collect();
        let n = ws.len().max(1) as f64;
        for w in ws {
            if !asked.contains(&w) {
                *weight.entry(w).or_default() += score / n;
            }
        }
    }
    let total = store::recall::last_id(conn)? as f64;
    let cap = 1000_i64;
    let mut ranked: Vec<(String, f64)> = Vec::with_capacity(weight.len());
    for (w, p) in weight {
        let d = store::recall::documents_with(conn, &w, cap)?;
        let idf = ((total + 1.0) / (d as f64 + 1.0)).ln();
        ranked.push((w, p * idf.max(0.0)));
    }
    ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    Ok(ranked
        .into_iter()
        .take(tuning.feedback_terms)
        .map(|(w, _)| w)
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;
    use crate::store::messages::{self as msgs, MessageStatus, Role};

    fn journal(turns: &[(Role, &str)]) -> (tempfile::TempDir, Store, Vec<i64>) {
        let dir = tempfile::tempdir().unwrap();
        let (store, _) = Store::open(dir.path().join("j.db")).unwrap();
        let ids = store
            .with(|c| {
                persona::save(
                    c,
                    &persona::Persona {
                        companion_name: "Mel".into(),
                        voice: String::new(),
                        user_name: "Caroline Jones".into(),
                        address_style: String::new(),
                        hopes: String::new(),
                    },
                )?;
                turns
                    .iter()
                    .enumerate()
                    .map(|(i, (role, text))| {
                        msgs::insert_at(
                            c,
                            *role,
                            text,
                            MessageStatus::Complete,
                            None,
                            1000 * i as i64,
                        )
                        .map(|m| m.id)
                    })
                    .collect()
            })
            .unwrap();
        (dir, store, ids)
    }

    #[test]
    fn an_answer_is_recalled_through_the_question_just_before_it() {
        let (_dir, store, ids) = journal(&[
            (Role::Assistant, "What did you paint last weekend?"),
            (Role::User, "A sunrise over the lake, all orange."),
            (Role::Assistant, "I went to the market for apples."),
        ]);
        let found = store
            .with(|c| messages(c, "What did I paint?", 10, None))
            .unwrap();
        assert_eq!(found.first().map(|r| r.message_id), Some(ids[0]));
        assert!(
            found.iter().any(|r| r.message_id == ids[1]),
            "the answer shares no word with the question but follows it: {found:?}"
        );
        let rank = |id| found.iter().position(|r| r.message_id == id);
        assert!(
            rank(ids[2]).is_none_or(|r| Some(r) > rank(ids[1])),
            "{found:?}"
        );
    }

    #[test]
    fn a_named_speaker_points_at_their_own_messages() {
        let (_dir, store, ids) = journal(&[
            (
                Role::Assistant,
                "Caroline, how was the concert? Which concert was it?",
            ),
            (Role::User, "The concert was loud and fun, a jazz band."),
        ]);
        let found = store
            .with(|c| messages(c, "What concert did Caroline attend?", 10, None))
            .unwrap();
        assert_eq!(
            found.first().map(|r| r.message_id),
            Some(ids[1]),
            "Caroline's own words come before a greeting naming her: {found:?}"
        );
    }

    #[test]
    fn words_too_common_for_the_budget_are_dropped_or_searched_recently() {
        let mut turns = vec![(Role::User, "a kettle for tea")];
        turns.extend(std::iter::repeat_n((Role::User, "more tea please"), 9));
        let (_dir, store, ids) = journal(&turns);
        let tight = Tuning {
            ranked_rows: 4,
            ..Tuning::default()
        };
        // "tea" is in 10 rows, over the budget: only "kettle" is searched.
        let found = store
            .with(|c| messages_with(c, "tea kettle", 10, None, &tight))
            .unwrap();
        assert_eq!(found.first().map(|r| r.message_id), Some(ids[0]));
        assert!(found.iter().all(|r| r.message_id <= ids[2]), "{found:?}");
        // Only "tea": the latest rows holding it are searched.
        let found = store
            .with(|c| messages_with(c, "tea", 10, None, &tight))
            .unwrap();
        assert!(!found.is_empty());
        assert!(found.iter().all(|r| r.message_id >= ids[4]), "{found:?}");
    }

    #[test]
    fn function_words_are_sorted_for_binary_search() {
        assert!(FUNCTION_WORDS.windows(2).all(|w| w[0] < w[1]));
    }

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
        // Only function words in common: recalled only as the best hit's
        // neighbour, with no more than a neighbour's share of its score.
        let best = found[0].score;
        assert!(
            found
                .iter()
                .filter(|r| r.message_id == ids[1])
                .all(|r| r.score <= Tuning::default().neighbour_share * best + 1e-9),
            "{found:?}"
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
