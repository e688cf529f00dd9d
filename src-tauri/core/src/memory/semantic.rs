//! Embeddings in recall: the cosine similarity of a new message's vector to
//! the stored vectors of past messages and memories (made in the background
//! by the on-device MiniLM model, table `embeddings`), added to the BM25
//! scores of [`super::recall`] and [`super::remember`].
//!
//! Fusion is a weighted sum of normalised scores over the union of both
//! candidate pools: BM25 scores are scaled so the best is 1; similarities
//! below [`Tuning::similarity_floor`] count for nothing and the rest are
//! scaled so the best is 1 (MiniLM puts unrelated sentences at 0 to 0.2 and
//! related ones at 0.3 to 0.8, so the raw cosine is not comparable with
//! BM25). Each message's fused score then shares into its neighbours as
//! before, so an answer that is semantically close lifts its question too.
//!
//! Which vectors are compared (the latency trade-off): brute force over 10^6
//! messages × 384 floats is 1.5 GB read per query, far too slow. Message
//! recall compares the query with the vectors of (a) the best
//! [`Tuning::vector_rerank`] BM25 candidates (re-ranking, a primary-key
//! lookup each, some 50 µs in a large journal) and (b) the most recent
//! [`Tuning::vector_window`] messages (one range scan of the primary key).
//! A paraphrase sharing no word with the query is therefore found only among
//! the most recent messages (the last 1,000: a week or two of daily talk; a wider
//! window costs about 2.5 µs a vector, read from SQLite);
//! older ones need at least one word in common. Memories are few (thousands)
//! and are all compared.
//!
//! When there is no query vector, or no stored vectors, recall is exactly the
//! BM25 recall.
//!
//! [`Tuning::similarity_floor`]: super::recall::Tuning::similarity_floor
//! [`Tuning::vector_window`]: super::recall::Tuning::vector_window
//! [`Tuning::vector_rerank`]: super::recall::Tuning::vector_rerank

use std::collections::HashMap;

use crate::store::vectors::Hit;

/// A new message's embedding and the model that made it (only vectors from
/// the same model are compared).
#[derive(Debug, Clone, Copy)]
pub struct QueryVector<'a> {
    pub model: &'a str,
    pub vector: &'a [f32],
}

/// Similarities as scores from 0 to 1: below `floor` nothing, the best 1.
pub fn scaled(hits: &[Hit], floor: f64) -> HashMap<i64, f64> {
    let best = hits
        .iter()
        .map(|h| f64::from(h.score))
        .fold(floor, f64::max);
    if best <= floor {
        return HashMap::new();
    }
    hits.iter()
        .filter_map(|h| {
            let s = (f64::from(h.score) - floor) / (best - floor);
            (s > 0.0).then_some((h.owner_id, s))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scaling_floors_and_tops_at_one() {
        let hits = [
            Hit {
                owner_id: 1,
                score: 0.7,
            },
            Hit {
                owner_id: 2,
                score: 0.45,
            },
            Hit {
                owner_id: 3,
                score: 0.1,
            },
        ];
        let s = scaled(&hits, 0.2);
        assert!((s[&1] - 1.0).abs() < 1e-9);
        assert!((s[&2] - 0.5).abs() < 1e-6);
        assert!(!s.contains_key(&3));
        assert!(scaled(&hits[2..], 0.2).is_empty());
    }
}
