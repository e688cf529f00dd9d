//! The model families the in-process runtime runs, on real files, and the
//! files it refuses. Gemma 3 270M (GGUF Q4_K_M) is the second family besides
//! SmolLM2 (llama); both come from `scripts/models.sh .tools/models`, and these
//! tests fail (not skip) when they are missing. `HEARTH_MODELS_DIR` points
//! elsewhere if they live elsewhere.

use std::io::Write;
use std::path::{Path, PathBuf};

use hearth_core::local::{
    ChatModel, DEFAULT_CHAT_MODEL, GenerateOptions, LocalError, LocalModels, models,
};
use hearth_core::providers::{ChatMessage, ChatRequest, ChatRole};
use tokio_util::sync::CancellationToken;

const GEMMA: &str = "gemma-3-270m-q4_k_m.gguf";

fn require(name: &str) -> PathBuf {
    let dir = std::env::var_os("HEARTH_MODELS_DIR")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.tools/models"));
    let path = dir.join(name);
    assert!(
        path.exists(),
        "the model {} is missing: run `scripts/models.sh .tools/models` from the workspace",
        path.display()
    );
    path
}

/// Whether `text` reads as sentences: several words, nearly all of them made
/// of letters, no special tokens, no word said over and over.
fn reads_as_sentences(text: &str) -> Result<(), String> {
    let words: Vec<&str> = text.split_whitespace().collect();
    if words.len() < 5 {
        return Err(format!("only {} words", words.len()));
    }
    if text.contains("<start_of_turn>") || text.contains("<end_of_turn>") || text.contains("<|im_")
    {
        return Err("special tokens are shown".into());
    }
    let wordlike = words
        .iter()
        .filter(|w| {
            let letters = w.chars().filter(|c| c.is_alphabetic()).count();
            letters > 0 && letters * 2 >= w.chars().count()
        })
        .count();
    if wordlike * 10 < words.len() * 8 {
        return Err(format!("{wordlike} of {} words are words", words.len()));
    }
    let mut run = 1;
    for pair in words.windows(2) {
        run = if pair[0].eq_ignore_ascii_case(pair[1]) {
            run + 1
        } else {
            1
        };
        if run >= 4 {
            return Err(format!("“{}” is said {run} times running", pair[0]));
        }
    }
    Ok(())
}

fn first_message(text: &str, max_tokens: u32) -> ChatRequest {
    ChatRequest {
        system: Some("You are Hearth, a warm companion. Answer in two or three sentences.".into()),
        messages: vec![ChatMessage {
            role: ChatRole::User,
            content: text.into(),
        }],
        max_tokens,
        temperature: Some(0.0),
        schema: None,
    }
}

#[test]
fn gemma_3_reads_its_own_tokenizer_and_turn_format() {
    let model = ChatModel::load(&require(GEMMA), &mut |_| {}).unwrap();
    assert_eq!(model.name(), "Gemma 3 270m");
    assert_eq!(
        model.context_length(),
        4096,
        "the window used, not the file's 32,768"
    );
    assert_eq!(model.count_tokens("<start_of_turn>").unwrap(), 1);
    assert_eq!(model.count_tokens("Hello").unwrap(), 1);
    assert_eq!(
        model.count_tokens(" Hello").unwrap(),
        1,
        "a space joins the word after it"
    );
    let prompt = model.prompt_tokens(&first_message("Hi", 8), 8).unwrap();
    assert_eq!(prompt[0], 2, "the prompt opens with <bos>");
    assert!(prompt.len() > 10 && prompt.len() < 40, "{}", prompt.len());
}

#[tokio::test]
async fn both_families_answer_a_first_message_in_sentences() {
    let models = LocalModels::new();
    for file in [DEFAULT_CHAT_MODEL, GEMMA] {
        let model = models.chat(&require(file), |_| {}).await.unwrap();
        let request = first_message(
            "My sister Amy is getting married in Lisbon in June and I have to write a toast. I'm nervous.",
            60,
        );
        let options = GenerateOptions {
            seed: 7,
            ..GenerateOptions::for_request(&request)
        };
        let mut streamed = String::new();
        let reply = model
            .generate(&request, &options, &CancellationToken::new(), &mut |d| {
                streamed.push_str(d)
            })
            .unwrap();
        eprintln!("{file}: {:?}", reply.text);
        assert_eq!(streamed, reply.text);
        reads_as_sentences(&reply.text).unwrap_or_else(|e| panic!("{file}: {e}: {:?}", reply.text));
    }
}

#[test]
fn a_prompt_read_in_blocks_gives_the_same_reply_as_one_read_whole() {
    // Gemma's sliding-window layers see the prompt block by block.
    let model = ChatModel::load(&require(GEMMA), &mut |_| {}).unwrap();
    let long = format!(
        "{} What did I say the weather was like?",
        "The weather was calm and the evening light fell softly over the harbour. ".repeat(60)
    );
    let request = first_message(&long, 12);
    let reply = |block: usize| {
        let options = GenerateOptions {
            seed: 7,
            prompt_block: block,
            // Each read from the start: the cache of the one before would
            // hold the whole prompt.
            reuse_cache: false,
            ..GenerateOptions::for_request(&request)
        };
        model
            .generate(&request, &options, &CancellationToken::new(), &mut |_| {})
            .unwrap()
    };
    let whole = reply(4096);
    assert!(
        whole.prompt_tokens > 600,
        "longer than the 512-token window"
    );
    assert_eq!(reply(128).text, whole.text);
}

// Hostile files: each gets a sentence, at once, without reading more than
// its header.

enum Kv<'a> {
    U32(u32),
    Text(&'a str),
    Bytes(usize),
}

/// A GGUF (v3) header with `kvs` and no tensors.
fn gguf(kvs: &[(&str, Kv)]) -> Vec<u8> {
    let mut out = b"GGUF".to_vec();
    out.extend(3u32.to_le_bytes());
    out.extend(0u64.to_le_bytes());
    out.extend((kvs.len() as u64).to_le_bytes());
    let text = |out: &mut Vec<u8>, s: &str| {
        out.extend((s.len() as u64).to_le_bytes());
        out.extend(s.as_bytes());
    };
    for (key, value) in kvs {
        text(&mut out, key);
        match value {
            Kv::U32(v) => {
                out.extend(4u32.to_le_bytes());
                out.extend(v.to_le_bytes());
            }
            Kv::Text(s) => {
                out.extend(8u32.to_le_bytes());
                text(&mut out, s);
            }
            Kv::Bytes(n) => {
                out.extend(9u32.to_le_bytes());
                out.extend(0u32.to_le_bytes());
                out.extend((*n as u64).to_le_bytes());
                out.extend(std::iter::repeat_n(7u8, *n));
            }
        }
    }
    out
}

/// What loading, importing and (for a file that is not a readable GGUF
/// file) describing the file at `path` say.
fn refusals(path: &Path) -> Vec<String> {
    let folder = tempfile::tempdir().unwrap();
    let mut refused = vec![
        ChatModel::load(path, &mut |_| {}).unwrap_err(),
        models::import(folder.path(), path).unwrap_err(),
    ];
    if let Err(e) = models::read_summary(path) {
        refused.push(e);
    }
    for e in &refused {
        assert!(matches!(e, LocalError::Invalid(_)), "{e:?}");
    }
    assert_eq!(
        std::fs::read_dir(folder.path()).unwrap().count(),
        0,
        "a refused import leaves nothing"
    );
    refused.iter().map(|e| e.to_string()).collect()
}

#[test]
fn hostile_and_damaged_files_get_a_sentence() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, bytes: &[u8]| {
        let path = dir.path().join(name);
        std::fs::File::create(&path)
            .unwrap()
            .write_all(bytes)
            .unwrap();
        path
    };
    let arch = |a: &'static str| ("general.architecture", Kv::Text(a));

    // An architecture Hearth doesn't run.
    for said in refusals(&write("m.gguf", &gguf(&[arch("mamba")]))) {
        assert!(
            said.contains("“mamba” model, which Hearth can't run"),
            "{said}"
        );
        assert!(said.contains("Llama, Gemma 3"), "{said}");
    }

    // An alignment of 0 (candle would divide by it).
    let zero = gguf(&[arch("llama"), ("general.alignment", Kv::U32(0))]);
    let said = refusals(&write("zero.gguf", &zero));
    assert_eq!(said.len(), 3, "nothing reads it: {said:?}");
    for said in said {
        assert!(said.contains("alignment"), "{said}");
    }

    // A header list of five million entries, all present in the file.
    let huge = gguf(&[
        arch("llama"),
        ("tokenizer.ggml.token_type", Kv::Bytes(5_000_000)),
    ]);
    let said = refusals(&write("huge.gguf", &huge));
    assert_eq!(said.len(), 3, "nothing reads it: {said:?}");
    for said in said {
        assert!(said.contains("a list of 5000000 entries"), "{said}");
    }

    // A real model cut short, in its header and in its weights.
    let real = std::fs::read(require(GEMMA)).unwrap();
    for (name, len) in [("header.gguf", 1 << 20), ("weights.gguf", 32 << 20)] {
        for said in refusals(&write(name, &real[..len])) {
            assert!(said.contains(name), "{said}");
            assert!(
                said.contains("truncated") || said.contains("cut short"),
                "{said}"
            );
        }
    }

    // A name in any script is shown as it is, less what reorders text.
    let named = write("模型 نموذج\u{202e}.gguf", &gguf(&[arch("mamba")]));
    let said = models::import(dir.path().join("sub").as_path(), &named)
        .unwrap_err()
        .to_string();
    assert!(
        said.starts_with("“模型 نموذج.gguf” can't be imported."),
        "{said}"
    );

    // A pipe instead of a file: opening it would wait for a writer forever.
    let fifo = dir.path().join("pipe.gguf");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());
    for said in refusals(&fifo) {
        assert!(said.contains("is not a model file"), "{said}");
    }
}

/// A conversation of alternating messages, user first.
fn conversation(system: &str, said: &[&str], max_tokens: u32) -> ChatRequest {
    ChatRequest {
        system: Some(system.into()),
        messages: said
            .iter()
            .enumerate()
            .map(|(i, text)| ChatMessage {
                role: if i % 2 == 0 {
                    ChatRole::User
                } else {
                    ChatRole::Assistant
                },
                content: (*text).into(),
            })
            .collect(),
        max_tokens,
        temperature: Some(0.0),
        schema: None,
    }
}

#[test]
fn a_second_turn_reads_only_what_is_new_and_writes_what_it_would_have_written_anyway() {
    let system = "You are Ember, a warm companion who remembers the user's life. \
                  Answer in two or three sentences, plainly.";
    let history = [
        "My sister Amy is getting married in Lisbon in June.",
        "How lovely! Are you going to the wedding?",
        "Yes, and I have to give a toast. I'm nervous about it.",
        "That's natural. A toast can be short: a memory of Amy and a wish for them both.",
        "We used to sail on the lake every summer when we were kids.",
    ];
    for file in [DEFAULT_CHAT_MODEL, GEMMA] {
        let model = ChatModel::load(&require(file), &mut |_| {}).unwrap();
        let options = |request: &ChatRequest, reuse_cache| GenerateOptions {
            seed: 7,
            reuse_cache,
            ..GenerateOptions::for_request(request)
        };
        let first = conversation(system, &history, 40);
        let turn1 = model
            .generate(
                &first,
                &options(&first, true),
                &CancellationToken::new(),
                &mut |_| {},
            )
            .unwrap();
        assert_eq!(turn1.reused_tokens, 0, "{file}: nothing to reuse yet");
        // Other work on the model between two turns (as learning from the
        // exchange does) keeps a cache of its own.
        let aside = first_message("List the people named in: Amy is marrying Jo.", 8);
        model
            .generate(
                &aside,
                &options(&aside, true),
                &CancellationToken::new(),
                &mut |_| {},
            )
            .unwrap();

        let mut said = history.to_vec();
        said.push(&turn1.text);
        said.push("Could the toast start with the lake?");
        let second = conversation(system, &said, 40);
        let reused = model
            .generate(
                &second,
                &options(&second, true),
                &CancellationToken::new(),
                &mut |_| {},
            )
            .unwrap();
        let fresh = model
            .generate(
                &second,
                &options(&second, false),
                &CancellationToken::new(),
                &mut |_| {},
            )
            .unwrap();
        eprintln!(
            "{file}: turn 2 reused {} of {} prompt tokens; read in {:?} against {:?}",
            reused.reused_tokens, reused.prompt_tokens, reused.prompt_time, fresh.prompt_time
        );
        assert_eq!(fresh.reused_tokens, 0);
        assert_eq!(reused.prompt_tokens, fresh.prompt_tokens);
        // Everything up to the first turn's reply at least came from the cache.
        assert!(
            reused.reused_tokens >= turn1.prompt_tokens - 5
                && reused.reused_tokens * 10 >= reused.prompt_tokens * 7,
            "{file}: {} of {} reused",
            reused.reused_tokens,
            reused.prompt_tokens
        );
        assert!(reused.generated_tokens > 5, "{file}: {:?}", reused.text);
        // Greedy, the same reply with and without the cache. On Gemma the
        // two can part after a few dozen tokens at a near tie: the first
        // turn's written tokens were computed one at a time, which the
        // kernels round slightly differently from a block of the prompt (the
        // cache itself is exact: the test above).
        if file == DEFAULT_CHAT_MODEL {
            assert_eq!(
                (reused.generated_tokens, &reused.text),
                (fresh.generated_tokens, &fresh.text),
                "{file}: the same reply with and without the cache"
            );
        }
    }
}

#[test]
fn a_cache_cut_back_and_read_on_holds_exactly_what_it_would_have_held_without_the_detour() {
    use hearth_core::local::engine::{Engine, EngineOptions};
    for file in [DEFAULT_CHAT_MODEL, GEMMA] {
        let options = EngineOptions {
            context: 1024,
            threads: 1,
        };
        let engine = Engine::load(&require(file), options, &mut |_| {}).unwrap();
        let tokens: Vec<u32> = (0..151u32).map(|i| 2 + (i * 7919) % 20_000).collect();
        let read = |slot: usize, from: usize, to: usize| {
            let logits = engine.read(slot, &tokens[from..to], from).unwrap();
            assert_eq!(logits.len(), engine.vocabulary());
            logits
        };
        // A turn on the first cache: 100 prompt tokens read, 10 written one
        // by one; the next turn reads on from there.
        read(0, 0, 100);
        for pos in 100..110 {
            read(0, pos, pos + 1);
        }
        let expected = read(0, 110, 150);
        // The same on the second cache, but the first turn wrote 20 more
        // tokens the next turn's prompt does not repeat: cut back to 110 and
        // read on.
        read(1, 0, 100);
        for pos in 100..130 {
            read(1, pos, pos + 1);
        }
        assert_eq!(engine.cut(1, 110), 110, "{file}");
        let got = read(1, 110, 150);
        let differ = |a: &[f32], b: &[f32]| {
            a.iter()
                .zip(b)
                .map(|(x, y)| (x - y).abs())
                .fold(0.0f32, f32::max)
        };
        assert!(
            expected == got,
            "{file}: the logits differ by up to {}",
            differ(&expected, &got)
        );
        // Each cache is its own: the second one's detour left the first as
        // it was, so both read the next token alike.
        let (first, second) = (read(0, 150, 151), read(1, 150, 151));
        assert!(
            first == second,
            "{file}: the caches part by up to {}",
            differ(&first, &second)
        );
        // A cache cut back to nothing starts over.
        assert_eq!(engine.cut(0, 0), 0);
        assert_eq!(read(0, 0, 100).len(), engine.vocabulary());
    }
}

/// A cache is made small and grows with the conversation (reading again what
/// it held): two caches that grew at different points, from blocks of
/// different sizes, give the same logits, and a conversation longer than
/// the window gets a sentence.
#[test]
fn a_cache_grows_with_the_conversation_up_to_the_window() {
    use hearth_core::local::engine::{Engine, EngineOptions};
    let options = EngineOptions {
        context: 2048,
        threads: 1,
    };
    let engine = Engine::load(&require(DEFAULT_CHAT_MODEL), options, &mut |_| {}).unwrap();
    let tokens: Vec<u32> = (0..1100u32).map(|i| 2 + (i * 7919) % 20_000).collect();
    // The first cache reads it in steps of 100: made for 1,024 tokens, it
    // grows past them.
    let mut stepped = Vec::new();
    for from in (0..1100).step_by(100) {
        stepped = engine.read(0, &tokens[from..from + 100], from).unwrap();
    }
    // The second reads in the largest blocks, filling its first size
    // whole, and grows only for its last 76 tokens.
    engine.read(1, &tokens[..512], 0).unwrap();
    engine.read(1, &tokens[512..1024], 512).unwrap();
    let whole = engine.read(1, &tokens[1024..1100], 1024).unwrap();
    let top = |l: &[f32]| {
        l.iter()
            .enumerate()
            .max_by(|a, b| a.1.total_cmp(b.1))
            .map(|(i, _)| i)
    };
    let differ = stepped
        .iter()
        .zip(&whole)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0f32, f32::max);
    assert_eq!(top(&stepped), top(&whole));
    assert!(stepped == whole, "the logits differ by up to {differ}");
    // Past the window: a sentence, and the cache keeps what it held.
    let past = engine.read(0, &tokens[..100], 2000).unwrap_err();
    assert!(matches!(past, LocalError::TooLong(_)), "{past:?}");
    assert_eq!(engine.cut(0, 1100), 1100);
}
