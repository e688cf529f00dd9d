//! The catalogue of recommended models and their downloads: what fits this
//! computer, starting, pausing and cancelling a download. A download runs in
//! the background and reports progress; the built-in model keeps talking
//! meanwhile.

use serde::Serialize;

use super::{Hearth, blocking};
use crate::error::{AppError, ErrorCode};
use crate::local::catalogue::{self, CatalogueModel, Machine};
use crate::local::download::{DownloadError, DownloadProgress};

/// The catalogue as the window shows it.
#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ModelCatalogue {
    pub machine: Machine,
    /// The catalogue entry that suits this computer best, when one beats the
    /// built-in model and is not in the models folder yet.
    pub recommended: Option<String>,
    pub models: Vec<CatalogueEntry>,
}

/// One catalogue model and where it stands here.
#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct CatalogueEntry {
    pub model: CatalogueModel,
    /// Its size in bytes, all files.
    pub size_bytes: u64,
    /// May be downloaded (its checksums are known).
    pub offered: bool,
    /// Hearth can run it.
    pub runnable: bool,
    /// Already in the models folder.
    pub installed: bool,
    /// Its download, when one is running, paused or failed.
    pub download: Option<DownloadProgress>,
}

fn download_error(e: DownloadError) -> AppError {
    let code = match &e {
        DownloadError::Invalid(_) | DownloadError::NoRoom(_) => ErrorCode::InvalidInput,
        DownloadError::Offline(_) => ErrorCode::Unreachable,
        DownloadError::Server(_) => ErrorCode::ServerError,
        DownloadError::Dropped(_) => ErrorCode::Dropped,
        DownloadError::Corrupt(_) => ErrorCode::Malformed,
        DownloadError::DiskFull(_) | DownloadError::Io(_) => ErrorCode::Io,
        DownloadError::Stopped => ErrorCode::Cancelled,
    };
    AppError {
        code,
        message: e.to_string(),
    }
}

impl Hearth {
    fn catalogue_model(&self, id: &str) -> Result<CatalogueModel, AppError> {
        self.catalogue
            .iter()
            .find(|m| m.id == id)
            .cloned()
            .ok_or_else(|| {
                AppError::invalid(format!("“{id}” is not a model in Hearth's catalogue."))
            })
    }

    /// The catalogue, this computer, the model recommended for it and where
    /// each model stands (installed, downloading, paused).
    pub async fn model_catalogue(&self) -> Result<ModelCatalogue, AppError> {
        let dir = self.models_dir.clone();
        let downloads = self.downloads.statuses();
        let all = self.catalogue.clone();
        blocking(move || {
            let machine = Machine::this();
            let installed: Vec<String> = crate::local::models::list(&dir)
                .map(|l| l.into_iter().map(|m| m.file).collect())
                .unwrap_or_default();
            let models: Vec<CatalogueEntry> = all
                .iter()
                .map(|m| CatalogueEntry {
                    size_bytes: m.size(),
                    offered: m.offered(),
                    runnable: m.runnable(),
                    installed: installed.iter().any(|f| f == m.installed_name()),
                    download: downloads.iter().find(|d| d.id == m.id).cloned(),
                    model: m.clone(),
                })
                .collect();
            let recommended = catalogue::recommend(&all, &machine)
                .filter(|m| !installed.iter().any(|f| f == m.installed_name()))
                .map(|m| m.id.clone());
            Ok(ModelCatalogue {
                machine,
                recommended,
                models,
            })
        })
        .await
    }

    /// Starts (or resumes) downloading the catalogue model `id` in the
    /// background, reporting progress to `on_progress`; the last report is a
    /// final state. Refused at once when it can't start (unknown, already
    /// installed or downloading).
    pub fn download_model(
        &self,
        id: &str,
        on_progress: impl Fn(DownloadProgress) + Send + Sync + 'static,
    ) -> Result<(), AppError> {
        let model = self.catalogue_model(id)?;
        if self.downloads.is_running(id) {
            return Err(AppError::invalid(format!(
                "{} is already downloading.",
                model.name
            )));
        }
        let downloads = self.downloads.clone();
        tokio::spawn(async move {
            match downloads.download(&model, on_progress).await {
                Ok(local) => tracing::info!(file = %local.file, "a model was downloaded"),
                Err(e) => tracing::info!(id = %model.id, "a download stopped: {e}"),
            }
        });
        Ok(())
    }

    /// Pauses the download `id`, keeping its bytes; false if it was not running.
    pub fn pause_model_download(&self, id: &str) -> bool {
        self.downloads.pause(id)
    }

    /// Cancels the download `id` and deletes what it had downloaded.
    pub async fn cancel_model_download(&self, id: String) -> Result<(), AppError> {
        let downloads = self.downloads.clone();
        blocking(move || downloads.cancel(&id).map_err(download_error)).await
    }
}
