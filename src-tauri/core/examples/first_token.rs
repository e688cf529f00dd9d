//! How long a reply on the built-in model waits for its first word, with the
//! background idle, with learning running on the same model, and with the
//! embedder catching up on a journal (the reply stops either). The difference
//! is the delay background work adds; the goal is no more than the time of
//! one token.
//!
//!     cargo run --release -p hearth-core --example first_token [RUNS]
//!
//! Needs the built-in model (`scripts/models.sh .tools/models`, or
//! `HEARTH_MODELS_DIR`). Each run uses a fresh journal, so every prompt is the same.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use hearth_core::generation::StreamEvent;
use hearth_core::jobs::Job;
use hearth_core::service::TurnStart;
use hearth_core::store::messages::{self, MessageStatus, Role};
use hearth_core::{Hearth, Options};

fn models_dir() -> PathBuf {
    std::env::var_os("HEARTH_MODELS_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../.tools/models"))
}

/// Times a turn: to its first word, and each word after.
async fn turn(h: &Arc<Hearth>) -> (Duration, Vec<Duration>) {
    turn_yielded(h).await.0
}

/// [`turn`], and how long after the turn was asked the background job that
/// was running stopped (zero when none ran).
async fn turn_yielded(h: &Arc<Hearth>) -> ((Duration, Vec<Duration>), Duration) {
    let running = h.running_job();
    let was_running = running.is_some();
    let asked = Instant::now();
    let watcher = {
        let h = h.clone();
        tokio::spawn(async move {
            while running.is_some() && h.running_job() == running {
                tokio::time::sleep(Duration::from_micros(200)).await;
            }
            asked.elapsed()
        })
    };
    let words = words_of(h, asked).await;
    let yielded = if was_running {
        watcher.await.unwrap()
    } else {
        Duration::ZERO
    };
    (words, yielded)
}

async fn words_of(h: &Arc<Hearth>, asked: Instant) -> (Duration, Vec<Duration>) {
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    h.start_turn(TurnStart::Send("Tell me about the sea.".into()), move |e| {
        let _ = tx.send((Instant::now(), e));
    })
    .await
    .unwrap();
    let (mut first, mut gaps, mut last) = (None, Vec::new(), None);
    while let Some((at, e)) = rx.recv().await {
        match e {
            StreamEvent::Delta { .. } => {
                if first.is_none() {
                    first = Some(at - asked);
                } else if let Some(l) = last {
                    gaps.push(at - l);
                }
                last = Some(at);
            }
            StreamEvent::Done { .. } | StreamEvent::Failed { .. } => break,
            StreamEvent::Started { .. } => {}
        }
    }
    (first.unwrap_or_default(), gaps)
}

#[derive(Clone, Copy, PartialEq)]
enum Background {
    Idle,
    Learning,
    /// A journal of twelve messages, nothing running (the baseline for `Embedding`).
    Texts,
    /// The same journal, the embedder catching up on it.
    Embedding,
}

async fn fresh(background: Background) -> (tempfile::TempDir, Arc<Hearth>) {
    let dir = tempfile::tempdir().unwrap();
    let h = Hearth::open(
        dir.path().to_path_buf(),
        Options {
            keyring_service: None,
            models_dir: Some(models_dir()),
            background_delay: Duration::ZERO,
            ollama_url: "http://127.0.0.1:9".into(),
            ..Default::default()
        },
    );
    h.warm_local_model(|_| {}).await.unwrap();
    let store = h.store().unwrap();
    match background {
        Background::Idle => {}
        Background::Texts | Background::Embedding => {
            store
                .with(|c| {
                    for i in 0..12 {
                        let text = format!("A note about the harbour, number {i}.");
                        messages::insert(c, Role::User, &text, MessageStatus::Complete, None)?;
                    }
                    Ok(())
                })
                .unwrap();
            if background == Background::Embedding {
                h.start_background(&tokio::runtime::Handle::current());
                while h.running_job() != Some(Job::Embed) {
                    tokio::time::sleep(Duration::from_millis(1)).await;
                }
            }
        }
        Background::Learning => {
            let (u, r) = store
                .with(|c| {
                    let u = messages::insert(
                        c,
                        Role::User,
                        "My sister Amy marries in Lisbon in June; I must write a toast.",
                        MessageStatus::Complete,
                        None,
                    )?;
                    let r = messages::insert(
                        c,
                        Role::Assistant,
                        "How lovely! Let's write it together.",
                        MessageStatus::Complete,
                        None,
                    )?;
                    Ok((u.id, r.id))
                })
                .unwrap();
            let learn = Job::Learn {
                user_id: u,
                reply_id: r,
                day: "2026-11-30".into(),
            };
            h.queue(&learn);
            h.start_background(&tokio::runtime::Handle::current());
            while h.running_job() != Some(learn.clone()) {
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
            // Let it get well into its answer.
            tokio::time::sleep(Duration::from_millis(1500)).await;
            // Keep the history equal to the idle case: only the job differs.
            store
                .with(|c| c.execute("DELETE FROM messages WHERE id IN (?1, ?2)", [u, r]))
                .unwrap();
        }
    }
    (dir, h)
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v.get(v.len() / 2).copied().unwrap_or_default()
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let runs: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(5);
    let (mut idle, mut learning, mut texts, mut embedding, mut token) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let (mut learning_yield, mut embedding_yield) = (Vec::new(), Vec::new());
    for _ in 0..runs {
        let (_d, h) = fresh(Background::Idle).await;
        let (first, gaps) = turn(&h).await;
        idle.push(first);
        token.push(median(gaps));
        let (_d, h) = fresh(Background::Learning).await;
        let ((first, _), yielded) = turn_yielded(&h).await;
        learning.push(first);
        learning_yield.push(yielded);
        let (_d, h) = fresh(Background::Texts).await;
        texts.push(turn(&h).await.0);
        let (_d, h) = fresh(Background::Embedding).await;
        let ((first, _), yielded) = turn_yielded(&h).await;
        embedding.push(first);
        embedding_yield.push(yielded);
    }
    let t = median(token);
    println!(
        "runs: {runs}; threads: {}",
        hearth_core::local::model_threads()
    );
    println!("one token (median gap): {t:?}");
    for (what, yields) in [("learning", learning_yield), ("embedding", embedding_yield)] {
        println!(
            "{what}: stopped {:?} after the turn was asked (median; all: {yields:?})",
            median(yields.clone())
        );
    }
    for (what, base, busy) in [
        ("learning", idle, learning),
        ("embedding", texts, embedding),
    ] {
        let (b, m) = (median(base.clone()), median(busy.clone()));
        println!("{what}: first word idle {b:?} {base:?}");
        println!("{what}: first word busy {m:?} {busy:?}");
        println!(
            "{what}: delay added {:?} ({:.1} tokens)",
            m.saturating_sub(b),
            m.saturating_sub(b).as_secs_f64() / t.as_secs_f64().max(1e-9)
        );
    }
}
