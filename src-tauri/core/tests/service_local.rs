//! The service on the built-in model, run for real (SmolLM2-135M; fetched by
//! `scripts/models.sh .tools/models`, or `HEARTH_MODELS_DIR`): with nothing
//! connected the companion talks through it, and a reply the user waits for
//! stops the learning running on it, which is kept and runs again after.

#[path = "support/built_in.rs"]
mod built_in;

use std::time::Duration;

use hearth_core::generation::StreamEvent;
use hearth_core::jobs::Job;
use hearth_core::service::TurnStart;
use hearth_core::store::messages::{self, MessageStatus, Role};

use built_in::hearth;

/// Waits (bounded) until `check` holds, looking again whenever the runtime
/// has moved on.
async fn until(what: &str, mut check: impl FnMut() -> bool) {
    tokio::time::timeout(Duration::from_secs(120), async {
        while !check() {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    })
    .await
    .unwrap_or_else(|_| panic!("timed out waiting until {what}"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reply_on_the_built_in_model_stops_the_learning_running_on_it() {
    let dir = tempfile::tempdir().unwrap();
    let h = hearth(dir.path());
    let active = h
        .active_model()
        .await
        .expect("the built-in model is the default");
    assert!(active.model.is_in_process());

    // An exchange to learn from, already in the journal.
    let store = h.store().unwrap();
    let (user, reply) = store
        .with(|c| {
            let u = messages::insert(
                c,
                Role::User,
                "My sister Amy is getting married in Lisbon in June, and I have to write a toast.",
                MessageStatus::Complete,
                None,
            )?;
            let r = messages::insert(
                c,
                Role::Assistant,
                "How wonderful! A toast for Amy in Lisbon: let's find the words together.",
                MessageStatus::Complete,
                None,
            )?;
            Ok((u.id, r.id))
        })
        .unwrap();
    let learn = Job::Learn {
        user_id: user,
        reply_id: reply,
        day: "2026-11-30".into(),
    };
    h.queue(&learn);
    h.start_background(&tokio::runtime::Handle::current());
    until("learning runs on the model", || {
        h.running_job() == Some(learn.clone())
    })
    .await;

    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    h.start_turn(TurnStart::Send("Hello!".into()), move |e| {
        let _ = tx.send(e);
    })
    .await
    .unwrap();
    let mut ended = None;
    while let Some(e) = rx.recv().await {
        if matches!(e, StreamEvent::Done { .. } | StreamEvent::Failed { .. }) {
            ended = Some(e);
            break;
        }
    }
    let ended = ended.expect("the reply ends");
    assert!(
        matches!(
            ended,
            StreamEvent::Done {
                message: Some(_),
                ..
            } | StreamEvent::Failed { .. }
        ),
        "{ended:?}"
    );
    // Stopped, not finished nor failed: still waiting, with no attempt
    // counted against it.
    let attempts: Vec<(String, u32)> = store
        .with(|c| {
            c.prepare("SELECT kind, attempts FROM jobs")?
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect()
        })
        .unwrap();
    assert!(
        attempts.contains(&("learn".to_owned(), 0)),
        "the learning was stopped by the reply and is kept to run again: {attempts:?}"
    );
}
