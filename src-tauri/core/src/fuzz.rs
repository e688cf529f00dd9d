//! Fuzzing, in the ordinary test run: the three stream parsers (OpenAI's
//! and Anthropic's server-sent events, Ollama's NDJSON) and the GGUF header
//! reader each read a million hostile inputs without a panic.
//!
//! Random bytes rarely get past a parser's first check, so each input is a
//! valid stream or header (the fake provider's frames, a header candle
//! writes) mutated a few times: truncated, cut, repeated, spliced with
//! another seed, bytes and words from a dictionary of troublemakers inserted
//! (line ends, BOMs, bad UTF-8, escapes, huge numbers), integers overwritten
//! with extreme lengths and counts; streams are then split into chunks at
//! random points, often at every byte. The stream targets also check that
//! the split never changes what is read.
//!
//! `HEARTH_FUZZ_INPUTS` sets the inputs per target (default 1,000,000) and
//! `HEARTH_FUZZ_SEED` the seed (default fixed, so a failure repeats; the
//! panic names the input).

use std::io::Cursor;
use std::panic::{AssertUnwindSafe, catch_unwind};

use crate::providers::formats::{self, Piece};
use crate::providers::frames::Deframer;
use crate::providers::{Limits, ProviderErrorKind, ProviderKind, Usage};

fn inputs() -> u64 {
    std::env::var("HEARTH_FUZZ_INPUTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000)
}

fn rng(target: u64) -> fastrand::Rng {
    let seed = std::env::var("HEARTH_FUZZ_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0x4845_4152_5448);
    fastrand::Rng::with_seed(seed ^ target)
}

/// Words that upset parsers.
const DICTIONARY: &[&[u8]] = &[
    b"\n",
    b"\r",
    b"\r\n",
    b"\n\n",
    b"\r\r",
    b"data:",
    b"data: ",
    b"event: ",
    b"event: content_block_delta\n",
    b"event: error\n",
    b"event: message_stop\n",
    b":",
    b"id: 1\n",
    b"retry: 99999999999999999999\n",
    b"\xEF\xBB\xBF",
    b"\xEF\xBB",
    b"\xFF",
    b"\xC3",
    b"\xE2\x82",
    b"\xF0\x9F\x98\x80",
    b"\x00",
    b"\\u0000",
    b"\\ud800",
    b"\\udc00\\ud800",
    b"\\",
    b"\"",
    b"{",
    b"}",
    b"[",
    b"]",
    b"[DONE]",
    b"null",
    b"true",
    b"-1",
    b"1e999",
    b"4294967296",
    b"18446744073709551616",
    b"-0.0",
    b"{\"error\":{\"message\":\"sk-x\",\"type\":\"rate_limit\"}}",
    b"{\"done\":true}",
    b"\"content\":",
    b"\"text\":",
    b"\"partial_json\":",
    b"\"usage\":{\"prompt_tokens\":-5}",
];

/// Mutates `input` a few times, `seeds` giving material to splice in.
fn mutate(rng: &mut fastrand::Rng, input: &mut Vec<u8>, seeds: &[Vec<u8>]) {
    for _ in 0..rng.usize(1..=4) {
        let len = input.len();
        let at = rng.usize(0..=len);
        match rng.u8(0..9) {
            0 => input.truncate(at),
            1 => {
                let end = rng.usize(at..=len.min(at + 64));
                input.drain(at..end);
            }
            2 | 3 => {
                let word = DICTIONARY[rng.usize(0..DICTIONARY.len())];
                input.splice(at..at, word.iter().copied());
            }
            4 if len > 0 => {
                let i = rng.usize(0..len);
                input[i] = rng.u8(..);
            }
            5 if len > 0 => {
                let i = rng.usize(0..len);
                input[i] ^= 1 << rng.u8(0..8);
            }
            6 => {
                // Repeat a piece, sometimes many times.
                let end = rng.usize(at..=len.min(at + 32));
                let piece = input[at..end].to_vec();
                for _ in 0..rng.usize(1..=8) {
                    input.splice(at..at, piece.iter().copied());
                }
            }
            7 => {
                // Splice in part of another seed.
                let other = &seeds[rng.usize(0..seeds.len())];
                let from = rng.usize(0..=other.len());
                let to = rng.usize(from..=other.len());
                input.splice(at..at, other[from..to].iter().copied());
            }
            _ => {
                // An extreme integer, as text (streams) or little-endian (headers).
                let n = extreme(rng);
                if rng.bool() {
                    input.splice(at..at, n.to_string().into_bytes());
                } else if len >= 8 {
                    let i = rng.usize(0..=len - 8);
                    let width = [1, 2, 4, 8][rng.usize(0..4)];
                    input[i..i + width].copy_from_slice(&n.to_le_bytes()[..width]);
                }
            }
        }
    }
}

fn extreme(rng: &mut fastrand::Rng) -> u64 {
    match rng.u8(0..8) {
        0 => 0,
        1 => u64::MAX,
        2 => u64::from(u32::MAX),
        3 => 1 << rng.u32(0..64),
        4 => (1 << rng.u32(0..64)) - 1,
        5 => (1 << rng.u32(1..64)) + 1,
        6 => rng.u64(0..1024),
        _ => rng.u64(..),
    }
}

/// Splits `input` into chunks: at every byte, at random points, or not at all.
fn split<'a>(rng: &mut fastrand::Rng, input: &'a [u8]) -> Vec<&'a [u8]> {
    match rng.u8(0..4) {
        0 => input.chunks(1).collect(),
        1 => vec![input],
        _ => {
            let mut out = Vec::new();
            let mut rest = input;
            while !rest.is_empty() {
                let (a, b) = rest.split_at(rng.usize(0..=rest.len().min(48)));
                out.push(a);
                rest = b;
            }
            out
        }
    }
}

/// What reading a stream gave: its text, and how it ended (`None`: the
/// format's end, or the end of the body without an error).
#[derive(Debug, PartialEq)]
struct Read {
    text: String,
    usage: Usage,
    error: Option<ProviderErrorKind>,
}

/// Reads `chunks` as the live stream does: frames, then decoded pieces.
fn read(kind: ProviderKind, chunks: &[&[u8]], max_frame: usize) -> Read {
    let mut deframer = Deframer::new(formats::framing(kind), max_frame);
    let mut read = Read {
        text: String::new(),
        usage: Usage::default(),
        error: None,
    };
    // Each chunk, then the end of the body.
    for chunk in chunks.iter().map(Some).chain([None]) {
        let ended = chunk.is_none();
        if let Some(chunk) = chunk {
            deframer.feed(chunk);
        }
        while let Some(frame) = deframer.next(ended) {
            let decoded = frame.and_then(|(event, data)| {
                let mut pieces = Vec::new();
                formats::decode(kind, &event, &data, &mut read.usage, &mut pieces)?;
                for piece in pieces {
                    match piece {
                        Piece::Text(t) => read.text.push_str(&t),
                        Piece::Stop(_) => {}
                        Piece::End => return Ok(true),
                    }
                }
                Ok(false)
            });
            match decoded {
                Ok(false) => {}
                Ok(true) => return read,
                Err(e) => {
                    read.error = Some(e.kind);
                    return read;
                }
            }
        }
    }
    read
}

/// Valid streams in `kind`'s format, as the fake provider sends them.
fn stream_seeds(kind: ProviderKind) -> Vec<Vec<u8>> {
    use hearth_fake_provider::{Format, render};
    let format = match kind {
        ProviderKind::OpenaiCompatible => Format::OpenAi,
        ProviderKind::Anthropic => Format::Anthropic,
        _ => Format::Ollama,
    };
    let replies: [&[&str]; 4] = [
        &["Hello", " there"],
        &[
            "Dear ",
            "Catherine,",
            " “Ünïcødé” ✉️\n",
            "\"quoted\" \\ back",
        ],
        &[""],
        &["{\"mood\": ", "\"warm\"}"],
    ];
    let mut seeds: Vec<Vec<u8>> = replies
        .iter()
        .map(|chunks| {
            let chunks: Vec<String> = chunks.iter().map(|c| (*c).to_owned()).collect();
            render(format, &chunks).concat().into_bytes()
        })
        .collect();
    let extra: &[&str] = match kind {
        ProviderKind::OpenaiCompatible => &[
            "data: {\"error\":{\"message\":\"overloaded\",\"type\":\"overloaded_error\"}}\n\n",
            "data: {\"choices\":[{\"delta\":{\"content\":\"a\"},\"finish_reason\":\"length\"}],\"usage\":{\"prompt_tokens\":1,\"completion_tokens\":2}}\r\n\r\n: keep-alive\n\ndata: [DONE]\n\n",
        ],
        ProviderKind::Anthropic => &[
            "event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"rate_limit_error\",\"message\":\"slow\"}}\n\n",
            "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\"{\\\"a\\\":\"}}\n\nevent: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"tool_use\"},\"usage\":{\"output_tokens\":3}}\n\nevent: message_stop\ndata: {}\n\n",
        ],
        _ => &[
            "{\"error\":\"model not found\"}\n",
            "{\"message\":{\"content\":\"hi\"},\"done\":false}\r\n{\"done\":true,\"prompt_eval_count\":4294967295,\"eval_count\":1}",
        ],
    };
    seeds.extend(extra.iter().map(|s| s.as_bytes().to_vec()));
    seeds
}

fn fuzz_stream(kind: ProviderKind, target: u64) {
    let seeds = stream_seeds(kind);
    let mut rng = rng(target);
    let default_max = Limits::default().max_frame_bytes;
    // The unmutated seeds read the same whole and split at every byte (the
    // fake provider's end well; some others end with an error event).
    for (i, seed) in seeds.iter().enumerate() {
        let whole = read(kind, &[seed], default_max);
        if i < 4 {
            assert_eq!(whole.error, None, "{kind:?}: seed {i} read as {whole:?}");
        }
        let bytes: Vec<&[u8]> = seed.chunks(1).collect();
        assert_eq!(read(kind, &bytes, default_max), whole, "{kind:?}");
    }
    for i in 0..inputs() {
        let mut input = seeds[rng.usize(0..seeds.len())].clone();
        mutate(&mut rng, &mut input, &seeds);
        // Sometimes a small cap, to reach the too-long paths.
        let max = if rng.u8(0..8) == 0 {
            rng.usize(1..200)
        } else {
            default_max
        };
        let chunks = split(&mut rng, &input);
        let outcome = catch_unwind(AssertUnwindSafe(|| {
            (read(kind, &[&input], max), read(kind, &chunks, max))
        }));
        match outcome {
            Ok((whole, split)) => assert_eq!(
                whole,
                split,
                "{kind:?}, input {i}: the split changed what was read from {:?} (cap {max})",
                String::from_utf8_lossy(&input)
            ),
            Err(_) => panic!(
                "{kind:?}, input {i} panicked: {:?} in {} chunks (cap {max})",
                String::from_utf8_lossy(&input),
                chunks.len()
            ),
        }
    }
}

#[test]
fn openai_streams_never_panic() {
    fuzz_stream(ProviderKind::OpenaiCompatible, 1);
}

#[test]
fn anthropic_streams_never_panic() {
    fuzz_stream(ProviderKind::Anthropic, 2);
}

#[test]
fn ollama_streams_never_panic() {
    fuzz_stream(ProviderKind::Ollama, 3);
}

/// Valid GGUF files: metadata of every value type, with and without tensors.
fn gguf_seeds() -> Vec<Vec<u8>> {
    use candle_core::quantized::gguf_file::{self, Value};
    use candle_core::quantized::{GgmlDType, QTensor};
    use candle_core::{DType, Device, Tensor};
    let metadata = [
        ("general.architecture", Value::String("llama".into())),
        ("general.name", Value::String("Modèle 😀".into())),
        ("general.alignment", Value::U32(32)),
        ("llama.context_length", Value::U32(2048)),
        ("a.u8", Value::U8(1)),
        ("a.i8", Value::I8(-1)),
        ("a.u16", Value::U16(2)),
        ("a.i16", Value::I16(-2)),
        ("a.i32", Value::I32(-3)),
        ("a.u64", Value::U64(4)),
        ("a.i64", Value::I64(-4)),
        ("a.f32", Value::F32(0.5)),
        ("a.f64", Value::F64(0.25)),
        ("a.bool", Value::Bool(true)),
        (
            "tokenizer.ggml.tokens",
            Value::Array(vec![Value::String("a".into()), Value::String("bc".into())]),
        ),
        (
            "tokenizer.ggml.scores",
            Value::Array(vec![Value::F32(0.0), Value::F32(-1.0)]),
        ),
    ];
    let small = Tensor::zeros((2, 3), DType::F32, &Device::Cpu).unwrap();
    let block = Tensor::zeros((1, 32), DType::F32, &Device::Cpu).unwrap();
    let tensors = [
        (
            "a.weight",
            QTensor::quantize(&small, GgmlDType::F32).unwrap(),
        ),
        (
            "b.weight",
            QTensor::quantize(&block, GgmlDType::Q8_0).unwrap(),
        ),
    ];
    let write = |metadata: &[(&str, Value)], tensors: &[(&str, QTensor)]| {
        let metadata: Vec<(&str, &Value)> = metadata.iter().map(|(k, v)| (*k, v)).collect();
        let tensors: Vec<(&str, &QTensor)> = tensors.iter().map(|(k, t)| (*k, t)).collect();
        let mut out = Cursor::new(Vec::new());
        gguf_file::write(&mut out, &metadata, &tensors).unwrap();
        out.into_inner()
    };
    vec![
        write(&metadata, &tensors),
        write(&metadata[..4], &[]),
        write(&[], &tensors[..1]),
    ]
}

#[test]
fn gguf_headers_never_panic() {
    use crate::local::models::{read_header, summarise};
    let seeds = gguf_seeds();
    let path = std::path::Path::new("fuzz.gguf");
    for seed in &seeds {
        let content = read_header(&mut Cursor::new(seed.as_slice()), path);
        assert!(content.is_ok(), "a valid seed fails: {content:?}");
    }
    let mut rng = rng(4);
    for i in 0..inputs() {
        let mut input = seeds[rng.usize(0..seeds.len())].clone();
        mutate(&mut rng, &mut input, &seeds);
        let outcome = catch_unwind(AssertUnwindSafe(|| {
            if let Ok(content) = read_header(&mut Cursor::new(input.as_slice()), path) {
                summarise(&content);
            }
        }));
        if outcome.is_err() {
            panic!("input {i} panicked: {input:02x?}");
        }
    }
}

/// What the fuzzing found: a tensor of three dimensions, one of them zero,
/// whose other two multiply past u64 (candle's element count overflowed).
#[test]
fn a_tensor_whose_dimensions_overflow_is_refused_not_a_panic() {
    let mut header = Vec::new();
    header.extend(b"GGUF");
    header.extend(2u32.to_le_bytes());
    header.extend(1u64.to_le_bytes()); // one tensor
    header.extend(0u64.to_le_bytes()); // no metadata
    header.extend(8u64.to_le_bytes());
    header.extend(b"a.weight");
    header.extend(3u32.to_le_bytes());
    for dim in [0, 0x6769_6577_2e61_0000, 1 << 41] {
        header.extend(u64::to_le_bytes(dim));
    }
    header.extend(0u32.to_le_bytes()); // F32
    header.extend(0u64.to_le_bytes()); // offset
    header.resize(header.len() + 64, 0);
    let read = crate::local::models::read_header(
        &mut Cursor::new(header.as_slice()),
        std::path::Path::new("big.gguf"),
    );
    let error = read.expect_err("no model has such a tensor").to_string();
    assert!(error.contains("larger than any model"), "{error}");
}
