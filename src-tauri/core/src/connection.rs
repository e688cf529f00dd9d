//! The provider the user chose: its settings in the journal, its key in the
//! key store, and the "Test connection" check.

use std::path::Path;
use std::sync::Arc;

use rusqlite::Connection;
use serde::Serialize;

use crate::error::AppError;
use crate::generation::Model;
use crate::local::LocalModels;
use crate::local::{self, LocalModel};
use crate::providers::{
    ChatMessage, ChatRequest, ChatRole, Limits, ModelInfo, ProviderConfig, ProviderError,
    ProviderErrorKind, ProviderKind,
};
use crate::secrets::{Endpoint, KeyStatus, KeyStoreStatus, Secrets};
use crate::store::settings;

const PROVIDER_KEY: &str = "provider.active";

/// Everything Settings shows about providers. Keys appear only as [`KeyStatus`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ProviderSettings {
    pub active: Option<ProviderConfig>,
    /// The keys of the active connection and of each kind's usual address
    /// (any other address: [`key_status`]).
    pub keys: Vec<KeyStatus>,
    pub key_store: KeyStoreStatus,
    /// The built-in model the companion talks through because nothing else
    /// is set up (no provider chosen, no Ollama running): a small offline
    /// model. `None` when a provider is chosen or the model is absent.
    pub embedded: Option<LocalModel>,
}

/// What "Test connection" found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ConnectionCheck {
    pub models: Vec<ModelInfo>,
    /// Whether the chosen model is among them (or the server serves only one).
    pub model_available: bool,
}

pub fn load(conn: &Connection) -> rusqlite::Result<Option<ProviderConfig>> {
    settings::get(conn, PROVIDER_KEY)
}

/// Checks and stores the provider settings (not the key).
pub fn save(conn: &Connection, config: &ProviderConfig) -> Result<ProviderConfig, AppError> {
    let config = normalise(config.clone())?;
    settings::set(conn, PROVIDER_KEY, &config)?;
    Ok(config)
}

/// [`save`], also making sure a local model is in `models_dir`.
pub fn save_checked(
    conn: &Connection,
    config: &ProviderConfig,
    models_dir: &Path,
) -> Result<ProviderConfig, AppError> {
    let config = normalise(config.clone())?;
    check_local_model(&config, models_dir)?;
    settings::set(conn, PROVIDER_KEY, &config)?;
    Ok(config)
}

/// The settings that run the GGUF file `file` of the models folder.
pub fn local_config(file: &str) -> ProviderConfig {
    ProviderConfig {
        kind: ProviderKind::Local,
        base_url: String::new(),
        model: file.to_owned(),
        context_length: None,
    }
}

/// Trims the fields and refuses settings that cannot work. A local model's
/// settings hold no address (the shell supplies the models folder), only the
/// name of a GGUF file in it.
pub fn normalise(mut config: ProviderConfig) -> Result<ProviderConfig, AppError> {
    config.base_url = config.base_url.trim().trim_end_matches('/').to_owned();
    config.model = config.model.trim().to_owned();
    if config.context_length.is_some_and(|n| n < 512) {
        return Err(AppError::invalid(
            "A context length under 512 tokens is too small to hold a conversation.",
        ));
    }
    if config.kind.is_in_process() {
        config.base_url = String::new();
        if config.model.is_empty() {
            return Err(AppError::invalid(
                "Choose a model from the models folder, or import one.",
            ));
        }
        let gguf = local::models::is_gguf_name(&config.model);
        if !gguf || local::models::model_path(Path::new(""), &config.model).is_err() {
            return Err(AppError::invalid(format!(
                "“{}” is not a model file in the models folder; its name should end in “.gguf”.",
                config.model
            )));
        }
        return Ok(config);
    }
    if config.base_url.is_empty() {
        config.base_url = config.kind.default_base_url().to_owned();
    }
    match reqwest::Url::parse(&config.base_url) {
        Ok(url) if matches!(url.scheme(), "http" | "https") && url.host().is_some() => {}
        _ => {
            return Err(AppError::invalid(format!(
                "“{}” is not a web address. It should look like {}.",
                config.base_url,
                config.kind.default_base_url()
            )));
        }
    }
    Ok(config)
}

/// Refuses a local model whose file is not in `models_dir` (other kinds pass).
pub fn check_local_model(config: &ProviderConfig, models_dir: &Path) -> Result<(), AppError> {
    if !config.kind.is_in_process() {
        return Ok(());
    }
    let path = local::models::model_path(models_dir, &config.model)
        .map_err(|e| AppError::invalid(e.to_string()))?;
    if path.is_file() {
        Ok(())
    } else {
        Err(AppError {
            code: crate::error::ErrorCode::ModelNotFound,
            message: format!(
                "The model “{}” is not in the models folder ({}). Import it in Settings, or choose another.",
                config.model,
                models_dir.display()
            ),
        })
    }
}

/// The built-in default chat model, when it is in `models_dir`.
pub fn default_local_model(models_dir: &Path) -> Option<LocalModel> {
    let path = models_dir.join(local::DEFAULT_CHAT_MODEL);
    if !path.is_file() {
        return None;
    }
    local::models::chat_models(models_dir)
        .ok()?
        .into_iter()
        .find(|m| m.file == local::DEFAULT_CHAT_MODEL)
}

pub fn provider_settings(
    conn: &Connection,
    secrets: &Secrets,
) -> Result<ProviderSettings, AppError> {
    let active = load(conn)?;
    let mut endpoints: Vec<Endpoint> = ProviderKind::REMOTE
        .into_iter()
        .filter(|k| k.takes_key())
        .map(|k| Endpoint::new(k, ""))
        .collect();
    if let Some(a) = active.as_ref().filter(|a| a.kind.takes_key()) {
        let mine = Endpoint::new(a.kind, &a.base_url);
        if !endpoints.contains(&mine) {
            endpoints.insert(0, mine);
        }
    }
    let keys = endpoints
        .iter()
        .map(|e| secrets.key_status(e))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| AppError::keyring(e.to_string()))?;
    Ok(ProviderSettings {
        active,
        keys,
        key_store: secrets.status(),
        embedded: None,
    })
}

/// A model for `config` with its stored key. A local model runs the file of
/// that name in `models_dir`, loaded once by `runtime`.
pub fn model(
    config: &ProviderConfig,
    secrets: &Secrets,
    limits: Limits,
    models_dir: &Path,
    runtime: &Arc<LocalModels>,
) -> Result<Model, AppError> {
    let mut config = normalise(config.clone())?;
    if config.kind.is_in_process() {
        check_local_model(&config, models_dir)?;
        config.base_url = models_dir.to_string_lossy().into_owned();
    }
    // Only the key saved for this very address.
    let key = if config.kind.takes_key() {
        secrets
            .get(&Endpoint::new(config.kind, &config.base_url))
            .map_err(|e| AppError::keyring(e.to_string()))?
    } else {
        None
    };
    Ok(Model::new(config, key, limits, runtime)?)
}

/// What the UI may see about the key saved for `kind` at `base_url`.
pub fn key_status(
    secrets: &Secrets,
    kind: ProviderKind,
    base_url: &str,
) -> Result<KeyStatus, AppError> {
    secrets
        .key_status(&Endpoint::new(kind, base_url))
        .map_err(|e| AppError::keyring(e.to_string()))
}

/// Lists the provider's models with the stored key: proves the address, the
/// key and the model without spending tokens.
pub async fn check(model: &Model) -> Result<ConnectionCheck, ProviderError> {
    let models = model.list_models().await?;
    let wanted = &model.config().model;
    // A server that serves one model (llama.cpp's lists its file path as the
    // id and answers to any name) serves it whatever it is called.
    let model_available = (!wanted.is_empty() && models.iter().any(|m| &m.id == wanted))
        || (models.len() == 1 && !model.is_in_process());
    Ok(ConnectionCheck {
        models,
        model_available,
    })
}

/// The short exchange Settings uses to show a provider streaming: cheap, and
/// enough to prove the whole path from the model to the window.
pub fn hello_request(user_name: Option<&str>) -> ChatRequest {
    let who = user_name
        .filter(|n| !n.trim().is_empty())
        .unwrap_or("someone new");
    ChatRequest {
        system: Some(format!(
            "You are a warm companion meeting {who} for the first time. Answer in one short, friendly sentence."
        )),
        messages: vec![ChatMessage {
            role: ChatRole::User,
            content: "Hello! Can you hear me?".into(),
        }],
        max_tokens: 80,
        temperature: Some(0.7),
        schema: None,
    }
}

impl From<ProviderError> for AppError {
    fn from(e: ProviderError) -> Self {
        use crate::error::ErrorCode as C;
        let code = match e.kind {
            ProviderErrorKind::NoKey => C::NoKey,
            ProviderErrorKind::BadKey => C::BadKey,
            ProviderErrorKind::RateLimited => C::RateLimited,
            ProviderErrorKind::Overloaded => C::Overloaded,
            ProviderErrorKind::ServerError => C::ServerError,
            ProviderErrorKind::ModelNotFound => C::ModelNotFound,
            ProviderErrorKind::Rejected => C::Rejected,
            ProviderErrorKind::Unreachable => C::Unreachable,
            ProviderErrorKind::ConnectTimeout => C::ConnectTimeout,
            ProviderErrorKind::ResponseTimeout => C::ResponseTimeout,
            ProviderErrorKind::IdleTimeout => C::IdleTimeout,
            ProviderErrorKind::Dropped => C::Dropped,
            ProviderErrorKind::Malformed => C::Malformed,
            ProviderErrorKind::TooLong => C::TooLong,
            ProviderErrorKind::Cancelled => C::Cancelled,
            ProviderErrorKind::Misconfigured => C::InvalidInput,
        };
        AppError {
            code,
            message: e.message,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(base_url: &str) -> ProviderConfig {
        ProviderConfig {
            kind: ProviderKind::OpenaiCompatible,
            base_url: base_url.into(),
            model: "  gpt-4o-mini ".into(),
            context_length: None,
        }
    }

    #[test]
    fn settings_are_trimmed_and_an_empty_address_means_the_default() {
        let c = normalise(config("  http://localhost:1234/v1/ ")).unwrap();
        assert_eq!(c.base_url, "http://localhost:1234/v1");
        assert_eq!(c.model, "gpt-4o-mini");
        assert_eq!(
            normalise(config("")).unwrap().base_url,
            "https://api.openai.com/v1"
        );
    }

    #[test]
    fn addresses_that_cannot_work_are_refused_with_an_example() {
        for bad in ["localhost:1234", "ftp://x", "http://", "not a url"] {
            let e = normalise(config(bad)).unwrap_err();
            assert_eq!(e.code, crate::error::ErrorCode::InvalidInput, "{bad}");
            assert!(
                e.message.contains("https://api.openai.com/v1"),
                "{}",
                e.message
            );
        }
    }

    #[test]
    fn a_local_model_needs_no_address_only_a_gguf_file_name() {
        let mut c = local_config("  SmolLM2.gguf ");
        c.base_url = "http://ignored".into();
        let c = normalise(c).unwrap();
        assert_eq!(c.base_url, "");
        assert_eq!(c.model, "SmolLM2.gguf");
        for bad in ["", "notes.txt", "../x.gguf", "a/b.gguf", ".gguf"] {
            let e = normalise(local_config(bad)).unwrap_err();
            assert_eq!(e.code, crate::error::ErrorCode::InvalidInput, "{bad:?}");
            assert!(e.message.ends_with('.'), "{}", e.message);
        }
    }

    #[test]
    fn a_local_model_must_be_in_the_models_folder() {
        let dir = tempfile::tempdir().unwrap();
        let secrets = Secrets::session_only(None);
        let config = local_config("absent.gguf");
        let runtime = LocalModels::new();
        let e = model(&config, &secrets, Limits::default(), dir.path(), &runtime).unwrap_err();
        assert_eq!(e.code, crate::error::ErrorCode::ModelNotFound);
        assert!(
            e.message
                .contains("“absent.gguf” is not in the models folder"),
            "{}",
            e.message
        );
        let (store, _) = crate::store::Store::open(dir.path().join("j.db")).unwrap();
        assert!(store.run(|c| save_checked(c, &config, dir.path())).is_err());
        assert_eq!(store.with(|c| load(c)).unwrap(), None, "nothing is saved");

        std::fs::write(dir.path().join("present.gguf"), b"GGUF").unwrap();
        let config = local_config("present.gguf");
        let m = model(&config, &secrets, Limits::default(), dir.path(), &runtime).unwrap();
        assert_eq!(m.local_path().unwrap(), dir.path().join("present.gguf"));
        let saved = store.run(|c| save_checked(c, &config, dir.path())).unwrap();
        assert_eq!(saved.base_url, "", "the folder is not stored");
        assert_eq!(store.with(|c| load(c)).unwrap(), Some(saved));
    }

    #[test]
    fn the_default_local_model_is_found_only_when_present() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(default_local_model(dir.path()), None);
        std::fs::write(dir.path().join(local::DEFAULT_CHAT_MODEL), b"GGUF").unwrap();
        let found = default_local_model(dir.path()).unwrap();
        assert_eq!(found.file, local::DEFAULT_CHAT_MODEL);
        assert_eq!(found.licence, "Apache-2.0");
    }

    #[tokio::test]
    async fn a_local_provider_lists_the_models_folder() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("one.gguf"), b"GGUF").unwrap();
        let p = model(
            &local_config("one.gguf"),
            &Secrets::session_only(None),
            Limits::default(),
            dir.path(),
            &LocalModels::new(),
        )
        .unwrap();
        let found = check(&p).await.unwrap();
        assert!(found.model_available, "{found:?}");
        assert_eq!(found.models.len(), 1);
    }

    #[test]
    fn saved_settings_hold_no_key() {
        let dir = tempfile::tempdir().unwrap();
        let (store, _) = crate::store::Store::open(dir.path().join("j.db")).unwrap();
        let secrets = Secrets::session_only(None);
        secrets
            .set(
                &Endpoint::new(ProviderKind::OpenaiCompatible, "http://127.0.0.1:9/v1"),
                "sk-secret-abcd",
            )
            .unwrap();
        store
            .run(|c| save(c, &config("http://127.0.0.1:9/v1")))
            .unwrap();
        let shown = store.run(|c| provider_settings(c, &secrets)).unwrap();
        assert_eq!(shown.active.unwrap().model, "gpt-4o-mini");
        let json = serde_json::to_string(&shown.keys).unwrap();
        assert!(
            json.contains("\"lastFour\":\"abcd\"") && !json.contains("sk-secret"),
            "{json}"
        );
    }
}
