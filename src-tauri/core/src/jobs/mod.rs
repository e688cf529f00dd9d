//! Background work: one scheduler, one job at a time, most urgent first.
//!
//! Jobs wait in the journal (`store::jobs`), so work queued before a restart
//! runs after it. A reply the user waits for always comes first: while one
//! streams no job starts, and a reply on an in-process model cancels the job
//! running on this computer's CPU (it is kept and runs again afterwards), so
//! the reply waits at most for the token being computed.

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

use crate::store::{Store, StoreError, jobs, now_ms};

/// How urgent work is, most urgent first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
#[repr(u8)]
pub enum Priority {
    /// A reply the user is waiting for (never queued: it pauses the rest).
    Reply = 0,
    LetterDraft = 1,
    Learning = 2,
    Diary = 3,
    Embedding = 4,
}

/// A piece of background work.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Job {
    /// Learn durable facts from an exchange (`day` is the user's local day).
    Learn {
        user_id: i64,
        reply_id: i64,
        day: String,
    },
    /// Embed every text that has no vector yet.
    Embed,
    /// Write a kept moment's title and reflection.
    Reflect { moment_id: i64 },
    /// Write the diary entry of a local day (`offset_minutes` east of UTC).
    WriteDay { day: String, offset_minutes: i32 },
}

impl Job {
    pub fn priority(&self) -> Priority {
        match self {
            Job::Learn { .. } => Priority::Learning,
            Job::Embed => Priority::Embedding,
            Job::Reflect { .. } | Job::WriteDay { .. } => Priority::Diary,
        }
    }

    fn kind(&self) -> &'static str {
        match self {
            Job::Learn { .. } => "learn",
            Job::Embed => "embed",
            Job::Reflect { .. } => "reflect",
            Job::WriteDay { .. } => "write_day",
        }
    }

    /// The kind and payload it is stored as (the same job twice is one row):
    /// its serde form, less the kind.
    fn to_row(&self) -> (&'static str, String) {
        let mut value = serde_json::to_value(self).unwrap_or_default();
        if let Some(fields) = value.as_object_mut() {
            fields.remove("kind");
        }
        (self.kind(), value.to_string())
    }

    fn from_row(kind: &str, payload: &str) -> Option<Job> {
        let mut value: serde_json::Value = serde_json::from_str(payload).ok()?;
        value["kind"] = kind.into();
        serde_json::from_value(value).ok()
    }
}

/// How a job ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Done,
    /// Stopped before it finished (a reply came first, or the app closes):
    /// it runs again later.
    Interrupted,
    /// Failed: tried again later, a few times.
    Failed(String),
}

/// Attempts before a failing job is given up.
const MAX_ATTEMPTS: u32 = 3;
/// The first wait before a failed job is tried again; it doubles each time.
const RETRY_AFTER: Duration = Duration::from_secs(30);

#[derive(Debug, Default)]
struct State {
    /// Replies streaming now.
    replies: usize,
    /// The job running now and the token that stops it.
    running: Option<(i64, Job, CancellationToken)>,
}

/// The scheduler. The service runs its loop ([`Scheduler::next`], then
/// [`Scheduler::finish`]); everyone else queues jobs and marks replies.
#[derive(Debug)]
pub struct Scheduler {
    store: Arc<Store>,
    state: Mutex<State>,
    wake: Notify,
    /// Rings whenever a job ends.
    ended: Notify,
}

/// Held while a reply streams: no job starts until it is dropped.
#[must_use]
#[derive(Debug)]
pub struct ReplyGuard {
    scheduler: Arc<Scheduler>,
}

impl Drop for ReplyGuard {
    fn drop(&mut self) {
        self.scheduler.lock().replies -= 1;
        self.scheduler.wake.notify_one();
    }
}

/// A job taken to run.
#[derive(Debug)]
pub struct Taken {
    pub id: i64,
    pub job: Job,
    pub cancel: CancellationToken,
}

impl Scheduler {
    pub fn new(store: Arc<Store>) -> Arc<Self> {
        Arc::new(Scheduler {
            store,
            state: Mutex::default(),
            wake: Notify::new(),
            ended: Notify::new(),
        })
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Queues `job` (once: the same job waiting already is not added again).
    pub fn enqueue(&self, job: &Job) -> Result<(), StoreError> {
        let (kind, payload) = job.to_row();
        self.store.with(|c| {
            jobs::enqueue(c, kind, &payload, job.priority() as u8, now_ms()).map(|_| ())
        })?;
        self.wake.notify_one();
        Ok(())
    }

    /// Marks a reply as streaming until the guard is dropped. A reply on an
    /// in-process model also stops the job running now (it runs again later).
    pub fn reply_starts(self: &Arc<Self>, in_process: bool) -> ReplyGuard {
        let mut state = self.lock();
        state.replies += 1;
        if in_process && let Some((id, _, cancel)) = &state.running {
            tracing::debug!(job = id, "a reply comes first: the job stops");
            cancel.cancel();
        }
        ReplyGuard {
            scheduler: self.clone(),
        }
    }

    /// Waits for the next job to run: none while a reply streams, the most
    /// urgent first, a failed one not before its time.
    pub async fn next(&self) -> Taken {
        loop {
            let notified = self.wake.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            if self.lock().replies == 0 {
                let now = now_ms();
                match self.store.with(|c| jobs::next(c, now)) {
                    Ok(Some(row)) => match Job::from_row(&row.kind, &row.payload) {
                        Some(job) => {
                            let cancel = CancellationToken::new();
                            let mut state = self.lock();
                            if state.replies == 0 {
                                state.running = Some((row.id, job.clone(), cancel.clone()));
                                return Taken {
                                    id: row.id,
                                    job,
                                    cancel,
                                };
                            }
                            continue;
                        }
                        None => {
                            tracing::warn!(kind = row.kind, "an unknown job is dropped");
                            let _ = self.store.with(|c| jobs::remove(c, row.id));
                            continue;
                        }
                    },
                    Ok(None) => {}
                    Err(e) => tracing::warn!("could not read the jobs: {e}"),
                }
            }
            // Sleep until woken, or until a job waiting for its time is due.
            let due = self
                .store
                .with(|c| jobs::next_due(c))
                .ok()
                .flatten()
                .map(|at| Duration::from_millis((at - now_ms()).clamp(10, 3_600_000) as u64))
                .unwrap_or(Duration::from_secs(3_600));
            let _ = tokio::time::timeout(due, notified).await;
        }
    }

    /// Records how the job taken by [`Self::next`] ended.
    pub fn finish(&self, taken: &Taken, outcome: &Outcome) {
        self.lock().running = None;
        let id = taken.id;
        let result = match outcome {
            Outcome::Done => self.store.with(|c| jobs::remove(c, id)),
            Outcome::Interrupted => Ok(()),
            Outcome::Failed(reason) => self.store.with(|c| {
                let attempts = jobs::attempts(c, id)?;
                if attempts + 1 >= MAX_ATTEMPTS {
                    tracing::warn!(job = ?taken.job, "given up after {MAX_ATTEMPTS} attempts");
                    tracing::debug!(job = ?taken.job, "the last attempt failed: {reason}");
                    jobs::remove(c, id)
                } else {
                    let wait = RETRY_AFTER * 2u32.pow(attempts);
                    jobs::failed(c, id, reason, now_ms() + wait.as_millis() as i64)
                }
            }),
        };
        if let Err(e) = result {
            tracing::warn!("could not record the end of a job: {e}");
        }
        self.wake.notify_one();
        self.ended.notify_waiters();
    }

    /// Waits until no job is running and none is due now.
    pub async fn until_idle(&self) {
        loop {
            let ended = self.ended.notified();
            tokio::pin!(ended);
            ended.as_mut().enable();
            let now = now_ms();
            let due = self.store.with(|c| jobs::next(c, now)).ok().flatten();
            if due.is_none() && self.lock().running.is_none() {
                return;
            }
            ended.await;
        }
    }

    /// Stops the job running now if `which` says so, and waits until it has
    /// ended (its last write is done): what it was working on can then be
    /// forgotten without the job writing it back.
    pub async fn stop_running(&self, which: impl Fn(&Job) -> bool) {
        loop {
            let ended = self.ended.notified();
            tokio::pin!(ended);
            ended.as_mut().enable();
            match &self.lock().running {
                Some((_, job, cancel)) if which(job) => cancel.cancel(),
                _ => return,
            }
            ended.await;
        }
    }

    /// Removes every job waiting (everything is being deleted).
    pub fn clear(&self) -> Result<(), StoreError> {
        self.store
            .with(|c| c.execute("DELETE FROM jobs", []).map(|_| ()))
    }

    /// The job running now, if any.
    pub fn running(&self) -> Option<Job> {
        self.lock().running.as_ref().map(|(_, job, _)| job.clone())
    }

    /// Every job waiting (for Settings and tests).
    pub fn pending(&self) -> Result<Vec<Job>, StoreError> {
        Ok(self
            .store
            .with(|c| jobs::pending(c))?
            .into_iter()
            .filter_map(|(kind, payload, _)| Job::from_row(&kind, &payload))
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scheduler() -> (tempfile::TempDir, Arc<Scheduler>) {
        let dir = tempfile::tempdir().unwrap();
        let (store, _) = Store::open(dir.path().join("j.db")).unwrap();
        (dir, Scheduler::new(Arc::new(store)))
    }

    fn learn(n: i64) -> Job {
        Job::Learn {
            user_id: n,
            reply_id: n + 1,
            day: "2026-11-30".into(),
        }
    }

    #[tokio::test]
    async fn the_most_urgent_job_runs_first_and_the_same_job_is_queued_once() {
        let (_dir, s) = scheduler();
        s.enqueue(&Job::Embed).unwrap();
        s.enqueue(&learn(1)).unwrap();
        s.enqueue(&Job::Embed).unwrap();
        assert_eq!(s.pending().unwrap(), vec![learn(1), Job::Embed]);
        let first = s.next().await;
        assert_eq!(first.job, learn(1), "learning comes before embedding");
        s.finish(&first, &Outcome::Done);
        let second = s.next().await;
        assert_eq!(second.job, Job::Embed);
        s.finish(&second, &Outcome::Done);
        assert!(s.pending().unwrap().is_empty());
    }

    #[tokio::test]
    async fn no_job_starts_while_a_reply_streams_and_a_local_reply_stops_the_running_one() {
        let (_dir, s) = scheduler();
        s.enqueue(&learn(1)).unwrap();
        let taken = s.next().await;
        let remote = s.reply_starts(false);
        assert!(!taken.cancel.is_cancelled(), "a remote reply lets it run");
        let local = s.reply_starts(true);
        assert!(taken.cancel.is_cancelled(), "a local reply stops it");
        s.finish(&taken, &Outcome::Interrupted);
        assert_eq!(s.pending().unwrap(), vec![learn(1)], "kept to run again");
        let waiting = tokio::spawn({
            let s = s.clone();
            async move { s.next().await.job }
        });
        drop(remote);
        tokio::task::yield_now().await;
        assert!(!waiting.is_finished(), "one reply still streams");
        drop(local);
        assert_eq!(waiting.await.unwrap(), learn(1));
    }

    #[tokio::test]
    async fn a_failed_job_waits_before_it_is_tried_again_and_is_given_up_at_last() {
        let (_dir, s) = scheduler();
        s.enqueue(&learn(1)).unwrap();
        s.enqueue(&Job::Embed).unwrap();
        let taken = s.next().await;
        s.finish(&taken, &Outcome::Failed("the model was away".into()));
        let next = s.next().await;
        assert_eq!(next.job, Job::Embed, "the failed job waits its turn");
        s.finish(&next, &Outcome::Done);
        // Give up after the last attempt (made due at once for the test).
        for _ in 1..MAX_ATTEMPTS {
            s.store.with(|c| jobs::make_due(c, now_ms())).unwrap();
            let again = s.next().await;
            assert_eq!(again.job, learn(1));
            s.finish(&again, &Outcome::Failed("still away".into()));
        }
        assert!(s.pending().unwrap().is_empty(), "given up");
    }

    #[tokio::test]
    async fn jobs_survive_a_restart() {
        let dir = tempfile::tempdir().unwrap();
        {
            let (store, _) = Store::open(dir.path().join("j.db")).unwrap();
            let s = Scheduler::new(Arc::new(store));
            s.enqueue(&learn(7)).unwrap();
            let taken = s.next().await;
            // The app closes while it runs.
            drop(taken);
        }
        let (store, _) = Store::open(dir.path().join("j.db")).unwrap();
        let s = Scheduler::new(Arc::new(store));
        assert_eq!(s.next().await.job, learn(7));
    }
}
