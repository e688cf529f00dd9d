//! Embedding vectors in the journal (table `embeddings`, migrations 3 and 4):
//! one per memory, moment or message, stored as a float32 scale and one signed
//! byte per value (388 bytes for MiniLM's 384 dimensions, inline in the table's
//! pages), and a brute-force cosine top-k over one kind. Brute force reads
//! every vector of the kind (see `examples/local_bench.rs` for its time at
//! 10^4 and 10^5 vectors); recall reads all memory vectors but only the latest
//! messages' ([`top_k_recent`]).

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;

/// What a vector belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, specta::Type)]
#[serde(rename_all = "lowercase")]
pub enum OwnerKind {
    Memory,
    Moment,
    Message,
}

impl OwnerKind {
    pub const ALL: [OwnerKind; 3] = [OwnerKind::Memory, OwnerKind::Moment, OwnerKind::Message];

    pub fn as_str(self) -> &'static str {
        match self {
            OwnerKind::Memory => "memory",
            OwnerKind::Moment => "moment",
            OwnerKind::Message => "message",
        }
    }

    /// The text of one owner, as [`Self::pending_sql`] reads it.
    fn text_sql(self) -> &'static str {
        match self {
            OwnerKind::Memory => {
                "SELECT text FROM memories WHERE id = ?1 AND superseded_by IS NULL"
            }
            OwnerKind::Moment => {
                "SELECT trim(title || char(10) || body) FROM moments WHERE id = ?1"
            }
            OwnerKind::Message => {
                "SELECT content FROM messages WHERE id = ?1 AND status IN ('complete', 'partial')"
            }
        }
    }

    /// The texts of this kind that have no vector from `model` yet, oldest
    /// first: current memories, moments (title and body), finished messages.
    fn pending_sql(self) -> &'static str {
        match self {
            OwnerKind::Memory => {
                "SELECT o.id, o.text FROM memories o WHERE o.superseded_by IS NULL
                 AND NOT EXISTS (SELECT 1 FROM embeddings e WHERE e.owner_kind = 'memory'
                                 AND e.owner_id = o.id AND e.model = ?1)
                 AND o.id > ?3 ORDER BY o.id LIMIT ?2"
            }
            OwnerKind::Moment => {
                "SELECT o.id, trim(o.title || char(10) || o.body) FROM moments o
                 WHERE NOT EXISTS (SELECT 1 FROM embeddings e WHERE e.owner_kind = 'moment'
                                   AND e.owner_id = o.id AND e.model = ?1)
                 AND o.id > ?3 ORDER BY o.id LIMIT ?2"
            }
            OwnerKind::Message => {
                "SELECT o.id, o.content FROM messages o WHERE o.status IN ('complete', 'partial')
                 AND length(trim(o.content)) > 0
                 AND NOT EXISTS (SELECT 1 FROM embeddings e WHERE e.owner_kind = 'message'
                                 AND e.owner_id = o.id AND e.model = ?1)
                 AND o.id > ?3 ORDER BY o.id LIMIT ?2"
            }
        }
    }
}

/// A vector as stored: its scale (float32, little-endian), then each value
/// divided by the scale and rounded to a signed byte. The scale maps the
/// largest magnitude to 127, so each value is kept to within 0.4% of it.
pub fn to_blob(vector: &[f32]) -> Vec<u8> {
    let largest = vector.iter().fold(0f32, |m, x| m.max(x.abs()));
    let scale = if largest > 0.0 { largest / 127.0 } else { 0.0 };
    let mut blob = Vec::with_capacity(4 + vector.len());
    blob.extend_from_slice(&scale.to_le_bytes());
    blob.extend(vector.iter().map(|x| {
        let q = if scale > 0.0 {
            (x / scale).round()
        } else {
            0.0
        };
        q.clamp(-127.0, 127.0) as i8 as u8
    }));
    blob
}

/// The values a stored vector stands for (empty for a malformed blob).
pub fn from_blob(blob: &[u8]) -> Vec<f32> {
    let Some((scale, values)) = split_blob(blob) else {
        return Vec::new();
    };
    values.iter().map(|&b| f32::from(b as i8) * scale).collect()
}

fn split_blob(blob: &[u8]) -> Option<(f32, &[u8])> {
    let (scale, values) = blob.split_first_chunk::<4>()?;
    Some((f32::from_le_bytes(*scale), values))
}

/// Stores (or replaces) the vector of one owner.
pub fn save(
    conn: &Connection,
    kind: OwnerKind,
    owner_id: i64,
    model: &str,
    vector: &[f32],
) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO embeddings (owner_kind, owner_id, model, dim, vector, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (owner_kind, owner_id) DO UPDATE SET
             model = excluded.model, dim = excluded.dim, vector = excluded.vector,
             created_at = excluded.created_at",
    )?
    .execute(params![
        kind.as_str(),
        owner_id,
        model,
        vector.len() as i64,
        to_blob(vector),
        crate::store::now_ms()
    ])?;
    Ok(())
}

/// Stores many vectors of one kind in one transaction.
pub fn save_many(
    conn: &mut Connection,
    kind: OwnerKind,
    model: &str,
    vectors: &[(i64, Vec<f32>)],
) -> rusqlite::Result<()> {
    let tx = conn.transaction()?;
    for (id, v) in vectors {
        save(&tx, kind, *id, model, v)?;
    }
    tx.commit()
}

/// Stores the vectors made from `(owner id, text, vector)` whose owner still
/// holds that very text: one edited or deleted while it was being embedded
/// gets none (it is embedded again as it is now), so no vector outlives its
/// text or passes to a later row that reuses the id. Returns how many were kept.
pub fn save_current(
    conn: &mut Connection,
    kind: OwnerKind,
    model: &str,
    embedded: &[(i64, String, Vec<f32>)],
) -> rusqlite::Result<usize> {
    let tx = conn.transaction()?;
    let mut kept = 0;
    for (id, text, v) in embedded {
        let current: Option<String> = tx
            .prepare_cached(kind.text_sql())?
            .query_row([id], |r| r.get(0))
            .optional()?;
        if current.as_deref() == Some(text.as_str()) {
            save(&tx, kind, *id, model, v)?;
            kept += 1;
        }
    }
    tx.commit()?;
    Ok(kept)
}

/// The highest message id with a vector from `model` (0 when none).
pub fn last_embedded_message(conn: &Connection, model: &str) -> rusqlite::Result<i64> {
    conn.query_row(
        "SELECT coalesce(max(owner_id), 0) FROM embeddings
         WHERE owner_kind = 'message' AND model = ?1",
        [model],
        |r| r.get(0),
    )
}

/// The vector of one owner and the model that made it.
pub fn load(
    conn: &Connection,
    kind: OwnerKind,
    owner_id: i64,
) -> rusqlite::Result<Option<(String, Vec<f32>)>> {
    conn.query_row(
        "SELECT model, vector FROM embeddings WHERE owner_kind = ?1 AND owner_id = ?2",
        params![kind.as_str(), owner_id],
        |r| Ok((r.get(0)?, from_blob(&r.get::<_, Vec<u8>>(1)?))),
    )
    .optional()
}

/// Removes the vector of one owner; whether there was one.
pub fn delete(conn: &Connection, kind: OwnerKind, owner_id: i64) -> rusqlite::Result<bool> {
    Ok(conn.execute(
        "DELETE FROM embeddings WHERE owner_kind = ?1 AND owner_id = ?2",
        params![kind.as_str(), owner_id],
    )? > 0)
}

/// How many vectors of `kind` the model `model` made.
pub fn count(conn: &Connection, kind: OwnerKind, model: &str) -> rusqlite::Result<u64> {
    conn.query_row(
        "SELECT count(*) FROM embeddings WHERE owner_kind = ?1 AND model = ?2",
        params![kind.as_str(), model],
        |r| r.get(0),
    )
}

/// Up to `limit` texts of `kind` with no vector from `model` yet, as
/// `(owner id, text)`, oldest first: what a background task embeds next.
pub fn pending(
    conn: &Connection,
    kind: OwnerKind,
    model: &str,
    limit: usize,
) -> rusqlite::Result<Vec<(i64, String)>> {
    pending_after(conn, kind, model, i64::MIN, limit)
}

/// Whether anything has no vector from `model` yet: a memory, a moment, or a
/// message after id `after_message` (as [`pending_after`] finds them).
pub fn anything_pending(
    conn: &Connection,
    model: &str,
    after_message: i64,
) -> rusqlite::Result<bool> {
    for kind in OwnerKind::ALL {
        let after = if kind == OwnerKind::Message {
            after_message
        } else {
            i64::MIN
        };
        if !pending_after(conn, kind, model, after, 1)?.is_empty() {
            return Ok(true);
        }
    }
    Ok(false)
}

/// [`pending`] among owners with id above `after` only: cheap to poll, when
/// `after` is near the end, however long the journal.
pub fn pending_after(
    conn: &Connection,
    kind: OwnerKind,
    model: &str,
    after: i64,
    limit: usize,
) -> rusqlite::Result<Vec<(i64, String)>> {
    conn.prepare_cached(kind.pending_sql())?
        .query_map(params![model, limit as i64, after], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })?
        .collect()
}

/// One result of [`top_k`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct Hit {
    pub owner_id: i64,
    /// Cosine similarity, -1 to 1.
    pub score: f32,
}

// A min-heap on score: the worst of the best k is on top.
struct Worst(Hit);
impl PartialEq for Worst {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for Worst {}
impl PartialOrd for Worst {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Worst {
    fn cmp(&self, other: &Self) -> Ordering {
        other
            .0
            .score
            .total_cmp(&self.0.score)
            .then(self.0.owner_id.cmp(&other.0.owner_id))
    }
}

/// Puts `hit` in `heap` while it holds fewer than `k`, or in place of the
/// worst one it holds when `hit` scores higher.
fn keep_best(heap: &mut BinaryHeap<Worst>, hit: Hit, k: usize) {
    if heap.len() < k {
        heap.push(Worst(hit));
    } else if heap.peek().is_some_and(|w| hit.score > w.0.score) {
        heap.pop();
        heap.push(Worst(hit));
    }
}

/// The hits kept by [`keep_best`], best first (ties by owner id).
fn into_sorted(heap: BinaryHeap<Worst>) -> Vec<Hit> {
    let mut hits: Vec<Hit> = heap.into_iter().map(|w| w.0).collect();
    hits.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then(a.owner_id.cmp(&b.owner_id))
    });
    hits
}

/// The `k` owners of `kind` whose vectors (from `model`) are closest to
/// `query` by cosine, best first. Vectors of another length are skipped.
pub fn top_k(
    conn: &Connection,
    kind: OwnerKind,
    model: &str,
    query: &[f32],
    k: usize,
) -> rusqlite::Result<Vec<Hit>> {
    if k == 0 || query.is_empty() {
        return Ok(Vec::new());
    }
    let q_norm = norm(query);
    if q_norm == 0.0 {
        return Ok(Vec::new());
    }
    let mut heap = BinaryHeap::with_capacity(k + 1);
    let mut stmt = conn.prepare_cached(
        "SELECT owner_id, vector FROM embeddings
         WHERE owner_kind = ?1 AND model = ?2 AND dim = ?3",
    )?;
    let mut rows = stmt.query(params![kind.as_str(), model, query.len() as i64])?;
    while let Some(row) = rows.next()? {
        let Some(score) = cosine_blob(row.get_ref(1)?.as_blob()?, query, q_norm) else {
            continue;
        };
        let hit = Hit {
            owner_id: row.get(0)?,
            score,
        };
        keep_best(&mut heap, hit, k);
    }
    Ok(into_sorted(heap))
}

/// The cosine of a stored vector and `query` whose norm is `q_norm`; `None`
/// when the lengths differ or either is zero. (The scale cancels out.)
fn cosine_blob(blob: &[u8], query: &[f32], q_norm: f32) -> Option<f32> {
    let (_, values) = split_blob(blob)?;
    if values.len() != query.len() || q_norm == 0.0 {
        return None;
    }
    let (mut dot, mut norm) = (0f32, 0f32);
    for (&b, q) in values.iter().zip(query) {
        let x = f32::from(b as i8);
        dot += x * q;
        norm += x * x;
    }
    (norm > 0.0).then(|| dot / (norm.sqrt() * q_norm))
}

fn norm(v: &[f32]) -> f32 {
    v.iter().map(|x| x * x).sum::<f32>().sqrt()
}

/// The cosine of `query` with the vectors (from `model`) of each of `ids`
/// that has one: owner id → similarity. One primary-key lookup per id.
pub fn similarities(
    conn: &Connection,
    kind: OwnerKind,
    model: &str,
    query: &[f32],
    ids: impl IntoIterator<Item = i64>,
) -> rusqlite::Result<Vec<Hit>> {
    let q_norm = norm(query);
    let mut stmt = conn.prepare_cached(
        "SELECT model, vector FROM embeddings WHERE owner_kind = ?1 AND owner_id = ?2",
    )?;
    let mut out = Vec::new();
    for id in ids {
        let mut rows = stmt.query(params![kind.as_str(), id])?;
        if let Some(row) = rows.next()?
            && row.get_ref(0)?.as_str()? == model
            && let Some(score) = cosine_blob(row.get_ref(1)?.as_blob()?, query, q_norm)
        {
            out.push(Hit {
                owner_id: id,
                score,
            });
        }
    }
    Ok(out)
}

/// [`top_k`] over only the latest `window` vectors of `kind` whose owner id
/// is below `before` (by owner id, which grows with time): a bounded scan,
/// for kinds with too many vectors to read them all per query.
pub fn top_k_recent(
    conn: &Connection,
    kind: OwnerKind,
    model: &str,
    query: &[f32],
    before: i64,
    window: usize,
    k: usize,
) -> rusqlite::Result<Vec<Hit>> {
    let q_norm = norm(query);
    if k == 0 || q_norm == 0.0 {
        return Ok(Vec::new());
    }
    let mut heap = BinaryHeap::with_capacity(k + 1);
    let mut stmt = conn.prepare_cached(
        "SELECT owner_id, model, vector FROM embeddings
         WHERE owner_kind = ?1 AND owner_id < ?2 ORDER BY owner_id DESC LIMIT ?3",
    )?;
    let mut rows = stmt.query(params![kind.as_str(), before, window as i64])?;
    while let Some(row) = rows.next()? {
        if row.get_ref(1)?.as_str()? != model {
            continue;
        }
        let Some(score) = cosine_blob(row.get_ref(2)?.as_blob()?, query, q_norm) else {
            continue;
        };
        let hit = Hit {
            owner_id: row.get(0)?,
            score,
        };
        keep_best(&mut heap, hit, k);
    }
    Ok(into_sorted(heap))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;

    fn store() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let (store, _) = Store::open(dir.path().join("hearth.db")).unwrap();
        (dir, store)
    }

    fn unit(v: &[f32]) -> Vec<f32> {
        let n = v.iter().map(|x| x * x).sum::<f32>().sqrt();
        v.iter().map(|x| x / n).collect()
    }

    fn close(a: &[f32], b: &[f32]) -> bool {
        a.len() == b.len() && a.iter().zip(b).all(|(x, y)| (x - y).abs() < 1e-2)
    }

    #[test]
    fn a_vector_is_kept_only_for_the_text_it_was_made_from() {
        use crate::store::memories::{self, MemoryDraft, MemoryKind};
        let (_dir, store) = store();
        let draft = |text: &str| MemoryDraft {
            text: text.into(),
            kind: MemoryKind::Fact,
            importance: 3,
        };
        let (edited, deleted) = store
            .with(|c| {
                Ok((
                    memories::insert(c, &draft("Amy lives in Lisbon."), None, 1)?.id,
                    memories::insert(c, &draft("Amy has a cat."), None, 1)?.id,
                ))
            })
            .unwrap();
        // The embedder reads what is pending, and takes its time.
        let waiting = store
            .with(|c| pending(c, OwnerKind::Memory, "m", 10))
            .unwrap();
        assert_eq!(waiting.len(), 2);
        // Meanwhile the user edits one memory and deletes the other.
        store
            .with(|c| {
                memories::update(c, edited, &draft("Amy lives in Porto."), 2)?;
                memories::delete(c, deleted)
            })
            .unwrap();
        let embedded: Vec<(i64, String, Vec<f32>)> = waiting
            .into_iter()
            .map(|(id, text)| (id, text, unit(&[1.0, 0.0])))
            .collect();
        let kept = store
            .with(|c| save_current(c, OwnerKind::Memory, "m", &embedded))
            .unwrap();
        assert_eq!(kept, 0, "neither text is current any more");
        assert_eq!(
            store.with(|c| load(c, OwnerKind::Memory, edited)).unwrap(),
            None
        );
        // A new memory that reuses the deleted one's id inherits nothing.
        let reused = store
            .with(|c| memories::insert(c, &draft("Theodore writes letters."), None, 3))
            .unwrap();
        assert_eq!(
            store
                .with(|c| load(c, OwnerKind::Memory, reused.id))
                .unwrap(),
            None
        );
        // The edited memory is pending again, with its new words.
        let again = store
            .with(|c| pending(c, OwnerKind::Memory, "m", 10))
            .unwrap();
        assert!(
            again.contains(&(edited, "Amy lives in Porto.".to_owned())),
            "{again:?}"
        );
    }

    #[test]
    fn blobs_keep_each_value_to_within_a_percent_of_the_largest() {
        let v = vec![1.0f32, -0.5, 3.25e-3, -1.0, 0.0];
        let blob = to_blob(&v);
        assert_eq!(blob.len(), 4 + v.len(), "one byte a value after the scale");
        assert_eq!(blob[..4], (1.0f32 / 127.0).to_le_bytes());
        let back = from_blob(&blob);
        assert!(close(&back, &v), "{back:?}");
        assert_eq!(from_blob(&to_blob(&[0.0, 0.0])), vec![0.0, 0.0]);
        assert_eq!(from_blob(&[1, 2]), Vec::<f32>::new(), "a malformed blob");
    }

    #[test]
    fn stored_vectors_rank_as_the_originals_do() {
        // Many near neighbours: the order by cosine survives the bytes.
        let query = unit(
            &(0..384)
                .map(|i| ((i * 7) % 13) as f32 - 6.0)
                .collect::<Vec<_>>(),
        );
        let others: Vec<Vec<f32>> = (0..40)
            .map(|k| {
                unit(
                    &query
                        .iter()
                        .enumerate()
                        .map(|(i, q)| q + (k as f32) * 0.002 * ((i % 5) as f32 - 2.0))
                        .collect::<Vec<_>>(),
                )
            })
            .collect();
        let exact = |v: &[f32]| v.iter().zip(&query).map(|(a, b)| a * b).sum::<f32>();
        let q_norm = norm(&query);
        for pair in others.windows(2) {
            let (a, b) = (&pair[0], &pair[1]);
            let (sa, sb) = (
                cosine_blob(&to_blob(a), &query, q_norm).unwrap(),
                cosine_blob(&to_blob(b), &query, q_norm).unwrap(),
            );
            assert!((sa - exact(a)).abs() < 2e-3, "{sa} vs {}", exact(a));
            assert_eq!(exact(a) > exact(b), sa > sb);
        }
    }

    #[test]
    fn save_load_replace_delete() {
        let (_dir, store) = store();
        store
            .with(|c| {
                save(c, OwnerKind::Memory, 7, "m", &[1.0, 0.0])?;
                let (model, v) = load(c, OwnerKind::Memory, 7)?.unwrap();
                assert_eq!(model, "m");
                assert!(close(&v, &[1.0, 0.0]), "{v:?}");
                save(c, OwnerKind::Memory, 7, "m2", &[0.0, 1.0, 0.0])?;
                let (model, v) = load(c, OwnerKind::Memory, 7)?.unwrap();
                assert_eq!(model, "m2", "saving again replaces the vector");
                assert!(close(&v, &[0.0, 1.0, 0.0]), "{v:?}");
                assert_eq!(load(c, OwnerKind::Moment, 7)?, None, "kinds are separate");
                assert!(delete(c, OwnerKind::Memory, 7)?);
                assert!(!delete(c, OwnerKind::Memory, 7)?);
                Ok(())
            })
            .unwrap();
    }

    #[test]
    fn top_k_ranks_by_cosine_within_a_kind_and_model() {
        let (_dir, store) = store();
        store
            .with(|c| {
                let items: Vec<(i64, Vec<f32>)> = (0..50)
                    .map(|i| {
                        let a = i as f32 / 50.0 * std::f32::consts::FRAC_PI_2;
                        (i, unit(&[a.cos(), a.sin(), 0.0]))
                    })
                    .collect();
                save_many(c, OwnerKind::Moment, "m", &items)?;
                save(c, OwnerKind::Memory, 99, "m", &[1.0, 0.0, 0.0])?;
                save(c, OwnerKind::Moment, 98, "other", &[1.0, 0.0, 0.0])?;
                let hits = top_k(c, OwnerKind::Moment, "m", &[2.0, 0.0, 0.0], 3)?;
                let ids: Vec<i64> = hits.iter().map(|h| h.owner_id).collect();
                assert_eq!(ids, vec![0, 1, 2], "closest to the x axis first: {hits:?}");
                assert!((hits[0].score - 1.0).abs() < 1e-5);
                assert!(hits[0].score >= hits[1].score && hits[1].score >= hits[2].score);
                assert_eq!(
                    top_k(c, OwnerKind::Moment, "m", &[1.0, 0.0], 3)?,
                    vec![],
                    "other lengths are skipped"
                );
                assert_eq!(
                    top_k(c, OwnerKind::Moment, "m", &[1.0, 0.0, 0.0], 0)?,
                    vec![]
                );
                assert_eq!(count(c, OwnerKind::Moment, "m")?, 50);
                Ok(())
            })
            .unwrap();
    }

    #[test]
    fn changed_or_deleted_texts_lose_their_vectors_and_become_pending() {
        let (_dir, store) = store();
        store
            .with(|c| {
                c.execute(
                    "INSERT INTO messages (id, role, content, created_at) VALUES (1, 'user', 'hello there', 0), (2, 'user', 'second', 0)",
                    [],
                )?;
                assert_eq!(
                    pending(c, OwnerKind::Message, "m", 10)?,
                    vec![(1, "hello there".to_owned()), (2, "second".to_owned())]
                );
                save(c, OwnerKind::Message, 1, "m", &[1.0])?;
                assert_eq!(pending(c, OwnerKind::Message, "m", 10)?.len(), 1);
                assert_eq!(
                    pending(c, OwnerKind::Message, "other-model", 10)?.len(),
                    2,
                    "a vector from another model doesn't count"
                );
                c.execute("UPDATE messages SET content = 'edited' WHERE id = 1", [])?;
                assert_eq!(load(c, OwnerKind::Message, 1)?, None, "an edit drops the vector");
                save(c, OwnerKind::Message, 2, "m", &[1.0])?;
                c.execute("DELETE FROM messages WHERE id = 2", [])?;
                assert_eq!(load(c, OwnerKind::Message, 2)?, None, "a deletion drops the vector");
                assert_eq!(pending(c, OwnerKind::Memory, "m", 10)?, vec![]);
                assert_eq!(pending(c, OwnerKind::Moment, "m", 10)?, vec![]);
                Ok(())
            })
            .unwrap();
    }

    #[test]
    fn anything_pending_sees_a_memory_or_a_message_after_the_mark() {
        use crate::store::memories::{self, MemoryDraft, MemoryKind};
        let (_dir, store) = store();
        store
            .with(|c| {
                assert!(!anything_pending(c, "m", 0)?, "an empty journal has nothing to embed");
                c.execute(
                    "INSERT INTO messages (id, role, content, created_at) VALUES (1, 'user', 'hello there', 0), (2, 'user', 'second', 0)",
                    [],
                )?;
                assert!(anything_pending(c, "m", 0)?);
                assert!(anything_pending(c, "m", 1)?, "message 2 comes after 1");
                assert!(!anything_pending(c, "m", 2)?, "messages up to the mark are not looked at");
                save(c, OwnerKind::Message, 1, "m", &[1.0])?;
                save(c, OwnerKind::Message, 2, "m", &[1.0])?;
                assert!(!anything_pending(c, "m", 0)?);
                assert!(anything_pending(c, "other-model", 0)?, "a vector from another model doesn't count");
                let memory = memories::insert(
                    c,
                    &MemoryDraft { text: "Amy lives in Lisbon.".into(), kind: MemoryKind::Fact, importance: 3 },
                    None,
                    1,
                )?;
                assert!(anything_pending(c, "m", 2)?, "memories are pending whatever the mark");
                save(c, OwnerKind::Memory, memory.id, "m", &[1.0])?;
                assert!(!anything_pending(c, "m", 2)?);
                Ok(())
            })
            .unwrap();
    }
}
