//! Connections: the provider chosen, its key, the model the companion talks
//! through now (the chosen one, else the built-in offline model), the
//! connection check, and the models folder.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::connection::{self, ConnectionCheck, ProviderSettings};
use crate::error::{AppError, ErrorCode};
use crate::generation::{GenEvent, Model, StreamEvent};
use crate::local::{self, LoadProgress, LocalError, LocalModel};
use crate::providers::{self, Limits, ModelInfo, ProviderConfig, ProviderError, ProviderKind};
use crate::secrets::{Endpoint, KeyStatus};
use crate::store::persona;

use super::{Hearth, blocking};

/// The context window assumed when neither the user nor the model list says.
pub const DEFAULT_CONTEXT: u32 = 8_192;

/// The context window a local model is given when the user did not set one:
/// on a CPU the whole prompt is read before the first word. SmolLM2-135M
/// reads ~100 tokens/s on one core, so a full 2,048-token window waits at
/// most ~17 s, typically a few seconds; a small model makes little use of more.
pub const LOCAL_CONTEXT: u32 = 2_048;

/// How long an answer to "is Ollama running?" is trusted.
const OLLAMA_CHECK_TTL: Duration = Duration::from_secs(30);

/// The model the companion talks through now, ready to call.
#[derive(Debug, Clone)]
pub struct ActiveModel {
    pub model: Model,
    /// Its context window in tokens.
    pub context: u32,
}

fn local_error(e: LocalError) -> AppError {
    AppError::from(ProviderError::from(e))
}

impl Hearth {
    /// Whether an Ollama with at least one model answers on this computer
    /// (remembered for a little while: every reply asks).
    async fn ollama_usable(&self) -> bool {
        let seen = *self.ollama_seen.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((at, usable)) = seen
            && at.elapsed() < OLLAMA_CHECK_TTL
        {
            return usable;
        }
        let usable =
            providers::ollama::detect(&self.options.ollama_url, Duration::from_millis(800))
                .await
                .is_some_and(|models| !models.is_empty());
        *self.ollama_seen.lock().unwrap_or_else(|e| e.into_inner()) =
            Some((Instant::now(), usable));
        usable
    }

    /// The built-in model the companion falls back to: when no provider is
    /// chosen, no Ollama is running, and the default model is in the folder.
    async fn embedded_default(&self, active: Option<&ProviderConfig>) -> Option<LocalModel> {
        if active.is_some() {
            return None;
        }
        let dir = self.models_dir.clone();
        let model = blocking(move || Ok(connection::default_local_model(&dir)))
            .await
            .ok()
            .flatten()?;
        if self.ollama_usable().await {
            return None;
        }
        Some(model)
    }

    /// The provider settings the companion uses now: the chosen ones, else
    /// the built-in default. `NoProvider` when neither.
    pub(super) async fn active_config(&self) -> Result<ProviderConfig, AppError> {
        let chosen = self.journal(|s| s.with(|c| connection::load(c))).await?;
        match chosen {
            Some(config) => Ok(config),
            None => match self.embedded_default(None).await {
                Some(model) => Ok(connection::local_config(&model.file)),
                None => Err(AppError {
                    code: ErrorCode::NoProvider,
                    message: "No model is connected yet. Choose one in Settings.".into(),
                }),
            },
        }
    }

    /// A model for `config` with its stored key (a local one runs the file
    /// of that name in the models folder).
    async fn model_for(&self, config: ProviderConfig) -> Result<Model, AppError> {
        let secrets = self.secrets().await;
        let dir = self.models_dir.clone();
        let runtime = self.models.clone();
        blocking(move || connection::model(&config, &secrets, Limits::default(), &dir, &runtime))
            .await
    }

    /// The model the companion talks through now, with its context window.
    pub async fn active_model(&self) -> Result<ActiveModel, AppError> {
        let config = self.active_config().await?;
        self.ready(config).await
    }

    /// `config`'s model, ready to call, with its context window.
    pub(super) async fn ready(&self, config: ProviderConfig) -> Result<ActiveModel, AppError> {
        let context = self.context_for(&config).await;
        let model = self.model_for(config).await?;
        Ok(ActiveModel { model, context })
    }

    async fn context_for(&self, config: &ProviderConfig) -> u32 {
        match config.context_length {
            Some(n) => n,
            None if config.kind.is_in_process() => {
                let path = local::models::model_path(&self.models_dir, &config.model).ok();
                // A loaded model knows its window; the file's header is read otherwise.
                if let Some(model) = path.as_deref().and_then(|p| self.models.loaded_chat(p)) {
                    return (model.context_length() as u32).min(LOCAL_CONTEXT);
                }
                let declared = blocking(move || {
                    Ok(path
                        .and_then(|p| local::models::read_summary(&p).ok())
                        .and_then(|s| s.context_length))
                })
                .await
                .ok()
                .flatten();
                declared.unwrap_or(LOCAL_CONTEXT).min(LOCAL_CONTEXT)
            }
            None => providers::known_context_length(&config.model).unwrap_or(DEFAULT_CONTEXT),
        }
    }

    /// Everything Settings shows about providers (keys only as their status).
    pub async fn provider_settings(&self) -> Result<ProviderSettings, AppError> {
        let secrets = self.secrets().await;
        let mut settings = self
            .journal(move |s| s.run(|c| connection::provider_settings(c, &secrets)))
            .await?;
        settings.embedded = self.embedded_default(settings.active.as_ref()).await;
        Ok(settings)
    }

    /// Stores the provider to use (its key is set separately).
    pub async fn save_provider(
        &self,
        config: ProviderConfig,
    ) -> Result<ProviderSettings, AppError> {
        let secrets = self.secrets().await;
        let dir = self.models_dir.clone();
        self.journal(move |s| {
            s.run(|c| {
                connection::save_checked(c, &config, &dir)?;
                connection::provider_settings(c, &secrets)
            })
        })
        .await
    }

    /// Stores or replaces the key for `kind` at `base_url` in the key store;
    /// only its status comes back. The key is sent to that address only.
    pub async fn set_api_key(
        &self,
        kind: ProviderKind,
        base_url: String,
        key: String,
    ) -> Result<KeyStatus, AppError> {
        let secrets = self.secrets().await;
        blocking(move || {
            secrets
                .set(&Endpoint::new(kind, &base_url), &key)
                .map_err(|e| AppError::keyring(e.to_string()))
        })
        .await
    }

    pub async fn remove_api_key(
        &self,
        kind: ProviderKind,
        base_url: String,
    ) -> Result<KeyStatus, AppError> {
        let secrets = self.secrets().await;
        blocking(move || {
            secrets
                .remove(&Endpoint::new(kind, &base_url))
                .map_err(|e| AppError::keyring(e.to_string()))
        })
        .await
    }

    /// Whether a key is saved for `kind` at `base_url` (and its last four).
    pub async fn key_status(
        &self,
        kind: ProviderKind,
        base_url: String,
    ) -> Result<KeyStatus, AppError> {
        let secrets = self.secrets().await;
        blocking(move || connection::key_status(&secrets, kind, &base_url)).await
    }

    /// The models a provider offers, asked with its stored key.
    pub async fn list_models(&self, config: ProviderConfig) -> Result<Vec<ModelInfo>, AppError> {
        Ok(self.model_for(config).await?.list_models().await?)
    }

    /// Tries the address, the key and the model without spending tokens.
    pub async fn test_connection(
        &self,
        config: ProviderConfig,
    ) -> Result<ConnectionCheck, AppError> {
        let model = self.model_for(config).await?;
        Ok(connection::check(&model).await?)
    }

    /// The models of a local Ollama, if one is running.
    pub async fn detect_ollama(&self) -> Option<Vec<ModelInfo>> {
        providers::ollama::detect(&self.options.ollama_url, Duration::from_millis(800)).await
    }

    /// Streams a short hello from `config`'s model to `on_event`, and returns
    /// the stream's id at once (for [`Hearth::stop_stream`]).
    pub async fn try_reply(
        self: &Arc<Self>,
        config: ProviderConfig,
        on_event: impl Fn(StreamEvent) + Send + Sync + 'static,
    ) -> Result<u32, AppError> {
        let model = self.model_for(config).await?;
        let user = self
            .journal(|s| s.with(|c| persona::get(c)))
            .await
            .ok()
            .flatten()
            .map(|p| p.user_name);
        let request = connection::hello_request(user.as_deref());
        let (id, cancel) = self.streams.start();
        let this = self.clone();
        tokio::spawn(async move {
            let name = model.config().model.clone();
            let outcome = model
                .generate(&request, &cancel, &mut |e| match e {
                    GenEvent::Started => on_event(StreamEvent::Started {
                        model: name.clone(),
                    }),
                    GenEvent::Delta(text) => on_event(StreamEvent::Delta {
                        text: text.to_owned(),
                    }),
                    GenEvent::Done(_) | GenEvent::Failed(_) => {}
                })
                .await;
            this.streams.finish(id);
            on_event(match outcome {
                Ok(done) => StreamEvent::Done {
                    message: None,
                    usage: done.usage,
                },
                Err(failure) => StreamEvent::failed(failure),
            });
        });
        Ok(id)
    }

    /// The models in the models folder (chat models first).
    pub async fn local_models_list(&self) -> Result<Vec<LocalModel>, AppError> {
        let dir = self.models_dir.clone();
        blocking(move || local::models::list(&dir).map_err(local_error)).await
    }

    /// Copies the GGUF file at `path` (a full path) into the models folder.
    pub async fn import_local_model(&self, path: String) -> Result<LocalModel, AppError> {
        let path = path.trim().trim_matches(['"', '\'']).to_owned();
        if path.is_empty() {
            return Err(AppError::invalid(
                "Give the path of a .gguf file to import.",
            ));
        }
        let source = PathBuf::from(path);
        if !source.is_absolute() {
            return Err(AppError::invalid(format!(
                "“{}” is not a full path; it should start with / (or a drive letter on Windows).",
                source.display()
            )));
        }
        let dir = self.models_dir.clone();
        blocking(move || local::models::import(&dir, &source).map_err(local_error)).await
    }

    /// Removes a model from the models folder (unloading it first).
    pub async fn remove_local_model(&self, file: String) -> Result<(), AppError> {
        let dir = self.models_dir.clone();
        let runtime = self.models.clone();
        blocking(move || {
            if let Ok(path) = local::models::model_path(&dir, &file) {
                runtime.unload_chat(&path);
            }
            local::models::remove(&dir, &file).map_err(local_error)
        })
        .await
    }

    /// Loads the in-process model the companion uses, if it uses one and it
    /// is not loaded yet, reporting progress (at most once per percent).
    /// Returns its file name, or `None` when the companion talks through a
    /// remote provider or nothing is connected.
    pub async fn warm_local_model(
        &self,
        on_progress: impl Fn(LoadProgress) + Send + 'static,
    ) -> Result<Option<String>, AppError> {
        let config = match self.active_config().await {
            Ok(config) => config,
            Err(e) if e.code == ErrorCode::NoProvider => return Ok(None),
            Err(e) => return Err(e),
        };
        if !config.kind.is_in_process() {
            return Ok(None);
        }
        let path =
            local::models::model_path(&self.models_dir, &config.model).map_err(local_error)?;
        let mut last = -1i32;
        self.models
            .chat(&path, move |p: LoadProgress| {
                let percent = (p.fraction() * 100.0) as i32;
                if percent != last {
                    last = percent;
                    on_progress(p);
                }
            })
            .await
            .map_err(local_error)?;
        Ok(Some(config.model))
    }
}
