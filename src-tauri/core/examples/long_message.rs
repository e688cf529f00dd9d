//! How long a turn takes to prepare (store the words, recall, build the
//! prompt) after the user sent a 200 KB message of one unbroken word, and
//! how long counting that word's tokens takes.
//!
//!     cargo run -p hearth-core --example long_message [KB] [TURNS]
//!
//! Each later turn sends a short message; the long one stays in the recent
//! conversation the prompt is built from.

use std::time::Instant;

use chrono::Local;
use hearth_core::companion::prompt::Budget;
use hearth_core::companion::tokens;
use hearth_core::companion::turn::{self, Start};
use hearth_core::store::messages::{self, MessageStatus, Role};
use hearth_core::store::{Store, persona};

fn main() {
    let mut args = std::env::args().skip(1);
    let kb: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(200);
    let turns: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(3);
    // One word: letters with no space, as a pasted key or a stuck key makes.
    let word: String = "abcdefghijklmnopqrstuvwxyz"
        .chars()
        .cycle()
        .take(kb * 1_000)
        .collect();

    tokens::warm_up();
    let at = Instant::now();
    let n = tokens::count(&word);
    println!(
        "counting the {kb} KB word: {n} tokens in {:.1} ms",
        at.elapsed().as_secs_f64() * 1e3
    );

    let at = Instant::now();
    let n = tiktoken_rs::cl100k_base_singleton()
        .encode_ordinary(&word)
        .len();
    println!(
        "the same word counted whole, as before: {n} tokens in {:.1} ms",
        at.elapsed().as_secs_f64() * 1e3
    );

    let dir = tempfile::tempdir().unwrap();
    let (store, _) = Store::open(dir.path().join("hearth.db")).unwrap();
    store
        .with(|c| {
            persona::save(
                c,
                &persona::Persona {
                    companion_name: "Ember".into(),
                    voice: String::new(),
                    user_name: "Theodore".into(),
                    address_style: String::new(),
                    hopes: String::new(),
                },
            )
        })
        .unwrap();
    // Some ordinary conversation, then the long word and a reply to it.
    store
        .with(|c| {
            for i in 0..20 {
                let text = format!("An ordinary message, number {i}, about the lake house.");
                messages::insert(c, Role::User, &text, MessageStatus::Complete, None)?;
                messages::insert(c, Role::Assistant, &text, MessageStatus::Complete, None)?;
            }
            Ok(())
        })
        .unwrap();
    let budget = Budget::for_context(128_000);
    let mut times = Vec::new();
    for (i, text) in std::iter::once(word.as_str())
        .chain(std::iter::repeat_n("How are you today?", turns))
        .enumerate()
    {
        let at = Instant::now();
        let (t, prompt) = store
            .run(|c| {
                let t = turn::begin(c, Start::Send(text), "bench")?;
                let p = turn::prepare(c, &t, Local::now().fixed_offset(), budget)?;
                Ok((t, p))
            })
            .unwrap();
        let took = at.elapsed();
        store
            .with(|c| {
                messages::finish(
                    c,
                    t.reply.id,
                    MessageStatus::Complete,
                    &messages::Ending {
                        content: "I hear you.",
                        error: None,
                        prompt_tokens: None,
                        completion_tokens: None,
                    },
                )
            })
            .unwrap();
        let what = if i == 0 {
            "the long message"
        } else {
            "a short one after it"
        };
        println!(
            "turn {i} ({what}): prepared in {:.1} ms, prompt of {} tokens",
            took.as_secs_f64() * 1e3,
            prompt.tokens
        );
        if i > 0 {
            times.push(took.as_secs_f64() * 1e3);
        }
    }
    if !times.is_empty() {
        let mean = times.iter().sum::<f64>() / times.len() as f64;
        println!("later turns: {mean:.1} ms on average");
    }
}
