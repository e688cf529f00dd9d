//! A Hearth in a fresh folder that talks through the built-in model, run
//! for real (fetched by `scripts/models.sh .tools/models`, or found in
//! `HEARTH_MODELS_DIR`).

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use hearth_core::local::DEFAULT_CHAT_MODEL;
use hearth_core::{Hearth, Options};

/// The folder holding the built-in models; fails with how to fetch them.
pub fn models_dir() -> PathBuf {
    let dir = std::env::var_os("HEARTH_MODELS_DIR")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../.tools/models"));
    assert!(
        dir.join(DEFAULT_CHAT_MODEL).is_file(),
        "the built-in model is missing from {}: run `scripts/models.sh .tools/models`",
        dir.display()
    );
    dir
}

/// A Hearth in `dir` with no provider (and no Ollama to find): the built-in
/// model is the companion's.
pub fn hearth(dir: &Path) -> Arc<Hearth> {
    Hearth::open(
        dir.to_path_buf(),
        Options {
            keyring_service: None,
            models_dir: Some(models_dir()),
            background_delay: Duration::ZERO,
            ollama_url: "http://127.0.0.1:9".into(),
            ..Default::default()
        },
    )
}
