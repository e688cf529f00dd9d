//! Local models: a chat model and a sentence-embedding model that run in this
//! process, on the CPU, with nothing sent anywhere.
//!
//! - [`models`]: the models folder (list, import, remove; size and licence).
//! - [`chat`]: a GGUF chat model (a family of [`arch`]) run by llama.cpp
//!   ([`engine`]): the tokenizer and chat template come from the file itself;
//!   replies stream token by token and stop within one token of a cancel.
//! - [`embed`]: MiniLM sentence embeddings (384 dimensions, normalised);
//!   their vectors are kept in the journal (`crate::store::vectors`).
//! - [`catalogue`]: the recommended models (`data/catalogue.toml`) and the
//!   one that fits this computer; [`download`]: fetching one, verified.
//! - [`runtime`]: the chat model and the embedder loaded in this process,
//!   each loaded once and shared.
//!
//! Heavy work (loading, generating, embedding) is blocking: it runs on
//! dedicated threads ([`spawn_worker`]) whose scheduling priority is lowered
//! (nice 10 on Linux), so a reply being generated never takes the CPU from the
//! window. candle's worker threads (the embedder's) and llama.cpp's (a chat
//! model's) are created by these threads and inherit their priority. Their
//! number is [`model_threads`]; [`recommended_threads`] is the cap we suggest.

pub mod arch;
pub mod catalogue;
pub mod chat;
mod constrain;
pub mod download;
pub mod embed;
pub mod engine;
pub mod models;
pub mod runtime;
mod spm;
mod template;

use std::path::PathBuf;

pub use chat::{ChatModel, GenerateOptions, Generation, LoadProgress};
pub use embed::{EMBEDDING_DIM, Embedder};
pub use models::{LocalModel, ModelKind};
pub use runtime::LocalModels;

/// File name of the default chat model (SmolLM2 135M Instruct, Apache-2.0).
pub const DEFAULT_CHAT_MODEL: &str = "SmolLM2-135M-Instruct.Q4_1.gguf";
/// Folder name of the default embedding model (all-MiniLM-L6-v2, Apache-2.0).
pub const DEFAULT_EMBEDDING_MODEL: &str = "all-MiniLM-L6-v2";
/// The folder, inside the data folder, where models live.
pub const MODELS_DIR: &str = "models";

/// Why a local model could not be used. Messages are one sentence a person
/// can act on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LocalError {
    /// The model file or folder is not there.
    #[error("{0}")]
    Missing(String),
    /// The file is not a model Hearth can run.
    #[error("{0}")]
    Invalid(String),
    /// Reading or writing a file failed.
    #[error("{0}")]
    Io(String),
    /// The model failed while running.
    #[error("{0}")]
    Model(String),
    /// The request does not fit (for example a prompt longer than the context).
    #[error("{0}")]
    TooLong(String),
    /// The user stopped it.
    #[error("The reply was stopped.")]
    Cancelled,
}

impl LocalError {
    pub(crate) fn model(what: &str, e: impl std::fmt::Display) -> Self {
        LocalError::Model(format!("The local model failed {what}: {e}"))
    }

    pub(crate) fn io(path: &std::path::Path, e: &std::io::Error) -> Self {
        LocalError::Io(format!("Couldn't read or write {}: {e}", path.display()))
    }
}

/// The number of compute threads we suggest for local models: all cores but
/// one, so the window always has a core (at least one).
pub fn recommended_threads() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .saturating_sub(1)
        .max(1)
}

/// The number of threads one model call uses, for the embedder (candle) and
/// a chat model (llama.cpp) alike: `CANDLE_NUM_THREADS` if set, else one per
/// physical core.
pub fn model_threads() -> usize {
    candle_core::utils::get_num_threads()
}

/// The nice value of local model threads (Linux): lower priority than the
/// window, so they only use the CPU the window leaves.
pub const WORKER_NICE: i32 = 10;

/// Runs `work` on a new thread named `name` whose priority is lowered (see the
/// module docs). Used for every blocking model call, never on tokio's blocking
/// pool, whose threads are shared with other work and would keep the lowered
/// priority.
pub fn spawn_worker<T: Send + 'static>(
    name: &str,
    work: impl FnOnce() -> T + Send + 'static,
) -> std::io::Result<std::thread::JoinHandle<T>> {
    std::thread::Builder::new()
        .name(name.to_owned())
        .spawn(move || {
            lower_priority();
            work()
        })
}

#[cfg(target_os = "linux")]
fn lower_priority() {
    // On Linux a thread id names just this thread: other threads keep theirs.
    let tid = rustix::thread::gettid();
    if let Err(e) = rustix::process::setpriority_process(Some(tid), WORKER_NICE) {
        tracing::debug!(error = %e, "could not lower the priority of a model thread");
    }
}

#[cfg(not(target_os = "linux"))]
fn lower_priority() {}

/// Runs blocking `work` on a worker thread and awaits its result.
pub(crate) async fn run_blocking<T: Send + 'static>(
    name: &str,
    work: impl FnOnce() -> Result<T, LocalError> + Send + 'static,
) -> Result<T, LocalError> {
    let (tx, rx) = tokio::sync::oneshot::channel();
    spawn_worker(name, move || {
        let _ = tx.send(work());
    })
    .map_err(|e| LocalError::Model(format!("Couldn't start a thread for the local model: {e}")))?;
    rx.await
        .map_err(|_| LocalError::Model("The local model stopped unexpectedly.".to_owned()))?
}

/// The default models folder inside a data folder.
pub fn models_dir(data_dir: &std::path::Path) -> PathBuf {
    data_dir.join(MODELS_DIR)
}
