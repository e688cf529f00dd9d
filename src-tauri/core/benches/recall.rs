//! Recall latency over a large journal: p50/p95 of `memory::recall::messages`
//! for typical conversational questions, and of building the whole prompt for
//! a new message (`companion::turn::prepare`: memories and messages recalled,
//! recent turns, token counting and trimming, with 2,000 memories stored), at
//! 10^5 and 10^6 messages (the
//! 10^6 journal takes about 35 s to build once; `RECALL_BENCH_QUICK=1` skips it).
//!
//! The journals are generated deterministically (Zipf-distributed words,
//! function words and names, two speakers, sittings a day apart) and cached
//! under the cargo target directory, so reruns only measure.
//!
//! With vectors: every message and memory gets a random unit vector (384
//! floats; latency does not depend on their values) stored under a bench
//! model name, added to the cached journal once, and hybrid recall
//! (`recall::messages_hybrid`, `turn::prepare_with`) is timed with a random
//! query vector. Embedding the query itself is timed apart with the real
//! MiniLM model when it is in `HEARTH_MODELS_DIR` or `.tools/models`.
//!
//! cargo bench -p hearth-core --bench recall

use std::path::PathBuf;
use std::time::{Duration, Instant};

use hearth_core::companion::prompt::Budget;
use hearth_core::companion::turn::{self, Turn};
use hearth_core::local::{DEFAULT_EMBEDDING_MODEL, EMBEDDING_DIM, Embedder};
use hearth_core::memory::recall;
use hearth_core::memory::semantic::QueryVector;
use hearth_core::store::memories::{self, MemoryDraft, MemoryKind};
use hearth_core::store::messages::{self, Message, MessageStatus, Role};
use hearth_core::store::vectors::{self, OwnerKind};
use hearth_core::store::{Store, persona};
use rusqlite::params;

/// The commonest English words, most frequent first: conversational text is
/// mostly these.
const COMMON: &[&str] = &[
    "the",
    "i",
    "to",
    "and",
    "a",
    "you",
    "it",
    "of",
    "that",
    "in",
    "is",
    "was",
    "my",
    "for",
    "so",
    "me",
    "we",
    "on",
    "with",
    "but",
    "this",
    "have",
    "just",
    "what",
    "be",
    "it's",
    "at",
    "really",
    "like",
    "do",
    "not",
    "all",
    "they",
    "are",
    "about",
    "been",
    "love",
    "great",
    "how",
    "can",
    "your",
    "did",
    "one",
    "had",
    "when",
    "thanks",
    "yeah",
    "wow",
    "time",
    "good",
    "know",
    "feel",
    "get",
    "going",
    "think",
    "day",
    "want",
    "make",
    "last",
    "new",
    "week",
    "kids",
    "family",
    "friends",
    "work",
    "happy",
    "amazing",
    "awesome",
    "yesterday",
    "today",
];

const NAMES: &[&str] = &[
    "Caroline", "Melanie", "Sam", "Priya", "Jon", "Gina", "Oscar", "Lena",
];

/// Deterministic xorshift generator.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// A vocabulary of pronounceable made-up content words, and a Zipf sampler
/// over it (rank r drawn with probability ∝ 1/r).
struct Vocabulary {
    words: Vec<String>,
    cumulative: Vec<f64>,
}

impl Vocabulary {
    fn new(size: usize, rng: &mut Rng) -> Self {
        const ONSETS: &[&str] = &[
            "b", "c", "d", "f", "g", "h", "j", "k", "l", "m", "n", "p", "r", "s", "t", "v", "w",
            "br", "cl", "dr", "gr", "pl", "st", "tr", "sh", "ch",
        ];
        const VOWELS: &[&str] = &["a", "e", "i", "o", "u", "ai", "ea", "oo", "ou"];
        const CODAS: &[&str] = &["", "n", "r", "s", "t", "l", "nd", "ng", "ck", "st"];
        let mut words = Vec::with_capacity(size);
        let mut seen = std::collections::HashSet::new();
        while words.len() < size {
            let syllables = 1 + rng.below(3);
            let w: String = (0..syllables)
                .map(|_| {
                    format!(
                        "{}{}{}",
                        ONSETS[rng.below(ONSETS.len())],
                        VOWELS[rng.below(VOWELS.len())],
                        CODAS[rng.below(CODAS.len())]
                    )
                })
                .collect();
            if seen.insert(w.clone()) {
                words.push(w);
            }
        }
        let mut total = 0.0;
        let cumulative = (1..=size)
            .map(|r| {
                total += 1.0 / r as f64;
                total
            })
            .collect();
        Self { words, cumulative }
    }

    fn sample(&self, rng: &mut Rng) -> &str {
        let x = rng.unit() * self.cumulative.last().unwrap();
        let i = self.cumulative.partition_point(|&c| c < x);
        &self.words[i.min(self.words.len() - 1)]
    }
}

/// One message: 4–40 words, about 60% common words, some content words and
/// now and then a name.
fn message(rng: &mut Rng, vocab: &Vocabulary) -> String {
    let n = 4 + rng.below(37);
    let mut out = String::new();
    for i in 0..n {
        if i > 0 {
            out.push(' ');
        }
        let roll = rng.below(100);
        if roll < 60 {
            // Common words, themselves Zipf-like: favour the first ones.
            let a = rng.below(COMMON.len());
            out.push_str(COMMON[rng.below(a + 1)]);
        } else if roll < 62 {
            out.push_str(NAMES[rng.below(NAMES.len())]);
        } else {
            out.push_str(vocab.sample(rng));
        }
    }
    out.push(if rng.below(4) == 0 { '?' } else { '.' });
    out
}

/// A question as a person asks it: a question word, a name, function words
/// and two to four content words of any frequency.
fn question(rng: &mut Rng, vocab: &Vocabulary) -> String {
    const OPENINGS: &[&str] = &[
        "When did",
        "What did",
        "Where did",
        "Do you remember when",
        "How did",
        "Why did",
        "What was",
    ];
    let mut q = format!(
        "{} {} {}",
        OPENINGS[rng.below(OPENINGS.len())],
        NAMES[rng.below(2)],
        [
            "go to the",
            "say about the",
            "feel about",
            "do with the",
            "like the"
        ][rng.below(5)]
    );
    for _ in 0..2 + rng.below(3) {
        q.push(' ');
        q.push_str(vocab.sample(rng));
    }
    q.push('?');
    q
}

/// Opens the cached journal of `n` messages, building it first if needed.
fn journal(n: usize) -> Store {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("recall-bench");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!("journal-v1-{n}.db"));
    if !path.exists() {
        let started = Instant::now();
        let building = dir.join(format!("journal-v1-{n}.building.db"));
        let _ = std::fs::remove_file(&building);
        let (store, _) = Store::open(&building).unwrap();
        let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
        let vocab = Vocabulary::new(20_000, &mut rng);
        store
            .with(|c| {
                let tx = c.transaction()?;
                persona::save(
                    &tx,
                    &persona::Persona {
                        companion_name: NAMES[1].to_owned(),
                        voice: String::new(),
                        user_name: NAMES[0].to_owned(),
                        address_style: String::new(),
                        hopes: String::new(),
                    },
                )?;
                {
                    let mut insert = tx.prepare(
                        "INSERT INTO messages (role, content, status, created_at)
                         VALUES (?1, ?2, 'complete', ?3)",
                    )?;
                    let mut at = 1_600_000_000_000_i64;
                    for i in 0..n {
                        // Sittings of about 20 turns, a day apart.
                        at += if i % 20 == 0 { 86_400_000 } else { 30_000 };
                        let role = if i % 2 == 0 { "user" } else { "assistant" };
                        insert.execute(params![role, message(&mut rng, &vocab), at])?;
                    }
                }
                tx.commit()
            })
            .unwrap();
        store
            .with(|c| {
                c.execute_batch("INSERT INTO messages_fts(messages_fts) VALUES ('optimize');")
            })
            .unwrap();
        drop(store);
        std::fs::rename(&building, &path).unwrap();
        eprintln!("built {n} messages in {:.0?}", started.elapsed());
    }
    // Read the file through once, so the system holds it in memory as it
    // does a journal in use: a journal left cold by other work (a build)
    // would time the disk instead (a report once showed recall's p95 at
    // 44 ms for this, against 15 ms warm).
    if let Ok(mut file) = std::fs::File::open(&path) {
        let _ = std::io::copy(&mut file, &mut std::io::sink());
    }
    Store::open(&path).unwrap().0
}

fn measure(n: usize) {
    let store = journal(n);
    let mut rng = Rng(42);
    let vocab = Vocabulary::new(20_000, &mut Rng(0x9E37_79B9_7F4A_7C15));
    let questions: Vec<String> = (0..300).map(|_| question(&mut rng, &vocab)).collect();
    // Warm the page cache and statement cache, as a running app would be.
    for q in questions.iter().take(20) {
        store.with(|c| recall::messages(c, q, 20, None)).unwrap();
    }
    time_each(&format!("recall over {n} messages"), &questions, |q| {
        store.with(|c| recall::messages(c, q, 20, None)).unwrap()
    });

    // The whole prompt for a new message, as each turn builds it.
    let memory_count = store.with(|c| memories::count(c)).unwrap();
    if memory_count < 2_000 {
        store
            .with(|c| {
                let tx = c.transaction()?;
                for i in memory_count..2_000 {
                    let text = format!(
                        "{} mentioned {} and {} ({i}).",
                        NAMES[0],
                        vocab.sample(&mut rng),
                        vocab.sample(&mut rng)
                    );
                    let draft = MemoryDraft {
                        text,
                        kind: MemoryKind::ALL[i as usize % 7],
                        importance: 1 + (i % 5) as u8,
                    };
                    memories::insert(&tx, &draft, None, 1_600_000_000_000 + i as i64)?;
                }
                tx.commit()
            })
            .unwrap();
    }
    let last = store
        .with(|c| messages::page(c, None, 1))
        .unwrap()
        .pop()
        .unwrap();
    let now = chrono::Local::now().fixed_offset();
    for context in [8_192, 128_000] {
        time_each(
            &format!("prompt ({context}-token context) over {n} messages"),
            questions.iter().map(|q| new_turn(&last, q)),
            |t| {
                store
                    .run(|c| turn::prepare(c, t, now, Budget::for_context(context)))
                    .unwrap()
            },
        );
    }

    // The same with vectors for every message and memory.
    add_vectors(&store, n);
    let mut vrng = Rng(7);
    let query_vectors: Vec<Vec<f32>> = questions.iter().map(|_| unit(&mut vrng)).collect();
    let hybrid = |c: &rusqlite::Connection, q: &str, v: &[f32]| {
        let query = QueryVector {
            model: BENCH_MODEL,
            vector: v,
        };
        recall::messages_hybrid(c, q, Some(query), 20, None, &recall::Tuning::default())
    };
    for (q, v) in questions.iter().zip(&query_vectors).take(20) {
        store.with(|c| hybrid(c, q, v)).unwrap();
    }
    time_each(
        &format!("hybrid recall (BM25 + vectors) over {n} messages"),
        questions.iter().zip(&query_vectors),
        |&(q, v)| store.with(|c| hybrid(c, q, v)).unwrap(),
    );
    time_each(
        &format!("hybrid prompt (8192-token context) over {n} messages"),
        questions.iter().zip(&query_vectors).map(|(q, v)| {
            let query = QueryVector {
                model: BENCH_MODEL,
                vector: v,
            };
            (new_turn(&last, q), query)
        }),
        |(t, query)| {
            store
                .run(|c| turn::prepare_with(c, t, Some(*query), now, Budget::for_context(8_192)))
                .unwrap()
        },
    );
}

/// The turn of a new user message `q` after `last`, its reply streaming.
fn new_turn(last: &Message, q: &str) -> Turn {
    Turn {
        user: Message {
            content: q.to_owned(),
            role: Role::User,
            ..last.clone()
        },
        reply: Message {
            id: last.id + 1,
            role: Role::Assistant,
            content: String::new(),
            status: MessageStatus::Streaming,
            ..last.clone()
        },
        replaced: None,
    }
}

/// The model name of the bench's random vectors.
const BENCH_MODEL: &str = "bench-random";

/// A random unit vector of MiniLM's length.
fn unit(rng: &mut Rng) -> Vec<f32> {
    let v: Vec<f32> = (0..EMBEDDING_DIM)
        .map(|_| (rng.unit() - 0.5) as f32)
        .collect();
    let n = v.iter().map(|x| x * x).sum::<f32>().sqrt();
    v.into_iter().map(|x| x / n).collect()
}

/// Gives every message and memory without one a random vector (once: the
/// journal is cached with them).
fn add_vectors(store: &Store, n: usize) {
    let started = Instant::now();
    let mut rng = Rng(0xA5A5_5A5A);
    let mut added = 0;
    for kind in [OwnerKind::Message, OwnerKind::Memory] {
        loop {
            let pending = store
                .with(|c| vectors::pending(c, kind, BENCH_MODEL, 50_000))
                .unwrap();
            if pending.is_empty() {
                break;
            }
            let rows: Vec<(i64, Vec<f32>)> = pending
                .into_iter()
                .map(|(id, _)| (id, unit(&mut rng)))
                .collect();
            added += rows.len();
            store
                .with(|c| vectors::save_many(c, kind, BENCH_MODEL, &rows))
                .unwrap();
        }
    }
    if added > 0 {
        eprintln!(
            "added {added} random vectors to the {n}-message journal in {:.0?}",
            started.elapsed()
        );
    }
}

/// Embedding one message with the real model, as each turn does before recall.
fn measure_query_embedding() {
    let dir = std::env::var_os("HEARTH_MODELS_DIR")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.tools/models")
        })
        .join(DEFAULT_EMBEDDING_MODEL);
    let Ok(embedder) = Embedder::load(&dir) else {
        println!("query embedding: no model in {}", dir.display());
        return;
    };
    let mut rng = Rng(42);
    let vocab = Vocabulary::new(20_000, &mut Rng(0x9E37_79B9_7F4A_7C15));
    let questions: Vec<String> = (0..100).map(|_| question(&mut rng, &vocab)).collect();
    embedder.embed(&[questions[0].as_str()]).unwrap();
    time_each(
        &format!(
            "query embedding (MiniLM, {} threads)",
            hearth_core::local::model_threads()
        ),
        &questions,
        |q| embedder.embed(&[q.as_str()]).unwrap(),
    );
}

/// Times `run` on each of `items` (making or dropping an item is not timed)
/// and reports the times as `what`.
fn time_each<T, R>(what: &str, items: impl IntoIterator<Item = T>, mut run: impl FnMut(&T) -> R) {
    let times: Vec<Duration> = items
        .into_iter()
        .map(|item| {
            let started = Instant::now();
            std::hint::black_box(run(&item));
            started.elapsed()
        })
        .collect();
    report(what, times);
}

fn report(what: &str, mut times: Vec<Duration>) {
    times.sort();
    let at = |p: f64| times[((times.len() as f64 * p) as usize).min(times.len() - 1)];
    println!(
        "{what}: p50 {:.2} ms, p95 {:.2} ms, max {:.2} ms ({} questions)",
        at(0.50).as_secs_f64() * 1e3,
        at(0.95).as_secs_f64() * 1e3,
        times.last().unwrap().as_secs_f64() * 1e3,
        times.len()
    );
}

fn main() {
    // `cargo test --benches` passes --test-ish flags; only run under `cargo bench`.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    measure_query_embedding();
    measure(100_000);
    if std::env::var_os("RECALL_BENCH_QUICK").is_none() {
        measure(1_000_000);
    }
}
