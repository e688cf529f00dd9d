//! Every provider format through the real reqwest client, over loopback HTTP,
//! against the fake provider: streaming, model lists, and each fault.

use std::time::{Duration, Instant};

use hearth_core::providers::{
    ChatMessage, ChatRequest, ChatRole, JsonSchema, Limits, Provider, ProviderConfig,
    ProviderErrorKind, ProviderKind, StreamFailure,
};
use hearth_fake_provider::{FakeProvider, Format, Step};
use serde_json::json;
use tokio_util::sync::CancellationToken;

const KEY: &str = "sk-test-5f3a9c1e7b2d4680a1b2c3d4wxyz";

fn format(kind: ProviderKind) -> Format {
    match kind {
        ProviderKind::OpenaiCompatible => Format::OpenAi,
        ProviderKind::Anthropic => Format::Anthropic,
        ProviderKind::Ollama => Format::Ollama,
        ProviderKind::Local => unreachable!("the local model runs in-process"),
    }
}

/// Short limits, so faults show quickly.
fn limits() -> Limits {
    Limits {
        connect: Duration::from_secs(2),
        response: Duration::from_millis(400),
        idle: Duration::from_millis(400),
        attempts: 3,
        backoff: Duration::from_millis(10),
        max_wait: Duration::from_secs(2),
        ..Limits::default()
    }
}

fn provider(server: &FakeProvider, kind: ProviderKind, key: &str) -> Provider {
    let config = ProviderConfig {
        kind,
        base_url: server.base_url(format(kind)),
        model: "fake-small".into(),
        context_length: None,
    };
    Provider::new(config, Some(key.to_owned()), limits()).unwrap()
}

fn request() -> ChatRequest {
    ChatRequest {
        system: Some("You are Samantha, warm and curious.".into()),
        messages: vec![ChatMessage {
            role: ChatRole::User,
            content: "Help me write to Catherine".into(),
        }],
        max_tokens: 256,
        temperature: None,
        schema: None,
    }
}

/// A request for an answer in JSON, following a small strict schema.
fn structured_request() -> ChatRequest {
    ChatRequest {
        messages: vec![ChatMessage {
            role: ChatRole::User,
            content: "How do I sound today? Answer in JSON.".into(),
        }],
        schema: Some(JsonSchema {
            name: "mood",
            schema: mood_schema(),
        }),
        ..request()
    }
}

fn mood_schema() -> serde_json::Value {
    json!({
        "type": "object",
        "properties": {"mood": {"type": "string"}, "score": {"type": "integer"}},
        "required": ["mood", "score"],
        "additionalProperties": false,
    })
}

/// The JSON answer the fake sends, in pieces.
const MOOD_JSON: [&str; 3] = ["{\"mood\": ", "\"warm\", \"score\"", ": 7}"];

type Streamed = (
    Vec<String>,
    Result<hearth_core::providers::Completion, StreamFailure>,
);

async fn stream(p: &Provider) -> Streamed {
    stream_request(p, &request()).await
}

async fn stream_request(p: &Provider, request: &ChatRequest) -> Streamed {
    let mut deltas = Vec::new();
    let result = p
        .stream_chat(request, &CancellationToken::new(), &mut |d: &str| {
            deltas.push(d.to_owned())
        })
        .await;
    (deltas, result)
}

fn assert_no_key(text: &str) {
    assert!(!text.contains(KEY), "the API key leaked into: {text}");
    assert!(
        !text.contains(&KEY[KEY.len() - 8..]),
        "part of the API key leaked into: {text}"
    );
}

#[tokio::test]
async fn each_format_streams_a_multi_chunk_reply_with_usage() {
    let chunks = [
        "Dear ",
        "Catherine,",
        " I still ",
        "think of you. ",
        "“Ünïcødé” ✉️\n",
    ];
    for kind in ProviderKind::REMOTE {
        let server = FakeProvider::start().await;
        server.require_key(KEY);
        server.script([Step::reply(chunks)]);
        let (deltas, result) = stream(&provider(&server, kind, KEY)).await;
        let done = result.unwrap_or_else(|f| panic!("{kind:?}: {f:?}"));
        assert_eq!(
            deltas, chunks,
            "{kind:?}: every chunk, in order, none merged or lost"
        );
        assert_eq!(done.text, chunks.concat());
        assert_eq!(
            done.usage.output_tokens,
            Some(chunks.len() as u32),
            "{kind:?}"
        );
        assert_eq!(
            done.usage.input_tokens,
            Some(11),
            "{kind:?}: the prompt's tokens as reported"
        );

        let sent = &server.requests()[0];
        assert_eq!(sent.body["stream"], true);
        assert_eq!(sent.body["model"], "fake-small");
        match kind {
            ProviderKind::OpenaiCompatible => {
                assert_eq!(sent.path, "/v1/chat/completions");
                assert_eq!(
                    sent.header("authorization"),
                    Some(format!("Bearer {KEY}").as_str())
                );
                assert_eq!(sent.body["messages"][0]["role"], "system");
            }
            ProviderKind::Anthropic => {
                assert_eq!(sent.path, "/v1/messages");
                assert_eq!(sent.header("x-api-key"), Some(KEY));
                assert_eq!(sent.header("anthropic-version"), Some("2023-06-01"));
                assert_eq!(sent.body["system"], "You are Samantha, warm and curious.");
                assert_eq!(sent.body["max_tokens"], 256);
            }
            ProviderKind::Ollama => assert_eq!(sent.path, "/api/chat"),
            ProviderKind::Local => unreachable!(),
        }
    }
}

#[tokio::test]
async fn each_format_lists_its_models() {
    for kind in ProviderKind::REMOTE {
        let server = FakeProvider::start().await;
        server.set_models(&["zeta", "alpha"]);
        let models = provider(&server, kind, KEY).list_models().await.unwrap();
        let ids: Vec<_> = models.iter().map(|m| m.id.as_str()).collect();
        assert_eq!(ids, ["alpha", "zeta"], "{kind:?}");
    }
}

#[tokio::test]
async fn a_wrong_key_is_a_bad_key_error_that_never_echoes_the_key() {
    for kind in [ProviderKind::OpenaiCompatible, ProviderKind::Anthropic] {
        let server = FakeProvider::start().await;
        server.require_key("sk-the-right-one-0000");
        let p = provider(&server, kind, KEY);
        let (_, result) = stream(&p).await;
        let failure = result.unwrap_err();
        assert_eq!(failure.error.kind, ProviderErrorKind::BadKey, "{kind:?}");
        assert_eq!(server.requests().len(), 1, "a refused key is not retried");
        let listed = p.list_models().await.unwrap_err();
        assert_eq!(listed.kind, ProviderErrorKind::BadKey);
        for text in [
            failure.error.message.clone(),
            format!("{failure:?}"),
            format!("{p:?}"),
            listed.message,
        ] {
            assert_no_key(&text);
        }
    }
}

#[tokio::test]
async fn rate_limits_are_retried_after_the_time_the_provider_asked_for() {
    let server = FakeProvider::start().await;
    server.script([
        Step::Status {
            code: 429,
            retry_after: Some(1),
            message: "slow down".into(),
        },
        Step::reply(["Here ", "I am."]),
    ]);
    let (deltas, result) = stream(&provider(&server, ProviderKind::Anthropic, KEY)).await;
    assert_eq!(result.unwrap().text, "Here I am.");
    assert_eq!(deltas, ["Here ", "I am."]);
    let requests = server.requests();
    assert_eq!(requests.len(), 2);
    assert!(
        requests[1].at - requests[0].at >= Duration::from_secs(1),
        "the retry must wait for Retry-After"
    );
}

#[tokio::test]
async fn a_long_retry_after_is_reported_not_waited_for() {
    let server = FakeProvider::start().await;
    server.script([Step::Status {
        code: 429,
        retry_after: Some(90),
        message: "quota".into(),
    }]);
    let (_, result) = stream(&provider(&server, ProviderKind::OpenaiCompatible, KEY)).await;
    let error = result.unwrap_err().error;
    assert_eq!(error.kind, ProviderErrorKind::RateLimited);
    assert_eq!(error.retry_after, Some(Duration::from_secs(90)));
    assert!(error.message.contains("90 s"), "{}", error.message);
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn server_errors_are_retried_with_backoff_then_reported() {
    for (code, kind) in [
        (500, ProviderErrorKind::ServerError),
        (529, ProviderErrorKind::Overloaded),
        (503, ProviderErrorKind::Overloaded),
    ] {
        let server = FakeProvider::start().await;
        server.script((0..3).map(|_| Step::Status {
            code,
            retry_after: None,
            message: "oops".into(),
        }));
        let (deltas, result) = stream(&provider(&server, ProviderKind::Ollama, KEY)).await;
        let failure = result.unwrap_err();
        assert_eq!(failure.error.kind, kind, "HTTP {code}");
        assert!(deltas.is_empty() && failure.partial.is_empty());
        assert_eq!(
            server.requests().len(),
            3,
            "HTTP {code}: tried three times in all"
        );
    }
}

#[tokio::test]
async fn a_drop_before_the_first_token_is_retried_transparently() {
    for kind in ProviderKind::REMOTE {
        let server = FakeProvider::start().await;
        server.script([
            Step::DropAfter { chunks: vec![] },
            Step::reply(["second ", "try"]),
        ]);
        let (deltas, result) = stream(&provider(&server, kind, KEY)).await;
        assert_eq!(result.unwrap().text, "second try", "{kind:?}");
        assert_eq!(deltas, ["second ", "try"]);
    }
}

#[tokio::test]
async fn a_drop_mid_stream_keeps_the_partial_reply_and_never_repeats_text() {
    for kind in ProviderKind::REMOTE {
        let server = FakeProvider::start().await;
        server.script([
            Step::DropAfter {
                chunks: vec!["I was ".into(), "saying".into()],
            },
            Step::reply(["again"]),
        ]);
        let mut deltas = Vec::new();
        let result = provider(&server, kind, KEY)
            .stream_chat(&request(), &CancellationToken::new(), &mut |d: &str| {
                deltas.push(d.to_owned());
                if deltas.len() == 2 {
                    server.drop_connection();
                }
            })
            .await;
        let failure = result.unwrap_err();
        assert_eq!(failure.error.kind, ProviderErrorKind::Dropped, "{kind:?}");
        assert_eq!(failure.partial, "I was saying");
        assert_eq!(
            deltas,
            ["I was ", "saying"],
            "{kind:?}: no retry once text has been shown"
        );
        assert_eq!(server.requests().len(), 1);
    }
}

#[tokio::test]
async fn a_malformed_chunk_is_reported_with_the_partial_reply() {
    for kind in ProviderKind::REMOTE {
        let server = FakeProvider::start().await;
        server.script([Step::MalformedAfter {
            chunks: vec!["Before the garbage".into()],
        }]);
        let (_, result) = stream(&provider(&server, kind, KEY)).await;
        let failure = result.unwrap_err();
        assert_eq!(failure.error.kind, ProviderErrorKind::Malformed, "{kind:?}");
        assert_eq!(failure.partial, "Before the garbage");
    }
}

#[tokio::test]
async fn an_error_event_in_the_stream_ends_the_reply_with_its_kind() {
    let server = FakeProvider::start().await;
    server.script([Step::ErrorEventAfter {
        chunks: vec!["Half".into()],
        message: "Overloaded".into(),
    }]);
    let (_, result) = stream(&provider(&server, ProviderKind::Anthropic, KEY)).await;
    let failure = result.unwrap_err();
    assert_eq!(failure.error.kind, ProviderErrorKind::Overloaded);
    assert_eq!(failure.partial, "Half");
}

#[tokio::test]
async fn a_key_echoed_in_an_error_event_never_reaches_the_user_or_the_journal() {
    let mut shown = 0;
    for kind in ProviderKind::REMOTE {
        let server = FakeProvider::start().await;
        server.script([Step::ErrorEventAfter {
            chunks: vec!["Half".into()],
            message: format!("invalid key {KEY} for this proxy"),
        }]);
        let (_, result) = stream(&provider(&server, kind, KEY)).await;
        let failure = result.unwrap_err();
        assert!(
            !failure.error.message.contains(KEY) && !failure.error.message.contains(&KEY[8..]),
            "{kind:?}: {}",
            failure.error.message
        );
        if failure.error.message.contains("invalid key [key]") {
            shown += 1;
        }
    }
    assert!(
        shown > 0,
        "the provider's words are still shown, with the key masked"
    );
}

#[tokio::test]
async fn nul_characters_from_a_provider_are_dropped() {
    for kind in ProviderKind::REMOTE {
        let server = FakeProvider::start().await;
        server.script([Step::reply(["Hel\0lo", "\0", " there"])]);
        let (deltas, result) = stream(&provider(&server, kind, KEY)).await;
        let done = result.unwrap();
        assert_eq!(done.text, "Hello there", "{kind:?}");
        assert_eq!(deltas.concat(), "Hello there", "{kind:?}");
        assert!(deltas.iter().all(|d| !d.is_empty()), "{kind:?}: {deltas:?}");
    }
}

/// Streams with `limits`; a stream that does not end within a minute fails
/// the test (it would run for ever without Hearth's caps).
async fn stream_bounded(
    server: &FakeProvider,
    kind: ProviderKind,
    limits: Limits,
) -> (Vec<String>, StreamFailure) {
    let config = ProviderConfig {
        kind,
        base_url: server.base_url(format(kind)),
        model: "fake-small".into(),
        context_length: None,
    };
    let p = Provider::new(config, Some(KEY.into()), limits).unwrap();
    let (deltas, result) = tokio::time::timeout(Duration::from_secs(60), stream(&p))
        .await
        .unwrap_or_else(|_| panic!("{kind:?}: an endless stream was never stopped"));
    (
        deltas,
        result.expect_err("an endless stream cannot complete"),
    )
}

#[tokio::test]
async fn an_endless_reply_stops_at_the_size_cap_and_keeps_what_arrived() {
    for kind in ProviderKind::REMOTE {
        let server = FakeProvider::start().await;
        server.script([Step::Endless {
            chunk: "and on ".repeat(1_500),
            delay: Duration::ZERO,
        }]);
        let (deltas, failure) = stream_bounded(&server, kind, limits()).await;
        assert_eq!(failure.error.kind, ProviderErrorKind::TooLong, "{kind:?}");
        assert!(
            failure.error.message.contains("1000 KB") && failure.error.message.contains("kept"),
            "{kind:?}: {}",
            failure.error.message
        );
        assert_eq!(failure.partial.len(), Limits::default().max_reply_bytes);
        assert!(failure.partial.starts_with("and on and on"), "{kind:?}");
        assert_eq!(deltas.concat(), failure.partial, "{kind:?}: shown as kept");
    }
}

#[tokio::test]
async fn a_reply_that_trickles_for_ever_stops_at_the_deadline() {
    for kind in ProviderKind::REMOTE {
        let server = FakeProvider::start().await;
        server.script([Step::Endless {
            chunk: "la ".into(),
            delay: Duration::from_millis(5),
        }]);
        let limits = Limits {
            total: Duration::from_millis(400),
            ..limits()
        };
        let (deltas, failure) = stream_bounded(&server, kind, limits).await;
        assert_eq!(failure.error.kind, ProviderErrorKind::TooLong, "{kind:?}");
        assert!(
            failure.error.message.contains("0.4 s"),
            "{kind:?}: {}",
            failure.error.message
        );
        assert!(
            failure.partial.starts_with("la la"),
            "{kind:?}: {failure:?}"
        );
        assert_eq!(deltas.concat(), failure.partial, "{kind:?}");
    }
}

#[tokio::test]
async fn a_line_that_never_ends_stops_at_the_frame_cap() {
    for kind in ProviderKind::REMOTE {
        let server = FakeProvider::start().await;
        server.script([Step::EndlessLine {
            chunks: vec!["Before ".into(), "the flood.".into()],
        }]);
        // No frame comes while the line grows: the idle timeout must not
        // stop it first on a busy machine.
        let limits = Limits {
            idle: Duration::from_secs(30),
            ..limits()
        };
        let (deltas, failure) = stream_bounded(&server, kind, limits).await;
        assert_eq!(failure.error.kind, ProviderErrorKind::TooLong, "{kind:?}");
        assert!(
            failure.error.message.contains("4 MB"),
            "{kind:?}: {}",
            failure.error.message
        );
        assert_eq!(failure.partial, "Before the flood.", "{kind:?}");
        assert_eq!(deltas.concat(), failure.partial, "{kind:?}");
    }
}

#[tokio::test]
async fn a_long_real_reply_passes_every_cap() {
    // About 40,000 tokens in 8,000 pieces: longer than any reply Hearth asks for.
    let chunks: Vec<String> = (0..8_000).map(|i| format!("word{i} and ")).collect();
    for kind in ProviderKind::REMOTE {
        let server = FakeProvider::start().await;
        server.script([Step::reply(chunks.clone())]);
        let (_, result) = stream(&provider(&server, kind, KEY)).await;
        let done = result.unwrap_or_else(|f| panic!("{kind:?}: {f:?}"));
        assert_eq!(done.text, chunks.concat(), "{kind:?}");
    }
}

#[tokio::test]
async fn a_stalled_stream_times_out_between_chunks() {
    for kind in ProviderKind::REMOTE {
        let server = FakeProvider::start().await;
        server.script([Step::StallAfter {
            chunks: vec!["And then".into()],
        }]);
        let (_, result) = stream(&provider(&server, kind, KEY)).await;
        let failure = result.unwrap_err();
        assert_eq!(
            failure.error.kind,
            ProviderErrorKind::IdleTimeout,
            "{kind:?}"
        );
        assert_eq!(failure.partial, "And then");
    }
}

#[tokio::test]
async fn a_server_that_accepts_and_never_answers_times_out_without_retrying() {
    let server = FakeProvider::start().await;
    server.script([Step::Hang]);
    let (_, result) = stream(&provider(&server, ProviderKind::OpenaiCompatible, KEY)).await;
    assert_eq!(
        result.unwrap_err().error.kind,
        ProviderErrorKind::ResponseTimeout
    );
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn nothing_listening_is_unreachable() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let config = ProviderConfig {
        kind: ProviderKind::Ollama,
        base_url: format!("http://127.0.0.1:{port}"),
        model: "m".into(),
        context_length: None,
    };
    let p = Provider::new(
        config,
        None,
        Limits {
            attempts: 1,
            ..limits()
        },
    )
    .unwrap();
    let (_, result) = stream(&p).await;
    let error = result.unwrap_err().error;
    assert_eq!(error.kind, ProviderErrorKind::Unreachable);
    assert!(
        error.message.contains(&format!("127.0.0.1:{port}")),
        "{}",
        error.message
    );
}

#[tokio::test]
async fn a_server_whose_queue_is_full_is_a_connect_timeout() {
    // A listener that never accepts, with the smallest backlog: once its queue
    // is full, the kernel drops further SYNs and connecting hangs.
    use socket2::{Domain, Socket, Type};
    let listener = Socket::new(Domain::IPV4, Type::STREAM, None).unwrap();
    listener
        .bind(
            &"127.0.0.1:0"
                .parse::<std::net::SocketAddr>()
                .unwrap()
                .into(),
        )
        .unwrap();
    listener.listen(0).unwrap();
    let addr = listener.local_addr().unwrap().as_socket().unwrap();
    let mut held = Vec::new();
    loop {
        match std::net::TcpStream::connect_timeout(&addr, Duration::from_millis(200)) {
            Ok(stream) => held.push(stream),
            Err(_) => break,
        }
        assert!(held.len() < 64, "the listen queue never filled");
    }
    let config = ProviderConfig {
        kind: ProviderKind::OpenaiCompatible,
        base_url: format!("http://{addr}/v1"),
        model: "m".into(),
        context_length: None,
    };
    let limits = Limits {
        connect: Duration::from_millis(300),
        attempts: 1,
        ..limits()
    };
    let p = Provider::new(config, Some(KEY.into()), limits).unwrap();
    let (_, result) = stream(&p).await;
    let error = result.unwrap_err().error;
    assert_eq!(
        error.kind,
        ProviderErrorKind::ConnectTimeout,
        "{}",
        error.message
    );
    assert!(
        error.message.contains(&addr.to_string()),
        "{}",
        error.message
    );
}

#[tokio::test]
async fn cancelling_stops_the_reply_and_hangs_up_at_once() {
    for kind in ProviderKind::REMOTE {
        let server = FakeProvider::start().await;
        let chunks: Vec<String> = (0..50).map(|i| format!("word{i} ")).collect();
        server.script([Step::Reply {
            chunks,
            delay: Duration::from_millis(100),
        }]);
        let p = provider(&server, kind, KEY);
        let cancel = CancellationToken::new();
        let mut seen = Vec::new();
        let canceller = cancel.clone();
        let result = p
            .stream_chat(&request(), &cancel, &mut |d: &str| {
                seen.push(d.to_owned());
                if seen.len() == 2 {
                    canceller.cancel();
                }
            })
            .await;
        let failure = result.unwrap_err();
        assert_eq!(failure.error.kind, ProviderErrorKind::Cancelled, "{kind:?}");
        assert_eq!(failure.partial, "word0 word1 ");
        // The server notices the closed connection on its next write.
        let deadline = Instant::now() + Duration::from_secs(5);
        while server.hangups() == 0 {
            assert!(
                Instant::now() < deadline,
                "{kind:?}: the connection was not dropped"
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
}

#[tokio::test]
async fn missing_keys_and_bad_addresses_are_refused_before_any_request() {
    let config = |kind, base_url: &str| ProviderConfig {
        kind,
        base_url: base_url.into(),
        model: "m".into(),
        context_length: None,
    };
    let e = Provider::new(
        config(ProviderKind::Anthropic, "https://api.anthropic.com"),
        None,
        limits(),
    )
    .unwrap_err();
    assert_eq!(e.kind, ProviderErrorKind::NoKey);
    assert!(
        Provider::new(
            config(ProviderKind::OpenaiCompatible, "http://127.0.0.1:8080/v1"),
            None,
            limits()
        )
        .is_ok(),
        "an OpenAI-compatible server on this computer may need no key"
    );
    let e = Provider::new(
        config(ProviderKind::Ollama, "localhost:11434"),
        None,
        limits(),
    )
    .unwrap_err();
    assert_eq!(e.kind, ProviderErrorKind::Misconfigured);
    assert!(
        Provider::new(
            config(ProviderKind::Ollama, "http://127.0.0.1:11434/"),
            None,
            limits()
        )
        .is_ok()
    );
}

#[tokio::test]
async fn a_local_ollama_is_detected_with_its_models() {
    let server = FakeProvider::start().await;
    server.set_models(&["llama3.2:1b"]);
    let found = hearth_core::providers::ollama::detect(
        &server.base_url(Format::Ollama),
        Duration::from_secs(2),
    )
    .await;
    assert_eq!(found.unwrap()[0].id, "llama3.2:1b");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let none = hearth_core::providers::ollama::detect(
        &format!("http://127.0.0.1:{port}"),
        Duration::from_millis(500),
    )
    .await;
    assert_eq!(none, None);
}

#[tokio::test]
async fn an_absurd_retry_after_is_reported_as_later_not_waited_for() {
    let server = FakeProvider::start().await;
    server.script([Step::Status {
        code: 429,
        retry_after: Some(u32::MAX),
        message: "quota".into(),
    }]);
    let (_, result) = stream(&provider(&server, ProviderKind::OpenaiCompatible, KEY)).await;
    let error = result.unwrap_err().error;
    assert_eq!(error.kind, ProviderErrorKind::RateLimited);
    assert!(error.retry_after.unwrap() > limits().max_wait);
    assert!(
        error.message.ends_with("Try again later."),
        "{}",
        error.message
    );
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn an_openai_compatible_server_that_needs_no_key_works_without_one() {
    let server = FakeProvider::start().await;
    server.script([Step::reply(["No key ", "needed."])]);
    let config = ProviderConfig {
        kind: ProviderKind::OpenaiCompatible,
        base_url: server.base_url(Format::OpenAi),
        model: "fake-small".into(),
        context_length: None,
    };
    let p = Provider::new(config, None, limits()).unwrap();
    let (deltas, result) = stream(&p).await;
    assert_eq!(result.unwrap().text, "No key needed.");
    assert_eq!(deltas, ["No key ", "needed."]);
    assert_eq!(p.list_models().await.unwrap().len(), 2);
    for request in server.requests() {
        assert_eq!(request.header("authorization"), None, "{}", request.path);
    }

    // The same server, once it wants a key: the user is told to add one.
    server.require_key(KEY);
    let (_, result) = stream(&p).await;
    let listed = p.list_models().await.unwrap_err();
    for error in [result.unwrap_err().error, listed] {
        assert_eq!(error.kind, ProviderErrorKind::NoKey);
        assert!(
            error.message.contains("Add one in Settings"),
            "{}",
            error.message
        );
    }
    assert_eq!(server.requests().len(), 4, "a missing key is not retried");
}

#[tokio::test]
async fn a_redirect_is_not_followed_with_the_key() {
    for kind in [ProviderKind::OpenaiCompatible, ProviderKind::Anthropic] {
        let target = FakeProvider::start().await;
        let redirector = FakeProvider::start().await;
        redirector.redirect_to(&format!("http://{}", target.addr()));
        let config = ProviderConfig {
            kind,
            base_url: redirector.base_url(format(kind)),
            model: "fake-small".into(),
            context_length: None,
        };
        let p = Provider::new(config, Some(KEY.into()), limits()).unwrap();
        let (_, result) = stream(&p).await;
        let error = result.unwrap_err().error;
        let listed = p.list_models().await.unwrap_err();
        for error in [&error, &listed] {
            assert_eq!(error.kind, ProviderErrorKind::Misconfigured, "{kind:?}");
            assert!(
                error.message.contains(
                    "Hearth does not follow redirects with your key. Use the final address"
                ),
                "{kind:?}: {}",
                error.message
            );
            assert!(
                error.message.contains(&target.addr().to_string()),
                "{kind:?}: the sentence names where it was sent: {}",
                error.message
            );
            assert_no_key(&error.message);
        }
        assert_eq!(redirector.requests().len(), 2, "{kind:?}: asked once each");
        for request in target.requests() {
            for (_, value) in &request.headers {
                assert_no_key(value);
            }
        }
        assert!(
            target.requests().is_empty(),
            "{kind:?}: the redirect was not followed"
        );
    }
}

#[tokio::test]
async fn a_keyless_request_may_follow_a_redirect() {
    let target = FakeProvider::start().await;
    let redirector = FakeProvider::start().await;
    redirector.redirect_to(&format!("http://{}", target.addr()));
    target.script([Step::reply(["Here ", "instead."])]);
    let config = ProviderConfig {
        kind: ProviderKind::OpenaiCompatible,
        base_url: redirector.base_url(Format::OpenAi),
        model: "fake-small".into(),
        context_length: None,
    };
    let p = Provider::new(config, None, limits()).unwrap();
    let (_, result) = stream(&p).await;
    assert_eq!(result.unwrap().text, "Here instead.");
    assert_eq!(target.requests()[0].path, "/v1/chat/completions");
}

#[tokio::test]
async fn each_format_asks_for_a_schema_as_documented_and_streams_the_json_as_text() {
    for kind in ProviderKind::REMOTE {
        let server = FakeProvider::start().await;
        server.require_key(KEY);
        server.script([Step::reply(MOOD_JSON)]);
        let (deltas, result) =
            stream_request(&provider(&server, kind, KEY), &structured_request()).await;
        let done = result.unwrap_or_else(|f| panic!("{kind:?}: {f:?}"));
        assert_eq!(done.text, MOOD_JSON.concat(), "{kind:?}");
        assert_eq!(deltas, MOOD_JSON, "{kind:?}: streamed piece by piece");
        let answer: serde_json::Value = serde_json::from_str(&done.text).unwrap();
        assert_eq!(answer, json!({"mood": "warm", "score": 7}));

        let body = &server.requests()[0].body;
        match kind {
            ProviderKind::OpenaiCompatible => {
                assert_eq!(
                    body["response_format"],
                    json!({"type": "json_schema", "json_schema": {
                        "name": "mood", "schema": mood_schema(), "strict": true}})
                );
                assert!(body.get("tools").is_none() && body.get("format").is_none());
            }
            ProviderKind::Anthropic => {
                assert_eq!(
                    body["tools"],
                    json!([{"name": "mood", "description": "Give the answer in this shape.",
                        "input_schema": mood_schema()}])
                );
                assert_eq!(body["tool_choice"], json!({"type": "tool", "name": "mood"}));
                assert!(body.get("response_format").is_none());
                assert_eq!(done.stop_reason.as_deref(), Some("tool_use"));
            }
            ProviderKind::Ollama => {
                assert_eq!(body["format"], mood_schema());
                assert!(body.get("response_format").is_none() && body.get("tools").is_none());
            }
            ProviderKind::Local => unreachable!(),
        }
    }
}

#[tokio::test]
async fn without_a_schema_no_format_field_is_sent() {
    for kind in ProviderKind::REMOTE {
        let server = FakeProvider::start().await;
        let (_, result) = stream(&provider(&server, kind, KEY)).await;
        result.unwrap();
        let body = &server.requests()[0].body;
        for field in ["response_format", "tools", "tool_choice", "format"] {
            assert!(body.get(field).is_none(), "{kind:?}: {field}");
        }
    }
}

#[tokio::test]
async fn a_server_that_refuses_json_schema_is_asked_again_with_json_object() {
    let server = FakeProvider::start().await;
    server.refuse_json_schema();
    server.script([Step::reply(MOOD_JSON)]);
    let p = provider(&server, ProviderKind::OpenaiCompatible, KEY);
    let (deltas, result) = stream_request(&p, &structured_request()).await;
    assert_eq!(result.unwrap().text, MOOD_JSON.concat());
    assert_eq!(deltas, MOOD_JSON);
    let requests = server.requests();
    assert_eq!(requests.len(), 2);
    assert_eq!(requests[0].body["response_format"]["type"], "json_schema");
    assert_eq!(
        requests[1].body["response_format"],
        json!({"type": "json_object"})
    );
    assert_eq!(requests[1].body["messages"], requests[0].body["messages"]);
}

#[tokio::test]
async fn a_server_that_refuses_every_response_format_is_asked_without_one() {
    let server = FakeProvider::start().await;
    server.refuse_response_format();
    server.script([Step::reply(MOOD_JSON)]);
    let p = provider(&server, ProviderKind::OpenaiCompatible, KEY);
    let (_, result) = stream_request(&p, &structured_request()).await;
    assert_eq!(result.unwrap().text, MOOD_JSON.concat());
    let requests = server.requests();
    let formats: Vec<_> = requests
        .iter()
        .map(|r| r.body.get("response_format").map(|f| f["type"].clone()))
        .collect();
    assert_eq!(
        formats,
        [Some(json!("json_schema")), Some(json!("json_object")), None]
    );
    assert_eq!(requests[2].body["max_tokens"], 256);
}

#[tokio::test]
async fn a_refused_request_is_asked_with_less_at_most_twice_then_reported() {
    let server = FakeProvider::start().await;
    let refused = |code| Step::Status {
        code,
        retry_after: None,
        message: "bad request".into(),
    };
    server.script([refused(422), refused(400), refused(400)]);
    let p = provider(&server, ProviderKind::OpenaiCompatible, KEY);
    let (_, result) = stream_request(&p, &structured_request()).await;
    assert_eq!(result.unwrap_err().error.kind, ProviderErrorKind::Rejected);
    let requests = server.requests();
    assert_eq!(requests.len(), 3);
    assert!(requests[2].body.get("response_format").is_none());

    // A plain request has nothing to drop: a 400 is reported at once.
    let server = FakeProvider::start().await;
    server.script([refused(400)]);
    let p = provider(&server, ProviderKind::OpenaiCompatible, KEY);
    let (_, result) = stream(&p).await;
    assert_eq!(result.unwrap_err().error.kind, ProviderErrorKind::Rejected);
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn every_format_sends_the_reply_budget() {
    for kind in ProviderKind::REMOTE {
        let server = FakeProvider::start().await;
        let (_, result) = stream(&provider(&server, kind, KEY)).await;
        result.unwrap();
        let body = &server.requests()[0].body;
        let budget = match kind {
            ProviderKind::OpenaiCompatible | ProviderKind::Anthropic => &body["max_tokens"],
            ProviderKind::Ollama => &body["options"]["num_predict"],
            ProviderKind::Local => unreachable!(),
        };
        assert_eq!(budget, &json!(256), "{kind:?}");
    }
}
