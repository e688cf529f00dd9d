//! Hearth's domain. Everything here runs and is tested without a window; the
//! Tauri shell in `src-tauri/` only wires these functions to IPC commands.

pub mod error;
pub mod paths;
pub mod preferences;
pub mod store;

pub use error::{AppError, ErrorCode};
