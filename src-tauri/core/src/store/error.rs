use std::path::{Path, PathBuf};

use crate::error::{AppError, ErrorCode as Code};
use rusqlite::ErrorCode;

/// Why the journal could not be opened or used.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(
        "{path} was written by a newer version of Hearth (schema {found}; this version knows up to {supported}). \
         It has been left untouched: please update Hearth to open it."
    )]
    TooNew {
        path: PathBuf,
        found: u32,
        supported: u32,
    },
    #[error(
        "{path} is not a readable Hearth database (it may be damaged). \
         It has been left untouched; move it aside or restore a copy from the backups folder. ({detail})"
    )]
    Corrupt { path: PathBuf, detail: String },
    #[error(
        "the journal at {path} is busy in another process; close other copies of Hearth and try again"
    )]
    Busy { path: PathBuf },
    #[error(
        "There is no room left on the disk that holds {path}, so this could not be saved. \
         Everything saved before is safe: free some space and try again."
    )]
    Full { path: PathBuf },
    #[error(
        "Hearth cannot write to {path}: it is read-only (or belongs to someone else). \
         Nothing in it has been changed. Make it writable, or start Hearth with a folder you \
         can write to (--data-dir), and open Hearth again."
    )]
    ReadOnly { path: PathBuf },
    #[error("could not use {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("database error in {path}: {source}")]
    Sqlite {
        path: PathBuf,
        source: rusqlite::Error,
    },
    #[error("could not migrate {path}: {detail}")]
    Migration { path: PathBuf, detail: String },
    #[error("{0}")]
    Invalid(String),
}

impl StoreError {
    pub(crate) fn from_sqlite(path: &Path, error: rusqlite::Error) -> Self {
        let path = path.to_path_buf();
        match error.sqlite_error_code() {
            Some(ErrorCode::NotADatabase | ErrorCode::DatabaseCorrupt) => StoreError::Corrupt {
                path,
                detail: error.to_string(),
            },
            Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => StoreError::Busy { path },
            Some(ErrorCode::DiskFull) => StoreError::Full { path },
            Some(ErrorCode::ReadOnly) => StoreError::ReadOnly { path },
            _ => StoreError::Sqlite {
                path,
                source: error,
            },
        }
    }

    /// A failure to use a file or folder: one the user cannot write to, or
    /// a full disk, is said as such.
    pub(crate) fn io(path: &Path, source: std::io::Error) -> Self {
        use std::io::ErrorKind as Kind;
        let path = path.to_path_buf();
        match source.kind() {
            Kind::PermissionDenied | Kind::ReadOnlyFilesystem => StoreError::ReadOnly { path },
            Kind::StorageFull | Kind::QuotaExceeded => StoreError::Full { path },
            _ => StoreError::Io { path, source },
        }
    }

    /// A stable, machine-readable name for the kind of failure.
    pub fn code(&self) -> &'static str {
        match self {
            StoreError::TooNew { .. } => "database_too_new",
            StoreError::Corrupt { .. } => "database_corrupt",
            StoreError::Busy { .. } => "database_busy",
            StoreError::Full { .. } => "disk_full",
            StoreError::ReadOnly { .. } => "read_only",
            StoreError::Io { .. } => "io",
            StoreError::Sqlite { .. } => "database",
            StoreError::Migration { .. } => "migration",
            StoreError::Invalid(_) => "invalid_input",
        }
    }
}

/// An error that has not yet been told which file it happened in.
#[derive(Debug)]
pub(crate) enum Unplaced {
    Sqlite(rusqlite::Error),
    Migration(String),
}

impl Unplaced {
    pub(crate) fn at(self, path: &Path) -> StoreError {
        match self {
            Unplaced::Sqlite(e) => StoreError::from_sqlite(path, e),
            Unplaced::Migration(detail) => StoreError::Migration {
                path: path.to_path_buf(),
                detail,
            },
        }
    }
}

impl From<rusqlite::Error> for Unplaced {
    fn from(e: rusqlite::Error) -> Self {
        Unplaced::Sqlite(e)
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        let code = match &e {
            StoreError::TooNew { .. } => Code::DatabaseTooNew,
            StoreError::Corrupt { .. } => Code::DatabaseCorrupt,
            StoreError::Busy { .. } => Code::DatabaseBusy,
            StoreError::Full { .. } => Code::DiskFull,
            StoreError::ReadOnly { .. } => Code::ReadOnly,
            StoreError::Io { .. } => Code::Io,
            StoreError::Sqlite { .. } | StoreError::Migration { .. } => Code::Database,
            StoreError::Invalid(_) => Code::InvalidInput,
        };
        AppError {
            code,
            message: e.to_string(),
        }
    }
}
