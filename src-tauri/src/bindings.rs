//! The typed IPC surface, and the TypeScript bindings generated from it.
//!
//! `ui/src/lib/bindings.ts` is generated, never edited: regenerate it with
//! `HEARTH_UPDATE_BINDINGS=1 cargo test -p hearth bindings`. A test fails while
//! the committed file differs from what the Rust types produce.

use tauri_specta::{Builder, collect_commands};

use crate::commands::{app, companion, diary, letters, local, memories, providers};

/// Expands the command list (src/command_names.rs) into the handlers and,
/// for tests, their names.
macro_rules! hearth_commands {
    ($($area:ident :: $name:ident),* $(,)?) => {
        fn commands() -> tauri_specta::Commands<tauri::Wry> {
            collect_commands![$($area::$name),*]
        }

        #[cfg(test)]
        pub(crate) const COMMANDS: &[&str] = &[$(stringify!($name)),*];
    };
}
include!("command_names.rs");

/// What the window knows from the core before it asks anything.
#[derive(serde::Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
struct Constants {
    /// The longest memory, in characters (the core refuses longer ones).
    max_memory_chars: u32,
    /// Every kind of provider, in the order Settings offers them.
    providers: Vec<hearth_core::providers::ProviderInfo>,
}

fn constants() -> Constants {
    Constants {
        max_memory_chars: hearth_core::store::memories::MAX_TEXT_CHARS as u32,
        providers: hearth_core::providers::catalogue(),
    }
}

pub fn builder() -> Builder<tauri::Wry> {
    Builder::<tauri::Wry>::new()
        .commands(commands())
        // One constant: tauri-specta keeps constants in a HashMap, so two
        // would be written in a different order from run to run.
        .constant("CONSTANTS", constants())
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use specta_typescript::{BigIntExportBehavior, Typescript};

    use super::*;

    /// How the TypeScript is written. Timestamps and ids are i64 in Rust; as
    /// milliseconds and row ids they stay far below 2^53, so `number` is exact.
    /// The file carries tauri-specta's unused event helpers, hence the pragmas.
    fn typescript() -> Typescript {
        Typescript::default()
            .bigint(BigIntExportBehavior::Number)
            .header(
                "// @ts-nocheck\n/* eslint-disable */\n\
                 // Generated from the Rust command and type definitions by tauri-specta. Do not edit.\n\
                 // Regenerate: HEARTH_UPDATE_BINDINGS=1 cargo test -p hearth bindings\n",
            )
    }

    fn committed_path() -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../ui/src/lib/bindings.ts")
    }

    fn generate() -> String {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("bindings.ts");
        builder()
            .export(typescript(), &out)
            .expect("export bindings");
        std::fs::read_to_string(out).unwrap()
    }

    #[test]
    fn bindings_ts_matches_the_rust_definitions() {
        let fresh = generate();
        let path = committed_path();
        if std::env::var_os("HEARTH_UPDATE_BINDINGS").is_some() {
            std::fs::write(&path, &fresh).unwrap();
            return;
        }
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            committed == fresh,
            "{} is stale: the UI would call commands with the wrong types. \
             Regenerate it with `HEARTH_UPDATE_BINDINGS=1 cargo test -p hearth bindings`.",
            path.display()
        );
    }

    #[test]
    fn every_command_has_a_permission_and_every_permission_a_command() {
        let ts = generate();
        let mut invoked: Vec<&str> = ts
            .match_indices("TAURI_INVOKE(\"")
            .map(|(i, m)| {
                let rest = &ts[i + m.len()..];
                &rest[..rest.find('"').unwrap()]
            })
            .collect();
        invoked.sort_unstable();
        let mut listed = COMMANDS.to_vec();
        listed.sort_unstable();
        assert_eq!(
            invoked, listed,
            "the bindings call exactly the listed commands"
        );
    }

    #[test]
    fn the_window_is_granted_exactly_the_listed_commands() {
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("capabilities/main-window.json");
        let capability: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let mut granted: Vec<String> = capability["permissions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p.as_str().unwrap().to_owned())
            .collect();
        granted.sort_unstable();
        let mut wanted: Vec<String> = COMMANDS
            .iter()
            .map(|c| format!("allow-{}", c.replace('_', "-")))
            .collect();
        wanted.sort_unstable();
        assert_eq!(
            granted, wanted,
            "build.rs writes the capability from src/command_names.rs: the window gets our commands and nothing else"
        );
    }
}
