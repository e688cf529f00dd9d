//! Recall with on-device embeddings (all-MiniLM-L6-v2, run for real): a
//! paraphrase that shares no word with the question is found; without
//! vectors recall is exactly BM25; a deleted memory never comes back. The
//! model files are not in git; these tests fail (not skip) when missing:
//!
//!     scripts/models.sh .tools/models
//!
//! `HEARTH_MODELS_DIR` points elsewhere if they live elsewhere.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use hearth_core::local::{DEFAULT_EMBEDDING_MODEL, Embedder};
use hearth_core::memory::recall::{self, Tuning};
use hearth_core::memory::remember::{self, Amounts};
use hearth_core::memory::semantic::QueryVector;
use hearth_core::store::Store;
use hearth_core::store::memories::{self, MemoryDraft, MemoryKind};
use hearth_core::store::messages::{self, MessageStatus, Role};
use hearth_core::store::vectors::{self, OwnerKind};

fn embedder() -> &'static Embedder {
    static E: OnceLock<Embedder> = OnceLock::new();
    E.get_or_init(|| {
        let dir = std::env::var_os("HEARTH_MODELS_DIR")
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
            .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.tools/models"))
            .join(DEFAULT_EMBEDDING_MODEL);
        assert!(
            dir.is_dir(),
            "the embedding model {} is missing: run `scripts/models.sh .tools/models` from the \
             workspace (or set HEARTH_MODELS_DIR to a folder that holds it)",
            dir.display()
        );
        Embedder::load(&dir).expect("load the embedding model")
    })
}

const FILLER: &[&str] = &[
    "The weather was rainy all Tuesday.",
    "I cooked pasta for dinner with my sister.",
    "Work was busy, three meetings before lunch.",
    "We watched a film about space travel.",
    "My knee hurts a bit after the run.",
    "The garden needs weeding again.",
];

/// A journal of filler turns around "I adopted a puppy", and a memory of it
/// among others; returns the store and the puppy message's id.
fn journal() -> (tempfile::TempDir, Store, i64, i64) {
    let dir = tempfile::tempdir().unwrap();
    let (store, _) = Store::open(dir.path().join("j.db")).unwrap();
    let (puppy, memory) = store
        .with(|c| {
            let mut at = 1_700_000_000_000;
            let mut puppy = 0;
            for (i, text) in FILLER.iter().enumerate() {
                at += 60_000_000;
                let role = if i % 2 == 0 {
                    Role::User
                } else {
                    Role::Assistant
                };
                messages::insert_at(c, role, text, MessageStatus::Complete, None, at)?;
                if i == 2 {
                    at += 60_000_000;
                    puppy = messages::insert_at(
                        c,
                        Role::User,
                        "I adopted a puppy last weekend!",
                        MessageStatus::Complete,
                        None,
                        at,
                    )?
                    .id;
                }
            }
            let mut memory = 0;
            for (i, text) in [
                "The user's sister is called Ana.",
                "The user adopted a puppy called Biscuit.",
                "The user works in accounting.",
            ]
            .iter()
            .enumerate()
            {
                let m = memories::insert(
                    c,
                    &MemoryDraft {
                        text: (*text).to_owned(),
                        kind: MemoryKind::ALL[0],
                        importance: 2,
                    },
                    None,
                    at,
                )?;
                if i == 1 {
                    memory = m.id;
                }
            }
            Ok((puppy, memory))
        })
        .unwrap();
    (dir, store, puppy, memory)
}

/// Embeds everything pending, as the app's background task does.
fn embed_all(store: &Store) {
    let e = embedder();
    for kind in OwnerKind::ALL {
        let pending = store
            .with(|c| vectors::pending(c, kind, e.name(), 1000))
            .unwrap();
        let texts: Vec<&str> = pending.iter().map(|(_, t)| t.as_str()).collect();
        let vecs = e.embed(&texts).unwrap();
        let rows: Vec<(i64, Vec<f32>)> = pending.iter().map(|(id, _)| *id).zip(vecs).collect();
        store
            .with(|c| vectors::save_many(c, kind, e.name(), &rows))
            .unwrap();
    }
}

const QUESTION: &str = "How is your new dog?";

/// `vector` as a query from the test's embedding model.
fn query(vector: &[f32]) -> QueryVector<'_> {
    QueryVector {
        model: embedder().name(),
        vector,
    }
}

fn question_vector() -> Vec<f32> {
    embedder().embed(&[QUESTION]).unwrap().remove(0)
}

fn no_always() -> Amounts {
    Amounts {
        always: 0,
        ..Amounts::default()
    }
}

#[test]
fn a_paraphrase_bm25_misses_is_recalled_with_embeddings() {
    let (_dir, store, puppy, memory) = journal();
    embed_all(&store);
    let v = question_vector();
    let q = query(&v);
    let bm25 = store
        .with(|c| recall::messages(c, QUESTION, 5, None))
        .unwrap();
    assert!(
        bm25.iter().all(|r| r.message_id != puppy),
        "BM25 alone should not find it (no word in common): {bm25:?}"
    );
    let hybrid = store
        .with(|c| recall::messages_hybrid(c, QUESTION, Some(q), 5, None, &Tuning::default()))
        .unwrap();
    assert_eq!(
        hybrid.first().map(|r| r.message_id),
        Some(puppy),
        "the puppy message comes first with embeddings: {hybrid:?}"
    );

    let without = store
        .with(|c| remember::memories(c, QUESTION, 1_800_000_000_000, no_always()))
        .unwrap();
    assert!(without.iter().all(|m| m.id != memory), "{without:?}");
    let with = store
        .with(|c| remember::memories_with(c, QUESTION, Some(q), 1_800_000_000_000, no_always()))
        .unwrap();
    assert_eq!(with.first().map(|m| m.id), Some(memory), "{with:?}");

    // The whole recollection, as each turn asks for it.
    let all = store
        .with(|c| {
            remember::recollect_with(c, QUESTION, Some(q), 1_800_000_000_000, None, no_always())
        })
        .unwrap();
    assert_eq!(all.memories.first().map(|m| m.id), Some(memory));
    assert_eq!(all.messages.first().map(|m| m.id), Some(puppy));
}

#[test]
fn without_vectors_recall_is_bm25() {
    let (_dir, store, _, _) = journal();
    let v = question_vector();
    let q = query(&v);
    for text in [
        "What did I cook with my sister?",
        QUESTION,
        "space film",
        "the",
    ] {
        let bm25 = store.with(|c| recall::messages(c, text, 10, None)).unwrap();
        let none = store
            .with(|c| recall::messages_hybrid(c, text, None, 10, None, &Tuning::default()))
            .unwrap();
        let no_vectors = store
            .with(|c| recall::messages_hybrid(c, text, Some(q), 10, None, &Tuning::default()))
            .unwrap();
        assert_eq!(bm25, none, "{text}");
        assert_eq!(bm25, no_vectors, "{text}: no stored vectors");
        let m = store
            .with(|c| remember::memories(c, text, 1_800_000_000_000, Amounts::default()))
            .unwrap();
        let m2 = store
            .with(|c| {
                remember::memories_with(c, text, Some(q), 1_800_000_000_000, Amounts::default())
            })
            .unwrap();
        assert_eq!(m, m2, "{text}");
    }
    // Vectors from another model are not compared.
    embed_all(&store);
    let other = QueryVector {
        model: "another-model",
        vector: &v,
    };
    let bm25 = store
        .with(|c| recall::messages(c, QUESTION, 10, None))
        .unwrap();
    let mixed = store
        .with(|c| recall::messages_hybrid(c, QUESTION, Some(other), 10, None, &Tuning::default()))
        .unwrap();
    assert_eq!(bm25, mixed);
}

#[test]
fn a_deleted_memory_never_comes_back() {
    let (_dir, store, _, memory) = journal();
    embed_all(&store);
    let v = question_vector();
    let q = query(&v);
    assert!(
        store
            .with(|c| vectors::load(c, OwnerKind::Memory, memory))
            .unwrap()
            .is_some()
    );
    assert!(store.with(|c| memories::delete(c, memory)).unwrap());
    assert_eq!(
        store
            .with(|c| vectors::load(c, OwnerKind::Memory, memory))
            .unwrap(),
        None,
        "the trigger drops its vector"
    );
    let all = store
        .with(|c| {
            remember::recollect_with(
                c,
                "the puppy Biscuit, my new dog",
                Some(q),
                1_800_000_000_000,
                None,
                Amounts::default(),
            )
        })
        .unwrap();
    assert!(
        all.memories.iter().all(|m| m.id != memory),
        "{:?}",
        all.memories
    );
    // Nor does a superseded one, whose vector stays until it is deleted.
    let newer = store
        .with(|c| {
            let old = memories::list(c, Some("sister"), 1)?.remove(0);
            let new = memories::insert(
                c,
                &MemoryDraft {
                    text: "The user's sister Ana moved to Lisbon.".into(),
                    kind: MemoryKind::ALL[0],
                    importance: 2,
                },
                None,
                1_700_000_000_000,
            )?;
            memories::supersede(c, old.id, new.id)?;
            Ok((old.id, new.id))
        })
        .unwrap();
    let v = embedder()
        .embed(&["Tell me about my sister"])
        .unwrap()
        .remove(0);
    let q = query(&v);
    let found = store
        .with(|c| {
            remember::memories_with(
                c,
                "Tell me about my sister",
                Some(q),
                1_800_000_000_000,
                no_always(),
            )
        })
        .unwrap();
    assert!(found.iter().all(|m| m.id != newer.0), "{found:?}");
}
