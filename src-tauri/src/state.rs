//! What the shell keeps: the core service, and what only the shell knows
//! (where the data folder came from, when the process started).

use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use hearth_core::Hearth;
use hearth_core::paths::DataDirSource;
use hearth_core::preferences::Theme;

pub struct AppState {
    pub hearth: Arc<Hearth>,
    pub data_dir_source: DataDirSource,
    /// When the process started, and whether the page has spoken yet: the
    /// first command marks the UI ready (logged, for the start-up benchmark).
    pub started: std::time::Instant,
    pub ui_ready: AtomicBool,
}

impl std::ops::Deref for AppState {
    type Target = Hearth;
    fn deref(&self) -> &Hearth {
        &self.hearth
    }
}

pub fn native_theme(theme: Theme) -> Option<tauri::Theme> {
    match theme {
        Theme::System => None,
        Theme::Light => Some(tauri::Theme::Light),
        Theme::Dark => Some(tauri::Theme::Dark),
    }
}
