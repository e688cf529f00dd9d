//! A GGUF chat model run in-process on the CPU: llama.cpp's forward pass
//! ([`super::engine`]) under Hearth's own tokenizer, template and sampler.
//!
//! Everything the model needs comes from its file: the weights, the tokenizer
//! (`tokenizer.ggml.*`), the stop tokens and the chat template. Loading
//! takes up to a second or two: [`super::runtime::LocalModels`] loads it once
//! on a worker thread, reports progress, and keeps it for later replies.
//! [`stream_chat`] runs a reply on a worker thread and sends its text back to
//! the async caller piece by piece; cancelling stops it within one token.

use std::io::{BufReader, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant, SystemTime};

use candle_core::quantized::gguf_file;
use candle_core::quantized::tokenizer::TokenizerFromGguf;
use candle_core::{Device, Tensor};
use candle_transformers::generation::LogitsProcessor;
use serde::Serialize;
use tokenizers::Tokenizer;
use tokio_util::sync::CancellationToken;

use super::arch::{self, MAX_CONTEXT};
use super::constrain::{Constraint, Grammars};
use super::engine::{Engine, EngineOptions, MAX_READ, SLOTS};
use super::template::ChatTemplate;
use super::{LocalError, spawn_worker};
use crate::providers::{
    ChatRequest, Completion, ProviderError, ProviderErrorKind, StreamFailure, Usage,
};

/// Tokens fed to the model at once while reading the prompt, by default;
/// between two blocks a cancel is noticed.
pub const PROMPT_BLOCK: usize = 128;

/// Tokens that end a turn in the common chat formats, besides the file's EOS.
const END_OF_TURN: &[&str] = &[
    "<|im_end|>",
    "<|endoftext|>",
    "<|eot_id|>",
    "<|end|>",
    "</s>",
    "<end_of_turn>",
];

/// How far loading a model has got.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct LoadProgress {
    pub loaded_bytes: u64,
    pub total_bytes: u64,
}

impl LoadProgress {
    pub fn fraction(&self) -> f32 {
        if self.total_bytes == 0 {
            1.0
        } else {
            (self.loaded_bytes as f64 / self.total_bytes as f64).min(1.0) as f32
        }
    }
}

/// How to sample a reply.
#[derive(Debug, Clone, PartialEq)]
pub struct GenerateOptions {
    pub max_tokens: usize,
    /// 0 means always the likeliest token.
    pub temperature: f64,
    pub top_p: f64,
    pub seed: u64,
    /// Penalises tokens seen among the last `repeat_last_n` (1.0: none);
    /// small models loop without it.
    pub repeat_penalty: f32,
    pub repeat_last_n: usize,
    /// Prompt tokens read at once: a cancel is noticed between two blocks.
    pub prompt_block: usize,
    /// Whether to reuse the cache of the previous reply for the part of the
    /// prompt that repeats it (the same tokens come out either way; off only
    /// to measure or check that).
    pub reuse_cache: bool,
}

impl GenerateOptions {
    /// The defaults for `request`: its temperature (else 0.5), top-p 0.9, a
    /// fresh seed.
    pub fn for_request(request: &ChatRequest) -> Self {
        let seed = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(42);
        GenerateOptions {
            max_tokens: request.max_tokens.max(1) as usize,
            temperature: request.temperature.map(f64::from).unwrap_or(0.5),
            top_p: 0.9,
            seed,
            repeat_penalty: 1.1,
            repeat_last_n: 64,
            prompt_block: PROMPT_BLOCK,
            reuse_cache: true,
        }
    }
}

/// Why a reply ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StopReason {
    /// The model ended its turn.
    EndOfTurn,
    /// `max_tokens` were written.
    MaxTokens,
    /// The context window is full.
    ContextFull,
    Cancelled,
}

impl StopReason {
    fn as_str(self) -> &'static str {
        match self {
            StopReason::EndOfTurn => "stop",
            StopReason::MaxTokens => "length",
            StopReason::ContextFull => "context_length",
            StopReason::Cancelled => "cancelled",
        }
    }
}

/// A reply and how it went.
#[derive(Debug, Clone, PartialEq)]
pub struct Generation {
    pub text: String,
    pub prompt_tokens: usize,
    pub generated_tokens: usize,
    pub stop: StopReason,
    /// Time to read the prompt (to the first token's logits).
    pub prompt_time: Duration,
    /// Time spent writing tokens after the first.
    pub generate_time: Duration,
    /// Prompt tokens not read again: the previous reply's cache held them.
    pub reused_tokens: usize,
}

/// A loaded chat model. Share it through an `Arc`; replies run one at a time.
pub struct ChatModel {
    path: PathBuf,
    name: String,
    /// The weights, in llama.cpp, with a cache per slot.
    engine: Engine,
    /// The slots in use and the tokens their caches hold, least recently
    /// used first, for the next reply to reuse the part of its prompt that
    /// did not change. At most [`SLOTS`]; dropped with the model (a switch or
    /// a release).
    sessions: Mutex<Vec<Session>>,
    tokenizer: Tokenizer,
    template: ChatTemplate,
    stop_tokens: Vec<u32>,
    /// The token that ends a turn (the file's EOS).
    eos: u32,
    /// The vocabulary compiled for structured answers, on the first one.
    grammars: OnceLock<Option<Grammars>>,
    context_length: usize,
    /// One reply at a time: two would only share the same cores.
    busy: Mutex<()>,
    load_time: Duration,
}

impl std::fmt::Debug for ChatModel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChatModel")
            .field("path", &self.path)
            .field("context_length", &self.context_length)
            .finish()
    }
}

/// A conversation's cache: the engine's `slot` holds the keys and values of
/// `tokens`.
struct Session {
    slot: usize,
    tokens: Vec<u32>,
}

/// A reader that reports how many bytes of the file have been read.
struct Progress<'a, R> {
    inner: R,
    total: u64,
    read: u64,
    reported: u64,
    report: &'a mut dyn FnMut(LoadProgress),
}

impl<R: Read> Read for Progress<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read += n as u64;
        // Report at most about a hundred times.
        if self.read >= self.reported + self.total / 100 || self.read == self.total {
            self.reported = self.read;
            (self.report)(LoadProgress {
                loaded_bytes: self.read.min(self.total),
                total_bytes: self.total,
            });
        }
        Ok(n)
    }
}

impl<R: Seek> Seek for Progress<'_, R> {
    fn seek(&mut self, pos: SeekFrom) -> std::io::Result<u64> {
        self.inner.seek(pos)
    }

    // The GGUF reader asks for the position before every string (~100,000 of
    // them); the default (`seek(Current(0))`) would make the `BufReader`
    // below drop and refill its buffer each time, seconds in all.
    fn stream_position(&mut self) -> std::io::Result<u64> {
        self.inner.stream_position()
    }
}

impl ChatModel {
    /// Loads the GGUF chat model at `path`. Blocking and slow: call it from a
    /// worker thread (see [`super::runtime::LocalModels::chat`]). `progress` hears how much of the
    /// file has been read.
    pub fn load(path: &Path, progress: &mut dyn FnMut(LoadProgress)) -> Result<Self, LocalError> {
        let started = Instant::now();
        let file = super::models::open_gguf(path)?;
        let total = file.metadata().map(|m| m.len()).unwrap_or(0);
        let mut reader = Progress {
            inner: BufReader::with_capacity(1 << 20, file),
            total,
            read: 0,
            reported: 0,
            report: progress,
        };
        let content = super::models::read_header(&mut reader, path)?;
        let summary = super::models::summarise(&content);
        let arch = summary.architecture.as_deref().unwrap_or("unknown");
        if !arch::is_supported(arch) {
            return Err(LocalError::Invalid(arch::unsupported(arch)));
        }
        let arch = arch.to_owned();
        let tokenizer = tokenizer(&content)?;
        let text = |key: &str| {
            content
                .metadata
                .get(key)
                .and_then(|v| v.to_string().ok())
                .cloned()
        };
        let token_text = |key: &str| {
            content
                .metadata
                .get(key)
                .and_then(|v| v.to_u32().ok())
                .and_then(|id| tokenizer.id_to_token(id))
                .unwrap_or_default()
        };
        let (bos, eos) = (
            token_text("tokenizer.ggml.bos_token_id"),
            token_text("tokenizer.ggml.eos_token_id"),
        );
        let template = ChatTemplate::new(
            text("tokenizer.chat_template").or_else(|| super::template::builtin(&arch)),
            bos,
            eos,
        );
        let mut stop_tokens: Vec<u32> = END_OF_TURN
            .iter()
            .filter_map(|t| tokenizer.token_to_id(t))
            .collect();
        let eos = content
            .metadata
            .get("tokenizer.ggml.eos_token_id")
            .and_then(|v| v.to_u32().ok());
        stop_tokens.extend(eos);
        let Some(&eos) = eos.as_ref().or(stop_tokens.first()) else {
            return Err(LocalError::Invalid(
                "The model names no token that ends its turn.".into(),
            ));
        };
        stop_tokens.sort_unstable();
        stop_tokens.dedup();
        let context_length = summary
            .context_length
            .map(|n| n as usize)
            .unwrap_or(2048)
            .min(MAX_CONTEXT);
        // Hearth's checks of the header passed: llama.cpp may read the file.
        drop(content);
        let (header, total) = (reader.read, reader.total);
        let report = reader.report;
        let engine = Engine::load(
            path,
            EngineOptions {
                context: context_length,
                threads: super::model_threads(),
            },
            &mut |fraction| {
                let loaded = (f64::from(fraction.clamp(0.0, 1.0)) * total as f64) as u64;
                report(LoadProgress {
                    loaded_bytes: loaded.max(header).min(total),
                    total_bytes: total,
                });
            },
        )?;
        if let Some(dir) = path.parent() {
            super::models::forget_conversions(dir);
        }
        let name = summary.name.unwrap_or_else(|| {
            path.file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default()
        });
        report(LoadProgress {
            loaded_bytes: total,
            total_bytes: total,
        });
        Ok(ChatModel {
            path: path.to_owned(),
            name,
            engine,
            tokenizer,
            template,
            stop_tokens,
            eos,
            grammars: OnceLock::new(),
            sessions: Mutex::default(),
            context_length,
            busy: Mutex::new(()),
            load_time: started.elapsed(),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// The context window used, in tokens (the model's, at most [`MAX_CONTEXT`]).
    pub fn context_length(&self) -> usize {
        self.context_length
    }

    pub fn load_time(&self) -> Duration {
        self.load_time
    }

    /// The prompt text for `request` in the model's chat format (before
    /// tokenizing; for measuring other runtimes on the same prompt).
    pub fn render(&self, request: &ChatRequest) -> String {
        self.template.render(request)
    }

    /// The number of tokens `text` takes.
    pub fn count_tokens(&self, text: &str) -> Result<usize, LocalError> {
        Ok(self.encode(text)?.len())
    }

    fn encode(&self, text: &str) -> Result<Vec<u32>, LocalError> {
        self.tokenizer
            .encode(text, false)
            .map(|e| e.get_ids().to_vec())
            .map_err(|e| LocalError::model("to read the prompt", e))
    }

    /// The prompt tokens for `request` in the model's chat format, leaving
    /// `reserve` tokens for the reply: the oldest messages are dropped until it
    /// fits (the system prompt and the last message are always kept).
    pub fn prompt_tokens(
        &self,
        request: &ChatRequest,
        reserve: usize,
    ) -> Result<Vec<u32>, LocalError> {
        let budget = self.context_length.saturating_sub(reserve).max(1);
        let mut request = request.clone();
        loop {
            let ids = self.encode(&self.template.render(&request))?;
            if ids.len() <= budget {
                return Ok(ids);
            }
            if request.messages.len() <= 1 {
                return Err(LocalError::TooLong(format!(
                    "The message is too long for the local model ({} tokens; it reads at most {budget}).",
                    ids.len()
                )));
            }
            request.messages.remove(0);
        }
    }

    /// Writes a reply to `request`, calling `on_delta` with each new piece of
    /// text. Blocking: run it on a worker thread. `cancel` is checked before
    /// each token (and between blocks of the prompt), so at most one more
    /// piece of text follows a cancel.
    pub fn generate(
        &self,
        request: &ChatRequest,
        options: &GenerateOptions,
        cancel: &CancellationToken,
        on_delta: &mut dyn FnMut(&str),
    ) -> Result<Generation, LocalError> {
        let _busy = self.busy.lock().unwrap_or_else(|e| e.into_inner());
        let reserve = options.max_tokens.min(self.context_length / 2);
        let prompt = self.prompt_tokens(request, reserve)?;
        let mut constraint = self.constraint(request);
        let session = {
            let mut sessions = lock(&self.sessions);
            take_session(&mut sessions, &prompt).unwrap_or_else(|| Session {
                slot: free_slot(&sessions),
                tokens: Vec::new(),
            })
        };
        let common = if options.reuse_cache {
            common_prefix(&session.tokens, &prompt)
        } else {
            0
        };
        // At least the last prompt token is read: its logits give the first
        // token of the reply.
        let reused = self
            .engine
            .cut(session.slot, common.min(prompt.len().saturating_sub(1)));
        let slot = session.slot;
        let result = self.generate_on(
            slot,
            &prompt,
            reused,
            constraint.as_mut(),
            options,
            cancel,
            on_delta,
        );
        // After a failure the cache may hold half a step: not kept.
        let (out, tokens) = result?;
        lock(&self.sessions).push(Session { slot, tokens });
        Ok(out)
    }

    /// [`Self::generate`] on the engine's `slot`, whose cache holds the first
    /// `reused` tokens of `prompt`; returns the reply and the tokens the
    /// cache holds after it.
    #[allow(clippy::too_many_arguments)]
    fn generate_on(
        &self,
        slot: usize,
        prompt: &[u32],
        reused: usize,
        mut constraint: Option<&mut Constraint>,
        options: &GenerateOptions,
        cancel: &CancellationToken,
        on_delta: &mut dyn FnMut(&str),
    ) -> Result<(Generation, Vec<u32>), LocalError> {
        let mut sampler = LogitsProcessor::new(
            options.seed,
            (options.temperature > 0.0).then_some(options.temperature),
            (options.top_p < 1.0).then_some(options.top_p),
        );
        let mut out = Generation {
            text: String::new(),
            prompt_tokens: prompt.len(),
            generated_tokens: 0,
            stop: StopReason::EndOfTurn,
            prompt_time: Duration::ZERO,
            generate_time: Duration::ZERO,
            reused_tokens: reused,
        };
        let started = Instant::now();
        let mut logits = None;
        let block_len = options.prompt_block.clamp(1, MAX_READ);
        // The cache holds `tokens[..fed]`.
        let mut fed = reused;
        for block in prompt[reused..].chunks(block_len) {
            if cancel.is_cancelled() {
                out.stop = StopReason::Cancelled;
                return Ok((out, prompt[..fed].to_vec()));
            }
            logits = Some(self.engine.read(slot, block, fed)?);
            fed += block.len();
        }
        let mut logits = logits.ok_or_else(|| LocalError::Model("The prompt is empty.".into()))?;
        out.prompt_time = started.elapsed();
        let started = Instant::now();
        let mut tokens = prompt.to_vec();
        let mut text = TextStream::new(&self.tokenizer);
        loop {
            if cancel.is_cancelled() {
                out.stop = StopReason::Cancelled;
                break;
            }
            let next = self.sample(
                &mut sampler,
                logits,
                &tokens,
                options,
                constraint.as_deref_mut(),
            )?;
            if self.stop_tokens.contains(&next) {
                out.stop = StopReason::EndOfTurn;
                break;
            }
            let complete = match constraint.as_mut() {
                Some(c) => {
                    c.accept(next)?;
                    c.is_done()
                }
                None => false,
            };
            tokens.push(next);
            out.generated_tokens += 1;
            if let Some(delta) = text.push(next)? {
                out.text.push_str(&delta);
                on_delta(&delta);
            }
            if complete {
                out.stop = StopReason::EndOfTurn;
                break;
            }
            if out.generated_tokens >= options.max_tokens {
                out.stop = StopReason::MaxTokens;
                break;
            }
            if tokens.len() >= self.context_length {
                out.stop = StopReason::ContextFull;
                break;
            }
            if cancel.is_cancelled() {
                out.stop = StopReason::Cancelled;
                break;
            }
            logits = self.engine.read(slot, &[next], fed)?;
            fed += 1;
        }
        // Bytes of a character the stream stopped in the middle of.
        if out.stop != StopReason::Cancelled
            && let Some(rest) = text.finish()?
        {
            out.text.push_str(&rest);
            on_delta(&rest);
        }
        out.generate_time = started.elapsed();
        tokens.truncate(fed);
        Ok((out, tokens))
    }

    fn sample(
        &self,
        sampler: &mut LogitsProcessor,
        mut logits: Vec<f32>,
        tokens: &[u32],
        options: &GenerateOptions,
        constraint: Option<&mut Constraint>,
    ) -> Result<u32, LocalError> {
        let fail = |e| LocalError::model("while writing", e);
        if let Some(constraint) = constraint {
            constraint.mask(&mut logits)?;
        }
        let mut logits = Tensor::new(logits, &Device::Cpu).map_err(fail)?;
        if options.repeat_penalty != 1.0 {
            let start = tokens.len().saturating_sub(options.repeat_last_n);
            logits = candle_transformers::utils::apply_repeat_penalty(
                &logits,
                options.repeat_penalty,
                &tokens[start..],
            )
            .map_err(fail)?;
        }
        sampler.sample(&logits).map_err(fail)
    }

    /// The constraint holding a reply to `request`'s schema, if it has one.
    /// A model whose vocabulary can't be compiled answers unconstrained (the
    /// readers of answers are tolerant, and check what they read).
    fn constraint(&self, request: &ChatRequest) -> Option<Constraint> {
        let schema = request.schema.as_ref()?;
        let grammars = self
            .grammars
            .get_or_init(|| {
                Grammars::new(&self.tokenizer, self.eos, &self.stop_tokens)
                    .inspect_err(|e| tracing::warn!("structured answers unavailable: {e}"))
                    .ok()
            })
            .as_ref()?;
        grammars
            .constraint(&schema.schema)
            .inspect_err(|e| tracing::warn!(schema = schema.name, "answering unconstrained: {e}"))
            .ok()
    }
}

/// The kept cache to write a reply to `prompt` on: the one sharing the most
/// with it if that is at least half the prompt; else a fresh one while there
/// is room for it, else the least recently used one.
fn take_session(sessions: &mut Vec<Session>, prompt: &[u32]) -> Option<Session> {
    let best = sessions
        .iter()
        .enumerate()
        .map(|(i, s)| (common_prefix(&s.tokens, prompt), i))
        .max();
    match best {
        Some((common, i)) if common * 2 >= prompt.len() => Some(sessions.remove(i)),
        _ if sessions.len() >= SLOTS => Some(sessions.remove(0)),
        _ => None,
    }
}

/// How many tokens `a` and `b` share at their start.
fn common_prefix(a: &[u32], b: &[u32]) -> usize {
    a.iter().zip(b).take_while(|(x, y)| x == y).count()
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// A slot no kept session holds (there is one whenever fewer than [`SLOTS`]
/// are kept).
fn free_slot(sessions: &[Session]) -> usize {
    (0..SLOTS)
        .find(|slot| sessions.iter().all(|s| s.slot != *slot))
        .unwrap_or(0)
}

/// The tokenizer the GGUF describes: SentencePiece files (`llama`) are built
/// by [`super::spm`], byte-level BPE files (`gpt2`) by candle from
/// `tokenizer.ggml.*`; for SmolLM's pre-tokenizer (`smollm`), which candle
/// treats as plain GPT-2 (adding a space before every text), we set the one
/// the model was trained with: digits one by one, then byte-level without a
/// prefix space.
fn tokenizer(content: &gguf_file::Content) -> Result<Tokenizer, LocalError> {
    use tokenizers::pre_tokenizers::{byte_level::ByteLevel, digits::Digits, sequence::Sequence};
    let model = content
        .metadata
        .get("tokenizer.ggml.model")
        .and_then(|v| v.to_string().ok())
        .map(String::as_str);
    if model == Some("llama") {
        return super::spm::from_gguf(content).map_err(|e| {
            LocalError::Invalid(format!("The model's tokenizer can't be built: {e}."))
        });
    }
    let mut tokenizer = Tokenizer::from_gguf(content)
        .map_err(|e| LocalError::Invalid(format!("The model's tokenizer can't be built: {e}")))?;
    let pre = content
        .metadata
        .get("tokenizer.ggml.pre")
        .and_then(|v| v.to_string().ok())
        .map(String::as_str);
    if pre == Some("smollm") {
        let pre = Sequence::new(vec![
            Digits::new(true).into(),
            ByteLevel::new(false, true, true).into(),
        ]);
        tokenizer.with_pre_tokenizer(Some(pre));
    }
    Ok(tokenizer)
}

/// Turns tokens into text as they come, holding back the bytes of a character
/// split across tokens until it is whole.
struct TextStream<'a> {
    tokenizer: &'a Tokenizer,
    tokens: Vec<u32>,
    /// Tokens before this one were already turned into text.
    emitted: usize,
    /// The text of `tokens[prefix..emitted]`, to diff against.
    prefix: usize,
}

impl<'a> TextStream<'a> {
    fn new(tokenizer: &'a Tokenizer) -> Self {
        TextStream {
            tokenizer,
            tokens: Vec::new(),
            emitted: 0,
            prefix: 0,
        }
    }

    fn decode(&self, tokens: &[u32]) -> Result<String, LocalError> {
        self.tokenizer
            .decode(tokens, true)
            .map_err(|e| LocalError::model("to write text", e))
    }

    fn push(&mut self, token: u32) -> Result<Option<String>, LocalError> {
        let before = self.decode(&self.tokens[self.prefix..self.emitted])?;
        self.tokens.push(token);
        let now = self.decode(&self.tokens[self.prefix..])?;
        if now.len() > before.len() && !now.ends_with('\u{FFFD}') && now.starts_with(&before) {
            let delta = now[before.len()..].to_owned();
            self.prefix = self.emitted;
            self.emitted = self.tokens.len();
            Ok(Some(delta))
        } else {
            Ok(None)
        }
    }

    fn finish(&mut self) -> Result<Option<String>, LocalError> {
        if self.emitted == self.tokens.len() {
            return Ok(None);
        }
        let before = self.decode(&self.tokens[self.prefix..self.emitted])?;
        let now = self.decode(&self.tokens[self.prefix..])?;
        self.emitted = self.tokens.len();
        Ok(now
            .strip_prefix(&before)
            .filter(|d| !d.is_empty())
            .map(str::to_owned))
    }
}

/// Which file a loaded model came from: (path, length, modified time), so a
/// replaced file is loaded again.
pub(super) type FileKey = (PathBuf, u64, Option<SystemTime>);

pub(super) fn file_key(path: &Path) -> Result<FileKey, LocalError> {
    let meta = std::fs::metadata(path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            LocalError::Missing(format!(
                "The local model {} is not in the models folder.",
                path.file_name()
                    .map(|n| format!("“{}”", n.to_string_lossy()))
                    .unwrap_or_default()
            ))
        } else {
            LocalError::io(path, &e)
        }
    })?;
    Ok((path.to_owned(), meta.len(), meta.modified().ok()))
}

impl From<LocalError> for ProviderError {
    fn from(e: LocalError) -> Self {
        let kind = match &e {
            LocalError::Missing(_) => ProviderErrorKind::ModelNotFound,
            LocalError::Invalid(_) | LocalError::Io(_) => ProviderErrorKind::Misconfigured,
            LocalError::Model(_) => ProviderErrorKind::ServerError,
            LocalError::TooLong(_) => ProviderErrorKind::Rejected,
            LocalError::Cancelled => ProviderErrorKind::Cancelled,
        };
        ProviderError::new(kind, e.to_string())
    }
}

enum Event {
    Delta(String),
    Done(Result<Generation, LocalError>),
}

/// Streams a reply from `model` in the providers' terms: the reply runs on a
/// worker thread and its text reaches `on_delta` on the caller's task.
/// Cancelling `cancel` returns at once with what arrived; the worker stops
/// within one token. Dropping the future stops the worker too.
pub async fn stream_chat(
    model: Arc<ChatModel>,
    request: &ChatRequest,
    options: GenerateOptions,
    cancel: &CancellationToken,
    on_delta: &mut (dyn FnMut(&str) + Send),
) -> Result<Completion, StreamFailure> {
    let stop = cancel.child_token();
    let _stop_on_drop = stop.clone().drop_guard();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let worker = {
        let request = request.clone();
        let stop = stop.clone();
        spawn_worker("hearth-model-reply", move || {
            let sender = tx.clone();
            let result = model.generate(&request, &options, &stop, &mut |delta| {
                if sender.send(Event::Delta(delta.to_owned())).is_err() {
                    // Nobody is listening any more.
                    stop.cancel();
                }
            });
            let _ = tx.send(Event::Done(result));
        })
    };
    let mut text = String::new();
    let fail = |error: ProviderError, partial: String, usage: Usage| StreamFailure {
        error,
        partial,
        usage,
    };
    if let Err(e) = worker {
        return Err(fail(
            ProviderError::from(LocalError::Model(format!(
                "Couldn't start a thread for the local model: {e}"
            ))),
            text,
            Usage::default(),
        ));
    }
    loop {
        let event = tokio::select! {
            biased;
            _ = cancel.cancelled() => None,
            event = rx.recv() => event,
        };
        match event {
            // A NUL (a byte token some vocabularies hold) is no part of any
            // text: dropped, as from a remote provider.
            Some(Event::Delta(delta)) if delta.contains('\0') => {
                let delta = delta.replace('\0', "");
                text.push_str(&delta);
                if !delta.is_empty() {
                    on_delta(&delta);
                }
            }
            Some(Event::Delta(delta)) => {
                text.push_str(&delta);
                on_delta(&delta);
            }
            Some(Event::Done(Ok(generation))) => {
                let usage = Usage {
                    input_tokens: Some(generation.prompt_tokens as u32),
                    output_tokens: Some(generation.generated_tokens as u32),
                };
                if generation.stop == StopReason::Cancelled {
                    return Err(fail(
                        ProviderError::from(LocalError::Cancelled),
                        text,
                        usage,
                    ));
                }
                return Ok(Completion {
                    text,
                    usage,
                    stop_reason: Some(generation.stop.as_str().to_owned()),
                });
            }
            Some(Event::Done(Err(e))) => return Err(fail(e.into(), text, Usage::default())),
            None if cancel.is_cancelled() => {
                return Err(fail(
                    ProviderError::from(LocalError::Cancelled),
                    text,
                    Usage::default(),
                ));
            }
            None => {
                return Err(fail(
                    ProviderError::from(LocalError::Model(
                        "The local model stopped unexpectedly.".into(),
                    )),
                    text,
                    Usage::default(),
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn progress_is_a_fraction() {
        let p = LoadProgress {
            loaded_bytes: 50,
            total_bytes: 200,
        };
        assert_eq!(p.fraction(), 0.25);
        let empty = LoadProgress {
            loaded_bytes: 0,
            total_bytes: 0,
        };
        assert_eq!(empty.fraction(), 1.0);
    }

    #[test]
    fn local_errors_map_to_provider_kinds() {
        let e = ProviderError::from(LocalError::Missing("gone".into()));
        assert_eq!(e.kind, ProviderErrorKind::ModelNotFound);
        assert_eq!(e.message, "gone");
        assert_eq!(
            ProviderError::from(LocalError::Cancelled).kind,
            ProviderErrorKind::Cancelled
        );
    }
}
