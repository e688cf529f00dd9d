// The IPC commands the window may call: one list, read by build.rs to generate a
// permission per command, and checked against the registered handlers by a test.
pub const COMMANDS: &[&str] = &[
    "app_info",
    "get_preferences",
    "set_theme",
    "list_messages",
    "provider_settings",
    "save_provider",
    "set_api_key",
    "remove_api_key",
    "list_models",
    "test_connection",
    "detect_ollama",
    "try_reply",
    "stop_reply",
];
