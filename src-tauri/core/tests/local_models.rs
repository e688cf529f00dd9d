//! The local models, run for real: SmolLM2-135M-Instruct (GGUF) for chat and
//! all-MiniLM-L6-v2 for embeddings. The files are not in git; these tests
//! fail (not skip) when they are missing:
//!
//!     scripts/models.sh .tools/models
//!
//! `HEARTH_MODELS_DIR` points elsewhere if they live elsewhere.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use hearth_core::generation::Model;
use hearth_core::local::LocalModels;
use hearth_core::local::{
    self, ChatModel, DEFAULT_CHAT_MODEL, DEFAULT_EMBEDDING_MODEL, GenerateOptions, LocalError,
    ModelKind, embed::cosine, models,
};
use hearth_core::providers::{
    ChatMessage, ChatRequest, ChatRole, Limits, ProviderConfig, ProviderErrorKind, ProviderKind,
};
use tokio_util::sync::CancellationToken;

fn models_dir() -> PathBuf {
    std::env::var_os("HEARTH_MODELS_DIR")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.tools/models"))
}

/// The path of a model file, or a failure that says how to fetch it.
fn require(name: &str) -> PathBuf {
    let dir = models_dir();
    let path = dir.join(name);
    assert!(
        path.exists(),
        "the model {} is missing: run `scripts/models.sh .tools/models` from the workspace \
         (or set HEARTH_MODELS_DIR to a folder that holds it)",
        path.display()
    );
    path
}

fn chat_path() -> PathBuf {
    require(DEFAULT_CHAT_MODEL)
}

fn ask(text: &str, max_tokens: u32) -> ChatRequest {
    ChatRequest {
        system: Some("You are a kind, brief assistant.".into()),
        messages: vec![ChatMessage {
            role: ChatRole::User,
            content: text.into(),
        }],
        max_tokens,
        temperature: Some(0.0),
        schema: None,
    }
}

fn local_provider() -> Model {
    chat_path();
    Model::new(
        ProviderConfig {
            kind: ProviderKind::Local,
            base_url: models_dir().to_string_lossy().into_owned(),
            model: DEFAULT_CHAT_MODEL.into(),
            context_length: None,
        },
        None,
        Limits::default(),
        &LocalModels::new(),
    )
    .expect("a local provider needs no key and no URL")
}

#[tokio::test]
async fn the_local_provider_streams_a_reply_in_several_pieces() {
    let provider = local_provider();
    let listed = provider.list_models().await.unwrap();
    assert!(
        listed.iter().any(|m| m.id == DEFAULT_CHAT_MODEL),
        "the models folder lists the GGUF file: {listed:?}"
    );
    let deltas = Arc::new(Mutex::new(Vec::<String>::new()));
    let seen = deltas.clone();
    let done = provider
        .stream_chat(
            &ask("What is the capital of France?", 24),
            &CancellationToken::new(),
            &mut move |d| seen.lock().unwrap().push(d.to_owned()),
        )
        .await
        .expect("the local model answers");
    let deltas = deltas.lock().unwrap();
    eprintln!("reply: {:?}", done.text);
    assert!(deltas.len() >= 2, "the reply streams in pieces: {deltas:?}");
    assert_eq!(deltas.concat(), done.text, "the pieces make the reply");
    assert!(!done.text.trim().is_empty());
    assert!(
        !done.text.contains("<|im_"),
        "special tokens are not shown: {:?}",
        done.text
    );
    let (input, output) = (
        done.usage.input_tokens.unwrap(),
        done.usage.output_tokens.unwrap(),
    );
    assert!(input > 10 && (2..=24).contains(&output), "{:?}", done.usage);
    assert!(
        matches!(done.stop_reason.as_deref(), Some("stop" | "length")),
        "{:?}",
        done.stop_reason
    );
}

#[tokio::test]
async fn cancelling_stops_the_provider_at_once_and_keeps_what_arrived() {
    let provider = local_provider();
    let cancel = CancellationToken::new();
    let deltas = Arc::new(Mutex::new(Vec::<String>::new()));
    let (seen, stop) = (deltas.clone(), cancel.clone());
    let failure = provider
        .stream_chat(
            &ask("Tell me a long story about a lighthouse keeper.", 200),
            &cancel,
            &mut move |d| {
                seen.lock().unwrap().push(d.to_owned());
                stop.cancel();
            },
        )
        .await
        .expect_err("a cancelled reply is not a completion");
    assert_eq!(failure.error.kind, ProviderErrorKind::Cancelled);
    let deltas = deltas.lock().unwrap();
    assert!(
        (1..=2).contains(&deltas.len()),
        "at most one more piece after the cancel: {deltas:?}"
    );
    assert_eq!(failure.partial, deltas.concat(), "what arrived is kept");
}

#[tokio::test]
async fn the_model_itself_stops_within_one_token_of_a_cancel() {
    let model = LocalModels::new().chat(&chat_path(), |_| {}).await.unwrap();
    let generation = tokio::task::spawn_blocking(move || {
        let cancel = CancellationToken::new();
        let mut deltas = Vec::new();
        let options = GenerateOptions {
            temperature: 0.0,
            ..GenerateOptions::for_request(&ask("", 200))
        };
        let generation = model
            .generate(
                &ask("Tell me a long story about a lighthouse keeper.", 200),
                &options,
                &cancel,
                &mut |d| {
                    deltas.push(d.to_owned());
                    cancel.cancel();
                },
            )
            .unwrap();
        (generation, deltas)
    })
    .await
    .unwrap();
    let (generation, deltas) = generation;
    assert_eq!(generation.stop, local::chat::StopReason::Cancelled);
    assert_eq!(deltas.len(), 1, "nothing after the cancel: {deltas:?}");
    assert!(
        generation.generated_tokens <= 2,
        "at most one token after the one that was cancelled on: {}",
        generation.generated_tokens
    );
}

#[tokio::test]
async fn loading_reports_progress_and_reads_the_files_own_tokenizer_and_template() {
    let path = chat_path();
    let (model, reports) = tokio::task::spawn_blocking(move || {
        let mut reports = Vec::new();
        let model = ChatModel::load(&path, &mut |p| reports.push(p)).unwrap();
        (model, reports)
    })
    .await
    .unwrap();
    assert!(
        reports.len() >= 10,
        "progress is reported as it loads: {}",
        reports.len()
    );
    let last = reports.last().unwrap();
    assert_eq!(last.loaded_bytes, last.total_bytes);
    assert!(
        reports
            .windows(2)
            .all(|w| w[0].loaded_bytes <= w[1].loaded_bytes)
    );
    assert!(model.context_length() >= 2048, "{}", model.context_length());
    // ChatML through the file's own template, specials as single tokens.
    let prompt = model.prompt_tokens(&ask("Hi", 8), 8).unwrap();
    let im_start = model.count_tokens("<|im_start|>").unwrap();
    assert_eq!(im_start, 1, "<|im_start|> is one special token");
    assert!(prompt.len() > 5 && prompt.len() < 40, "{}", prompt.len());
    // "Hello" without the space plain GPT-2 byte-level would add before it.
    assert_eq!(model.count_tokens("Hello").unwrap(), 1);
    assert_eq!(
        model.count_tokens("2024").unwrap(),
        4,
        "digits one by one, as SmolLM was trained"
    );
}

#[tokio::test]
async fn a_missing_local_model_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let provider = Model::new(
        ProviderConfig {
            kind: ProviderKind::Local,
            base_url: dir.path().to_string_lossy().into_owned(),
            model: "absent.gguf".into(),
            context_length: None,
        },
        None,
        Limits::default(),
        &LocalModels::new(),
    )
    .unwrap();
    let failure = provider
        .stream_chat(&ask("Hi", 4), &CancellationToken::new(), &mut |_| {})
        .await
        .unwrap_err();
    assert_eq!(
        failure.error.kind,
        ProviderErrorKind::ModelNotFound,
        "{failure:?}"
    );
    assert!(
        failure.error.message.contains("absent.gguf"),
        "{}",
        failure.error.message
    );
    assert_eq!(provider.list_models().await.unwrap(), vec![]);
}

#[tokio::test]
async fn related_sentences_are_closer_than_unrelated_ones() {
    let embedder = LocalModels::new()
        .embedder(&require(DEFAULT_EMBEDDING_MODEL))
        .await
        .unwrap();
    assert_eq!(embedder.dim(), local::EMBEDDING_DIM);
    let texts = [
        "My sister Anna is getting married in June.",
        "Anna's wedding is planned for early summer.",
        "The stock market fell sharply on Tuesday.",
    ];
    let v = local::embed::embed_blocking(embedder.clone(), texts.map(String::from).to_vec())
        .await
        .unwrap();
    assert_eq!(v.len(), 3);
    for x in &v {
        assert_eq!(x.len(), 384);
        let norm: f32 = x.iter().map(|a| a * a).sum::<f32>().sqrt();
        assert!((norm - 1.0).abs() < 1e-4, "unit length: {norm}");
    }
    let related = cosine(&v[0], &v[1]);
    let unrelated = cosine(&v[0], &v[2]);
    assert!(
        related > unrelated + 0.2,
        "related {related} should be well above unrelated {unrelated}"
    );
    // Batching and order don't change a vector.
    let alone = embedder.embed(&[texts[2]]).unwrap();
    assert!(cosine(&alone[0], &v[2]) > 0.9999);
    // Long texts are cut, not refused.
    let long = "word ".repeat(2000);
    assert_eq!(embedder.embed(&[long.as_str()]).unwrap()[0].len(), 384);
}

#[test]
fn the_models_folder_lists_imports_and_removes() {
    let chat = chat_path();
    require(DEFAULT_EMBEDDING_MODEL);
    let listed = models::list(&models_dir()).unwrap();
    let smol = listed
        .iter()
        .find(|m| m.file == DEFAULT_CHAT_MODEL)
        .expect("the chat model is listed");
    assert_eq!(smol.kind, ModelKind::Chat);
    assert_eq!(smol.licence, "Apache-2.0");
    assert!(smol.size_bytes > 90_000_000, "{}", smol.size_bytes);
    let mini = listed
        .iter()
        .find(|m| m.file == DEFAULT_EMBEDDING_MODEL)
        .expect("the embedding model is listed");
    assert_eq!(mini.kind, ModelKind::Embedding);
    assert_eq!(mini.licence, "Apache-2.0");

    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("models");
    let source = dir.path().join("my-model.gguf");
    std::fs::copy(&chat, &source).unwrap();
    let imported = models::import(&folder, &source).unwrap();
    assert_eq!(imported.file, "my-model.gguf");
    assert_eq!(imported.kind, ModelKind::Chat);
    assert_eq!(imported.size_bytes, std::fs::metadata(&chat).unwrap().len());
    assert_eq!(models::list(&folder).unwrap(), vec![imported.clone()]);
    let again = models::import(&folder, &source).unwrap_err();
    assert!(
        matches!(&again, LocalError::Invalid(m) if m.contains("already")),
        "{again:?}"
    );

    let text = dir.path().join("readme.gguf");
    std::fs::write(&text, "# not a model\n").unwrap();
    let refused = models::import(&folder, &text).unwrap_err();
    assert!(
        matches!(&refused, LocalError::Invalid(m) if m.contains("not a GGUF")),
        "{refused:?}"
    );
    let missing = models::import(&folder, &dir.path().join("nowhere.gguf")).unwrap_err();
    assert!(matches!(missing, LocalError::Missing(_)), "{missing:?}");

    models::remove(&folder, "my-model.gguf").unwrap();
    assert_eq!(models::list(&folder).unwrap(), vec![]);
    assert!(matches!(
        models::remove(&folder, "my-model.gguf"),
        Err(LocalError::Missing(_))
    ));
    assert!(models::remove(&folder, "../models").is_err());
}

/// Earlier versions kept SmolLM2's weights converted for candle in
/// `.converted/` (larger than the model itself); llama.cpp reads the file as
/// it is, so loading a model clears them away. A model loaded again answers
/// the same with the same seed.
#[test]
fn a_model_loads_from_its_own_file_and_old_conversions_are_cleared_away() {
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("models");
    let old = folder.join(".converted");
    std::fs::create_dir_all(&old).unwrap();
    std::fs::write(old.join("mine.gguf.123-456.q8_0.gguf"), b"GGUF old").unwrap();
    let model = folder.join("mine.gguf");
    std::fs::copy(chat_path(), &model).unwrap();
    let request = ask("Say hello.", 4);
    let options = GenerateOptions {
        seed: 7,
        ..GenerateOptions::for_request(&request)
    };
    let reply = |m: &ChatModel| {
        m.generate(&request, &options, &CancellationToken::new(), &mut |_| {})
            .unwrap()
            .text
    };

    let first = ChatModel::load(&model, &mut |_| {}).unwrap();
    assert!(!old.exists(), "the old conversions are removed");
    let said = reply(&first);
    assert!(!said.trim().is_empty());
    drop(first);

    let second = ChatModel::load(&model, &mut |_| {}).unwrap();
    assert_eq!(reply(&second), said);
    let listed: Vec<String> = models::list(&folder)
        .unwrap()
        .into_iter()
        .map(|m| m.file)
        .collect();
    assert_eq!(listed, ["mine.gguf"]);
}

/// The settings the app stores for the built-in model (no address, just the
/// file) run the file of the models folder the shell gives.
#[tokio::test]
async fn stored_local_settings_run_the_file_of_the_models_folder() {
    use hearth_core::connection;
    use hearth_core::secrets::Secrets;

    chat_path();
    let dir = models_dir();
    let stored = connection::normalise(connection::local_config(DEFAULT_CHAT_MODEL)).unwrap();
    assert_eq!(stored.base_url, "", "the folder is the shell's, not stored");
    assert_eq!(
        connection::default_local_model(&dir).map(|m| m.file),
        Some(DEFAULT_CHAT_MODEL.to_owned())
    );
    let provider = connection::model(
        &stored,
        &Secrets::session_only(None),
        Limits::default(),
        &dir,
        &LocalModels::new(),
    )
    .unwrap();
    let mut request = connection::hello_request(Some("Sam"));
    request.max_tokens = 12;
    let mut pieces = 0;
    let done = provider
        .stream_chat(&request, &CancellationToken::new(), &mut |_| pieces += 1)
        .await
        .unwrap();
    assert!(pieces > 0 && !done.text.trim().is_empty(), "{done:?}");
}

/// Models are released after their keep-alive time unused (their memory is
/// given back), not while a reply holds them, and loaded again when next
/// needed. The clock is moved by hand: no waiting.
#[tokio::test]
async fn models_left_unused_are_released_and_loaded_again_when_needed() {
    use std::time::{Duration, Instant};
    let models = LocalModels::with_keep_alive(Duration::from_secs(60));
    let (chat, embed_dir) = (chat_path(), require(DEFAULT_EMBEDDING_MODEL));
    let model = models.chat(&chat, |_| {}).await.unwrap();
    let embedder = models.embedder(&embed_dir).await.unwrap();
    let (weights, vectors) = (Arc::downgrade(&model), Arc::downgrade(&embedder));
    let t = Instant::now();

    // In use by a reply: kept however long it takes.
    models.release_idle_at(t + Duration::from_secs(600));
    assert!(models.loaded_chat(&chat).is_some());
    assert!(models.loaded_embedder().is_some());
    drop((model, embedder));

    // Unused, but not for long enough: kept.
    models.release_idle_at(t + Duration::from_secs(630));
    assert!(models.loaded_chat(&chat).is_some());
    assert!(models.loaded_embedder().is_some());

    // Unused for the keep-alive time: released.
    models.release_idle_at(t + Duration::from_secs(661));
    assert!(models.loaded_chat(&chat).is_none());
    assert!(models.loaded_embedder().is_none());
    assert!(
        weights.upgrade().is_none() && vectors.upgrade().is_none(),
        "their memory is freed"
    );

    // Needed again: loaded again, and it answers.
    let model = models.chat(&chat, |_| {}).await.unwrap();
    let request = ask("Say hello.", 4);
    let reply = model
        .generate(
            &request,
            &GenerateOptions::for_request(&request),
            &CancellationToken::new(),
            &mut |_| {},
        )
        .unwrap();
    assert!(reply.generated_tokens > 0);
    assert!(models.embedder(&embed_dir).await.is_ok());
}
