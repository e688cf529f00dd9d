//! Runs the fake provider by hand: `cargo run -p hearth-fake-provider -- [PORT] [KEY]`.
//! Point Hearth at http://127.0.0.1:PORT/v1 (OpenAI-compatible),
//! http://127.0.0.1:PORT (Anthropic or Ollama). Every reply is the default one.

use hearth_fake_provider::{FakeProvider, Format};

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let port: u16 = args.next().and_then(|p| p.parse().ok()).unwrap_or(11435);
    let server = FakeProvider::start_on(([127, 0, 0, 1], port).into()).await;
    if let Some(key) = args.next() {
        server.require_key(&key);
    }
    println!("fake provider listening:");
    println!("  OpenAI-compatible  {}", server.base_url(Format::OpenAi));
    println!(
        "  Anthropic          {}",
        server.base_url(Format::Anthropic)
    );
    println!("  Ollama             {}", server.base_url(Format::Ollama));
    tokio::signal::ctrl_c().await.ok();
}
