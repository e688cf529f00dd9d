//! The second turn of a conversation on each in-process model family: time
//! to its first word with the first turn's cache reused and without, and the
//! model's speed reading a prompt and writing, on one thread by default.
//!
//!     RAYON_NUM_THREADS=1 CANDLE_NUM_THREADS=1 \
//!         cargo run --release -p hearth-core --example turn_reuse [RUNS] [--dump DIR]
//!
//! The prompts are laid out as Hearth lays them out (persona, conversation,
//! then a note of the turn's context heading the new message). `--dump DIR`
//! writes each family's rendered prompts (`FILE.short.txt`, `FILE.long.txt`)
//! for `bench/llama-compare`, which times llama.cpp on the same text.
//! Needs the models (`scripts/models.sh .tools/models`, or `HEARTH_MODELS_DIR`).

use std::path::PathBuf;
use std::time::{Duration, Instant};

use hearth_core::local::{ChatModel, DEFAULT_CHAT_MODEL, GenerateOptions};
use hearth_core::providers::{ChatMessage, ChatRequest, ChatRole};
use tokio_util::sync::CancellationToken;

const FILES: &[&str] = &[DEFAULT_CHAT_MODEL, "gemma-3-270m-q4_k_m.gguf"];

const PERSONA: &str = "You are Ember, Theodore's companion: warm, curious, attentive and honest. \
You talk with Theodore in one long, continuing conversation and you remember their life. \
You are an AI and never pretend otherwise, but you have a personality of your own. \
Answer as yourself, in plain conversational language; short unless more is asked for.\n\n\
Your voice, in your own words: gentle and a little wry.\n\n\
How Theodore likes to be spoken to: plainly, no fuss.";

const EXCHANGES: &[(&str, &str)] = &[
    (
        "My sister Amy is getting married in Lisbon in June.",
        "How lovely! Are you going?",
    ),
    (
        "Yes, and I have to give a toast. I'm nervous.",
        "That's natural. Keep it short: a memory of Amy and a wish for them both.",
    ),
    (
        "We used to sail on the lake every summer as kids.",
        "That sounds like a good place to start. What do you remember best?",
    ),
    (
        "The time the boat tipped over and she laughed the whole way to shore.",
        "That says a lot about her. It could open the toast.",
    ),
    (
        "I also need to book the flights this week.",
        "Would it help to pick a day for it, so it doesn't hang over you?",
    ),
    (
        "Thursday, after work. Work has been long lately.",
        "Long how? More hours, or heavier?",
    ),
    (
        "Both. A project at the office is late and everyone is tired.",
        "That's a lot to carry alongside the wedding. Be kind to yourself this week.",
    ),
    (
        "I will try. I went for a swim in the lake this morning, it was freezing.",
        "Brave! Cold water does clear the head.",
    ),
];

fn note(time: &str, remember: &str) -> String {
    format!(
        "[Hearth's note for this reply; not written by the user]\nIt is now {time} (the user's local time).\n\n\
         What you remember about Theodore (let it inform you; do not recite it):\n{remember}\n\
         [End of note. Their message:]\n\n"
    )
}

fn request(messages: Vec<(ChatRole, String)>) -> ChatRequest {
    ChatRequest {
        system: Some(PERSONA.into()),
        messages: messages
            .into_iter()
            .map(|(role, content)| ChatMessage { role, content })
            .collect(),
        max_tokens: 64,
        temperature: Some(0.0),
        schema: None,
    }
}

struct Timed {
    first_word: Duration,
    prompt_tokens: usize,
    reused: usize,
    prompt_time: Duration,
    generated: usize,
    generate_time: Duration,
    text: String,
}

fn run(model: &ChatModel, request: &ChatRequest, reuse_cache: bool) -> Timed {
    let options = GenerateOptions {
        seed: 7,
        reuse_cache,
        ..GenerateOptions::for_request(request)
    };
    let started = Instant::now();
    let mut first_word = None;
    let g = model
        .generate(request, &options, &CancellationToken::new(), &mut |_| {
            first_word.get_or_insert_with(|| started.elapsed());
        })
        .unwrap();
    Timed {
        first_word: first_word.unwrap_or_default(),
        prompt_tokens: g.prompt_tokens,
        reused: g.reused_tokens,
        prompt_time: g.prompt_time,
        generated: g.generated_tokens,
        generate_time: g.generate_time,
        text: g.text,
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let runs: usize = args.first().and_then(|a| a.parse().ok()).unwrap_or(3);
    let dump = args
        .iter()
        .position(|a| a == "--dump")
        .and_then(|i| args.get(i + 1))
        .map(PathBuf::from);
    let dir = std::env::var_os("HEARTH_MODELS_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../.tools/models"));
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    for file in FILES {
        let model = ChatModel::load(&dir.join(file), &mut |_| {}).unwrap();
        println!("== {file} (loaded in {:.0} ms)", ms(model.load_time()));
        let mut history = Vec::new();
        for (user, reply) in EXCHANGES {
            history.push((ChatRole::User, (*user).to_owned()));
            history.push((ChatRole::Assistant, (*reply).to_owned()));
        }
        let remember = "- Theodore's sister Amy is getting married in Lisbon in June.\n\
                        - Theodore swims in the lake.";
        for i in 0..runs {
            let mut first = history.clone();
            first.push((
                ChatRole::User,
                format!(
                    "{}Could the toast start with the lake?",
                    note("Monday 30 November 2026, 18:02", remember)
                ),
            ));
            let first = request(first);
            let turn1 = run(&model, &first, true);
            let mut second = history.clone();
            second.push((
                ChatRole::User,
                "Could the toast start with the lake?".into(),
            ));
            second.push((ChatRole::Assistant, turn1.text.clone()));
            second.push((
                ChatRole::User,
                format!(
                    "{}Thank you. And how do I end it?",
                    note("Monday 30 November 2026, 18:05", remember)
                ),
            ));
            let second = request(second);
            let with = run(&model, &second, true);
            let without = run(&model, &second, false);
            println!(
                "run {i}: turn 2 first word {:.0} ms with the cache ({} of {} prompt tokens reused), \
                 {:.0} ms without; same reply: {}",
                ms(with.first_word),
                with.reused,
                with.prompt_tokens,
                ms(without.first_word),
                with.text == without.text
            );
            if with.text != without.text {
                println!("  with the cache:    {:?}", with.text);
                println!("  without the cache: {:?}", without.text);
            }
            // A short first message on a fresh cache, and the long prompt
            // read whole: the model's own speeds.
            let short = request(vec![(
                ChatRole::User,
                "My sister Amy is getting married in Lisbon in June and I have to write a toast. I'm nervous."
                    .into(),
            )]);
            let short_run = run(&model, &short, false);
            for (label, t) in [("short", &short_run), ("long", &without)] {
                println!(
                    "  {label}: prompt {} tokens {:.1} tok/s; wrote {} tokens {:.1} tok/s",
                    t.prompt_tokens,
                    t.prompt_tokens as f64 / t.prompt_time.as_secs_f64(),
                    t.generated,
                    t.generated.saturating_sub(1) as f64 / t.generate_time.as_secs_f64(),
                );
            }
            if let (Some(dump), 0) = (&dump, i) {
                std::fs::create_dir_all(dump).unwrap();
                std::fs::write(dump.join(format!("{file}.short.txt")), model.render(&short))
                    .unwrap();
                std::fs::write(dump.join(format!("{file}.long.txt")), model.render(&second))
                    .unwrap();
            }
        }
    }
}
