//! Stream parsing throughput for each wire format: a 4,000-token reply, framed
//! as the provider sends it, through the same framing and decoding the live
//! stream uses (`providers::read_stream`).
//!
//! cargo bench -p hearth-core --bench stream_parse

use bytes::Bytes;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use hearth_core::providers::{ProviderKind, read_stream};
use hearth_fake_provider::{Format, render};

fn parse(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let words: Vec<String> = (0..4000).map(|i| format!(" word{i},")).collect();
    let mut group = c.benchmark_group("parse_stream");
    for (kind, format) in [
        (ProviderKind::OpenaiCompatible, Format::OpenAi),
        (ProviderKind::Anthropic, Format::Anthropic),
        (ProviderKind::Ollama, Format::Ollama),
    ] {
        let frames: Vec<Bytes> = render(format, &words)
            .into_iter()
            .map(Bytes::from)
            .collect();
        let bytes: usize = frames.iter().map(Bytes::len).sum();
        group.throughput(Throughput::Bytes(bytes as u64));
        group.bench_function(kind.id(), |b| {
            b.iter(|| {
                let body = futures_util::stream::iter(
                    frames.clone().into_iter().map(Ok::<_, std::io::Error>),
                );
                let (text, _) = rt.block_on(read_stream(kind, body)).unwrap();
                assert_eq!(text.len(), words.iter().map(String::len).sum::<usize>());
            })
        });
    }
    group.finish();
}

criterion_group!(benches, parse);
criterion_main!(benches);
