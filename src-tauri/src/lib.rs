//! The desktop shell: builds the Tauri app, opens the window, and wires IPC
//! commands to hearth-core. No domain logic lives here.

mod bindings;
#[cfg(feature = "test-canary")]
mod canary;
mod commands;
mod guard;
#[cfg(test)]
mod security;
mod state;

use std::path::PathBuf;

use hearth_core::paths::{self, DataDirSource};
use hearth_core::{Hearth, Options};
use tauri::{Manager, WebviewUrl, WebviewWindowBuilder};
use tracing_subscriber::EnvFilter;

use crate::state::{AppState, native_theme};

const MAIN_WINDOW: &str = "main";
const WINDOW_STATE_FILE: &str = "window-state.json";

pub fn run() {
    let started = std::time::Instant::now();
    tracing_subscriber::fmt()
        .with_env_filter(
            // llama.cpp describes every model it loads at length: only its
            // warnings are kept.
            EnvFilter::try_from_env("HEARTH_LOG")
                .unwrap_or_else(|_| EnvFilter::new("info,llama-cpp-2=warn")),
        )
        .with_writer(std::io::stderr)
        // Colour only on a terminal: log files stay plain text.
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();

    let exe_dir = std::env::current_exe()
        .ok()
        .and_then(|p| p.parent().map(PathBuf::from));
    let chosen = paths::data_dir_override(
        std::env::args_os().skip(1),
        std::env::var_os(paths::DATA_DIR_ENV),
        exe_dir.as_deref(),
    );

    let specta = bindings::builder();
    let handler = specta.invoke_handler();
    // A test build adds the canary command (see canary.rs) beside the list.
    #[cfg(feature = "test-canary")]
    let handler = {
        let canary = canary::handler();
        move |invoke: tauri::ipc::Invoke<tauri::Wry>| {
            if invoke.message.command() == canary::COMMAND {
                canary(invoke)
            } else {
                handler(invoke)
            }
        }
    };

    tauri::Builder::default()
        .plugin(single_instance(chosen.as_ref()))
        .plugin(window_state(chosen.as_ref()))
        // Only for `choose_model_file` and `choose_pdf_path`: no dialog
        // permission is granted to the webview.
        .plugin(tauri_plugin_dialog::init())
        // Used from Rust only (open_link, print_letter): the window is granted
        // none of the plugin's permissions.
        .plugin(tauri_plugin_opener::init())
        .invoke_handler(handler)
        .setup(move |app| {
            tracing::debug!(ms = started.elapsed().as_millis(), "start-up: setting up");
            #[cfg(feature = "test-canary")]
            canary::grant(app)?;
            let (data_dir, source) = match chosen {
                Some(chosen) => chosen,
                None => (app.path().app_data_dir()?, DataDirSource::System),
            };
            // Only the end-to-end tests set these: a catalogue of their own,
            // downloaded from a server on loopback.
            let catalogue = std::env::var_os("HEARTH_CATALOGUE").and_then(|path| {
                hearth_core::local::catalogue::load(std::path::Path::new(&path))
                    .inspect_err(|e| tracing::error!("{e}"))
                    .ok()
            });
            let options = Options {
                catalogue_url_base: std::env::var("HEARTH_CATALOGUE_URL_BASE").ok(),
                catalogue,
                ..Options::default()
            };
            let hearth = Hearth::open(data_dir.clone(), options);
            tracing::debug!(
                ms = started.elapsed().as_millis(),
                "start-up: journal opened"
            );
            // Today's backup, then learning and embedding, once the window is up.
            hearth.start_background(tauri::async_runtime::handle().inner());
            let theme = native_theme(hearth.saved_theme());
            app.manage(AppState {
                hearth,
                data_dir_source: source,
                started,
                ui_ready: Default::default(),
            });

            WebviewWindowBuilder::new(app, MAIN_WINDOW, WebviewUrl::App("index.html".into()))
                .title("Hearth")
                .inner_size(1120.0, 760.0)
                .min_inner_size(720.0, 520.0)
                .theme(theme)
                // Keep the webview's own storage beside the journal, so a fresh
                // or portable data folder is fresh and portable all the way down.
                .data_directory(data_dir.join("webview"))
                // Nothing leaves the app's pages, and no second window opens.
                .on_navigation(guard::allow_navigation)
                .on_new_window(|url, _| {
                    tracing::debug!(%url, "a new window refused");
                    tauri::webview::NewWindowResponse::Deny
                })
                .build()?;
            tracing::debug!(ms = started.elapsed().as_millis(), "start-up: window built");
            Ok(())
        })
        .run(context())
        .expect("Hearth could not start its window");
}

/// The app's configuration and assets as built: tauri.conf.json, the
/// embedded UI, and the capabilities resolved from it.
fn context() -> tauri::Context<tauri::Wry> {
    tauri::generate_context!()
}

/// One Hearth per data folder: a second launch on the same folder brings the
/// first window forward instead of opening the journal twice. (On Linux the
/// lock is a D-Bus name; a chosen folder gets a name of its own.)
fn single_instance(
    chosen: Option<&(PathBuf, DataDirSource)>,
) -> tauri::plugin::TauriPlugin<tauri::Wry> {
    let mut builder = tauri_plugin_single_instance::Builder::new().callback(|app, _args, _cwd| {
        if let Some(window) = app.get_webview_window(MAIN_WINDOW) {
            let _ = window.unminimize();
            let _ = window.show();
            let _ = window.set_focus();
        }
    });
    if let Some((dir, _)) = chosen {
        builder = builder.dbus_id(format!("app.hearth.desktop.d{:016x}", fnv1a(dir)));
    }
    builder.build()
}

fn window_state(
    chosen: Option<&(PathBuf, DataDirSource)>,
) -> tauri::plugin::TauriPlugin<tauri::Wry> {
    let file = match chosen {
        // An absolute path replaces the plugin's default folder.
        Some((dir, _)) => dir.join(WINDOW_STATE_FILE).to_string_lossy().into_owned(),
        None => WINDOW_STATE_FILE.to_owned(),
    };
    tauri_plugin_window_state::Builder::new()
        .with_filename(file)
        .build()
}

/// A stable hash of a path (std's hasher is randomly seeded per process).
fn fnv1a(path: &std::path::Path) -> u64 {
    path.as_os_str()
        .as_encoded_bytes()
        .iter()
        .fold(0xcbf2_9ce4_8422_2325, |h, b| {
            (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
        })
}
