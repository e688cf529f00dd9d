//! The replies streaming right now, so the window can stop one.

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU32, Ordering};

use tokio_util::sync::CancellationToken;

#[derive(Default)]
pub struct Replies {
    next: AtomicU32,
    running: Mutex<HashMap<u32, CancellationToken>>,
}

impl Replies {
    /// Registers a new reply: its id and the token that stops it.
    pub fn start(&self) -> (u32, CancellationToken) {
        let id = self.next.fetch_add(1, Ordering::Relaxed) + 1;
        let token = CancellationToken::new();
        self.lock().insert(id, token.clone());
        (id, token)
    }

    /// Stops reply `id`; false if it had already ended.
    pub fn stop(&self, id: u32) -> bool {
        self.lock().remove(&id).map(|t| t.cancel()).is_some()
    }

    pub fn finish(&self, id: u32) {
        self.lock().remove(&id);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<u32, CancellationToken>> {
        self.running.lock().unwrap_or_else(|p| p.into_inner())
    }
}
