//! Test builds only (the `test-canary` feature, which the end-to-end crate
//! turns on): a command that does nothing but record that it was called, so
//! the security suite can prove that no text shown in the window ever runs
//! script that reaches Hearth's commands. A release build has neither this
//! command nor its permission.

use std::io::Write;

/// Where each call is recorded: one line appended to this file.
pub const FILE_ENV: &str = "HEARTH_CANARY_FILE";

/// The command's name, as the window invokes it.
pub const COMMAND: &str = "canary";

/// Records the call in the file `HEARTH_CANARY_FILE` names (nothing when unset).
#[tauri::command]
pub fn canary() {
    tracing::warn!("the canary command was called");
    let Some(path) = std::env::var_os(FILE_ENV) else {
        return;
    };
    let written = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .and_then(|mut file| file.write_all(b"called\n"));
    if let Err(e) = written {
        tracing::error!("the canary could not record its call: {e}");
    }
}

/// The canary's IPC handler, to be tried before the listed commands'.
pub fn handler() -> impl Fn(tauri::ipc::Invoke<tauri::Wry>) -> bool + Send + Sync + 'static {
    tauri::generate_handler![canary]
}

/// Lets the main window call the canary: its permission exists only in this
/// build (see build.rs), so it is granted here, at start-up, not in the
/// generated capability every build uses.
pub fn grant(app: &tauri::App) -> tauri::Result<()> {
    use tauri::Manager;
    app.add_capability(
        tauri::ipc::CapabilityBuilder::new("test-canary")
            .window(crate::MAIN_WINDOW)
            .permission(format!("allow-{COMMAND}")),
    )
}
