//! The floor of Hearth's performance report (scripts/perf-report.sh): a bare
//! Tauri 2 window whose static page makes one IPC call on load. It logs the
//! time from `main` to that call as Hearth does ("ui ready … ms=N"), so the
//! same script measures both.
//!
//! Hearth's crate set is linked in (`--stack` reaches it) so that the
//! binary and the `.deb` weigh what the stack weighs in Hearth; the measured
//! launch does not run it, as a bare window would not.

#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

static STARTED: OnceLock<Instant> = OnceLock::new();
static READY: AtomicBool = AtomicBool::new(false);

#[tauri::command]
fn ping() -> String {
    if !READY.swap(true, Ordering::Relaxed) {
        let ms = STARTED.get().map_or(0, |s| s.elapsed().as_millis());
        eprintln!("ui ready: first command from the page ms={ms}");
    }
    "Hello from the floor.".to_owned()
}

/// Touches each crate of Hearth's stack once.
fn stack() -> Result<String, Box<dyn std::error::Error>> {
    let runtime = tokio::runtime::Runtime::new()?;
    let sqlite: String = rusqlite::Connection::open_in_memory()?.query_row(
        "SELECT sqlite_version()",
        [],
        |row| row.get(0),
    )?;
    let client = reqwest::Client::builder().build()?;
    let http = runtime
        .block_on(client.get("http://127.0.0.1:9/").send())
        .map(|r| r.status().to_string())
        .unwrap_or_else(|e| e.to_string());
    let key = keyring::Entry::new("hearth-perf-floor", "nobody")?
        .get_password()
        .unwrap_or_else(|e| e.to_string());
    let sum =
        candle_core::Tensor::ones((4, 4), candle_core::DType::F32, &candle_core::Device::Cpu)?
            .sum_all()?
            .to_scalar::<f32>()?;
    let llama = llama_cpp_2::llama_backend::LlamaBackend::init()
        .map(|_| "llama.cpp")
        .unwrap_or("no llama.cpp");
    let tokenizer = tokenizers::Tokenizer::from_bytes(b"{}")
        .map(|_| "a tokenizer".to_owned())
        .unwrap_or_else(|e| e.to_string());
    Ok(format!(
        "{}: sqlite {sqlite}; http {http}; key {key}; tensor {sum}; {llama}; {tokenizer}",
        chrono::Local::now().to_rfc3339()
    ))
}

fn main() {
    STARTED.get_or_init(Instant::now);
    if std::env::args().any(|a| a == "--stack") {
        match stack() {
            Ok(report) => println!("{report}"),
            Err(e) => eprintln!("{e}"),
        }
        return;
    }
    tauri::Builder::default()
        .invoke_handler(tauri::generate_handler![ping])
        .run(tauri::generate_context!())
        .expect("the floor window could not run");
}
