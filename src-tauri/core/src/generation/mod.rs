//! One way to ask a model for words: a [`ChatRequest`] (messages, a reply
//! budget, optionally a JSON schema) gives a stream of [`GenEvent`]s —
//! started, deltas, then done or failed — and can be cancelled at any point.
//! The model is a remote provider or one run in this process ([`Model`]);
//! callers never need to know which.

pub mod events;

use std::path::PathBuf;
use std::sync::Arc;

use tokio_util::sync::CancellationToken;

use crate::local::{self, LocalModels};
use crate::providers::{
    ChatRequest, Completion, Limits, ModelInfo, Provider, ProviderConfig, ProviderError,
    ProviderErrorKind, StreamFailure, Usage,
};

pub use events::{StreamEvent, Streams};

/// What a generation reports, in order: `Started`, any number of `Delta`s,
/// then one of `Done` or `Failed` (also the return value of
/// [`Model::generate`]).
#[derive(Debug)]
pub enum GenEvent<'a> {
    Started,
    Delta(&'a str),
    Done(&'a Completion),
    Failed(&'a StreamFailure),
}

/// A model ready to generate: a remote provider, or a GGUF file of the
/// models folder run in this process.
#[derive(Debug, Clone)]
pub enum Model {
    Remote(Provider),
    Local {
        /// `base_url` is the models folder, `model` the file.
        config: ProviderConfig,
        path: PathBuf,
        runtime: Arc<LocalModels>,
        /// Background work: it reads its prompt a token at a time, so a
        /// reply that stops it waits at most about one token.
        background: bool,
    },
}

impl Model {
    /// A model for `config`: `key` for a remote provider that takes one; a
    /// local model's `config.base_url` is the models folder.
    pub fn new(
        config: ProviderConfig,
        key: Option<String>,
        limits: Limits,
        runtime: &Arc<LocalModels>,
    ) -> Result<Model, ProviderError> {
        if !config.kind.is_in_process() {
            return Provider::new(config, key, limits).map(Model::Remote);
        }
        let folder = config.base_url.trim();
        if folder.is_empty() {
            return Err(ProviderError::new(
                ProviderErrorKind::Misconfigured,
                "No models folder is set for the local model.",
            ));
        }
        if config.model.trim().is_empty() {
            return Err(ProviderError::new(
                ProviderErrorKind::Misconfigured,
                "No local model is chosen. Pick one in Settings.",
            ));
        }
        let path = local::models::model_path(std::path::Path::new(folder), config.model.trim())?;
        Ok(Model::Local {
            config,
            path,
            runtime: runtime.clone(),
            background: false,
        })
    }

    /// The same model for background work, which yields to replies: on this
    /// computer's CPU it stops within about one token of a cancel, prompt
    /// included (reading the prompt is slower this way: see
    /// `examples/local_bench.rs`). A remote model is unchanged.
    pub fn for_background(mut self) -> Model {
        if let Model::Local { background, .. } = &mut self {
            *background = true;
        }
        self
    }

    pub fn config(&self) -> &ProviderConfig {
        match self {
            Model::Remote(p) => p.config(),
            Model::Local { config, .. } => config,
        }
    }

    /// Whether replies are computed on this computer's CPU.
    pub fn is_in_process(&self) -> bool {
        matches!(self, Model::Local { .. })
    }

    /// The GGUF file an in-process model runs.
    pub fn local_path(&self) -> Option<&std::path::Path> {
        match self {
            Model::Local { path, .. } => Some(path),
            Model::Remote(_) => None,
        }
    }

    /// The models the provider (or the models folder) offers.
    pub async fn list_models(&self) -> Result<Vec<ModelInfo>, ProviderError> {
        match self {
            Model::Remote(p) => p.list_models().await,
            Model::Local { config, .. } => {
                let folder = PathBuf::from(config.base_url.trim());
                let models =
                    tokio::task::spawn_blocking(move || local::models::chat_models(&folder))
                        .await
                        .map_err(|_| {
                            ProviderError::new(
                                ProviderErrorKind::ServerError,
                                "Listing the models folder failed.",
                            )
                        })??;
                Ok(models
                    .into_iter()
                    .map(|m| ModelInfo {
                        id: m.file,
                        context_length: m.context_length,
                    })
                    .collect())
            }
        }
    }

    /// Generates a reply to `request`, reporting each step to `on_event`.
    /// Cancelling `cancel` ends it at once with what arrived.
    pub async fn generate(
        &self,
        request: &ChatRequest,
        cancel: &CancellationToken,
        on_event: &mut (dyn FnMut(GenEvent<'_>) + Send),
    ) -> Result<Completion, StreamFailure> {
        on_event(GenEvent::Started);
        let outcome = {
            let mut on_delta = |d: &str| on_event(GenEvent::Delta(d));
            match self {
                Model::Remote(p) => p.stream_chat(request, cancel, &mut on_delta).await,
                Model::Local {
                    path,
                    runtime,
                    background,
                    ..
                } => {
                    let mut options = local::GenerateOptions::for_request(request);
                    if *background {
                        options.prompt_block = 1;
                    }
                    generate_local(runtime, path, request, options, cancel, &mut on_delta).await
                }
            }
        };
        match &outcome {
            Ok(done) => on_event(GenEvent::Done(done)),
            Err(failed) => on_event(GenEvent::Failed(failed)),
        }
        outcome
    }

    /// [`Self::generate`] for callers that only want the text as it comes.
    pub async fn stream_chat(
        &self,
        request: &ChatRequest,
        cancel: &CancellationToken,
        on_delta: &mut (dyn FnMut(&str) + Send),
    ) -> Result<Completion, StreamFailure> {
        self.generate(request, cancel, &mut |e| {
            if let GenEvent::Delta(d) = e {
                on_delta(d)
            }
        })
        .await
    }

    /// The whole answer to a request that carries a JSON schema, as text for
    /// a tolerant reader (a model may still wrap it in words or a fence).
    pub async fn answer(
        &self,
        request: &ChatRequest,
        cancel: &CancellationToken,
    ) -> Result<String, ProviderError> {
        debug_assert!(request.schema.is_some(), "ask for JSON with a schema");
        self.stream_chat(request, cancel, &mut |_| {})
            .await
            .map(|c| c.text)
            .map_err(|f| f.error)
    }
}

/// A reply from the model at `path`, loaded once by `runtime`.
async fn generate_local(
    runtime: &Arc<LocalModels>,
    path: &std::path::Path,
    request: &ChatRequest,
    options: local::GenerateOptions,
    cancel: &CancellationToken,
    on_delta: &mut (dyn FnMut(&str) + Send),
) -> Result<Completion, StreamFailure> {
    let failed = |error: ProviderError| StreamFailure {
        error,
        partial: String::new(),
        usage: Usage::default(),
    };
    let model = tokio::select! {
        biased;
        _ = cancel.cancelled() => return Err(failed(ProviderError::cancelled())),
        model = runtime.chat(path, |_| {}) => model.map_err(|e| failed(e.into()))?,
    };
    local::chat::stream_chat(model, request, options, cancel, on_delta).await
}
