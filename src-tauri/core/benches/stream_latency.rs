//! The time from a chunk leaving the (fake) provider to its delta leaving the
//! core, over real loopback HTTP: the server stamps each delta as it hands it
//! to the connection; the core's callback stamps it as it comes out. The
//! figure includes the loopback socket and HTTP, so it is an upper bound on
//! the core's own share.
//!
//! cargo bench -p hearth-core --bench stream_latency

use std::time::{Duration, Instant};

use hearth_core::providers::{
    ChatMessage, ChatRequest, ChatRole, Limits, Provider, ProviderConfig, ProviderKind,
};
use hearth_fake_provider::{FakeProvider, Format, Step};
use tokio_util::sync::CancellationToken;

const CHUNKS: usize = 2000;

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    for (kind, format) in [
        (ProviderKind::OpenaiCompatible, Format::OpenAi),
        (ProviderKind::Anthropic, Format::Anthropic),
        (ProviderKind::Ollama, Format::Ollama),
    ] {
        let server = FakeProvider::start().await;
        let chunks: Vec<String> = (0..CHUNKS).map(|i| format!(" token{i}")).collect();
        // 1 ms apart, so each chunk arrives on its own, as live tokens do.
        server.script([Step::Reply {
            chunks,
            delay: Duration::from_millis(1),
        }]);
        let config = ProviderConfig {
            kind,
            base_url: server.base_url(format),
            model: "fake-small".into(),
            context_length: None,
        };
        let provider = Provider::new(config, Some("sk-bench".into()), Limits::default()).unwrap();
        let request = ChatRequest {
            system: None,
            messages: vec![ChatMessage {
                role: ChatRole::User,
                content: "hi".into(),
            }],
            max_tokens: 4096,
            temperature: None,
            schema: None,
        };
        let mut out = Vec::with_capacity(CHUNKS);
        provider
            .stream_chat(&request, &CancellationToken::new(), &mut |_: &str| {
                out.push(Instant::now())
            })
            .await
            .unwrap();
        let sent = server.sent_times();
        assert_eq!(sent.len(), out.len());
        let mut micros: Vec<u128> = sent
            .iter()
            .zip(&out)
            .map(|(s, o)| o.duration_since(*s).as_micros())
            .collect();
        micros.sort_unstable();
        let at = |q: f64| micros[((micros.len() - 1) as f64 * q) as usize];
        println!(
            "{:<18} chunk→delta over loopback: p50 {} µs, p99 {} µs, max {} µs ({} chunks)",
            kind.id(),
            at(0.50),
            at(0.99),
            micros.last().unwrap(),
            micros.len()
        );
    }
}
