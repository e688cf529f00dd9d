//! The typed IPC surface, and the TypeScript bindings generated from it.
//!
//! `ui/src/lib/bindings.ts` is generated, never edited: regenerate it with
//! `HEARTH_UPDATE_BINDINGS=1 cargo test -p hearth bindings`. A test fails while
//! the committed file differs from what the Rust types produce.

use tauri_specta::{Builder, collect_commands};

use crate::commands::{app, companion, local, memories, providers};

pub fn builder() -> Builder<tauri::Wry> {
    Builder::<tauri::Wry>::new()
        .commands(collect_commands![
            app::app_info,
            app::get_preferences,
            app::set_theme,
            app::list_messages,
            providers::provider_settings,
            providers::save_provider,
            providers::set_api_key,
            providers::remove_api_key,
            providers::list_models,
            providers::test_connection,
            providers::detect_ollama,
            providers::try_reply,
            providers::stop_reply,
            companion::get_persona,
            companion::save_persona,
            companion::introduce,
            companion::send_message,
            companion::regenerate_reply,
            companion::edit_last_message,
            companion::keep_moment,
            companion::release_moment,
            memories::list_memories,
            memories::update_memory,
            memories::delete_memory,
            local::list_local_models,
            local::import_local_model,
            local::choose_model_file,
            local::remove_local_model,
            local::warm_local_model,
        ])
        .constant("PROVIDERS", hearth_core::providers::catalogue())
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use specta_typescript::{BigIntExportBehavior, Typescript};

    use super::*;
    use crate::command_names::COMMANDS;

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
            "src/command_names.rs (which generates the permissions) must list exactly the registered commands"
        );
    }
}
