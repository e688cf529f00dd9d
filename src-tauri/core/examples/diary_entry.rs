//! Writes one day's diary entry on the built-in model, as Hearth does at
//! start-up for a day that is over, and reports how long it took and what
//! came of it (the entry, or the reason the day stays pending).
//!
//! cargo run -p hearth-core --example diary_entry [MODELS_DIR]
//! (MODELS_DIR defaults to `HEARTH_MODELS_DIR`, else `.tools/models`.)

use std::path::PathBuf;
use std::time::{Duration, Instant};

use hearth_core::store::messages::{self, MessageStatus, Role};
use hearth_core::store::persona::Persona;
use hearth_core::{Hearth, Options};

const DAY: &[(Role, &str)] = &[
    (
        Role::User,
        "Morning! I barely slept, my sister Amy called late to say she's getting married in Lisbon in June.",
    ),
    (
        Role::Assistant,
        "Oh, that's wonderful news, even at midnight! How are you feeling about it?",
    ),
    (
        Role::User,
        "Happy, and a bit nervous. She asked me to give a toast and I'm terrible at speeches.",
    ),
    (
        Role::Assistant,
        "You're kinder to people in words than you think. We can write it together, a little each day.",
    ),
    (
        Role::User,
        "Tonight I walked by the lake after work. It reminded me of summers at our grandmother's house.",
    ),
    (
        Role::Assistant,
        "That sounds like a good place to start the toast: the lake, and the two of you as kids.",
    ),
];

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let models = std::env::args()
        .nth(1)
        .or_else(|| std::env::var("HEARTH_MODELS_DIR").ok())
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../.tools/models"));
    let dir = tempfile::tempdir().unwrap();
    let h = Hearth::open(
        dir.path().to_path_buf(),
        Options {
            keyring_service: None,
            models_dir: Some(models),
            background_delay: Duration::ZERO,
            ollama_url: "http://127.0.0.1:9".into(),
            ..Default::default()
        },
    );
    h.save_persona(
        Persona {
            companion_name: "Samantha".into(),
            voice: "Warm, curious and playful.".into(),
            user_name: "Theodore".into(),
            address_style: "Gently".into(),
            hopes: "Someone to talk to".into(),
        },
        None,
    )
    .await
    .unwrap();
    let yesterday = chrono::Local::now().date_naive() - chrono::Duration::days(1);
    let noon = yesterday
        .and_hms_opt(12, 0, 0)
        .unwrap()
        .and_local_timezone(chrono::Local)
        .earliest()
        .unwrap()
        .timestamp_millis();
    let store = h.store().unwrap();
    for (i, (role, text)) in DAY.iter().enumerate() {
        store
            .with(|c| {
                messages::insert_at(
                    c,
                    *role,
                    text,
                    MessageStatus::Complete,
                    None,
                    noon + i as i64 * 600_000,
                )
            })
            .unwrap();
    }
    let model = h.active_model().await.unwrap();
    println!("model: {}", model.model.config().model);
    let started = Instant::now();
    h.start_background(&tokio::runtime::Handle::current());
    h.until_idle().await;
    let took = started.elapsed();
    let day = h.diary_day(yesterday.to_string()).await.unwrap();
    match day.entry {
        Some(e) => {
            println!("entry written in {took:.1?} (model loading included)");
            println!(
                "title: {}\nmood: {}\ntags: {:?}\npeople: {:?}",
                e.title, e.mood, e.tags, e.people
            );
            println!("written by: {}\n\n{}", e.written_by, e.body);
        }
        None => println!(
            "no entry after {took:.1?}: the day stays pending ({})",
            day.reason.unwrap_or_default()
        ),
    }
}
