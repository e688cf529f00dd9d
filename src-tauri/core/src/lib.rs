//! Hearth's domain. Everything here runs and is tested without a window; the
//! Tauri shell in `src-tauri/` only wires these functions to IPC commands.

pub mod companion;
pub mod connection;
pub mod diary;
pub mod error;
pub mod generation;
pub mod jobs;
pub mod letters;
pub mod local;
pub mod memory;
pub mod paths;
pub mod preferences;
pub mod providers;
pub mod secrets;
pub mod service;
pub mod store;

#[cfg(test)]
mod fuzz;

pub use error::{AppError, ErrorCode};
pub use service::{Hearth, Options};

use std::path::{Path, PathBuf};

use store::{Store, StoreError};

/// Opens the journal in `data_dir` and recovers from a previous run that died:
/// a reply it left streaming is kept and marked partial.
pub fn open_journal(data_dir: &Path) -> Result<Store, StoreError> {
    let (store, report) = Store::open(data_dir.join(store::DATABASE_FILE))?;
    if let Some(backup) = &report.backup {
        tracing::info!(from = report.found_version, backup = %backup.display(), "journal migrated");
    }
    let interrupted = store.with(|c| store::messages::mark_interrupted(c))?;
    let drafts = store.with(|c| store::letters::mark_interrupted(c))?;
    if drafts > 0 {
        tracing::info!(
            drafts,
            "kept letter drafts interrupted by the last exit as partial"
        );
    }
    if interrupted > 0 {
        tracing::info!(
            interrupted,
            "kept replies interrupted by the last exit as partial"
        );
    }
    Ok(store)
}

/// Takes today's copy of the journal in `data_dir/backups/`, if not taken yet
/// (see [`store::daily_backup`]). Slow on a big journal: call it off the UI.
pub fn back_up_daily(data_dir: &Path) -> Result<Option<PathBuf>, StoreError> {
    let today = chrono::Local::now().format("%Y-%m-%d").to_string();
    store::daily_backup(
        &data_dir.join(store::DATABASE_FILE),
        &data_dir.join(store::BACKUP_DIR),
        &today,
    )
}
