//! What the built app allows the page it shows: the Content-Security-Policy
//! and the commands its capabilities grant, read from the context the build
//! embeds (tauri.conf.json as merged, capabilities as resolved), not from a
//! copy of them.

use std::collections::BTreeMap;
use std::path::PathBuf;

use tauri::ipc::Origin;

use crate::{MAIN_WINDOW, context};

/// The built policy, directive by directive.
fn policy() -> BTreeMap<String, Vec<String>> {
    let csp = context()
        .config()
        .app
        .security
        .csp
        .clone()
        .expect("the app must ship a Content-Security-Policy");
    csp.to_string()
        .split(';')
        .filter_map(|directive| {
            let mut words = directive.split_whitespace().map(str::to_owned);
            Some((words.next()?, words.collect()))
        })
        .collect()
}

#[test]
fn the_policy_forbids_inline_script_and_remote_origins() {
    let policy = policy();
    assert_eq!(
        policy.get("default-src").map(Vec::as_slice),
        Some(&["'self'".to_owned()][..]),
        "default-src must be 'self' alone: {policy:?}"
    );
    let script = policy.get("script-src").expect("script-src must be set");
    for unsafe_source in [
        "'unsafe-inline'",
        "'unsafe-eval'",
        "'unsafe-hashes'",
        "'wasm-unsafe-eval'",
        "'strict-dynamic'",
    ] {
        assert!(
            !script.iter().any(|s| s == unsafe_source),
            "script-src must not allow {unsafe_source}: {script:?}"
        );
    }
    let style = policy.get("style-src").expect("style-src must be set");
    assert!(
        !style.iter().any(|s| s == "'unsafe-inline'"),
        "injected style must not apply: {style:?}"
    );
    for directive in ["object-src", "base-uri", "frame-src", "form-action"] {
        assert_eq!(
            policy.get(directive).map(Vec::as_slice),
            Some(&["'none'".to_owned()][..]),
            "{directive} must be 'none'"
        );
    }
    // No directive names a remote origin, a wildcard or a whole scheme that
    // reaches the network. The one http address is Tauri's own IPC, which
    // the webview serves itself (http://ipc.localhost on Linux and Windows).
    for (directive, sources) in &policy {
        for source in sources {
            let local = matches!(
                source.as_str(),
                "'self'" | "'none'" | "data:" | "blob:" | "ipc:" | "http://ipc.localhost"
            );
            assert!(
                local,
                "{directive} allows {source}: only the app's own origin and local schemes may be named"
            );
        }
    }
    for directive in ["script-src", "default-src", "connect-src", "frame-src"] {
        let sources = policy.get(directive).unwrap();
        assert!(
            !sources.iter().any(|s| s == "data:" || s == "blob:"),
            "{directive} must not load data: or blob: URLs: {sources:?}"
        );
    }
}

#[test]
fn the_app_uses_one_capability_the_generated_one() {
    let config = context().config().clone();
    let listed: Vec<String> = config
        .app
        .security
        .capabilities
        .iter()
        .map(|c| match c {
            tauri::utils::config::CapabilityEntry::Reference(id) => id.clone(),
            tauri::utils::config::CapabilityEntry::Inlined(c) => {
                panic!(
                    "no inlined capability may widen the window's: {}",
                    c.identifier
                )
            }
        })
        .collect();
    assert_eq!(listed, ["main-window"]);
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("capabilities");
    let mut files: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    files.sort();
    assert_eq!(
        files,
        ["main-window.json"],
        "capabilities/ holds only the generated capability"
    );
}

/// The framework's own commands and the plugins' that a page could use to
/// leave Hearth's commands behind: none is granted. (Hearth's capability
/// lists no `core:` permission at all; the streams use channels, which need
/// none.)
#[test]
fn the_window_can_call_hearths_commands_and_no_core_or_plugin_command() {
    let mut context = context();
    let authority = context.runtime_authority_mut();
    let allowed = |command: &str| {
        authority
            .resolve_access(command, MAIN_WINDOW, MAIN_WINDOW, &Origin::Local)
            .is_some()
    };
    for command in crate::bindings::COMMANDS {
        assert!(allowed(command), "{command} must be granted to the window");
    }
    for command in [
        "plugin:event|listen",
        "plugin:event|emit",
        "plugin:window|close",
        "plugin:window|set_title",
        "plugin:webview|create_webview_window",
        "plugin:webview|print",
        "plugin:app|version",
        "plugin:path|resolve_directory",
        "plugin:menu|new",
        "plugin:tray|new",
        "plugin:image|from_path",
        "plugin:resources|close",
        "plugin:dialog|open",
        "plugin:dialog|save",
        "plugin:dialog|message",
        "plugin:opener|open_url",
        "plugin:opener|open_path",
        "plugin:opener|reveal_item_in_dir",
        "plugin:window-state|save_window_state",
        "plugin:window-state|restore_state",
        "canary",
    ] {
        assert!(
            !allowed(command),
            "{command} must not be granted to the window"
        );
    }
    // Nor to a page from elsewhere, were one ever shown.
    let remote = Origin::Remote {
        url: "https://example.com".parse().unwrap(),
    };
    assert!(
        authority
            .resolve_access("app_info", MAIN_WINDOW, MAIN_WINDOW, &remote)
            .is_none(),
        "a remote page may call nothing"
    );
}
