//! Structured answers on the built-in model, run for real (SmolLM2-135M;
//! fetched by `scripts/models.sh .tools/models`, or `HEARTH_MODELS_DIR`):
//! what a newcomer with no key meets first. Ten first runs introduce a
//! companion whose name and voice come from the app's lists, in words that
//! read as sentences; ten exchanges in which the user states a fact plainly
//! each leave that fact in memory.

#[path = "support/built_in.rs"]
mod built_in;

#[path = "support/days.rs"]
mod days;
use days::local_noon;
use hearth_core::companion::sense;
use hearth_core::companion::setup::{self, NAMES, SetupAnswers, VOICES};
use hearth_core::companion::turn;
use hearth_core::store::memories;
use hearth_core::store::messages::{self, MessageStatus, Role};
use hearth_core::store::persona::Persona;

use built_in::hearth;

const FIRST_RUNS: &[(&str, &str, &str)] = &[
    (
        "Theodore",
        "gently, like an old friend",
        "someone to talk to in the evenings",
    ),
    ("Amy", "playfully", "help with my letters"),
    (
        "Paul",
        "plainly and honestly",
        "remember the people in my life",
    ),
    ("Catherine", "warmly", "a calm voice after work"),
    ("Léa", "softly", "quelqu'un qui m'écoute"),
    ("Sam", "like a friend", "keep me company while I write"),
    ("", "", ""),
    ("Olivia", "with humour", "talk about books and films"),
    ("Raj", "kindly", "help me remember birthdays"),
    ("Mei", "gently", "someone who remembers my day"),
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_first_runs_on_the_built_in_model_introduce_a_named_companion_in_sentences() {
    let dir = tempfile::tempdir().unwrap();
    let h = hearth(dir.path());
    let model = h.active_model().await.unwrap().model;
    assert!(
        model.is_in_process(),
        "no provider: the built-in model talks"
    );
    let mut own_words = 0;
    for (user, style, hopes) in FIRST_RUNS {
        let answers = SetupAnswers {
            user_name: user.to_string(),
            address_style: style.to_string(),
            hopes: hopes.to_string(),
        };
        // The constrained answer itself: JSON that fits the schema.
        let raw = model
            .answer(&setup::request_for(&answers, true), &Default::default())
            .await
            .unwrap();
        let json: serde_json::Value =
            serde_json::from_str(&raw).unwrap_or_else(|e| panic!("not JSON ({e}): {raw}"));
        assert!(VOICES.iter().any(|(v, _)| json["voice"] == *v), "{raw}");
        let words = json["introduction"].as_str().unwrap();
        let greeting = if user.is_empty() {
            "Hello! I'm ".to_owned()
        } else {
            format!("Hello, {user}! I'm ")
        };
        let named = words
            .strip_prefix(&greeting)
            .unwrap_or_else(|| panic!("{raw}"));
        assert!(
            NAMES.iter().any(|n| named.starts_with(&format!("{n}. "))),
            "{raw}"
        );
        eprintln!("raw: {raw} -> {:?}", sense::readable(words));

        // What the window shows.
        let intro = h.introduce(answers).await.unwrap();
        assert!(NAMES.contains(&intro.name.as_str()), "{intro:?}");
        assert!(VOICES.iter().any(|(_, sentence)| intro.voice == *sentence));
        assert_eq!(
            sense::readable(&intro.words).as_deref(),
            Ok(intro.words.as_str())
        );
        assert!(intro.words.contains(&intro.name), "{intro:?}");
        if !user.is_empty() {
            assert!(!intro.words.contains("JSON"));
        }
        if !intro.words.contains("new to the world and curious") {
            own_words += 1;
        }
        eprintln!("{} ({}): {}", intro.name, intro.voice, intro.words);
    }
    eprintln!(
        "introductions in the model's own words: {own_words} of {}",
        FIRST_RUNS.len()
    );
}

/// What the user said, and words of the fact that must be remembered.
const EXCHANGES: &[(&str, &[&str])] = &[
    (
        "My sister Amy is getting married in Lisbon in June and I have to write a toast. I'm nervous.",
        &["Amy", "Lisbon", "June"],
    ),
    (
        "My daughter Zoe starts school on 4 September.",
        &["Zoe", "September"],
    ),
    (
        "I moved to Glasgow last year for a job at the library.",
        &["Glasgow"],
    ),
    (
        "My best friend Tom has his birthday on 12 March.",
        &["Tom", "12 March"],
    ),
    (
        "I'm allergic to peanuts, so I always check the menu.",
        &["peanuts"],
    ),
    (
        "We are going to Kyoto in April to see the cherry blossom.",
        &["Kyoto", "April"],
    ),
    (
        "Hi! My dog Biscuit is fourteen and getting slow. Any advice?",
        &["Biscuit"],
    ),
    (
        "I play the cello in an orchestra every Thursday evening.",
        &["cello", "Thursday"],
    ),
    (
        "My mother Ruth lives in Dublin and I call her on Sundays.",
        &["Ruth", "Dublin"],
    ),
    (
        "I started learning Portuguese because of the wedding in Lisbon.",
        &["Portuguese"],
    ),
];

/// Hearth as first run leaves it: Theodore has named himself and Wren.
async fn past_first_run(h: &hearth_core::Hearth) {
    h.save_persona(
        Persona {
            companion_name: "Wren".into(),
            voice: "Gentle and curious.".into(),
            user_name: "Theodore".into(),
            address_style: String::new(),
            hopes: String::new(),
        },
        None,
    )
    .await
    .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_exchanges_on_the_built_in_model_each_leave_the_stated_fact_in_memory() {
    let dir = tempfile::tempdir().unwrap();
    let h = hearth(dir.path());
    // Learning begins after first run, which names the user: the model is
    // asked about Theodore's sentences, as in the app.
    past_first_run(&h).await;
    let model = h.active_model().await.unwrap().model;
    let store = h.store().unwrap();
    for (said, words) in EXCHANGES {
        let (user, reply) = store
            .with(|c| {
                let u = messages::insert(c, Role::User, said, MessageStatus::Complete, None)?;
                let r = messages::insert(
                    c,
                    Role::Assistant,
                    "Thank you for telling me. I'll keep that in mind.",
                    MessageStatus::Complete,
                    None,
                )?;
                Ok((u, r))
            })
            .unwrap();
        let merged = turn::learn(
            &store,
            &model,
            &user,
            &reply,
            "2026-11-30",
            &Default::default(),
        )
        .await
        .unwrap_or_else(|e| panic!("learning from {said:?} failed: {}", e.message));
        let stored: Vec<String> = store
            .with(|c| memories::list(c, None, 1000))
            .unwrap()
            .into_iter()
            .filter(|m| merged.added.contains(&m.id) || merged.confirmed.contains(&m.id))
            .map(|m| m.text)
            .collect();
        assert!(
            stored.iter().any(|m| words.iter().all(|w| m.contains(w))),
            "nothing remembered of {said:?}: {stored:?}"
        );
        eprintln!("{said:?} -> {stored:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_days_on_the_built_in_model_each_get_an_entry_that_quotes_the_user_in_sentences() {
    let dir = tempfile::tempdir().unwrap();
    let h = hearth(dir.path());
    past_first_run(&h).await;
    let store = h.store().unwrap();
    // Each exchange on a day of its own, before today: each day is over.
    let mut days = Vec::new();
    for (i, (said, _)) in EXCHANGES.iter().enumerate() {
        let (day, noon) = local_noon(i as i64 + 1);
        let id = store
            .with(|c| {
                let u =
                    messages::insert_at(c, Role::User, said, MessageStatus::Complete, None, noon)?;
                messages::insert_at(
                    c,
                    Role::Assistant,
                    "Thank you for telling me. I'll keep that in mind.",
                    MessageStatus::Complete,
                    None,
                    noon + 1_000,
                )?;
                Ok(u.id)
            })
            .unwrap();
        days.push((day, *said, id));
    }
    // A moment kept today, reflected on beside the entries.
    let kept = store
        .with(|c| {
            messages::insert(
                c,
                Role::User,
                "I finally finished the toast for Amy's wedding, and I read it aloud twice.",
                MessageStatus::Complete,
                None,
            )
        })
        .unwrap();
    let moment = h.keep_moment(kept.id).await.unwrap();

    h.start_background(&tokio::runtime::Handle::current());
    tokio::time::timeout(std::time::Duration::from_secs(1_800), h.until_idle())
        .await
        .expect("the background work ends");

    for (day, said, _) in &days {
        let found = h.diary_day(day.clone()).await.unwrap();
        let entry = found
            .entry
            .unwrap_or_else(|| panic!("no entry for {day} ({said:?}): {:?}", found.reason));
        eprintln!(
            "{day}: {} [{}] {:?} {:?}\n{}\n",
            entry.title, entry.mood, entry.tags, entry.people, entry.body
        );
        assert!(
            entry.written_by.starts_with("Wren ("),
            "{}",
            entry.written_by
        );
        assert!(sense::is_label(&entry.title), "{}", entry.title);
        assert_eq!(
            sense::prose(&entry.body).as_deref(),
            Ok(entry.body.as_str()),
            "the entry reads as sentences"
        );
        // It quotes what Theodore said, whole.
        let quoted = entry
            .body
            .strip_prefix("Theodore told me: “")
            .and_then(|b| b.split('”').next())
            .unwrap_or_else(|| panic!("no quote: {}", entry.body));
        assert!(said.contains(quoted), "{quoted:?} is not from {said:?}");
        for person in &entry.people {
            assert!(
                said.contains(person.as_str()),
                "{person} is not in {said:?}"
            );
        }
    }
    let moment = h
        .diary_day(moment.day.clone())
        .await
        .unwrap()
        .moments
        .into_iter()
        .find(|m| m.id == moment.id)
        .unwrap();
    eprintln!("moment: {} — {}", moment.title, moment.reflection);
    assert!(!moment.writing, "{:?}", moment.problem);
    assert!(sense::is_label(&moment.title), "{}", moment.title);
    assert_eq!(
        sense::readable(&moment.reflection).as_deref(),
        Ok(moment.reflection.as_str())
    );
}
