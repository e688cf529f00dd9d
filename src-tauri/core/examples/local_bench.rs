//! Measures the local models on this machine:
//!
//!     scripts/models.sh .tools/models
//!     /usr/bin/time -v cargo run --release -p hearth-core --example local_bench [-- MODELS_DIR]
//!
//! Prints the chat model's load time, prompt and generation tokens per second,
//! embedding throughput, and brute-force vector search times at 10^4 and
//! 10^5 vectors. `CANDLE_NUM_THREADS`/`RAYON_NUM_THREADS` set the threads.

use std::path::PathBuf;
use std::time::Instant;

use hearth_core::local::{
    self, ChatModel, DEFAULT_CHAT_MODEL, DEFAULT_EMBEDDING_MODEL, Embedder, GenerateOptions,
};
use hearth_core::providers::{ChatMessage, ChatRequest, ChatRole};
use hearth_core::store::vectors::{self, OwnerKind};
use tokio_util::sync::CancellationToken;

fn main() {
    let dir = std::env::args()
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../.tools/models"));
    println!(
        "threads: {} (recommended cap {}), cores {}",
        local::model_threads(),
        local::recommended_threads(),
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );

    // Chat: load.
    let started = Instant::now();
    let mut reports = 0;
    let model = ChatModel::load(&dir.join(DEFAULT_CHAT_MODEL), &mut |_| reports += 1)
        .expect("run scripts/models.sh .tools/models first");
    println!(
        "chat load: {:.0} ms ({reports} progress reports), context {}",
        started.elapsed().as_secs_f64() * 1e3,
        model.context_length()
    );

    // Chat: a short and a long prompt, 128 tokens written (fixed seed).
    let short = "Write a long story about a lighthouse keeper and the sea.".to_owned();
    let long = format!(
        "{} Now write a long story about a lighthouse keeper and the sea.",
        "The weather was calm and the evening light fell softly over the harbour. ".repeat(30)
    );
    for (label, text) in [("short prompt", short), ("long prompt", long)] {
        let request = ChatRequest {
            system: Some("You are a warm storyteller.".into()),
            messages: vec![ChatMessage {
                role: ChatRole::User,
                content: text,
            }],
            max_tokens: 128,
            temperature: Some(0.7),
            schema: None,
        };
        for run in 0..2 {
            let options = GenerateOptions {
                seed: 7 + run,
                reuse_cache: false,
                ..GenerateOptions::for_request(&request)
            };
            let g = model
                .generate(&request, &options, &CancellationToken::new(), &mut |_| {})
                .unwrap();
            println!(
                "chat {label} run {run}: prompt {} tokens in {:.0} ms = {:.0} tok/s; \
                 generated {} tokens in {:.0} ms = {:.1} tok/s (stop {:?})",
                g.prompt_tokens,
                g.prompt_time.as_secs_f64() * 1e3,
                g.prompt_tokens as f64 / g.prompt_time.as_secs_f64(),
                g.generated_tokens,
                g.generate_time.as_secs_f64() * 1e3,
                // The first token comes with the prompt; the rest are timed here.
                g.generated_tokens.saturating_sub(1) as f64 / g.generate_time.as_secs_f64(),
                g.stop
            );
        }
    }
    // Reading a long prompt in smaller blocks: a cancel is noticed sooner
    // (between blocks), at some cost in speed.
    let request = ChatRequest {
        system: Some("You are a warm storyteller.".into()),
        messages: vec![ChatMessage {
            role: ChatRole::User,
            content: "The weather was calm and the evening light fell softly over the harbour. "
                .repeat(20),
        }],
        max_tokens: 1,
        temperature: Some(0.0),
        schema: None,
    };
    for block in [4, 8, 16, 32, 64, 128] {
        let options = GenerateOptions {
            prompt_block: block,
            reuse_cache: false,
            ..GenerateOptions::for_request(&request)
        };
        let g = model
            .generate(&request, &options, &CancellationToken::new(), &mut |_| {})
            .unwrap();
        let ms = g.prompt_time.as_secs_f64() * 1e3;
        println!(
            "prompt block {block:>3}: {} tokens in {ms:.0} ms = {:.0} tok/s; one block {:.0} ms",
            g.prompt_tokens,
            g.prompt_tokens as f64 / g.prompt_time.as_secs_f64(),
            ms * block as f64 / g.prompt_tokens as f64
        );
    }
    drop(model);

    // Embeddings.
    let started = Instant::now();
    let embedder = Embedder::load(&dir.join(DEFAULT_EMBEDDING_MODEL)).unwrap();
    println!(
        "embedding load: {:.0} ms",
        started.elapsed().as_secs_f64() * 1e3
    );
    let subjects = [
        "my sister",
        "the old dog",
        "our neighbour",
        "a friend from school",
    ];
    let verbs = [
        "talked about",
        "is worried about",
        "laughed at",
        "remembered",
    ];
    let objects = [
        "the wedding in June, which everyone has been planning for months",
        "the lake house",
        "a job interview on Tuesday morning at the hospital downtown",
        "the rain",
    ];
    let sentences: Vec<String> = (0..256)
        .map(|i| {
            format!(
                "Today {} {} {} ({i}).",
                subjects[i % 4],
                verbs[(i / 4) % 4],
                objects[(i / 16) % 4]
            )
        })
        .collect();
    let refs: Vec<&str> = sentences.iter().map(String::as_str).collect();
    embedder.embed(&refs[..8]).unwrap(); // warm up
    let started = Instant::now();
    let vectors_out = embedder.embed(&refs).unwrap();
    let secs = started.elapsed().as_secs_f64();
    println!(
        "embedding: {} sentences in {:.0} ms = {:.0} sentences/s",
        vectors_out.len(),
        secs * 1e3,
        vectors_out.len() as f64 / secs
    );
    let started = Instant::now();
    for s in &refs[..16] {
        embedder.embed(&[s]).unwrap();
    }
    println!(
        "embedding one at a time: {:.1} ms per sentence",
        started.elapsed().as_secs_f64() * 1e3 / 16.0
    );

    // Vector search, brute force in SQLite.
    let tmp = tempfile::tempdir().unwrap();
    let (store, _) = hearth_core::store::Store::open(tmp.path().join("hearth.db")).unwrap();
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed >> 40) as f32 / (1u64 << 24) as f32 - 0.5
    };
    let mut stored = 0i64;
    for target in [10_000i64, 100_000] {
        let batch: Vec<(i64, Vec<f32>)> = (stored..target)
            .map(|id| {
                let v: Vec<f32> = (0..local::EMBEDDING_DIM).map(|_| next()).collect();
                let n = v.iter().map(|x| x * x).sum::<f32>().sqrt();
                (id, v.into_iter().map(|x| x / n).collect())
            })
            .collect();
        let started = Instant::now();
        store
            .with(|c| vectors::save_many(c, OwnerKind::Message, "bench", &batch))
            .unwrap();
        let insert = started.elapsed();
        stored = target;
        let query = &vectors_out[0];
        store
            .with(|c| vectors::top_k(c, OwnerKind::Message, "bench", query, 10))
            .unwrap();
        let started = Instant::now();
        let runs = 5;
        for _ in 0..runs {
            store
                .with(|c| vectors::top_k(c, OwnerKind::Message, "bench", query, 10))
                .unwrap();
        }
        let bytes: i64 = store
            .with(|c| {
                c.query_row(
                    "SELECT page_count * page_size FROM pragma_page_count, pragma_page_size",
                    [],
                    |r| r.get(0),
                )
            })
            .unwrap();
        println!(
            "vectors: top-10 of {target} in {:.1} ms (inserting {} took {:.0} ms; journal {:.0} bytes per vector)",
            started.elapsed().as_secs_f64() * 1e3 / runs as f64,
            batch.len(),
            insert.as_secs_f64() * 1e3,
            bytes as f64 / target as f64
        );
    }
}
