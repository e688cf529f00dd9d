//! Compares in-process chat models on the same prompts: speed (prompt and
//! generation tokens per second) and the replies to ten scripted first
//! messages of a new user.
//!
//!     scripts/models.sh .tools/models
//!     RAYON_NUM_THREADS=1 CANDLE_NUM_THREADS=1 \
//!       cargo run --release -p hearth-core --example chat_compare -- \
//!       [--dump DIR] [MODELS_DIR [FILE...]]
//!
//! Files default to SmolLM2-135M-Instruct and Gemma 3 270M. `--dump DIR`
//! also writes each model's rendered speed prompts to `DIR/FILE.prompts`
//! (separated by a line `=====`), to measure another runtime on the same
//! text. Replies use a fixed seed and temperature 0.

use std::path::PathBuf;
use std::time::Instant;

use hearth_core::local::{self, ChatModel, DEFAULT_CHAT_MODEL, GenerateOptions};
use hearth_core::providers::{ChatMessage, ChatRequest, ChatRole};
use tokio_util::sync::CancellationToken;

const FIRST_MESSAGES: [&str; 10] = [
    "My sister Amy is getting married in Lisbon in June and I have to write a toast. I'm nervous.",
    "Hi! I just moved to a new city for work and I don't really know anyone yet.",
    "I've been learning to play the piano for three months. Today I finally played a whole song.",
    "My dog Biscuit is fourteen and the vet says he doesn't have long. I don't know how to feel.",
    "I start a new job as a nurse on Monday. Any advice for the first week?",
    "Can you help me plan a quiet weekend? I'm exhausted after a long month.",
    "I had an argument with my best friend Sam and we haven't spoken in a week.",
    "What should I cook tonight? I have eggs, spinach and some old bread.",
    "I'm trying to read more. I just finished a novel about a lighthouse keeper and loved it.",
    "Hello. I'm not sure what to say. My therapist suggested I try journaling with you.",
];

const SYSTEM: &str = "You are Ember, Sam's companion: warm, curious, attentive and honest. \
You talk with Sam in one long, continuing conversation and you remember their life. \
You are an AI and never pretend otherwise, but you have a personality of your own. \
Answer as yourself, in plain conversational language; short unless more is asked for.";

fn request(system: &str, text: String, max_tokens: u32, temperature: f32) -> ChatRequest {
    ChatRequest {
        system: Some(system.into()),
        messages: vec![ChatMessage {
            role: ChatRole::User,
            content: text,
        }],
        max_tokens,
        temperature: Some(temperature),
        schema: None,
    }
}

fn main() {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let dump = args.iter().position(|a| a == "--dump").map(|i| {
        args.remove(i);
        PathBuf::from(args.remove(i))
    });
    let dir = args
        .first()
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../.tools/models"));
    let files: Vec<String> = if args.len() > 1 {
        args[1..].to_vec()
    } else {
        vec![DEFAULT_CHAT_MODEL.into(), "gemma-3-270m-q4_k_m.gguf".into()]
    };
    println!("threads: {}", local::model_threads());
    let speed_prompts = [
        "Write a long story about a lighthouse keeper and the sea.".to_owned(),
        format!(
            "{} Now write a long story about a lighthouse keeper and the sea.",
            "The weather was calm and the evening light fell softly over the harbour. ".repeat(30)
        ),
    ];
    for file in &files {
        let started = Instant::now();
        let model = ChatModel::load(&dir.join(file), &mut |_| {}).expect("run scripts/models.sh");
        println!(
            "\n== {file}: load {:.0} ms",
            started.elapsed().as_secs_f64() * 1e3
        );
        let mut rendered = Vec::new();
        for (label, text) in ["short", "long"].iter().zip(&speed_prompts) {
            let r = request("You are a warm storyteller.", text.clone(), 128, 0.0);
            rendered.push(model.render(&r));
            let options = GenerateOptions {
                seed: 7,
                reuse_cache: false,
                ..GenerateOptions::for_request(&r)
            };
            let g = model
                .generate(&r, &options, &CancellationToken::new(), &mut |_| {})
                .unwrap();
            println!(
                "{label} prompt: {} tokens in {:.0} ms = {:.0} tok/s; generated {} in {:.0} ms = {:.1} tok/s ({:?})",
                g.prompt_tokens,
                g.prompt_time.as_secs_f64() * 1e3,
                g.prompt_tokens as f64 / g.prompt_time.as_secs_f64(),
                g.generated_tokens,
                g.generate_time.as_secs_f64() * 1e3,
                g.generated_tokens.saturating_sub(1) as f64 / g.generate_time.as_secs_f64(),
                g.stop
            );
        }
        if let Some(dump) = &dump {
            std::fs::create_dir_all(dump).unwrap();
            std::fs::write(
                dump.join(format!("{file}.prompts")),
                rendered.join("\n=====\n"),
            )
            .unwrap();
        }
        for (i, text) in FIRST_MESSAGES.iter().enumerate() {
            let r = request(SYSTEM, (*text).into(), 80, 0.0);
            let options = GenerateOptions {
                seed: 7,
                reuse_cache: false,
                ..GenerateOptions::for_request(&r)
            };
            let g = model
                .generate(&r, &options, &CancellationToken::new(), &mut |_| {})
                .unwrap();
            println!("[{i}] {text}\n  -> {:?}", g.text.trim());
        }
    }
}
