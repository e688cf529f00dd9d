//! The service the shell holds, driven headless as the window would: a whole
//! turn, structured answers in each wire format, background work that yields
//! to replies and survives a restart, and a reply task that dies.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use hearth_core::generation::StreamEvent;
use hearth_core::jobs::Job;
use hearth_core::providers::{ProviderConfig, ProviderKind};
use hearth_core::service::TurnStart;
use hearth_core::store::messages::{MessageStatus, Role};
use hearth_core::store::persona::Persona;
use hearth_core::{Hearth, Options};
use hearth_fake_provider::{FakeProvider, Format, Step};

const KEY: &str = "sk-test-service";

fn options(dir: &std::path::Path) -> Options {
    Options {
        keyring_service: None,
        models_dir: Some(dir.join("no-models")),
        background_delay: Duration::ZERO,
        // Nothing listens here: no Ollama is found.
        ollama_url: "http://127.0.0.1:9".into(),
        ..Default::default()
    }
}

fn kind(format: Format) -> ProviderKind {
    match format {
        Format::OpenAi => ProviderKind::OpenaiCompatible,
        Format::Anthropic => ProviderKind::Anthropic,
        Format::Ollama => ProviderKind::Ollama,
    }
}

/// A Hearth in a fresh folder, connected to `server` in `format`.
async fn hearth(dir: &std::path::Path, server: &FakeProvider, format: Format) -> Arc<Hearth> {
    let h = Hearth::open(dir.to_path_buf(), options(dir));
    let config = ProviderConfig {
        kind: kind(format),
        base_url: server.base_url(format),
        model: "fake-small".into(),
        context_length: Some(8_192),
    };
    h.save_provider(config).await.unwrap();
    if kind(format).takes_key() {
        h.set_api_key(kind(format), server.base_url(format), KEY.into())
            .await
            .unwrap();
    }
    h.save_persona(
        Persona {
            companion_name: "Ember".into(),
            voice: "Gentle.".into(),
            user_name: "Theodore".into(),
            address_style: "Plainly.".into(),
            hopes: "Company.".into(),
        },
        None,
    )
    .await
    .unwrap();
    h
}

/// Starts a turn and collects its events until it ends.
async fn turn(h: &Arc<Hearth>, start: TurnStart) -> Vec<StreamEvent> {
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    h.start_turn(start, move |e| {
        let _ = tx.send(e);
    })
    .await
    .unwrap();
    let mut events = Vec::new();
    while let Some(e) = rx.recv().await {
        let end = matches!(e, StreamEvent::Done { .. } | StreamEvent::Failed { .. });
        events.push(e);
        if end {
            break;
        }
    }
    events
}

async fn idle(h: &Hearth) {
    tokio::time::timeout(Duration::from_secs(20), h.until_idle())
        .await
        .expect("the background work ends");
}

const LEARNT: &str = r#"{"memories": [{"text": "Theodore's sister Amy marries in Lisbon in June.", "kind": "event", "importance": 5, "replaces": []}]}"#;

#[tokio::test]
async fn a_whole_turn_streams_is_kept_and_is_learnt_from_in_the_background() {
    let dir = tempfile::tempdir().unwrap();
    let server = FakeProvider::start().await;
    server.require_key(KEY);
    let h = hearth(dir.path(), &server, Format::OpenAi).await;
    server.script([
        Step::reply(["How lovely", " — Lisbon in June!"]),
        Step::reply([LEARNT]),
    ]);

    let events = turn(
        &h,
        TurnStart::Send("My sister Amy is getting married in Lisbon in June.".into()),
    )
    .await;
    assert!(matches!(&events[0], StreamEvent::Started { model } if model == "fake-small"));
    let words: String = events
        .iter()
        .filter_map(|e| match e {
            StreamEvent::Delta { text } => Some(text.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(words, "How lovely — Lisbon in June!");
    let Some(StreamEvent::Done {
        message: Some(reply),
        ..
    }) = events.last()
    else {
        panic!("{events:?}")
    };
    assert_eq!(reply.status, MessageStatus::Complete);
    assert_eq!(reply.content, words);
    assert!(
        matches!(
            h.pending_jobs().unwrap().as_slice(),
            [Job::Learn { .. }, Job::Embed]
        ),
        "learning and embedding are queued: {:?}",
        h.pending_jobs()
    );

    h.start_background(&tokio::runtime::Handle::current());
    idle(&h).await;
    let memories = h.memories(None, 10).await.unwrap();
    assert_eq!(
        memories.iter().map(|m| m.text.as_str()).collect::<Vec<_>>(),
        ["Theodore's sister Amy marries in Lisbon in June."]
    );
    let learn = server.requests().last().unwrap().body.clone();
    assert_eq!(
        learn["response_format"]["json_schema"]["name"], "memories",
        "learning asks for a structured answer: {learn}"
    );
    assert!(h.pending_jobs().unwrap().is_empty());
}

#[tokio::test]
async fn the_introduction_is_a_structured_answer_in_every_format() {
    for format in [Format::OpenAi, Format::Anthropic, Format::Ollama] {
        let dir = tempfile::tempdir().unwrap();
        let server = FakeProvider::start().await;
        let h = hearth(dir.path(), &server, format).await;
        server.script([Step::reply([
            r#"{"name": "Samantha", "voice": "Light and curious.", "#,
            r#""introduction": "Hello Theodore, I'm Samantha."}"#,
        ])]);
        let intro = h
            .introduce(hearth_core::companion::setup::SetupAnswers {
                user_name: "Theodore".into(),
                address_style: "warmly".into(),
                hopes: "company".into(),
            })
            .await
            .unwrap();
        assert_eq!(
            (intro.name.as_str(), intro.words.as_str()),
            ("Samantha", "Hello Theodore, I'm Samantha."),
            "{format:?}"
        );
        let body = server.requests().last().unwrap().body.clone();
        let asked = match format {
            Format::OpenAi => body["response_format"]["type"] == "json_schema",
            Format::Anthropic => body["tool_choice"]["name"] == "introduction",
            Format::Ollama => body["format"]["required"].is_array(),
        };
        assert!(asked, "{format:?} is asked for JSON its own way: {body}");
    }
}

#[tokio::test]
async fn a_reply_task_that_panics_leaves_nothing_streaming_and_the_next_message_is_answered() {
    let dir = tempfile::tempdir().unwrap();
    let server = FakeProvider::start().await;
    let h = hearth(dir.path(), &server, Format::Ollama).await;
    server.script([
        Step::reply(["Half of a", " reply"]),
        Step::reply(["A whole reply."]),
    ]);
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let tx = Mutex::new(Some(tx));
    let started = h
        .start_turn(TurnStart::Send("Are you there?".into()), move |e| {
            if let StreamEvent::Delta { .. } = e {
                // The channel closes as the task unwinds.
                let _keep = tx.lock().unwrap().take();
                panic!("the window's channel broke");
            }
        })
        .await
        .unwrap();
    let _ = rx.await;
    // The task unwinds; the reply it was writing is then marked, not left
    // `streaming` (which would refuse every later message).
    let reply = started.turn.reply.id;
    tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            let history = h.messages(None, 10).await.unwrap();
            let r = history.iter().find(|m| m.id == reply).unwrap();
            if r.status != MessageStatus::Streaming {
                break;
            }
            tokio::task::yield_now().await;
        }
    })
    .await
    .expect("the reply is marked when its task dies");
    let events = turn(&h, TurnStart::Send("Hello?".into())).await;
    assert!(
        matches!(events.last(), Some(StreamEvent::Done { .. })),
        "{events:?}"
    );
    let history = h.messages(None, 10).await.unwrap();
    let first = history
        .iter()
        .find(|m| m.id == started.turn.reply.id)
        .unwrap();
    assert_ne!(first.status, MessageStatus::Streaming, "{first:?}");
    assert_eq!(history.last().unwrap().content, "A whole reply.");
    assert_eq!(history.last().unwrap().role, Role::Assistant);
}

#[tokio::test]
async fn background_work_queued_before_a_restart_runs_after_it() {
    let dir = tempfile::tempdir().unwrap();
    let server = FakeProvider::start().await;
    {
        let h = hearth(dir.path(), &server, Format::Anthropic).await;
        server.script([Step::reply(["Congratulations to Amy!"])]);
        turn(&h, TurnStart::Send("Amy marries in Lisbon in June.".into())).await;
        assert!(!h.pending_jobs().unwrap().is_empty());
        // Hearth closes before the background work ran.
    }
    let h = Hearth::open(dir.path().to_path_buf(), options(dir.path()));
    h.set_api_key(
        ProviderKind::Anthropic,
        server.base_url(Format::Anthropic),
        KEY.into(),
    )
    .await
    .unwrap();
    server.script([Step::reply([LEARNT])]);
    h.start_background(&tokio::runtime::Handle::current());
    idle(&h).await;
    assert_eq!(h.memories(None, 10).await.unwrap().len(), 1);
}

#[tokio::test]
async fn stopping_a_turn_keeps_its_words_as_partial() {
    let dir = tempfile::tempdir().unwrap();
    let server = FakeProvider::start().await;
    let h = hearth(dir.path(), &server, Format::OpenAi).await;
    server.require_key(KEY);
    server.script([Step::StallAfter {
        chunks: vec!["Let me".into()],
    }]);
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let started = h
        .start_turn(TurnStart::Send("Why?".into()), move |e| {
            let _ = tx.send(e);
        })
        .await
        .unwrap();
    while let Some(e) = rx.recv().await {
        if let StreamEvent::Delta { .. } = e {
            assert!(h.stop_stream(started.stream));
        }
        if let StreamEvent::Done { message, .. } = e {
            let m = message.unwrap();
            assert_eq!(
                (m.status, m.content.as_str()),
                (MessageStatus::Partial, "Let me")
            );
            return;
        }
    }
    panic!("the turn never ended");
}

#[tokio::test]
async fn a_key_is_sent_only_to_the_address_it_was_saved_for() {
    let dir = tempfile::tempdir().unwrap();
    let saved = FakeProvider::start().await;
    saved.require_key(KEY);
    let other = FakeProvider::start().await;
    let h = hearth(dir.path(), &saved, Format::OpenAi).await;
    // Settings with another address typed in, not saved: tried without the key.
    let typed = ProviderConfig {
        kind: ProviderKind::OpenaiCompatible,
        base_url: other.base_url(Format::OpenAi),
        model: "fake-small".into(),
        context_length: None,
    };
    let check = h.test_connection(typed.clone()).await.unwrap();
    assert!(check.model_available);
    // Saved as the active connection: still no key for it.
    h.save_provider(typed).await.unwrap();
    other.script([Step::reply(["Hello from elsewhere."])]);
    let events = turn(&h, TurnStart::Send("Hi".into())).await;
    assert!(
        matches!(events.last(), Some(StreamEvent::Done { .. })),
        "{events:?}"
    );
    let sent: Vec<_> = other.requests();
    assert!(sent.len() >= 2);
    for r in &sent {
        assert_eq!(r.header("authorization"), None, "{} {}", r.method, r.path);
        assert!(
            !format!("{:?}", r.headers).contains(KEY),
            "the key went to another address: {:?}",
            r.headers
        );
    }
    // The address it was saved for still gets it.
    let back = ProviderConfig {
        kind: ProviderKind::OpenaiCompatible,
        base_url: saved.base_url(Format::OpenAi),
        model: "fake-small".into(),
        context_length: None,
    };
    assert!(h.test_connection(back).await.unwrap().model_available);
    assert_eq!(
        saved.requests().last().unwrap().header("authorization"),
        Some(format!("Bearer {KEY}").as_str())
    );
}
