//! The chat models' forward pass: llama.cpp (through `llama-cpp-2`), run
//! in-process on a thread of its own.
//!
//! llama.cpp reads prompts about twice as fast as candle did here and writes
//! replies 1.3–1.4 times as fast on the same file and thread (measured in
//! `bench/llama-compare`), and it runs every family of the catalogue. Hearth
//! keeps the rest: its own GGUF header checks run before llama.cpp sees a
//! file, and the tokenizer, the chat template, the sampler and the
//! structured answers' mask stay in [`super::chat`], which hands this engine
//! tokens and gets back logits.
//!
//! A llama.cpp context borrows its model, so both live on the engine's
//! thread (no self-referential struct, no `unsafe` here): [`Engine`] sends it
//! jobs over a channel and waits for each answer. A context holds one
//! conversation's cache; there are [`SLOTS`] of them, made when first used
//! and sized to what they hold plus room for a reply (growing in steps up to
//! the window, as the conversation does), and a job names the slot it runs
//! on. Dropping the engine ends the thread, which frees the contexts and the
//! model.

use std::num::NonZeroU32;
use std::path::Path;
use std::sync::OnceLock;
use std::sync::mpsc;
use std::thread::JoinHandle;

use llama_cpp_2::context::LlamaContext;
use llama_cpp_2::context::params::LlamaContextParams;
use llama_cpp_2::llama_backend::LlamaBackend;
use llama_cpp_2::llama_batch::LlamaBatch;
use llama_cpp_2::model::LlamaModel;
use llama_cpp_2::model::params::LlamaModelParams;
use llama_cpp_2::token::LlamaToken;

use super::{LocalError, spawn_worker};

/// The caches kept, one per slot: the conversation's, and one for the other
/// work a model does between two turns (learning from the exchange, a diary
/// entry), which would otherwise cut the conversation's back to its start.
pub const SLOTS: usize = 2;

/// The most tokens one [`Engine::read`] takes.
pub const MAX_READ: usize = 512;

/// llama.cpp's process-wide state, started once (it refuses a second start).
fn backend() -> Result<&'static LlamaBackend, LocalError> {
    static BACKEND: OnceLock<Result<LlamaBackend, String>> = OnceLock::new();
    BACKEND
        .get_or_init(|| {
            // Its messages join ours (its own are at the `llama-cpp-2` target,
            // which the app keeps to warnings).
            llama_cpp_2::send_logs_to_tracing(llama_cpp_2::LogOptions::default());
            LlamaBackend::init().map_err(|e| e.to_string())
        })
        .as_ref()
        .map_err(|e| LocalError::Model(format!("The local model runtime didn't start: {e}.")))
}

/// Whether this processor runs the engine's kernels: on x86-64 they are built
/// for AVX2, FMA, F16C and BMI2 (see `.cargo/config.toml`); a processor without
/// them gets a sentence instead of a crash.
pub fn cpu_supported() -> Result<(), LocalError> {
    #[cfg(target_arch = "x86_64")]
    {
        let missing: Vec<&str> = [
            ("AVX2", std::arch::is_x86_feature_detected!("avx2")),
            ("FMA", std::arch::is_x86_feature_detected!("fma")),
            ("F16C", std::arch::is_x86_feature_detected!("f16c")),
            ("BMI2", std::arch::is_x86_feature_detected!("bmi2")),
        ]
        .into_iter()
        .filter_map(|(name, present)| (!present).then_some(name))
        .collect();
        if !missing.is_empty() {
            return Err(LocalError::Invalid(format!(
                "This computer's processor lacks {}, which the built-in models need; a provider can still be the companion's voice (Settings).",
                missing.join(", ")
            )));
        }
    }
    Ok(())
}

/// How an engine runs.
#[derive(Debug, Clone, Copy)]
pub struct EngineOptions {
    /// The context window of each slot, in tokens.
    pub context: usize,
    /// Compute threads.
    pub threads: usize,
}

/// A chat model loaded into llama.cpp, on its own thread.
pub struct Engine {
    jobs: Option<mpsc::Sender<Job>>,
    thread: Option<JoinHandle<()>>,
    vocabulary: usize,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine")
            .field("vocabulary", &self.vocabulary)
            .finish_non_exhaustive()
    }
}

enum Loading {
    Progress(f32),
    Done(usize),
    Failed(LocalError),
}

enum Job {
    Read {
        slot: usize,
        tokens: Vec<u32>,
        pos: usize,
        answer: mpsc::SyncSender<Result<Vec<f32>, LocalError>>,
    },
    Cut {
        slot: usize,
        end: usize,
        answer: mpsc::SyncSender<usize>,
    },
}

impl Engine {
    /// Loads the GGUF file at `path` (whose header Hearth has already read
    /// and checked); `progress` hears how far it has got (0 to 1). Blocking.
    pub fn load(
        path: &Path,
        options: EngineOptions,
        progress: &mut dyn FnMut(f32),
    ) -> Result<Self, LocalError> {
        cpu_supported()?;
        let backend = backend()?;
        let (jobs, queue) = mpsc::channel::<Job>();
        let (loading, load_events) = mpsc::channel();
        let path = path.to_owned();
        let thread = spawn_worker("hearth-llama", move || {
            let model = match load_model(backend, &path, loading.clone()) {
                Ok(model) => model,
                Err(e) => {
                    let _ = loading.send(Loading::Failed(e));
                    return;
                }
            };
            let vocabulary = usize::try_from(model.n_vocab()).unwrap_or(0);
            let _ = loading.send(Loading::Done(vocabulary));
            drop(loading);
            serve(backend, &model, options, queue);
        })
        .map_err(|e| {
            LocalError::Model(format!("Couldn't start a thread for the local model: {e}"))
        })?;
        let vocabulary = loop {
            match load_events.recv().map_err(|_| stopped())? {
                Loading::Progress(fraction) => progress(fraction),
                Loading::Done(vocabulary) => break vocabulary,
                Loading::Failed(e) => return Err(e),
            }
        };
        Ok(Engine {
            jobs: Some(jobs),
            thread: Some(thread),
            vocabulary,
        })
    }

    /// The number of logits each read returns.
    pub fn vocabulary(&self) -> usize {
        self.vocabulary
    }

    /// Reads `tokens` (at most [`MAX_READ`]) into `slot`'s cache at the
    /// positions from `pos`, at most where the cache ends (it is cut back to
    /// `pos`; 0 starts it over); returns the logits of the token after the
    /// last one. A cache too small for them grows (reading again what it
    /// held), up to the window.
    pub fn read(&self, slot: usize, tokens: &[u32], pos: usize) -> Result<Vec<f32>, LocalError> {
        let (answer, reply) = mpsc::sync_channel(1);
        self.send(Job::Read {
            slot,
            tokens: tokens.to_vec(),
            pos,
            answer,
        })?;
        reply.recv().map_err(|_| stopped())?
    }

    /// Cuts `slot`'s cache back to the positions before `end`; returns how
    /// many are kept (where the next read starts): `end` (or all it holds, if
    /// fewer), or 0 for a cache that can't be cut (it is emptied).
    pub fn cut(&self, slot: usize, end: usize) -> usize {
        let (answer, reply) = mpsc::sync_channel(1);
        if self.send(Job::Cut { slot, end, answer }).is_err() {
            return 0;
        }
        reply.recv().unwrap_or(0)
    }

    fn send(&self, job: Job) -> Result<(), LocalError> {
        self.jobs
            .as_ref()
            .and_then(|jobs| jobs.send(job).ok())
            .ok_or_else(stopped)
    }
}

impl Drop for Engine {
    fn drop(&mut self) {
        // The thread ends when its queue closes, freeing the contexts and the
        // model before this returns (a release really gives the memory back).
        drop(self.jobs.take());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn stopped() -> LocalError {
    LocalError::Model("The local model stopped unexpectedly.".to_owned())
}

fn load_model(
    backend: &LlamaBackend,
    path: &Path,
    progress: mpsc::Sender<Loading>,
) -> Result<LlamaModel, LocalError> {
    // CPU only: the window's GPU stays the window's.
    let params = LlamaModelParams::default()
        .with_n_gpu_layers(0)
        .with_progress_callback(move |fraction| {
            let _ = progress.send(Loading::Progress(fraction));
            true
        });
    LlamaModel::load_from_file(backend, path, &params).map_err(|e| {
        LocalError::Invalid(format!(
            "The model file “{}” can't be loaded ({e}); it may be incomplete: download it again.",
            shown_name(path)
        ))
    })
}

fn shown_name(path: &Path) -> String {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    super::arch::printable(&name).take(80).collect()
}

/// Room a cache keeps beyond what it holds when it is made or grown, so a
/// reply of a few hundred tokens fits without growing again; caches grow in
/// steps of this size.
const HEADROOM: usize = 512;

/// One cache: a llama.cpp context sized to what the conversation uses (it
/// grows by [`HEADROOM`] steps up to the window), and the tokens it holds, to
/// read them again into a larger one.
struct Slot<'m> {
    context: LlamaContext<'m>,
    size: usize,
    held: Vec<u32>,
}

/// The engine's thread: answers jobs until the queue closes.
fn serve(
    backend: &LlamaBackend,
    model: &LlamaModel,
    options: EngineOptions,
    queue: mpsc::Receiver<Job>,
) {
    let mut slots: Vec<Option<Slot<'_>>> = (0..SLOTS).map(|_| None).collect();
    for job in queue {
        match job {
            Job::Read {
                slot,
                tokens,
                pos,
                answer,
            } => {
                let result = match slots.get_mut(slot) {
                    Some(held) => read(backend, model, options, held, &tokens, pos),
                    None => Err(LocalError::Model(format!("There is no cache {slot}."))),
                };
                let _ = answer.send(result);
            }
            Job::Cut { slot, end, answer } => {
                let kept = match slots.get_mut(slot) {
                    Some(Some(slot)) => cut(slot, end),
                    _ => 0,
                };
                let _ = answer.send(kept);
            }
        }
    }
}

fn read<'m>(
    backend: &LlamaBackend,
    model: &'m LlamaModel,
    options: EngineOptions,
    slot: &mut Option<Slot<'m>>,
    tokens: &[u32],
    pos: usize,
) -> Result<Vec<f32>, LocalError> {
    if tokens.is_empty() || tokens.len() > MAX_READ {
        return Err(LocalError::Model(format!(
            "{} tokens can't be read at once.",
            tokens.len()
        )));
    }
    let needed = pos + tokens.len();
    if needed > options.context {
        return Err(LocalError::TooLong(
            "The conversation no longer fits the local model's window.".into(),
        ));
    }
    if let Some(held) = slot.as_mut()
        && pos < held.held.len()
    {
        cut(held, pos);
    }
    let held_len = slot.as_ref().map_or(0, |s| s.held.len());
    if pos > held_len {
        return Err(LocalError::Model(format!(
            "The cache holds {held_len} tokens, not {pos}."
        )));
    }
    if slot.as_ref().is_none_or(|s| s.size < needed) {
        // Made, or grown: a larger context, into which what the smaller one
        // held is read again.
        let size = needed
            .saturating_add(HEADROOM)
            .div_ceil(HEADROOM)
            .saturating_mul(HEADROOM)
            .min(options.context);
        let held = slot.take().map(|s| s.held).unwrap_or_default();
        let mut grown = Slot {
            context: new_context(backend, model, options, size)?,
            size,
            held: Vec::new(),
        };
        for block in held.chunks(MAX_READ) {
            decode(&mut grown, block)?;
        }
        *slot = Some(grown);
    }
    let slot = slot.as_mut().ok_or_else(stopped)?;
    decode(slot, tokens)
}

/// Reads `tokens` into `slot` after what it holds; returns the logits of the
/// token after the last one.
fn decode(slot: &mut Slot<'_>, tokens: &[u32]) -> Result<Vec<f32>, LocalError> {
    let fail = |e: &dyn std::fmt::Display| LocalError::model("while reading", e);
    let pos = slot.held.len();
    let mut batch = LlamaBatch::new(tokens.len(), 1);
    let last = tokens.len() - 1;
    for (i, &token) in tokens.iter().enumerate() {
        let at = i32::try_from(pos + i).map_err(|e| fail(&e))?;
        let id = i32::try_from(token).map_err(|e| fail(&e))?;
        batch
            .add(LlamaToken(id), at, &[0], i == last)
            .map_err(|e| fail(&e))?;
    }
    if let Err(e) = slot.context.decode(&mut batch) {
        // What the failed step wrote is unknown: start over next time.
        slot.context.clear_kv_cache();
        slot.held.clear();
        return Err(fail(&e));
    }
    slot.held.extend_from_slice(tokens);
    let at = i32::try_from(last).map_err(|e| fail(&e))?;
    Ok(slot.context.get_logits_ith(at).to_vec())
}

fn new_context<'m>(
    backend: &LlamaBackend,
    model: &'m LlamaModel,
    options: EngineOptions,
    size: usize,
) -> Result<LlamaContext<'m>, LocalError> {
    let threads = i32::try_from(options.threads.max(1)).unwrap_or(1);
    let window = u32::try_from(size.max(1)).unwrap_or(u32::MAX);
    let params = LlamaContextParams::default()
        .with_n_ctx(NonZeroU32::new(window))
        .with_n_batch(MAX_READ as u32)
        .with_n_ubatch(MAX_READ as u32)
        .with_n_threads(threads)
        .with_n_threads_batch(threads)
        // Sliding-window layers (Gemma 3) keep every position, so the cache
        // can be cut back anywhere for the next turn.
        .with_swa_full(true);
    model
        .new_context(backend, params)
        .map_err(|e| LocalError::model("to make room for the conversation", e))
}

fn cut(slot: &mut Slot<'_>, end: usize) -> usize {
    if end >= slot.held.len() {
        return slot.held.len();
    }
    let removed = u32::try_from(end).ok().and_then(|from| {
        slot.context
            .clear_kv_cache_seq(Some(0), Some(from), None)
            .ok()
    });
    if removed == Some(true) {
        slot.held.truncate(end);
        end
    } else {
        slot.context.clear_kv_cache();
        slot.held.clear();
        0
    }
}
