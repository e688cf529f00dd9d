//! The diary, headless as the window drives it: a kept moment reflected on in
//! the background, a day's entry written once (across restarts, in the
//! user's local day), a nonsense answer that leaves the day pending, search
//! that never fails on what a person types, and export and import.

#[path = "support/days.rs"]
mod days;
use days::local_noon;
use std::sync::Arc;
use std::time::Duration;

use hearth_core::diary::export::ExportFormat;
use hearth_core::providers::{ProviderConfig, ProviderKind};
use hearth_core::service::{ItemRef, TurnStart};
use hearth_core::store::diary::{self, EntryDraft, Filter, Item};
use hearth_core::store::letters::{LetterBrief, LetterLength};
use hearth_core::store::messages::{self, MessageStatus, Role};
use hearth_core::store::persona::Persona;
use hearth_core::store::search::FoundKind;
use hearth_core::store::{Store, moments};
use hearth_core::{Hearth, Options};
use hearth_fake_provider::{FakeProvider, Format, Recorded, Step};

fn options(dir: &std::path::Path) -> Options {
    Options {
        keyring_service: None,
        models_dir: Some(dir.join("no-models")),
        background_delay: Duration::ZERO,
        ollama_url: "http://127.0.0.1:9".into(),
        ..Default::default()
    }
}

async fn connect(h: &Hearth, server: &FakeProvider, context: u32) {
    h.save_provider(ProviderConfig {
        kind: ProviderKind::Ollama,
        base_url: server.base_url(Format::Ollama),
        model: "fake-small".into(),
        context_length: Some(context),
    })
    .await
    .unwrap();
}

/// A Hearth in `dir`, set up and connected to `server`, background not started.
async fn hearth(dir: &std::path::Path, server: &FakeProvider) -> Arc<Hearth> {
    let h = Hearth::open(dir.to_path_buf(), options(dir));
    connect(&h, server, 8_192).await;
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

async fn idle(h: &Hearth) {
    tokio::time::timeout(Duration::from_secs(30), h.until_idle())
        .await
        .expect("the background work ends");
}

fn chats(server: &FakeProvider) -> Vec<Recorded> {
    server
        .requests()
        .into_iter()
        .filter(|r| r.method == "POST" && r.path == "/api/chat")
        .collect()
}

fn said(r: &Recorded) -> String {
    r.body["messages"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|m| m["content"].as_str().unwrap_or_default().to_owned())
        .collect::<Vec<_>>()
        .join("\n")
}

fn local_offset() -> i32 {
    chrono::Local::now().offset().local_minus_utc() / 60
}

fn say(h: &Hearth, role: Role, text: &str, at: i64) -> i64 {
    h.store()
        .unwrap()
        .with(|c| messages::insert_at(c, role, text, MessageStatus::Complete, None, at))
        .unwrap()
        .id
}

const ENTRY: &str = r#"{"title": "The lake house", "body": "Theodore told me about the lake house where he spent his summers. I could hear how much he misses it.", "mood": "wistful", "tags": ["lake", "summer"], "people": ["Amy", "Ember"]}"#;
const REFLECTION: &str = r#"{"title": "Summers at the lake", "reflection": "He trusted me with a place he loves. I want to remember it with him.", "tags": ["lake"]}"#;

#[tokio::test]
async fn a_kept_moment_shows_at_once_and_is_reflected_on_in_the_background() {
    let dir = tempfile::tempdir().unwrap();
    let server = FakeProvider::start().await;
    let h = hearth(dir.path(), &server).await;
    let (_, now) = local_noon(0);
    let said_id = say(
        &h,
        Role::User,
        "We spent every summer at the lake house with Amy.",
        now,
    );

    let kept = h.keep_moment(said_id).await.unwrap();
    assert!(kept.writing, "shown at once, to be filled in");
    assert_eq!(kept.title, "We spent every summer at the lake house…");
    let timeline = h.diary_timeline(Filter::default(), 0, 50).await.unwrap();
    assert!(matches!(&timeline[..], [Item::Moment(m)] if m.id == kept.id));

    server.script([Step::reply([REFLECTION])]);
    h.start_background(&tokio::runtime::Handle::current());
    idle(&h).await;
    let asked = chats(&server);
    assert_eq!(asked.len(), 1);
    assert!(said(&asked[0]).contains("every summer at the lake house"));

    let day = h.diary_day(kept.day.clone()).await.unwrap();
    let m = &day.moments[0];
    assert_eq!(m.title, "Summers at the lake");
    assert!(m.reflection.starts_with("He trusted me"));
    assert!(!m.writing && m.problem.is_none());
    assert_eq!(
        m.body, "We spent every summer at the lake house with Amy.",
        "the words kept stay"
    );
    assert_eq!(m.source_message_ids, [said_id]);
    assert_eq!(day.messages.len(), 1, "the conversation it came from");

    let found = h.search_everything("summers".into()).await.unwrap();
    let moments: Vec<_> = found
        .iter()
        .filter(|g| g.kind == FoundKind::Moment)
        .collect();
    assert_eq!(moments.len(), 1);
    assert_eq!(moments[0].hits[0].title, "\u{2}Summers\u{3} at the lake");
    let found = h.search_everything("trusted".into()).await.unwrap();
    assert_eq!(
        found[0].hits[0].excerpt,
        "He \u{2}trusted\u{3} me with a place he loves. I want to remember it with him.",
        "a match in the reflection alone shows the reflection"
    );
}

#[tokio::test]
async fn a_nonsense_reflection_keeps_the_moment_and_says_why() {
    let dir = tempfile::tempdir().unwrap();
    let server = FakeProvider::start().await;
    let h = hearth(dir.path(), &server).await;
    let (_, now) = local_noon(0);
    let id = say(&h, Role::User, "Keep this one.", now);
    let kept = h.keep_moment(id).await.unwrap();
    server.script([Step::reply(["Sure! Here is a lovely title for you."])]);
    h.start_background(&tokio::runtime::Handle::current());
    // The failed job waits before it is tried again: idle until then.
    idle(&h).await;
    let m = h.diary_day(kept.day.clone()).await.unwrap().moments[0].clone();
    assert_eq!(
        m.title, "Keep this one.",
        "the moment keeps its first title"
    );
    assert!(m.writing, "still to be written");
    let problem = m.problem.expect("the failure is recorded");
    assert!(problem.contains("held no JSON"), "{problem}");
}

#[tokio::test]
async fn a_day_is_written_once_after_it_is_over_even_across_restarts() {
    let dir = tempfile::tempdir().unwrap();
    let server = FakeProvider::start().await;
    let (yesterday, then) = local_noon(1);
    let (today, now) = local_noon(0);
    {
        let h = hearth(dir.path(), &server).await;
        say(
            &h,
            Role::User,
            "I keep thinking about the lake house.",
            then,
        );
        say(&h, Role::Assistant, "Tell me about it?", then + 1_000);
        say(&h, Role::User, "Today is another day.", now);
        server.script([Step::reply([ENTRY])]);
        h.start_background(&tokio::runtime::Handle::current());
        idle(&h).await;
        assert_eq!(chats(&server).len(), 1, "one entry: today is not over");
        assert!(said(&chats(&server)[0]).contains("I keep thinking about the lake house."));
        assert!(!said(&chats(&server)[0]).contains("Today is another day."));
    }
    // Hearth starts again: the day is not written twice.
    let h = Hearth::open(dir.path().to_path_buf(), options(dir.path()));
    h.start_background(&tokio::runtime::Handle::current());
    idle(&h).await;
    assert_eq!(chats(&server).len(), 1, "never twice for the same day");
    let day = h.diary_day(yesterday.clone()).await.unwrap();
    let entry = day.entry.expect("yesterday's entry");
    assert_eq!(entry.title, "The lake house");
    assert_eq!(entry.mood, "wistful");
    assert_eq!(entry.people, ["Amy"]);
    assert_eq!(
        entry.written_by, "Ember (fake-small)",
        "it says who wrote it"
    );
    assert!(h.diary_day(today.clone()).await.unwrap().entry.is_none());
    let month = h.diary_calendar(yesterday[..7].into()).await.unwrap();
    assert!(
        month
            .iter()
            .any(|d| d.day == yesterday && d.entry && !d.pending)
    );

    // Deleting it does not bring the day back; asking for it does.
    let deleted = h
        .delete_diary_item(ItemRef::Entry(entry.id))
        .await
        .unwrap()
        .unwrap();
    h.queue_diary().await;
    idle(&h).await;
    assert_eq!(chats(&server).len(), 1);
    h.restore_diary_item(deleted).await.unwrap();
    assert_eq!(
        h.diary_day(yesterday.clone()).await.unwrap().entry.unwrap(),
        entry,
        "undo restores it exactly"
    );
    assert!(h.rewrite_day(today).await.is_err(), "today is not over");
    server.script([Step::reply([
        ENTRY.replace("The lake house", "Summer, again")
    ])]);
    h.set_favourite(ItemRef::Entry(entry.id), true)
        .await
        .unwrap();
    h.rewrite_day(yesterday.clone()).await.unwrap();
    idle(&h).await;
    let again = h.diary_day(yesterday).await.unwrap().entry.unwrap();
    assert_eq!(
        (again.id, again.title.as_str(), again.favourite),
        (entry.id, "Summer, again", true)
    );
}

#[tokio::test]
async fn a_nonsense_entry_leaves_the_day_pending_with_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    let server = FakeProvider::start().await;
    let h = hearth(dir.path(), &server).await;
    let (yesterday, then) = local_noon(1);
    say(&h, Role::User, "A quiet day.", then);
    server.script([Step::reply([r#"{"title": "", "body": 42}"#])]);
    h.start_background(&tokio::runtime::Handle::current());
    idle(&h).await;
    let day = h.diary_day(yesterday.clone()).await.unwrap();
    assert!(day.entry.is_none(), "no broken entry");
    assert!(day.pending);
    assert_eq!(
        day.reason.as_deref(),
        Some("The companion's answer had no title.")
    );
    let month = h.diary_calendar(yesterday[..7].into()).await.unwrap();
    assert!(
        month
            .iter()
            .any(|d| d.day == yesterday && d.pending && d.reason.is_some())
    );
}

#[tokio::test]
async fn a_long_day_is_summarised_in_parts_that_fit_the_window() {
    let dir = tempfile::tempdir().unwrap();
    let server = FakeProvider::start().await;
    let h = hearth(dir.path(), &server).await;
    connect(&h, &server, 2_048).await;
    let (yesterday, then) = local_noon(1);
    for i in 0..40 {
        let text = format!("Turn {i}: the garden, the lake, the letters we wrote. ").repeat(12);
        say(&h, Role::User, &text, then + i);
    }
    // As many notes as the day has parts, then the entry.
    let names = hearth_core::diary::Names {
        companion: "Ember".into(),
        user: "Theodore".into(),
        voice: "Gentle.".into(),
    };
    let day_messages = h
        .store()
        .unwrap()
        .with(|c| diary::day_messages(c, &yesterday, local_offset(), 1_000))
        .unwrap();
    let parts = hearth_core::diary::parts(&names, &day_messages, 2_048).len();
    assert!(parts > 2, "{parts} parts");
    let notes = r#"{"notes": "We talked about the garden."}"#;
    server.script(
        (0..parts)
            .map(|_| Step::reply([notes]))
            .chain([Step::reply([ENTRY])]),
    );
    h.start_background(&tokio::runtime::Handle::current());
    idle(&h).await;
    let asked = chats(&server);
    assert_eq!(
        asked.len(),
        parts + 1,
        "one request per part, then the entry"
    );
    let last = said(asked.last().unwrap());
    assert!(
        last.contains("Part 1: We talked about the garden."),
        "{last}"
    );
    for r in &asked[..asked.len() - 1] {
        assert!(said(r).contains("Turn "), "a part of the day");
    }
    assert!(h.diary_day(yesterday).await.unwrap().entry.is_some());
}

#[test]
fn a_day_is_the_users_local_day_and_is_due_once_over() {
    let dir = tempfile::tempdir().unwrap();
    let (store, _) = Store::open(dir.path().join("j.db")).unwrap();
    // 2026-11-29 23:30 UTC: Monday the 30th in Paris, still the 29th in New York.
    let at = chrono::DateTime::parse_from_rfc3339("2026-11-29T23:30:00Z")
        .unwrap()
        .timestamp_millis();
    store
        .with(|c| {
            messages::insert_at(
                c,
                Role::User,
                "Late words.",
                MessageStatus::Complete,
                None,
                at,
            )
        })
        .unwrap();
    let due = |today: &str, offset: i32| {
        store
            .with(|c| diary::days_to_write(c, today, "2026-11-01", offset, 1))
            .unwrap()
    };
    assert_eq!(
        due("2026-11-30", 60),
        Vec::<String>::new(),
        "in Paris it is today"
    );
    assert_eq!(
        due("2026-11-30", -300),
        ["2026-11-29"],
        "in New York yesterday"
    );
    let draft = EntryDraft {
        title: "Late".into(),
        body: "Words late at night.".into(),
        mood: String::new(),
        tags: vec![],
        people: vec![],
    };
    store
        .with(|c| diary::save_written(c, "2026-11-29", &draft, "Ember", 2))
        .unwrap();
    assert_eq!(
        due("2026-12-01", -300),
        Vec::<String>::new(),
        "written once"
    );
    assert_eq!(
        due("2026-12-01", 60),
        ["2026-11-30"],
        "the Paris day is its own"
    );
    let messages = store
        .with(|c| diary::day_messages(c, "2026-11-30", 60, 10))
        .unwrap();
    assert_eq!(messages.len(), 1);
    assert!(
        store
            .with(|c| diary::day_messages(c, "2026-11-30", -300, 10))
            .unwrap()
            .is_empty()
    );
    assert_eq!(moments::local_day(at, 60), "2026-11-30");
}

#[tokio::test]
async fn search_takes_any_text_and_marks_the_words_found() {
    let dir = tempfile::tempdir().unwrap();
    let server = FakeProvider::start().await;
    let h = hearth(dir.path(), &server).await;
    let (day, now) = local_noon(2);
    let id = say(
        &h,
        Role::User,
        "Amy's wedding by the lake 💍 was lovely.",
        now,
    );
    h.keep_moment(id).await.unwrap();
    h.store()
        .unwrap()
        .with(|c| {
            diary::save_written(
                c,
                &day,
                &EntryDraft {
                    title: "A wedding".into(),
                    body: "Theodore told me about the wedding <b>by</b> the lake.".into(),
                    mood: "glad".into(),
                    tags: vec!["wedding".into()],
                    people: vec!["Amy".into()],
                },
                "Ember",
                now,
            )
        })
        .unwrap();
    let letter = h
        .create_letter(LetterBrief {
            person_id: None,
            recipient: "Amy".into(),
            occasion: "Her wedding".into(),
            carry: "".into(),
            weave: vec![],
            tone: "tender".into(),
            length: LetterLength::Short,
            signature: "Theodore".into(),
        })
        .await
        .unwrap()
        .letter
        .id;
    h.save_letter_text(letter, "Dear Amy, the lake was still.".into())
        .await
        .unwrap();
    h.save_letter_text(
        letter,
        "Dear Amy, your wedding by the lake made me glad.".into(),
    )
    .await
    .unwrap();
    let strange = [
        "\"",
        "AND",
        "OR NOT",
        "*",
        "NEAR(",
        "(",
        "'; DROP TABLE moments; --",
        "💍",
        "lake\"",
        "wed*",
        "title:lake",
        "^lake",
        "-lake",
        "lake NEAR/2 wedding",
        "",
    ];
    for text in strange {
        h.search_everything(text.into())
            .await
            .unwrap_or_else(|e| panic!("{text:?}: {e}"));
    }
    let long = "lake wedding ".repeat(1_000);
    assert!(long.len() > 10_000);
    let found = h.search_everything(long).await.unwrap();
    assert_eq!(found.len(), 4, "10 KB of words still finds every kind");
    assert_eq!(
        h.search_everything("'; DROP TABLE moments; --".into())
            .await
            .unwrap(),
        vec![]
    );
    assert_eq!(
        h.diary_timeline(Filter::default(), 0, 10)
            .await
            .unwrap()
            .len(),
        2
    );

    let found = h.search_everything("wedding".into()).await.unwrap();
    let kinds: Vec<FoundKind> = found.iter().map(|g| g.kind).collect();
    assert_eq!(
        kinds,
        [
            FoundKind::Entry,
            FoundKind::Moment,
            FoundKind::Letter,
            FoundKind::Message
        ]
    );
    let entry = &found[0].hits[0];
    assert_eq!(entry.title, "A \u{2}wedding\u{3}");
    assert!(
        entry
            .excerpt
            .contains("about the \u{2}wedding\u{3} <b>by</b> the lake"),
        "{:?}: marked with control characters, the text as it was",
        entry.excerpt
    );
    let letter_hit = &found[2].hits[0];
    assert_eq!(letter_hit.id, letter);
    assert_eq!(letter_hit.title, "Amy · Her \u{2}wedding\u{3}");
    assert!(
        letter_hit
            .excerpt
            .contains("your \u{2}wedding\u{3} by the lake"),
        "a letter's excerpt is its text as it stands now: {:?}",
        letter_hit.excerpt
    );
    assert!(found[3].hits[0].excerpt.contains("\u{2}wedding\u{3}"));
    assert!(
        found[1].hits[0]
            .excerpt
            .contains("\u{2}wedding\u{3} by the"),
        "a moment's excerpt shows the words kept: {:?}",
        found[1].hits[0].excerpt
    );
    assert_eq!(found[3].hits[0].id, id);

    // A letter is found by whom it is to, and only by the words it holds now.
    let to_amy = h.search_everything("amy".into()).await.unwrap();
    let letters = to_amy.iter().find(|g| g.kind == FoundKind::Letter).unwrap();
    assert_eq!(letters.hits[0].title, "\u{2}Amy\u{3} · Her wedding");
    assert!(
        h.search_everything("still".into())
            .await
            .unwrap()
            .iter()
            .all(|g| g.kind != FoundKind::Letter),
        "words the letter no longer holds do not find it"
    );
}

#[tokio::test]
async fn export_and_import_restore_the_diary_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let server = FakeProvider::start().await;
    let h = hearth(&dir.path().join("a"), &server).await;
    server.script([Step::reply(["I'm listening."])]);
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    h.start_turn(
        TurnStart::Send("Remember the lake? 🌊".into()),
        move |e| {
            let _ = tx.send(e);
        },
    )
    .await
    .unwrap();
    while let Some(e) = rx.recv().await {
        if matches!(e, hearth_core::generation::StreamEvent::Done { .. }) {
            break;
        }
    }
    let first = h.messages(None, 10).await.unwrap()[0].id;
    let moment = h.keep_moment(first).await.unwrap();
    h.set_favourite(ItemRef::Moment(moment.id), true)
        .await
        .unwrap();
    let long_body = "Every word of a long day, kept. ".repeat(3_300);
    assert!(long_body.len() > 100_000);
    let store = h.store().unwrap();
    for (day, body) in [
        ("2026-10-03", "Autumn.\n\n* a list\n# not a heading"),
        ("2026-11-29", long_body.as_str()),
    ] {
        store
            .with(|c| {
                diary::save_written(
                    c,
                    day,
                    &EntryDraft {
                        title: format!("Entry of {day}"),
                        body: body.into(),
                        mood: "calm".into(),
                        tags: vec!["lake".into()],
                        people: vec!["Amy".into()],
                    },
                    "Ember (fake-small)",
                    7,
                )
            })
            .unwrap();
    }

    let out = dir.path().join("out");
    std::fs::create_dir(&out).unwrap();
    let json = h
        .export_diary(out.clone(), ExportFormat::Json)
        .await
        .unwrap();
    let md = h
        .export_diary(out.clone(), ExportFormat::Markdown)
        .await
        .unwrap();
    let months = h
        .export_diary(out.clone(), ExportFormat::MarkdownByMonth)
        .await
        .unwrap();
    assert_eq!(
        months.len(),
        if moment.day.starts_with("2026-11") {
            2
        } else {
            3
        }
    );
    let markdown = std::fs::read_to_string(&md[0]).unwrap();
    assert!(
        markdown.contains(long_body.trim_end()),
        "a 100 KB entry exported intact"
    );
    assert!(markdown.contains("Diary entry written by Ember (fake-small)"));
    assert!(markdown.contains("> Remember the lake? 🌊"));

    // Into a new, empty journal, and out again: the same file.
    let b = hearth(&dir.path().join("b"), &server).await;
    let imported = b.import_diary(json[0].clone().into()).await.unwrap();
    assert_eq!((imported.entries, imported.moments), (2, 1));
    let again = dir.path().join("again");
    std::fs::create_dir(&again).unwrap();
    let json_again = b.export_diary(again, ExportFormat::Json).await.unwrap();
    assert_eq!(
        std::fs::read(&json[0]).unwrap(),
        std::fs::read(&json_again[0]).unwrap(),
        "byte for byte"
    );
    let day = b.diary_day(moment.day.clone()).await.unwrap();
    assert_eq!(day.moments[0].source_message_ids.len(), 1);
    assert!(
        day.messages
            .iter()
            .any(|m| m.content == "Remember the lake? 🌊")
    );

    // A second import is refused and changes nothing.
    let refused = b.import_diary(json[0].clone().into()).await.unwrap_err();
    assert!(refused.message.contains("empty journal"), "{refused:?}");
    let not_json = dir.path().join("x.json");
    std::fs::write(&not_json, "hello").unwrap();
    let refused = b.import_diary(not_json).await.unwrap_err();
    assert!(
        refused.message.contains("is not a Hearth diary export"),
        "{refused:?}"
    );
}

#[test]
fn on_this_day_finds_the_same_date_in_earlier_months_and_the_calendar_marks_days() {
    let dir = tempfile::tempdir().unwrap();
    let (store, _) = Store::open(dir.path().join("j.db")).unwrap();
    let draft = |title: &str| EntryDraft {
        title: title.into(),
        body: "Words.".into(),
        mood: String::new(),
        tags: vec!["lake".into()],
        people: vec!["Amy".into()],
    };
    for (day, title) in [
        ("2025-11-30", "A year ago"),
        ("2026-10-30", "A month ago"),
        ("2026-11-29", "Yesterday"),
        ("2026-11-30", "Today"),
        ("2026-12-30", "Not yet"),
    ] {
        store
            .with(|c| diary::save_written(c, day, &draft(title), "Ember", 1))
            .unwrap();
    }
    store
        .with(|c| diary::day_failed(c, "2026-11-02", "The model was away.", 1))
        .unwrap();
    let earlier = store
        .with(|c| diary::on_this_day(c, "2026-11-30", 10))
        .unwrap();
    let titles: Vec<&str> = earlier
        .iter()
        .map(|i| match i {
            Item::Entry(e) => e.title.as_str(),
            Item::Moment(m) => m.title.as_str(),
        })
        .collect();
    assert_eq!(titles, ["A month ago", "A year ago"]);
    // The 31st of March has no 31st in February: nothing, not the 28th.
    assert!(
        store
            .with(|c| diary::on_this_day(c, "2026-03-31", 10))
            .unwrap()
            .is_empty()
    );

    let november = store.with(|c| diary::calendar(c, "2026-11")).unwrap();
    let days: Vec<(&str, bool, bool)> = november
        .iter()
        .map(|d| (d.day.as_str(), d.entry, d.pending))
        .collect();
    assert_eq!(
        days,
        [
            ("2026-11-02", false, true),
            ("2026-11-29", true, false),
            ("2026-11-30", true, false)
        ]
    );
    assert_eq!(november[0].reason.as_deref(), Some("The model was away."));
    let facets = store.with(|c| diary::facets(c)).unwrap();
    assert_eq!(
        (facets.tags[0].name.as_str(), facets.tags[0].count),
        ("lake", 5)
    );
    assert_eq!(facets.people[0].name, "Amy");
    let amy = Filter {
        person: Some("Amy".into()),
        ..Filter::default()
    };
    assert_eq!(
        store
            .with(|c| diary::timeline(c, &amy, 0, 10))
            .unwrap()
            .len(),
        5
    );
    let nobody = Filter {
        person: Some("Nobody".into()),
        ..Filter::default()
    };
    assert!(
        store
            .with(|c| diary::timeline(c, &nobody, 0, 10))
            .unwrap()
            .is_empty()
    );
}

#[test]
fn the_timeline_is_newest_first_an_entry_before_its_days_moments_and_pages_alike() {
    let dir = tempfile::tempdir().unwrap();
    let (store, _) = Store::open(dir.path().join("j.db")).unwrap();
    let mut expected = Vec::new();
    store
        .with(|c| {
            for (i, day) in ["2026-11-28", "2026-11-29", "2026-11-30"]
                .iter()
                .enumerate()
            {
                let draft = EntryDraft {
                    title: format!("Entry {day}"),
                    body: "Words.".into(),
                    mood: String::new(),
                    tags: vec![],
                    people: vec![],
                };
                if i != 1 {
                    diary::save_written(c, day, &draft, "Ember", 1)?;
                }
                for n in 0..3 {
                    let at = chrono::NaiveDate::parse_from_str(day, "%Y-%m-%d")
                        .unwrap()
                        .and_hms_opt(9 + n, 0, 0)
                        .unwrap()
                        .and_utc()
                        .timestamp_millis();
                    let m = messages::insert_at(
                        c,
                        Role::User,
                        &format!("{day} {n}"),
                        MessageStatus::Complete,
                        None,
                        at,
                    )?;
                    moments::keep_message(c, m.id, 0, at)?;
                }
            }
            Ok(())
        })
        .unwrap();
    for day in ["2026-11-30", "2026-11-29", "2026-11-28"] {
        if day != "2026-11-29" {
            expected.push(format!("Entry {day}"));
        }
        for n in (0..3).rev() {
            expected.push(format!("{day} {n}"));
        }
    }
    let title = |i: &Item| match i {
        Item::Entry(e) => e.title.clone(),
        Item::Moment(m) => m.body.clone(),
    };
    let all: Vec<String> = store
        .with(|c| diary::timeline(c, &Filter::default(), 0, 100))
        .unwrap()
        .iter()
        .map(title)
        .collect();
    assert_eq!(all, expected);
    let mut paged = Vec::new();
    for offset in (0..12).step_by(4) {
        paged.extend(
            store
                .with(|c| diary::timeline(c, &Filter::default(), offset, 4))
                .unwrap()
                .iter()
                .map(title),
        );
    }
    assert_eq!(paged, expected, "pages of four make the same timeline");
    store
        .with(|c| diary::set_moment_favourite(c, 2, true))
        .unwrap();
    let favourites = Filter {
        favourites: true,
        ..Filter::default()
    };
    let shown: Vec<String> = store
        .with(|c| diary::timeline(c, &favourites, 0, 10))
        .unwrap()
        .iter()
        .map(title)
        .collect();
    assert_eq!(shown, ["2026-11-28 1"]);
}
