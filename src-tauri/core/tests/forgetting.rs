//! Forgetting that really forgets: after a memory is deleted or edited, or a
//! message is edited, its old words are in no byte of the journal, its
//! write-ahead log or the backups, and a deleted memory's source message is
//! neither recalled nor learnt from again.

#[path = "support/days.rs"]
mod days;
use days::local_noon;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use hearth_core::generation::StreamEvent;
use hearth_core::providers::{ProviderConfig, ProviderKind};
use hearth_core::service::TurnStart;
use hearth_core::store::memories::{self, MemoryDraft, MemoryKind};
use hearth_core::store::messages::{self, MessageStatus, Role};
use hearth_core::{Hearth, Options};
use hearth_fake_provider::{FakeProvider, Format, Step};

fn options(dir: &Path) -> Options {
    Options {
        keyring_service: None,
        models_dir: Some(dir.join("no-models")),
        background_delay: Duration::ZERO,
        ollama_url: "http://127.0.0.1:9".into(),
        ..Default::default()
    }
}

/// Every file of the journal: the database, its WAL and shared memory, and
/// each backup.
fn journal_files(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut files: Vec<_> = ["hearth.db", "hearth.db-wal", "hearth.db-shm"]
        .iter()
        .map(|f| dir.join(f))
        .filter(|p| p.exists())
        .collect();
    if let Ok(entries) = std::fs::read_dir(dir.join("backups")) {
        files.extend(entries.filter_map(|e| e.ok()).map(|e| e.path()));
    }
    files
}

/// The files (of [`journal_files`]) holding `word`'s bytes anywhere.
fn holding(dir: &Path, word: &str) -> Vec<String> {
    journal_files(dir)
        .into_iter()
        .filter(|p| {
            let bytes = std::fs::read(p).unwrap();
            bytes.windows(word.len()).any(|w| w == word.as_bytes())
        })
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect()
}

#[tokio::test]
async fn a_deleted_or_edited_memory_leaves_no_trace_in_any_file() {
    let dir = tempfile::tempdir().unwrap();
    let h = Hearth::open(dir.path().to_path_buf(), options(dir.path()));
    let store = h.store().unwrap();
    let (doomed, edited) = store
        .with(|c| {
            let draft = |text: &str| MemoryDraft {
                text: text.into(),
                kind: MemoryKind::Fact,
                importance: 3,
            };
            let a = memories::insert(
                c,
                &draft("Theodore's secret word is quuxzanzibar."),
                None,
                1,
            )?;
            let b = memories::insert(
                c,
                &draft("Theodore hides the key under flibbertigibbet."),
                None,
                1,
            )?;
            Ok((a.id, b.id))
        })
        .unwrap();
    // A day's copy taken while they were remembered.
    hearth_core::back_up_daily(dir.path()).unwrap();
    assert_eq!(
        holding(dir.path(), "quuxzanzibar").len(),
        2,
        "in the journal and its backup"
    );

    assert!(h.delete_memory(doomed).await.unwrap());
    h.update_memory(
        edited,
        MemoryDraft {
            text: "Theodore hides the key under the mat.".into(),
            kind: MemoryKind::Fact,
            importance: 3,
        },
    )
    .await
    .unwrap();

    assert_eq!(holding(dir.path(), "quuxzanzibar"), Vec::<String>::new());
    assert_eq!(holding(dir.path(), "flibbertigibbet"), Vec::<String>::new());
    // What is still remembered is still in the journal and the backup.
    assert_eq!(holding(dir.path(), "under the mat").len(), 2);
    // And the journal still reads.
    let ok: String = store
        .with(|c| c.query_row("PRAGMA integrity_check", [], |r| r.get(0)))
        .unwrap();
    assert_eq!(ok, "ok");
}

#[tokio::test]
async fn an_edited_message_leaves_its_old_words_nowhere() {
    let server = FakeProvider::start().await;
    server.script([
        Step::reply(["I hear you."]),
        Step::reply(["I hear you, again."]),
    ]);
    let dir = tempfile::tempdir().unwrap();
    let h = Hearth::open(dir.path().to_path_buf(), options(dir.path()));
    h.save_provider(ProviderConfig {
        kind: ProviderKind::Ollama,
        base_url: server.base_url(Format::Ollama),
        model: "fake-small".into(),
        context_length: Some(8_192),
    })
    .await
    .unwrap();
    turn(
        &h,
        TurnStart::Send("My password hint is wobblegronk.".into()),
    )
    .await;
    hearth_core::back_up_daily(dir.path()).unwrap();
    assert!(!holding(dir.path(), "wobblegronk").is_empty());

    turn(
        &h,
        TurnStart::EditLast("My password hint is a secret.".into()),
    )
    .await;

    assert_eq!(holding(dir.path(), "wobblegronk"), Vec::<String>::new());
    let texts: Vec<String> = h
        .messages(None, 10)
        .await
        .unwrap()
        .into_iter()
        .map(|m| m.content)
        .collect();
    assert_eq!(
        texts,
        ["My password hint is a secret.", "I hear you, again."]
    );
}

#[tokio::test]
async fn the_message_a_deleted_memory_came_from_is_not_recalled_or_learnt_again() {
    let dir = tempfile::tempdir().unwrap();
    let h = Hearth::open(dir.path().to_path_buf(), options(dir.path()));
    let store = h.store().unwrap();
    let memory = store
        .with(|c| {
            let said = messages::insert(
                c,
                Role::User,
                "My sister Amy is getting married in Lisbon in June.",
                MessageStatus::Complete,
                None,
            )?;
            memories::insert(
                c,
                &MemoryDraft {
                    text: "Theodore's sister Amy marries in Lisbon in June.".into(),
                    kind: MemoryKind::Event,
                    importance: 4,
                },
                Some(said.id),
                1,
            )
        })
        .unwrap();
    let recalled = |store: &hearth_core::store::Store| {
        store
            .with(|c| {
                hearth_core::memory::remember::recollect(
                    c,
                    "Amy Lisbon wedding",
                    2,
                    None,
                    Default::default(),
                )
            })
            .unwrap()
            .messages
            .len()
    };
    assert_eq!(recalled(&store), 1, "recalled while remembered");
    assert!(h.delete_memory(memory.id).await.unwrap());
    assert_eq!(recalled(&store), 0, "forgotten: not brought up again");
    let source = store
        .with(|c| messages::get(c, memory.source_message_id.unwrap()))
        .unwrap()
        .unwrap();
    assert!(
        source.forgotten,
        "the message is kept but never learnt from again"
    );
}

async fn turn(h: &Arc<Hearth>, start: TurnStart) {
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    h.start_turn(start, move |e| {
        let _ = tx.send(e);
    })
    .await
    .unwrap();
    while let Some(e) = rx.recv().await {
        if matches!(e, StreamEvent::Done { .. } | StreamEvent::Failed { .. }) {
            break;
        }
    }
}

fn integrity(store: &hearth_core::store::Store) -> String {
    store
        .with(|c| c.query_row("PRAGMA integrity_check", [], |r| r.get(0)))
        .unwrap()
}

#[tokio::test]
async fn a_forgotten_day_leaves_no_trace_and_other_days_stay() {
    use hearth_core::store::diary::{self as days, EntryDraft};
    use hearth_core::store::moments;

    let dir = tempfile::tempdir().unwrap();
    let h = Hearth::open(dir.path().to_path_buf(), options(dir.path()));
    let store = h.store().unwrap();
    let offset = chrono::Local::now().offset().local_minus_utc() / 60;
    let (doomed_day, doomed_at) = local_noon(3);
    let (kept_day, kept_at) = local_noon(2);
    store
        .with(|c| {
            let said = messages::insert_at(
                c,
                Role::User,
                "I told Amy about the zorblatt at the lake.",
                MessageStatus::Complete,
                None,
                doomed_at,
            )?;
            messages::insert_at(
                c,
                Role::Assistant,
                "The zorblatt sounds like a secret worth keeping.",
                MessageStatus::Complete,
                Some("fake"),
                doomed_at + 1_000,
            )?;
            memories::insert(
                c,
                &MemoryDraft {
                    text: "Theodore owns a zorblatt, quimbleshank by name.".into(),
                    kind: MemoryKind::Fact,
                    importance: 3,
                },
                Some(said.id),
                doomed_at,
            )?;
            moments::keep_message(c, said.id, offset, doomed_at)?;
            days::save_written(
                c,
                &doomed_day,
                &EntryDraft {
                    title: "The day of the frumious lake".into(),
                    body: "We spoke of the frumious lake for hours.".into(),
                    mood: "warm".into(),
                    tags: vec!["lake".into()],
                    people: vec!["Amy".into()],
                },
                "Samantha (fake)",
                doomed_at,
            )?;
            // Another day, which stays.
            let other = messages::insert_at(
                c,
                Role::User,
                "Tomorrow I plant the marigoldia seeds.",
                MessageStatus::Complete,
                None,
                kept_at,
            )?;
            memories::insert(
                c,
                &MemoryDraft {
                    text: "Theodore plants marigoldia seeds.".into(),
                    kind: MemoryKind::Plan,
                    importance: 3,
                },
                Some(other.id),
                kept_at,
            )?;
            days::save_written(
                c,
                &kept_day,
                &EntryDraft {
                    title: "Seeds".into(),
                    body: "We talked of the gardenholm and its seeds.".into(),
                    mood: String::new(),
                    tags: vec![],
                    people: vec![],
                },
                "Samantha (fake)",
                kept_at,
            )
        })
        .unwrap();
    hearth_core::back_up_daily(dir.path()).unwrap();
    for word in ["zorblatt", "quimbleshank", "frumious"] {
        assert_eq!(
            holding(dir.path(), word).len(),
            2,
            "{word} in the journal and its backup"
        );
    }

    let forgotten = h.forget_day(doomed_day.clone()).await.unwrap();
    assert_eq!(
        (
            forgotten.messages,
            forgotten.memories,
            forgotten.moments,
            forgotten.entries
        ),
        (2, 1, 1, 1)
    );

    for word in ["zorblatt", "quimbleshank", "frumious"] {
        assert_eq!(holding(dir.path(), word), Vec::<String>::new(), "{word}");
    }
    // The other day is all there, in the journal and the backup.
    for word in ["marigoldia", "gardenholm"] {
        assert_eq!(holding(dir.path(), word).len(), 2, "{word} kept");
    }
    let day = h.diary_day(doomed_day).await.unwrap();
    assert!(day.messages.is_empty() && day.moments.is_empty() && day.entry.is_none());
    assert!(!day.pending, "a forgotten day is not written about again");
    let left: Vec<String> = h
        .memories(None, 10)
        .await
        .unwrap()
        .into_iter()
        .map(|m| m.text)
        .collect();
    assert_eq!(left, ["Theodore plants marigoldia seeds."]);
    assert_eq!(integrity(&store), "ok");
}

#[tokio::test]
async fn deleting_everything_leaves_no_trace_and_starts_again() {
    use hearth_core::store::letters::{LetterBrief, PersonDraft};
    use hearth_core::store::persona::Persona;

    let dir = tempfile::tempdir().unwrap();
    let h = Hearth::open(dir.path().to_path_buf(), options(dir.path()));
    let store = h.store().unwrap();
    h.save_persona(
        Persona {
            companion_name: "Samantha".into(),
            voice: "warm".into(),
            user_name: "Theodore Blorvington".into(),
            address_style: String::new(),
            hopes: String::new(),
        },
        Some("Hello, I am glad to meet you.".into()),
    )
    .await
    .unwrap();
    store
        .with(|c| {
            let said = messages::insert(
                c,
                Role::User,
                "My locker code is snargleplex.",
                MessageStatus::Complete,
                None,
            )?;
            memories::insert(
                c,
                &MemoryDraft {
                    text: "Theodore's locker code is snargleplex.".into(),
                    kind: MemoryKind::Fact,
                    importance: 5,
                },
                Some(said.id),
                1,
            )
        })
        .unwrap();
    h.save_person(
        None,
        PersonDraft {
            name: "Catherine Wuzzlethorpe".into(),
            relationship: "old friend".into(),
            notes: String::new(),
            dates: vec![],
        },
    )
    .await
    .unwrap();
    h.create_letter(LetterBrief {
        person_id: None,
        recipient: "Catherine".into(),
        occasion: "an apology".into(),
        carry: "I am sorry about the plinkerton vase.".into(),
        weave: vec![],
        tone: "tender".into(),
        length: Default::default(),
        signature: "T.".into(),
    })
    .await
    .unwrap();
    h.set_api_key(
        ProviderKind::Anthropic,
        String::new(),
        "sk-test-deleteme-1234".into(),
    )
    .await
    .unwrap();
    hearth_core::back_up_daily(dir.path()).unwrap();
    let words = ["Blorvington", "snargleplex", "Wuzzlethorpe", "plinkerton"];
    for word in words {
        assert!(!holding(dir.path(), word).is_empty(), "{word} written");
    }

    h.delete_everything().await.unwrap();

    for word in words {
        assert_eq!(holding(dir.path(), word), Vec::<String>::new(), "{word}");
    }
    assert!(!dir.path().join("backups").exists(), "no backup is left");
    assert_eq!(
        h.persona().await.unwrap(),
        None,
        "the first run comes again"
    );
    assert!(h.messages(None, 10).await.unwrap().is_empty());
    assert!(h.memories(None, 10).await.unwrap().is_empty());
    let key = h
        .key_status(ProviderKind::Anthropic, String::new())
        .await
        .unwrap();
    assert!(!key.set, "the key left the key store");
    assert_eq!(integrity(&store), "ok");
    // And Hearth goes on: a new first run is saved and the journal reopens.
    h.save_persona(
        Persona {
            companion_name: "Ada".into(),
            voice: String::new(),
            user_name: String::new(),
            address_style: String::new(),
            hopes: String::new(),
        },
        None,
    )
    .await
    .unwrap();
    drop(store);
    drop(h);
    let again = Hearth::open(dir.path().to_path_buf(), options(dir.path()));
    assert_eq!(
        again.persona().await.unwrap().unwrap().companion_name,
        "Ada"
    );
}
