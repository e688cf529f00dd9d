//! The one error shape that crosses the IPC boundary: a stable code the UI can
//! branch on and a sentence a person can read.

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    DatabaseTooNew,
    DatabaseCorrupt,
    DatabaseBusy,
    Database,
    Io,
    /// The disk is full: nothing was saved, nothing saved before was lost.
    DiskFull,
    /// The data folder or the journal cannot be written.
    ReadOnly,
    InvalidInput,
    /// The system keyring failed.
    Keyring,
    // Model providers: see providers::ProviderErrorKind.
    NoKey,
    BadKey,
    RateLimited,
    Overloaded,
    ServerError,
    ModelNotFound,
    Rejected,
    Unreachable,
    ConnectTimeout,
    ResponseTimeout,
    IdleTimeout,
    Dropped,
    Malformed,
    TooLong,
    Cancelled,
    /// No model provider is set up yet.
    NoProvider,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type, thiserror::Error)]
#[error("{message}")]
pub struct AppError {
    pub code: ErrorCode,
    pub message: String,
}

impl AppError {
    pub fn invalid(message: impl Into<String>) -> Self {
        AppError {
            code: ErrorCode::InvalidInput,
            message: message.into(),
        }
    }

    pub fn keyring(message: impl Into<String>) -> Self {
        AppError {
            code: ErrorCode::Keyring,
            message: message.into(),
        }
    }
}

impl From<rusqlite::Error> for AppError {
    fn from(e: rusqlite::Error) -> Self {
        match e.sqlite_error_code() {
            Some(rusqlite::ErrorCode::DiskFull) => AppError {
                code: ErrorCode::DiskFull,
                message: "There is no room left on the disk, so this could not be saved. \
                          Everything saved before is safe: free some space and try again."
                    .into(),
            },
            Some(rusqlite::ErrorCode::ReadOnly) => AppError {
                code: ErrorCode::ReadOnly,
                message: "Hearth's data folder has become read-only, so this could not be \
                          saved. Everything saved before is safe: make the folder writable \
                          and try again."
                    .into(),
            },
            _ => AppError {
                code: ErrorCode::Database,
                message: format!("The journal could not be read or written: {e}"),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_codes_serialise_as_stable_snake_case() {
        let json = serde_json::to_value(AppError {
            code: ErrorCode::DatabaseTooNew,
            message: "m".into(),
        })
        .unwrap();
        assert_eq!(
            json,
            serde_json::json!({"code": "database_too_new", "message": "m"}),
            "the UI branches on these strings: renaming one is a breaking change"
        );
    }
}
