//! The one managed service of the shell: the journal, opened at start-up.

use std::path::PathBuf;
use std::sync::Arc;

use hearth_core::paths::DataDirSource;
use hearth_core::preferences::{self, Theme};
use hearth_core::secrets::Secrets;
use hearth_core::store::Store;
use hearth_core::{AppError, ErrorCode};
use tokio::sync::OnceCell;

pub struct AppState {
    pub data_dir: PathBuf,
    pub data_dir_source: DataDirSource,
    /// Why the journal could not be opened, kept so the window can say so
    /// instead of the app vanishing at start-up.
    store: Result<Arc<Store>, AppError>,
    /// Opened on first use: finding the keyring means a D-Bus round trip that
    /// start-up need not wait for.
    secrets: OnceCell<Arc<Secrets>>,
    pub replies: Arc<crate::replies::Replies>,
    /// When the process started, and whether the page has spoken yet: the
    /// first command marks the UI ready (logged, for the start-up benchmark).
    pub started: std::time::Instant,
    pub ui_ready: std::sync::atomic::AtomicBool,
}

/// The keyring service name: the app's identifier.
const KEYRING_SERVICE: &str = "app.hearth.desktop";

impl AppState {
    pub fn open(
        data_dir: PathBuf,
        data_dir_source: DataDirSource,
        started: std::time::Instant,
    ) -> Self {
        let store = hearth_core::open_journal(&data_dir)
            .map(Arc::new)
            .map_err(|e| {
                tracing::error!(code = e.code(), "could not open the journal: {e}");
                AppError::from(e)
            });
        AppState {
            data_dir,
            data_dir_source,
            store,
            secrets: OnceCell::new(),
            replies: Arc::default(),
            started,
            ui_ready: Default::default(),
        }
    }

    pub fn store(&self) -> Result<Arc<Store>, AppError> {
        self.store.clone()
    }

    pub async fn secrets(&self) -> Arc<Secrets> {
        self.secrets
            .get_or_init(|| async {
                let opened =
                    tauri::async_runtime::spawn_blocking(|| Secrets::open(KEYRING_SERVICE)).await;
                Arc::new(opened.unwrap_or_else(|e| {
                    Secrets::session_only(Some(format!("the keyring check failed: {e}")))
                }))
            })
            .await
            .clone()
    }

    pub fn startup_error(&self) -> Option<AppError> {
        self.store.as_ref().err().cloned()
    }

    pub fn initial_theme(&self) -> Option<tauri::Theme> {
        let theme = self
            .store
            .as_ref()
            .ok()
            .and_then(|s| s.with(|c| preferences::load(c)).ok())
            .map(|p| p.theme)
            .unwrap_or_default();
        native_theme(theme)
    }

    /// Runs a journal operation off the main thread.
    pub async fn journal<T, E, F>(&self, f: F) -> Result<T, AppError>
    where
        T: Send + 'static,
        E: Into<AppError> + Send + 'static,
        F: FnOnce(&Store) -> Result<T, E> + Send + 'static,
    {
        let store = self.store()?;
        tauri::async_runtime::spawn_blocking(move || f(&store))
            .await
            .map_err(|e| AppError {
                code: ErrorCode::Database,
                message: format!("the journal task failed: {e}"),
            })?
            .map_err(Into::into)
    }
}

pub fn native_theme(theme: Theme) -> Option<tauri::Theme> {
    match theme {
        Theme::System => None,
        Theme::Light => Some(tauri::Theme::Light),
        Theme::Dark => Some(tauri::Theme::Dark),
    }
}
