//! A turn of conversation end to end in the core: a real journal file, the
//! real HTTP client, and the fake provider on loopback.

use std::time::Duration;

use chrono::{FixedOffset, TimeZone};
use hearth_core::companion::prompt::{Budget, NOTE_CLOSE, NOTE_OPEN};
use hearth_core::companion::tokens;
use hearth_core::companion::turn::{self, Start};
use hearth_core::generation::Model;
use hearth_core::memory::remember;
use hearth_core::providers::{Limits, Provider, ProviderConfig, ProviderKind};
use hearth_core::store::memories::{self, MemoryDraft, MemoryKind};
use hearth_core::store::messages::{self, MessageStatus, Role};
use hearth_core::store::{Store, moments, persona};
use hearth_core::{AppError, ErrorCode};
use hearth_fake_provider::{FakeProvider, Format, Step};
use tokio_util::sync::CancellationToken;

fn journal() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let (store, _) = Store::open(dir.path().join("hearth.db")).unwrap();
    store
        .with(|c| {
            persona::save(
                c,
                &persona::Persona {
                    companion_name: "Ember".into(),
                    voice: "Gentle.".into(),
                    user_name: "Theodore".into(),
                    address_style: "Plainly.".into(),
                    hopes: "Company.".into(),
                },
            )
        })
        .unwrap();
    (dir, store)
}

fn provider(server: &FakeProvider) -> Model {
    Model::Remote(provider_for(server))
}

fn provider_for(server: &FakeProvider) -> Provider {
    Provider::new(
        ProviderConfig {
            kind: ProviderKind::OpenaiCompatible,
            base_url: server.base_url(Format::OpenAi),
            model: "fake-small".into(),
            context_length: Some(8_192),
        },
        Some("sk-test".into()),
        Limits {
            connect: Duration::from_secs(2),
            response: Duration::from_millis(500),
            idle: Duration::from_millis(500),
            attempts: 1,
            backoff: Duration::from_millis(10),
            max_wait: Duration::from_secs(1),
            ..Limits::default()
        },
    )
    .unwrap()
}

fn now() -> chrono::DateTime<FixedOffset> {
    FixedOffset::east_opt(0)
        .unwrap()
        .with_ymd_and_hms(2026, 11, 25, 14, 0, 0)
        .unwrap()
}

/// Runs one turn and returns the deltas heard and the final event.
async fn take_turn(
    store: &Store,
    server: &FakeProvider,
    start: Start<'_>,
) -> (turn::Turn, Vec<String>, turn::Ended) {
    let t = store.run(|c| turn::begin(c, start, "fake-small")).unwrap();
    let prompt = store
        .run(|c| turn::prepare(c, &t, now(), Budget::for_context(8_192)))
        .unwrap();
    let mut deltas = Vec::new();
    let end = turn::run(
        store,
        &provider(server),
        &prompt.request,
        &t,
        &CancellationToken::new(),
        &mut |d: &str| deltas.push(d.to_owned()),
    )
    .await;
    (t, deltas, end)
}

/// The stored reply and the error of a turn that failed.
/// A sent new message split into the note of the turn's context and the
/// user's words after it.
fn split_note(content: &serde_json::Value) -> (String, String) {
    let content = content.as_str().expect("text content");
    let rest = content
        .strip_prefix(NOTE_OPEN)
        .unwrap_or_else(|| panic!("no note heads {content:?}"));
    let (note, words) = rest
        .split_once(&format!("{NOTE_CLOSE}\n\n"))
        .expect("the note is closed");
    (note.to_owned(), words.to_owned())
}

fn failed(end: turn::Ended) -> (messages::Message, AppError) {
    match end {
        turn::Ended {
            reply: Some(reply),
            error: Some(error),
            ..
        } => (reply, error),
        other => panic!("{other:?}"),
    }
}

/// The conversation in the journal, oldest first, as (role, text).
fn conversation(store: &Store) -> Vec<(Role, String)> {
    store
        .with(|c| messages::page(c, None, 10))
        .unwrap()
        .into_iter()
        .map(|m| (m.role, m.content))
        .collect()
}

/// Learns from `reply` to `user`'s message on `day`, to the end.
async fn learn(
    store: &Store,
    server: &FakeProvider,
    t: &turn::Turn,
    reply: &messages::Message,
    day: &str,
) -> Result<hearth_core::memory::extract::Merged, AppError> {
    turn::learn(
        store,
        &provider(server),
        &t.user,
        reply,
        day,
        &CancellationToken::new(),
    )
    .await
}

#[tokio::test]
async fn a_reply_streams_into_the_journal_and_later_turns_see_the_history() {
    let (_dir, store) = journal();
    let server = FakeProvider::start().await;
    server.script([Step::reply(["Hello ", "Theodore", "."])]);
    let (t, deltas, end) = take_turn(&store, &server, Start::Send("Hi there")).await;
    assert_eq!(deltas.concat(), "Hello Theodore.");
    let turn::Ended {
        reply: Some(reply),
        error: None,
        ..
    } = end
    else {
        panic!("{end:?}")
    };
    assert_eq!(reply.status, MessageStatus::Complete);
    assert_eq!(reply.content, "Hello Theodore.");
    assert_eq!(reply.id, t.reply.id);

    server.script([Step::reply(["Of course."])]);
    take_turn(&store, &server, Start::Send("Do you remember what I said?")).await;
    let sent = server.requests().last().unwrap().body.clone();
    let roles: Vec<&str> = sent["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["role"].as_str().unwrap())
        .collect();
    assert_eq!(roles, ["system", "user", "assistant", "user"]);
    let system = sent["messages"][0]["content"].as_str().unwrap();
    assert!(
        system.contains("You are Ember, Theodore's companion"),
        "{system}"
    );
    // The date changes from turn to turn: it heads the new message, after
    // the conversation, so that turns share everything before it.
    assert_eq!(sent["messages"][1]["content"], "Hi there");
    let (note, words) = split_note(&sent["messages"][3]["content"]);
    assert!(note.contains("Wednesday 25 November 2026"), "{note}");
    assert_eq!(words, "Do you remember what I said?");
}

#[tokio::test]
async fn any_unicode_round_trips_byte_exact_and_empty_text_is_refused() {
    let (_dir, store) = journal();
    let server = FakeProvider::start().await;
    let odd = "👩‍👩‍👧 שלום עולם e\u{301}\u{302} \u{7}\u{1b}[0m tab\there \u{202e}reversed\u{202c} 🏳️‍🌈";
    server.script([Step::reply([odd])]);
    let (t, _, end) = take_turn(&store, &server, Start::Send(odd)).await;
    let stored = store
        .with(|c| messages::get(c, t.user.id))
        .unwrap()
        .unwrap();
    assert_eq!(stored.content.as_bytes(), odd.as_bytes());
    let turn::Ended {
        reply: Some(reply), ..
    } = end
    else {
        panic!()
    };
    assert_eq!(reply.content.as_bytes(), odd.as_bytes());

    for empty in ["", "  \n\t "] {
        let e: AppError = store
            .run(|c| turn::begin(c, Start::Send(empty), "m"))
            .unwrap_err();
        assert_eq!(e.code, ErrorCode::InvalidInput);
    }
    let count = store.with(|c| messages::page(c, None, 100)).unwrap().len();
    assert_eq!(count, 2, "a refused message stores nothing");
}

#[tokio::test]
async fn a_200_kb_message_is_stored_whole_and_sent_within_the_context() {
    let (_dir, store) = journal();
    let server = FakeProvider::start().await;
    let huge = format!("BEGIN {} END", "the lake house in winter ".repeat(8_200));
    assert!(huge.len() > 200_000);
    let (t, _, end) = take_turn(&store, &server, Start::Send(&huge)).await;
    assert!(
        matches!(
            end,
            turn::Ended {
                reply: Some(_),
                error: None,
                ..
            }
        ),
        "{end:?}"
    );
    let stored = store
        .with(|c| messages::get(c, t.user.id))
        .unwrap()
        .unwrap();
    assert_eq!(stored.content, huge);
    let sent = server.requests().last().unwrap().body.clone();
    let (_, last) = split_note(&sent["messages"].as_array().unwrap().last().unwrap()["content"]);
    assert!(last.starts_with("BEGIN") && last.ends_with("END"));
    assert!(last.len() < huge.len() / 4, "{}", last.len());
}

#[test]
fn a_message_past_the_cap_or_holding_a_nul_is_refused_with_a_sentence_and_nothing_stored() {
    let (_dir, store) = journal();
    let huge = "a".repeat(turn::MAX_MESSAGE_BYTES + 1);
    let e = store
        .run(|c| turn::begin(c, Start::Send(&huge), "m"))
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::InvalidInput);
    assert!(
        e.message.contains("1000 KB") && e.message.contains("still here"),
        "{}",
        e.message
    );
    let e = store
        .run(|c| turn::begin(c, Start::Send("nul \0 inside"), "m"))
        .unwrap_err();
    assert!(e.message.contains("NUL"), "{}", e.message);
    assert!(
        conversation(&store).is_empty(),
        "a refused message stores nothing"
    );
    // At the cap, a message is taken whole.
    let at_cap = "a".repeat(turn::MAX_MESSAGE_BYTES);
    let t = store
        .run(|c| turn::begin(c, Start::Send(&at_cap), "m"))
        .unwrap();
    assert_eq!(t.user.content.len(), turn::MAX_MESSAGE_BYTES);
}

#[tokio::test]
async fn a_200_kb_word_is_counted_once_not_again_on_every_later_turn() {
    let (_dir, store) = journal();
    let server = FakeProvider::start().await;
    let word: String = "abcdefghijklmnopqrstuvwxyz"
        .chars()
        .cycle()
        .take(200_000)
        .collect();
    let (_, _, end) = take_turn(&store, &server, Start::Send(&word)).await;
    assert!(end.error.is_none(), "{end:?}");
    for text in ["And how are you?", "Tell me about the lake."] {
        let before = tokens::bytes_counted_on_this_thread();
        let (_, _, end) = take_turn(&store, &server, Start::Send(text)).await;
        assert!(end.error.is_none(), "{end:?}");
        let counted = tokens::bytes_counted_on_this_thread() - before;
        assert!(
            counted < 20_000,
            "a later turn counted {counted} bytes: the long word was counted again"
        );
    }
    let sent = server.requests().last().unwrap().body.clone();
    let (_, last) = split_note(&sent["messages"].as_array().unwrap().last().unwrap()["content"]);
    assert_eq!(last, "Tell me about the lake.");
}

#[tokio::test]
async fn a_dropped_stream_keeps_its_words_marked_error_and_regenerate_replaces_it() {
    let (_dir, store) = journal();
    let server = FakeProvider::start().await;
    server.script([Step::MalformedAfter {
        chunks: vec!["I was saying".into()],
    }]);
    let (t, _, end) = take_turn(&store, &server, Start::Send("Tell me a story")).await;
    let (reply, error) = failed(end);
    assert_eq!(reply.status, MessageStatus::Error);
    assert_eq!(reply.content, "I was saying");
    assert_eq!(reply.error.as_deref(), Some(error.message.as_str()));

    server.script([Step::reply(["Once upon a time."])]);
    let (again, _, end) = take_turn(&store, &server, Start::Regenerate).await;
    assert_eq!(
        again.user.id, t.user.id,
        "the same message is answered again"
    );
    assert!(matches!(end, turn::Ended { error: None, .. }));
    assert_eq!(
        conversation(&store),
        [
            (Role::User, "Tell me a story".to_owned()),
            (Role::Assistant, "Once upon a time.".to_owned())
        ]
    );
}

#[tokio::test]
async fn a_reply_that_never_ends_is_stopped_and_kept_marked_with_the_reason() {
    let (_dir, store) = journal();
    let server = FakeProvider::start().await;
    server.script([Step::Endless {
        chunk: "on and ".repeat(2_000),
        delay: Duration::ZERO,
    }]);
    let (t, _, end) = take_turn(&store, &server, Start::Send("Tell me everything.")).await;
    let (reply, error) = failed(end);
    assert_eq!(error.code, ErrorCode::TooLong);
    assert_eq!(reply.status, MessageStatus::Error);
    assert_eq!(
        reply.content.len(),
        1_000_000,
        "the words that came are kept"
    );
    assert_eq!(reply.error.as_deref(), Some(error.message.as_str()));
    let user = store
        .with(|c| messages::get(c, t.user.id))
        .unwrap()
        .unwrap();
    assert_eq!(user.content, "Tell me everything.");
}

#[tokio::test]
async fn an_answer_of_nothing_is_an_error_to_try_again_not_an_empty_reply() {
    let (_dir, store) = journal();
    let server = FakeProvider::start().await;
    server.script([Step::reply([" ", "\n"])]);
    let (_, _, end) = take_turn(&store, &server, Start::Send("Are you there?")).await;
    let (reply, error) = failed(end);
    assert_eq!(reply.status, MessageStatus::Error);
    assert!(error.message.contains("nothing"), "{error:?}");
    assert_eq!(reply.error.as_deref(), Some(error.message.as_str()));

    server.script([Step::reply(["I'm here."])]);
    let (_, _, end) = take_turn(&store, &server, Start::Regenerate).await;
    assert!(matches!(end, turn::Ended { error: None, .. }), "{end:?}");
    assert_eq!(
        conversation(&store),
        [
            (Role::User, "Are you there?".to_owned()),
            (Role::Assistant, "I'm here.".to_owned())
        ]
    );
}

#[tokio::test]
async fn editing_the_last_message_replaces_it_and_its_reply() {
    let (_dir, store) = journal();
    let server = FakeProvider::start().await;
    take_turn(&store, &server, Start::Send("Helo")).await;
    server.script([Step::reply(["Hello to you."])]);
    take_turn(&store, &server, Start::EditLast("Hello")).await;
    let all = store.with(|c| messages::page(c, None, 10)).unwrap();
    let texts: Vec<&str> = all.iter().map(|m| m.content.as_str()).collect();
    assert_eq!(texts, ["Hello", "Hello to you."]);
    assert_eq!(
        store
            .with(|c| messages::search(c, "Helo", 5))
            .unwrap()
            .len(),
        0,
        "the old words are gone from search too"
    );
}

#[tokio::test]
async fn stopping_keeps_the_words_as_partial_and_a_wordless_stop_leaves_no_reply() {
    let (_dir, store) = journal();
    let server = FakeProvider::start().await;
    server.script([Step::StallAfter {
        chunks: vec!["Let me think".into()],
    }]);
    let t = store
        .run(|c| turn::begin(c, Start::Send("Why?"), "m"))
        .unwrap();
    let prompt = store
        .run(|c| turn::prepare(c, &t, now(), Budget::for_context(8_192)))
        .unwrap();
    let cancel = CancellationToken::new();
    let stopper = cancel.clone();
    let end = turn::run(
        &store,
        &provider(&server),
        &prompt.request,
        &t,
        &cancel,
        &mut |_: &str| stopper.cancel(),
    )
    .await;
    let turn::Ended {
        reply: Some(reply),
        error: None,
        ..
    } = end
    else {
        panic!("{end:?}")
    };
    assert_eq!(
        (reply.status, reply.content.as_str()),
        (MessageStatus::Partial, "Let me think")
    );

    // Stopped before any word: the empty reply is removed; the question stays.
    server.script([Step::Hang]);
    let t = store
        .run(|c| turn::begin(c, Start::Regenerate, "m"))
        .unwrap();
    let cancel = CancellationToken::new();
    cancel.cancel();
    let end = turn::run(
        &store,
        &provider(&server),
        &prompt.request,
        &t,
        &cancel,
        &mut |_| {},
    )
    .await;
    assert!(
        matches!(
            end,
            turn::Ended {
                reply: None,
                error: None,
                ..
            }
        ),
        "{end:?}"
    );
    assert_eq!(
        conversation(&store),
        [
            (Role::User, "Why?".to_owned()),
            (Role::Assistant, "Let me think".to_owned())
        ],
        "a new reply stopped before its first word leaves the old reply in place"
    );
}

#[tokio::test]
async fn a_regenerated_reply_replaces_the_old_one_only_once_it_has_words() {
    let (_dir, store) = journal();
    let server = FakeProvider::start().await;
    server.script([Step::reply(["The first answer."])]);
    take_turn(&store, &server, Start::Send("Tell me something")).await;

    // The new reply fails before any word: the old one stays, whole.
    server.script([Step::Status {
        code: 500,
        retry_after: None,
        message: "down".into(),
    }]);
    let (_, _, end) = take_turn(&store, &server, Start::Regenerate).await;
    assert!(end.error.is_some() && end.reply.is_none(), "{end:?}");
    assert_eq!(
        conversation(&store),
        [
            (Role::User, "Tell me something".to_owned()),
            (Role::Assistant, "The first answer.".to_owned())
        ]
    );

    // While the new one streams, the model is not shown the old one; once
    // its first words are saved, the old one is gone from the journal.
    server.script([Step::StallAfter {
        chunks: vec!["A second".into()],
    }]);
    let t = store
        .run(|c| turn::begin(c, Start::Regenerate, "m"))
        .unwrap();
    let prompt = store
        .run(|c| turn::prepare(c, &t, now(), Budget::for_context(8_192)))
        .unwrap();
    assert!(
        prompt
            .request
            .messages
            .iter()
            .all(|m| !m.content.contains("first answer")),
        "{:?}",
        prompt.request.messages
    );
    let cancel = CancellationToken::new();
    let stopper = cancel.clone();
    let journal_then = std::sync::Mutex::new(Vec::new());
    let end = turn::run(
        &store,
        &provider(&server),
        &prompt.request,
        &t,
        &cancel,
        &mut |_| {
            *journal_then.lock().unwrap() = conversation(&store);
            stopper.cancel();
        },
    )
    .await;
    assert_eq!(
        journal_then.into_inner().unwrap(),
        [
            (Role::User, "Tell me something".to_owned()),
            (Role::Assistant, "A second".to_owned())
        ],
        "the first words replace the old reply"
    );
    assert_eq!(end.reply.unwrap().status, MessageStatus::Partial);
}

#[tokio::test]
async fn a_reply_whose_final_save_fails_is_not_left_streaming() {
    let (_dir, store) = journal();
    let server = FakeProvider::start().await;
    // The journal refuses the final save (as a full disk would).
    store
        .with(|c| {
            c.execute_batch(
                "CREATE TRIGGER refuse_end BEFORE UPDATE OF status ON messages
                 WHEN new.status = 'complete' BEGIN SELECT RAISE(ABORT, 'disk full'); END;",
            )
        })
        .unwrap();
    server.script([Step::reply(["Words that arrive."])]);
    let (t, _, end) = take_turn(&store, &server, Start::Send("Hello?")).await;
    assert_eq!(end.error.map(|e| e.code), Some(ErrorCode::Database));
    let reply = store
        .with(|c| messages::get(c, t.reply.id))
        .unwrap()
        .unwrap();
    assert_eq!(reply.status, MessageStatus::Partial, "kept, not streaming");
    store
        .with(|c| c.execute_batch("DROP TRIGGER refuse_end"))
        .unwrap();
    server.script([Step::reply(["I'm here."])]);
    let (_, _, end) = take_turn(&store, &server, Start::Send("Still there?")).await;
    assert!(
        end.error.is_none(),
        "the next message is not refused: {end:?}"
    );
}

#[tokio::test]
async fn a_reply_interrupted_by_a_crash_is_kept_as_partial_on_the_next_open() {
    let (dir, store) = journal();
    let server = FakeProvider::start().await;
    let t = store
        .run(|c| turn::begin(c, Start::Send("Are you there?"), "m"))
        .unwrap();
    store
        .with(|c| messages::update(c, t.reply.id, "Yes, I", MessageStatus::Streaming))
        .unwrap();
    assert!(
        store
            .run(|c| turn::begin(c, Start::Send("again"), "m"))
            .is_err(),
        "no second reply while one is streaming"
    );
    drop(store);
    drop(server);
    let reopened = hearth_core::open_journal(dir.path()).unwrap();
    let reply = reopened
        .with(|c| messages::get(c, t.reply.id))
        .unwrap()
        .unwrap();
    assert_eq!(
        (reply.status, reply.content.as_str()),
        (MessageStatus::Partial, "Yes, I")
    );
}

#[tokio::test]
async fn learnt_facts_are_stored_merged_superseded_and_recalled_until_deleted() {
    let (_dir, store) = journal();
    let server = FakeProvider::start().await;
    server.script([Step::reply(["That sounds lovely."])]);
    let (t, _, end) = take_turn(
        &store,
        &server,
        Start::Send("My sister Maya lives in Lisbon now."),
    )
    .await;
    let turn::Ended {
        reply: Some(reply), ..
    } = end
    else {
        panic!()
    };

    server.script([Step::reply([
        r#"```json
{"memories": [{"text": "Theodore's sister Maya lives in Lisbon.", "kind": "person", "importance": 4, "replaces": []}]}
```"#,
    ])]);
    let merged = learn(&store, &server, &t, &reply, "2026-11-25")
        .await
        .unwrap();
    assert_eq!(merged.added.len(), 1);
    let first = merged.added[0];
    let sent = server.requests().last().unwrap().body.clone();
    assert!(
        sent.to_string()
            .contains("My sister Maya lives in Lisbon now.")
    );

    // The same fact again confirms it; a contradicting one supersedes it.
    server.script([Step::reply([format!(
        r#"{{"memories": [{{"text": "Theodore's sister Maya lives in Lisbon", "kind": "person", "importance": 5}},
            {{"text": "Theodore's sister Maya moved to Porto.", "kind": "person", "importance": 4, "replaces": [{first}]}}]}}"#
    )])]);
    let merged = learn(&store, &server, &t, &reply, "2026-11-26")
        .await
        .unwrap();
    assert_eq!(merged.confirmed, vec![first]);
    assert_eq!(merged.superseded, vec![first]);
    let porto = merged.added[0];

    let recalled = store
        .with(|c| {
            remember::memories(
                c,
                "Where does Maya live?",
                hearth_core::store::now_ms(),
                remember::Amounts::default(),
            )
        })
        .unwrap();
    let ids: Vec<i64> = recalled.iter().map(|m| m.id).collect();
    assert_eq!(ids, vec![porto], "the superseded fact is never recalled");

    // Garbage from the model stores nothing.
    server.script([Step::reply(["I'd rather not say."])]);
    let e = learn(&store, &server, &t, &reply, "2026-11-26")
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::Malformed);
    assert_eq!(store.with(|c| memories::count(c)).unwrap(), 1);

    // Learning stopped half-way (a new turn on a local model does this)
    // ends at once and stores nothing of what had arrived.
    server.script([Step::StallAfter {
        chunks: vec![r#"{"memories": [{"text": "Maya has a cat.", "kind": "fact""#.into()],
    }]);
    let cancel = CancellationToken::new();
    let asked = server.requests().len();
    let stop = async {
        // Once the request is in and its answer has begun, stop it.
        while server.requests().len() == asked {
            tokio::task::yield_now().await;
        }
        cancel.cancel();
    };
    let learner = provider(&server);
    let (learnt, ()) = tokio::join!(
        turn::learn(&store, &learner, &t.user, &reply, "2026-11-26", &cancel),
        stop
    );
    let e = learnt.unwrap_err();
    assert_eq!(e.code, ErrorCode::Cancelled, "{e:?}");
    assert_eq!(store.with(|c| memories::count(c)).unwrap(), 1);

    // Deleted: gone from lists, search and every later prompt.
    assert!(store.with(|c| memories::delete(c, porto)).unwrap());
    assert!(
        store
            .with(|c| memories::list(c, Some("Maya"), 10))
            .unwrap()
            .is_empty()
    );
    server.script([Step::reply(["Mm."])]);
    take_turn(&store, &server, Start::Send("Where does Maya live again?")).await;
    let sent = server.requests().last().unwrap().body.to_string();
    assert!(
        !sent.contains("Porto") && !sent.contains("moved to"),
        "{sent}"
    );
}

#[test]
fn memories_rank_by_match_importance_and_recency() {
    let (_dir, store) = journal();
    let now = 1_795_610_400_000i64;
    let day = 86_400_000i64;
    let add = |text: &str, importance: u8, age_days: i64| {
        store
            .with(|c| {
                memories::insert(
                    c,
                    &MemoryDraft {
                        text: text.into(),
                        kind: MemoryKind::Fact,
                        importance,
                    },
                    None,
                    now - age_days * day,
                )
            })
            .unwrap()
            .id
    };
    let old_minor = add("Theodore once mentioned the piano.", 1, 400);
    let fresh_major = add("Theodore is learning the piano for his daughter.", 5, 2);
    let unrelated = add("Theodore loves autumn walks.", 2, 1);
    let ranked: Vec<i64> = store
        .with(|c| {
            remember::memories(
                c,
                "How is the piano going?",
                now,
                remember::Amounts {
                    memories: 10,
                    always: 0,
                    messages: 0,
                },
            )
        })
        .unwrap()
        .iter()
        .map(|m| m.id)
        .collect();
    assert_eq!(ranked, vec![fresh_major, old_minor]);
    assert!(!ranked.contains(&unrelated));
    assert!(remember::score(1.0, 1, 400.0) < remember::score(1.0, 5, 2.0));
}

#[test]
fn keeping_a_moment_is_idempotent_and_can_be_undone() {
    let (_dir, store) = journal();
    let m = store
        .with(|c| {
            messages::insert_at(
                c,
                Role::Assistant,
                "# The lake at dawn\nIt was still.",
                MessageStatus::Complete,
                None,
                1_795_610_400_000,
            )
        })
        .unwrap();
    let kept = store
        .with(|c| moments::keep_message(c, m.id, 60, 1))
        .unwrap()
        .unwrap();
    assert_eq!(kept.day, "2026-11-25");
    assert_eq!(kept.title, "The lake at dawn");
    assert_eq!(kept.source_message_ids, vec![m.id]);
    let again = store
        .with(|c| moments::keep_message(c, m.id, 60, 2))
        .unwrap()
        .unwrap();
    assert_eq!(again.id, kept.id);
    assert!(
        store
            .with(|c| messages::get(c, m.id))
            .unwrap()
            .unwrap()
            .kept
    );
    assert_eq!(
        store.with(|c| moments::release_message(c, m.id)).unwrap(),
        1
    );
    assert!(
        !store
            .with(|c| messages::get(c, m.id))
            .unwrap()
            .unwrap()
            .kept
    );
}
