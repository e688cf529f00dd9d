//! What crosses to the window while words stream, and the streams running
//! now (so the window can stop one).

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU32, Ordering};

use serde::Serialize;
use tokio_util::sync::CancellationToken;

use crate::error::AppError;
use crate::providers::{StreamFailure, Usage};
use crate::store::messages::Message;

/// The one event type the window hears for every streamed text (a reply, a
/// connection check, later a diary entry or a letter draft), in order:
/// `started`, `delta`s, then one of `done` or `failed`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase", tag = "event", content = "data")]
pub enum StreamEvent {
    /// The model was asked; `model` names it.
    Started { model: String },
    /// The next piece of text.
    Delta { text: String },
    /// The text ended without an error. `message` is what the journal now
    /// holds, when the text is kept there: complete, or partial when the user
    /// stopped it; `None` when nothing is kept (stopped before its first word).
    Done {
        message: Option<Message>,
        usage: Usage,
    },
    /// The text ended early. `partial` is what arrived; `message` is the
    /// journal's copy, kept and marked, when the text is kept there.
    Failed {
        error: AppError,
        partial: String,
        message: Option<Message>,
    },
}

impl StreamEvent {
    pub fn failed(f: StreamFailure) -> Self {
        StreamEvent::Failed {
            error: f.error.into(),
            partial: f.partial,
            message: None,
        }
    }
}

/// The streams running now, each with the token that stops it.
#[derive(Debug, Default)]
pub struct Streams {
    next: AtomicU32,
    running: Mutex<HashMap<u32, CancellationToken>>,
}

impl Streams {
    /// Registers a new stream: its id and the token that stops it.
    pub fn start(&self) -> (u32, CancellationToken) {
        let id = self.next.fetch_add(1, Ordering::Relaxed) + 1;
        let token = CancellationToken::new();
        self.lock().insert(id, token.clone());
        (id, token)
    }

    /// Stops stream `id`; false if it had already ended.
    pub fn stop(&self, id: u32) -> bool {
        self.lock().remove(&id).map(|t| t.cancel()).is_some()
    }

    /// Stops every stream running; returns how many there were.
    pub fn stop_all(&self) -> usize {
        let running: Vec<_> = self.lock().drain().collect();
        running.iter().for_each(|(_, t)| t.cancel());
        running.len()
    }

    pub fn finish(&self, id: u32) {
        self.lock().remove(&id);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<u32, CancellationToken>> {
        self.running.lock().unwrap_or_else(|p| p.into_inner())
    }
}
