//! Memory-recall quality on LoCoMo-format conversations, through the app's own
//! recall code path (`memory::recall::messages_hybrid` over the real journal,
//! as `memory::remember::recollect_with` calls it).
//!
//! Each file's two speakers become the user and the companion (named in the
//! persona, as the app's first run does); every turn is stored as a dated
//! message. For each question of categories 1–4, recall
//! returns the top 20 messages; a hit at K is any evidence turn among the top K.
//!
//! With the embedding model (`--embeddings DIR`, or `HEARTH_MODELS_DIR`
//! holding `all-MiniLM-L6-v2`), every turn and question is embedded (timed;
//! vectors cached in the temp folder for reruns, `LOCOMO_NO_CACHE=1` to
//! redo), the turn vectors stored in the journal, and recall measured twice:
//! BM25 alone, then BM25 with embeddings.
//!
//! cargo run --release -p hearth-core --example locomo -- [--embeddings DIR] ../shared/data/locomo/*.json

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use chrono::NaiveDateTime;
use hearth_core::local::Embedder;
use hearth_core::memory::recall;
use hearth_core::memory::semantic::QueryVector;
use hearth_core::store::messages::{self, MessageStatus, Role};
use hearth_core::store::vectors::{self, OwnerKind};
use hearth_core::store::{Store, persona};
use serde_json::Value;

const KS: [usize; 4] = [1, 5, 10, 20];

struct Question {
    text: String,
    category: u64,
    evidence: Vec<i64>,
    vector: Option<Vec<f32>>,
}

fn main() {
    let mut args = std::env::args().skip(1);
    let mut files = Vec::new();
    let mut model_dir: Option<PathBuf> = std::env::var_os("HEARTH_MODELS_DIR")
        .filter(|v| !v.is_empty())
        .map(|d| PathBuf::from(d).join(hearth_core::local::DEFAULT_EMBEDDING_MODEL));
    while let Some(a) = args.next() {
        if a == "--embeddings" {
            let d = PathBuf::from(args.next().expect("--embeddings DIR"));
            let nested = d.join(hearth_core::local::DEFAULT_EMBEDDING_MODEL);
            model_dir = Some(if nested.is_dir() { nested } else { d });
        } else {
            files.push(a);
        }
    }
    assert!(
        !files.is_empty(),
        "usage: locomo [--embeddings DIR] FILE.json..."
    );
    let embedder = model_dir.map(|d| {
        let t = Instant::now();
        let e = Embedder::load(&d)
            .unwrap_or_else(|e| panic!("the embedding model in {}: {e}", d.display()));
        eprintln!("embedding model loaded in {:.2?}", t.elapsed());
        e
    });
    let tuning = tuning();
    // RECALL_MISSES=1 prints each question whose evidence is not in the top 5.
    let show_misses = std::env::var_os("RECALL_MISSES").is_some();
    let modes: &[bool] = if embedder.is_some() {
        &[false, true]
    } else {
        &[false]
    };
    let mut hits = vec![[0usize; KS.len()]; modes.len()];
    let mut asked = 0usize;
    let (mut embedded, mut embed_time) = (0usize, Duration::ZERO);
    let mut recall_time = vec![Duration::ZERO; modes.len()];
    for file in &files {
        let data: Value =
            serde_json::from_str(&std::fs::read_to_string(file).expect("read file")).expect("JSON");
        let dir = tempfile::tempdir().unwrap();
        let (store, _) = Store::open(dir.path().join("locomo.db")).unwrap();
        let (ids, turns) = load(&store, &data);
        let mut questions: Vec<Question> = data["qa"]
            .as_array()
            .expect("qa")
            .iter()
            .filter(|qa| matches!(qa["category"].as_u64(), Some(1..=4)))
            .map(|qa| Question {
                text: qa["question"].as_str().unwrap_or_default().to_owned(),
                category: qa["category"].as_u64().unwrap_or_default(),
                evidence: qa["evidence"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|e| e.as_str())
                    .filter_map(|d| ids.get(d.trim()).copied())
                    .collect(),
                vector: None,
            })
            .collect();
        if let Some(e) = &embedder {
            let mut texts: Vec<&str> = turns.iter().map(|(_, t)| t.as_str()).collect();
            texts.extend(questions.iter().map(|q| q.text.as_str()));
            let (vecs, took) = embed_cached(e, Path::new(file), &texts);
            if let Some(took) = took {
                embedded += texts.len();
                embed_time += took;
            }
            let (turn_vecs, question_vecs) = vecs.split_at(turns.len());
            let rows: Vec<(i64, Vec<f32>)> = turns
                .iter()
                .map(|(id, _)| *id)
                .zip(turn_vecs.iter().cloned())
                .collect();
            store
                .with(|c| vectors::save_many(c, OwnerKind::Message, e.name(), &rows))
                .unwrap();
            for (q, v) in questions.iter_mut().zip(question_vecs) {
                q.vector = Some(v.clone());
            }
        }
        for q in &questions {
            asked += 1;
            for (m, &hybrid) in modes.iter().enumerate() {
                let query = match (hybrid, &embedder, &q.vector) {
                    (true, Some(e), Some(v)) => Some(QueryVector {
                        model: e.name(),
                        vector: v,
                    }),
                    _ => None,
                };
                let t = Instant::now();
                let found = store
                    .with(|c| recall::messages_hybrid(c, &q.text, query, 20, None, &tuning))
                    .unwrap();
                recall_time[m] += t.elapsed();
                if show_misses
                    && m == modes.len() - 1
                    && !found
                        .iter()
                        .take(5)
                        .any(|r| q.evidence.contains(&r.message_id))
                {
                    print_miss(&store, q, &found);
                }
                for (i, k) in KS.iter().enumerate() {
                    if found
                        .iter()
                        .take(*k)
                        .any(|r| q.evidence.contains(&r.message_id))
                    {
                        hits[m][i] += 1;
                    }
                }
            }
        }
    }
    if embedded > 0 {
        eprintln!(
            "embedded {embedded} texts in {:.1?} ({:.0} texts/s, {} threads)",
            embed_time,
            embedded as f64 / embed_time.as_secs_f64(),
            hearth_core::local::model_threads()
        );
    }
    for (m, &hybrid) in modes.iter().enumerate() {
        let label = if hybrid { "bm25+embeddings" } else { "bm25" };
        println!("# {label}");
        for (i, k) in KS.iter().enumerate() {
            println!("recall@{k} {:.3}", hits[m][i] as f64 / asked.max(1) as f64);
        }
        eprintln!(
            "({label}: mean recall {:.2} ms per question)",
            recall_time[m].as_secs_f64() * 1e3 / asked.max(1) as f64
        );
    }
    eprintln!(
        "({asked} questions of categories 1-4 in {} files)",
        files.len()
    );
}

fn print_miss(store: &Store, q: &Question, found: &[recall::Recalled]) {
    let text = |id: i64| {
        store
            .with(|c| {
                c.query_row(
                    "SELECT role || ': ' || content FROM messages WHERE id = ?1",
                    [id],
                    |r| r.get::<_, String>(0),
                )
            })
            .unwrap_or_default()
    };
    eprintln!("MISS [{}] {}", q.category, q.text);
    for e in &q.evidence {
        eprintln!("  want {e}: {}", text(*e));
    }
    for r in found.iter().take(5) {
        eprintln!(
            "  got  {} ({:.2}): {}",
            r.message_id,
            r.score,
            text(r.message_id)
        );
    }
}

/// The vectors of `texts`, from a cache in the temp folder when the same
/// texts were embedded before by the same model; with the time taken when
/// they were embedded now.
fn embed_cached(
    embedder: &Embedder,
    file: &Path,
    texts: &[&str],
) -> (Vec<Vec<f32>>, Option<Duration>) {
    let key = texts
        .iter()
        .flat_map(|t| t.bytes().chain([0]))
        .chain(embedder.name().bytes())
        .fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
        });
    let stem = file.file_stem().unwrap_or_default().to_string_lossy();
    let cache = std::env::temp_dir().join(format!("hearth-locomo-{stem}-{key:016x}.f32"));
    let dim = embedder.dim();
    if std::env::var_os("LOCOMO_NO_CACHE").is_none()
        && let Ok(bytes) = std::fs::read(&cache)
        && bytes.len() == texts.len() * dim * 4
    {
        let all: Vec<f32> = bytes
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .collect();
        return (all.chunks(dim).map(<[f32]>::to_vec).collect(), None);
    }
    let t = Instant::now();
    let vecs = embedder.embed(texts).expect("embed");
    let took = t.elapsed();
    // The cache keeps the exact float32 values (the journal's own format,
    // `vectors::to_blob`, is compact and approximate).
    let blob: Vec<u8> = vecs
        .iter()
        .flatten()
        .flat_map(|x| x.to_le_bytes())
        .collect();
    let _ = std::fs::write(&cache, blob);
    (vecs, Some(took))
}

/// The app's tuning, with `RECALL_<KNOB>` environment overrides for experiments.
fn tuning() -> recall::Tuning {
    let mut t = recall::Tuning::default();
    let var = |k: &str| std::env::var(format!("RECALL_{k}")).ok();
    let f = |k: &str, d: f64| var(k).and_then(|v| v.parse().ok()).unwrap_or(d);
    t.pool = f("POOL", t.pool as f64) as u32;
    t.neighbour_share = f("NEIGHBOUR_SHARE", t.neighbour_share);
    t.far_share = f("FAR_SHARE", t.far_share);
    t.speaker_factor = f("SPEAKER_FACTOR", t.speaker_factor);
    t.feedback_docs = f("FEEDBACK_DOCS", t.feedback_docs as f64) as usize;
    t.feedback_terms = f("FEEDBACK_TERMS", t.feedback_terms as f64) as usize;
    t.feedback_weight = f("FEEDBACK_WEIGHT", t.feedback_weight);
    t.semantic_weight = f("SEMANTIC_WEIGHT", t.semantic_weight);
    t.similarity_floor = f("SIMILARITY_FLOOR", t.similarity_floor);
    t.vector_window = f("VECTOR_WINDOW", t.vector_window as f64) as usize;
    t.vector_pool = f("VECTOR_POOL", t.vector_pool as f64) as usize;
    t.vector_rerank = f("VECTOR_RERANK", t.vector_rerank as f64) as usize;
    if t != recall::Tuning::default() {
        eprintln!("tuning: {t:?}");
    }
    t
}

/// Stores every turn as a message dated by its session; returns dia_id →
/// message id, and each stored message's id and text.
fn load(store: &Store, data: &Value) -> (HashMap<String, i64>, Vec<(i64, String)>) {
    let speaker_a = data["speaker_a"].as_str().unwrap_or_default().to_owned();
    let speaker_b = data["speaker_b"].as_str().unwrap_or_default().to_owned();
    let mut ids = HashMap::new();
    let mut stored = Vec::new();
    store
        .with(|c| {
            let tx = c.transaction()?;
            // Speaker A is the user, speaker B the companion, as in the app.
            persona::save(
                &tx,
                &persona::Persona {
                    companion_name: speaker_b.clone(),
                    voice: String::new(),
                    user_name: speaker_a.clone(),
                    address_style: String::new(),
                    hopes: String::new(),
                },
            )?;
            for n in 1.. {
                let Some(turns) = data[format!("session_{n}")].as_array() else {
                    break;
                };
                let when = data[format!("session_{n}_date_time")]
                    .as_str()
                    .and_then(|s| NaiveDateTime::parse_from_str(s, "%I:%M %p on %d %B, %Y").ok())
                    .map(|t| t.and_utc().timestamp_millis())
                    .unwrap_or(n as i64 * 86_400_000);
                for (i, turn) in turns.iter().enumerate() {
                    let role = if turn["speaker"].as_str() == Some(speaker_a.as_str()) {
                        Role::User
                    } else {
                        Role::Assistant
                    };
                    let text = turn["text"].as_str().unwrap_or_default();
                    let m = messages::insert_at(
                        &tx,
                        role,
                        text,
                        MessageStatus::Complete,
                        None,
                        when + i as i64 * 1000,
                    )?;
                    stored.push((m.id, text.to_owned()));
                    if let Some(dia) = turn["dia_id"].as_str() {
                        ids.insert(dia.to_owned(), m.id);
                    }
                }
            }
            tx.commit()
        })
        .unwrap();
    (ids, stored)
}
