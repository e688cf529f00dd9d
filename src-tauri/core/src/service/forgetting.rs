//! Forgetting on a larger scale than one memory: a whole conversation day,
//! or everything Hearth keeps. Both really forget: the words leave the
//! journal, its log and the backups (see [`crate::store::forget`]).

use crate::error::{AppError, ErrorCode};
use crate::jobs::Job;
use crate::secrets::Endpoint;
use crate::store::forget::{self, ForgottenDay};
use crate::store::{BACKUP_DIR, diary as days};

use super::{Hearth, blocking};

impl Hearth {
    /// Forgets the local day `day` (`YYYY-MM-DD`): its messages, the
    /// memories learnt from them, its moments and its diary entry, for good.
    /// Background work about that day is stopped first, so nothing it was
    /// writing comes back.
    pub async fn forget_day(&self, day: String) -> Result<ForgottenDay, AppError> {
        if days::day_range(&day, 0).is_none() {
            return Err(AppError::invalid("That is not a day (YYYY-MM-DD)."));
        }
        let offset = chrono::Local::now().offset().local_minus_utc() / 60;
        if let Some(jobs) = &self.jobs {
            let d = day.clone();
            jobs.stop_running(|job| match job {
                Job::Learn { day, .. } | Job::WriteDay { day, .. } => *day == d,
                // A moment's or a vector's text may be of that day.
                Job::Reflect { .. } | Job::Embed => true,
            })
            .await;
        }
        let forgotten = self
            .journal(move |s| s.with(|c| forget::day(c, &day, offset)))
            .await?;
        // Ids may be given again now: let the embedder look afresh.
        *self
            .embedded_until
            .lock()
            .unwrap_or_else(|e| e.into_inner()) = None;
        self.forget_traces().await;
        Ok(forgotten)
    }

    /// Deletes everything Hearth keeps about the user: the conversation,
    /// memories, moments and diary, letters and people, the companion, the
    /// settings, every backup, and the API keys Hearth saved in the keyring
    /// (the user starts again from nothing, and nothing secret is left
    /// behind). Downloaded models stay: they hold nothing of the user's.
    /// Hearth is then as on its first run.
    pub async fn delete_everything(&self) -> Result<(), AppError> {
        let store = self.store()?;
        // The keys are found through the saved connection: read it first.
        let secrets = self.secrets().await;
        let keys = {
            let secrets = secrets.clone();
            self.journal(move |s| s.run(|c| crate::connection::provider_settings(c, &secrets)))
                .await
                .map(|p| p.keys)
                .unwrap_or_default()
        };
        self.streams.stop_all();
        if let Some(jobs) = &self.jobs {
            jobs.stop_running(|_| true).await;
            jobs.clear()?;
        }
        let backups = self.data_dir.join(BACKUP_DIR);
        blocking(move || {
            store.with(forget::everything)?;
            match std::fs::remove_dir_all(&backups) {
                Ok(()) => Ok(()),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
                Err(e) => Err(AppError {
                    code: ErrorCode::Io,
                    message: format!(
                        "The journal is empty, but the backups folder {} could not be removed: {e}",
                        backups.display()
                    ),
                }),
            }
        })
        .await?;
        *self
            .embedded_until
            .lock()
            .unwrap_or_else(|e| e.into_inner()) = None;
        blocking(move || {
            for key in keys.into_iter().filter(|k| k.set) {
                secrets
                    .remove(&Endpoint::new(key.provider, &key.base_url))
                    .map_err(|e| {
                        AppError::keyring(format!(
                            "Your journal is empty, but a key could not be removed from the keyring: {e}"
                        ))
                    })?;
            }
            Ok(())
        })
        .await?;
        tracing::info!("everything was deleted");
        Ok(())
    }
}
