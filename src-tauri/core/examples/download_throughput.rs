//! Download throughput over loopback: the built-in SmolLM2 GGUF (98 MB)
//! served by a real HTTP server on 127.0.0.1 and downloaded by
//! `local::download` (streamed, hashed while it arrives, written, verified,
//! moved into a models folder), five times.
//!
//!     HEARTH_MODELS_DIR=.tools/models cargo run --release -p hearth-core --example download_throughput

#[path = "../tests/support/file_server.rs"]
mod file_server;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use file_server::{Behaviour, FileServer};
use hearth_core::local::catalogue;
use hearth_core::local::download::{DownloadOptions, Downloads};

#[tokio::main]
async fn main() {
    let dir = std::env::var_os("HEARTH_MODELS_DIR")
        .map_or_else(|| PathBuf::from(".tools/models"), PathBuf::from);
    let model = catalogue::find("smollm2-135m").unwrap();
    let bytes = std::fs::read(dir.join(&model.files[0].name))
        .expect("the SmolLM2 GGUF (scripts/models.sh)");
    let server = FileServer::start(bytes.into(), Behaviour::default()).await;
    let mut rates = Vec::new();
    for run in 1..=5 {
        let target = tempfile::tempdir().unwrap();
        let downloads = Downloads::new(
            target.path().to_owned(),
            DownloadOptions {
                url_base: Some(server.base.clone()),
                read_timeout: Duration::from_secs(30),
                ..Default::default()
            },
        );
        let started = Instant::now();
        downloads.download(model, |_| {}).await.expect("downloaded");
        let secs = started.elapsed().as_secs_f64();
        let mb_s = model.size() as f64 / 1e6 / secs;
        println!(
            "run {run}: {:.0} MB in {secs:.2} s = {mb_s:.0} MB/s",
            model.size() as f64 / 1e6
        );
        rates.push(mb_s);
    }
    rates.sort_by(f64::total_cmp);
    println!(
        "median {:.0} MB/s (verified with SHA-256, written and synced)",
        rates[2]
    );
}
