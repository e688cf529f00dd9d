//! The service the shell holds: one [`Hearth`] owns the journal, the key
//! store, the models loaded in this process, the streams running and the
//! background scheduler, and offers one method per use case. A command parses
//! its input, calls one method and maps the error; nothing is continued in
//! the shell.
//!
//! The methods live by area: [`conversation`] (first run, the persona,
//! turns, moments), [`connections`] (providers, keys, the active model, the
//! models folder), [`diary`] (moments reflected on, the daily entries,
//! search, export), [`memories`] (what the companion remembers, and the
//! background jobs that learn and embed).

mod connections;
mod conversation;
mod diary;
mod downloads;
mod forgetting;
mod letters;
mod memories;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::OnceCell;

use crate::error::{AppError, ErrorCode};
use crate::generation::Streams;
use crate::jobs::{Job, Outcome, Scheduler};
use crate::local::LocalModels;
use crate::preferences::{self, Preferences, Theme};
use crate::secrets::Secrets;
use crate::store::{self, Store};

pub use connections::ActiveModel;
pub use conversation::{StartedTurn, TurnStart};
pub use diary::{DiaryDay, ItemRef};
pub use downloads::{CatalogueEntry, ModelCatalogue};
pub use letters::{BookProgress, Compose, LetterDesk, SavedPdf, StartedDraft, WeaveChoice};

/// How a [`Hearth`] is set up.
#[derive(Debug, Clone)]
pub struct Options {
    /// The keyring service name; `None` keeps keys in memory (tests).
    pub keyring_service: Option<String>,
    /// Where models live (by default `models/` in the data folder).
    pub models_dir: Option<PathBuf>,
    /// How long background work waits after start-up (the window first).
    pub background_delay: Duration,
    /// Where a local Ollama is looked for.
    pub ollama_url: String,
    /// Replaces the catalogue's `https://huggingface.co` in download
    /// addresses (tests point it at a loopback server).
    pub catalogue_url_base: Option<String>,
    /// The catalogue of downloadable models (Hearth's own unless a test
    /// gives another).
    pub catalogue: Option<Vec<crate::local::catalogue::CatalogueModel>>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            keyring_service: Some("app.hearth.desktop".into()),
            models_dir: None,
            background_delay: Duration::from_secs(3),
            ollama_url: crate::providers::ollama::DEFAULT_URL.into(),
            catalogue_url_base: None,
            catalogue: None,
        }
    }
}

/// Hearth's domain, as one service.
pub struct Hearth {
    data_dir: PathBuf,
    models_dir: PathBuf,
    options: Options,
    /// Why the journal could not be opened, kept so the window can say so.
    store: Result<Arc<Store>, AppError>,
    jobs: Option<Arc<Scheduler>>,
    /// Opened on first use: finding the keyring is a D-Bus round trip that
    /// start-up need not wait for.
    secrets: OnceCell<Arc<Secrets>>,
    models: Arc<LocalModels>,
    downloads: Arc<crate::local::download::Downloads>,
    catalogue: Arc<Vec<crate::local::catalogue::CatalogueModel>>,
    streams: Streams,
    /// Held from checking that no reply streams to registering the new one.
    turn_start: tokio::sync::Mutex<()>,
    /// The last answer to "is Ollama running here?", and when it came.
    ollama_seen: Mutex<Option<(Instant, bool)>>,
    /// Messages up to this id were embedded (less a margin).
    embedded_until: Mutex<Option<i64>>,
    /// Whether the background work was started (`Some`) and has queued what
    /// was due at start-up (`Some(true)`).
    background: tokio::sync::watch::Sender<Option<bool>>,
    /// Counts the diary's changes made in the background (an entry written,
    /// a moment reflected on, a day queued), for the window to follow.
    diary_changes: tokio::sync::watch::Sender<u64>,
}

impl std::fmt::Debug for Hearth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Hearth")
            .field("data_dir", &self.data_dir)
            .finish_non_exhaustive()
    }
}

impl Hearth {
    /// Opens the journal in `data_dir` (recovering from a run that died: a
    /// reply left streaming is kept as partial). A journal that cannot be
    /// opened is remembered, not fatal: the window explains it.
    pub fn open(data_dir: PathBuf, options: Options) -> Arc<Hearth> {
        let store = crate::open_journal(&data_dir).map(Arc::new).map_err(|e| {
            tracing::error!(code = e.code(), "could not open the journal: {e}");
            AppError::from(e)
        });
        let jobs = store.as_ref().ok().map(|s| Scheduler::new(s.clone()));
        let models_dir = options
            .models_dir
            .clone()
            .unwrap_or_else(|| crate::local::models_dir(&data_dir));
        let catalogue = Arc::new(
            options
                .catalogue
                .clone()
                .unwrap_or_else(|| crate::local::catalogue::all().to_vec()),
        );
        let downloads = crate::local::download::Downloads::new(
            models_dir.clone(),
            crate::local::download::DownloadOptions {
                url_base: options.catalogue_url_base.clone(),
                catalogue: catalogue.clone(),
                ..Default::default()
            },
        );
        Arc::new(Hearth {
            data_dir,
            models_dir,
            downloads,
            catalogue,
            options,
            store,
            jobs,
            secrets: OnceCell::new(),
            models: LocalModels::new(),
            streams: Streams::default(),
            turn_start: tokio::sync::Mutex::new(()),
            ollama_seen: Mutex::new(None),
            embedded_until: Mutex::new(None),
            background: tokio::sync::watch::Sender::new(None),
            diary_changes: tokio::sync::watch::Sender::new(0),
        })
    }

    /// Starts the background work on `runtime`: releasing local models left
    /// unused, today's backup, then the scheduler's loop (after
    /// [`Options::background_delay`]).
    pub fn start_background(self: &Arc<Self>, runtime: &tokio::runtime::Handle) {
        self.models.release_when_idle(runtime);
        let Some(jobs) = self.jobs.clone() else {
            return;
        };
        let this = self.clone();
        self.background.send_replace(Some(false));
        runtime.spawn(async move {
            let dir = this.data_dir.clone();
            match tokio::task::spawn_blocking(move || crate::back_up_daily(&dir)).await {
                Ok(Ok(Some(copy))) => tracing::info!(copy = %copy.display(), "daily backup taken"),
                Ok(Ok(None)) => {}
                Ok(Err(e)) => tracing::warn!("daily backup failed: {e}"),
                Err(e) => tracing::warn!("daily backup failed: {e}"),
            }
            tokio::time::sleep(this.options.background_delay).await;
            // Anything written while Hearth was closed, or never embedded,
            // and the diary of the days since the last run.
            this.queue(&Job::Embed);
            this.queue_diary().await;
            this.background.send_replace(Some(true));
            this.clone().write_diary_at_midnight();
            loop {
                let taken = jobs.next().await;
                let outcome = this.run_job(&taken.job, &taken.cancel).await;
                match &outcome {
                    Outcome::Done => tracing::debug!(job = ?taken.job, "job done"),
                    Outcome::Interrupted => tracing::debug!(job = ?taken.job, "job interrupted"),
                    // The reason may quote the model's words about the
                    // user's life: kept with the job, logged only at debug.
                    Outcome::Failed(e) => {
                        tracing::warn!(job = ?taken.job, "job failed; it will be tried again later");
                        tracing::debug!(job = ?taken.job, "job failed: {e}");
                    }
                }
                jobs.finish(&taken, &outcome);
            }
        });
    }

    async fn run_job(
        self: &Arc<Self>,
        job: &Job,
        cancel: &tokio_util::sync::CancellationToken,
    ) -> Outcome {
        match job {
            Job::Learn {
                user_id,
                reply_id,
                day,
            } => self.learn_job(*user_id, *reply_id, day, cancel).await,
            Job::Embed => self.embed_job(cancel).await,
            Job::Reflect { moment_id } => self.reflect_job(*moment_id, cancel).await,
            Job::WriteDay {
                day,
                offset_minutes,
            } => self.write_day_job(day, *offset_minutes, cancel).await,
        }
    }

    /// Queues background work (a failure to queue is logged: the work is
    /// not essential to what the user is doing).
    pub fn queue(&self, job: &Job) {
        if let Some(jobs) = &self.jobs
            && let Err(e) = jobs.enqueue(job)
        {
            tracing::warn!("could not queue {job:?}: {e}");
        }
    }

    /// The background job running now, if any.
    pub fn running_job(&self) -> Option<Job> {
        self.jobs.as_ref().and_then(|j| j.running())
    }

    /// The background work waiting, most urgent first.
    pub fn pending_jobs(&self) -> Result<Vec<Job>, AppError> {
        match &self.jobs {
            Some(j) => Ok(j.pending()?),
            None => Ok(Vec::new()),
        }
    }

    /// Waits until the background work due now is done (for tests and for
    /// closing gracefully).
    pub async fn until_idle(&self) {
        // What start-up queues is due now.
        let mut started = self.background.subscribe();
        let _ = started.wait_for(|s| *s != Some(false)).await;
        if let Some(jobs) = &self.jobs {
            jobs.until_idle().await;
        }
    }

    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// The journal, or why it could not be opened.
    pub fn store(&self) -> Result<Arc<Store>, AppError> {
        self.store.clone()
    }

    /// Why the journal could not be opened at start-up, if it could not.
    pub fn startup_error(&self) -> Option<AppError> {
        self.store.as_ref().err().cloned()
    }

    pub(crate) async fn secrets(&self) -> Arc<Secrets> {
        self.secrets
            .get_or_init(|| async {
                let Some(service) = self.options.keyring_service.clone() else {
                    return Arc::new(Secrets::session_only(None));
                };
                let active = self.store.as_ref().ok().cloned();
                let opened = tokio::task::spawn_blocking(move || {
                    let secrets = Secrets::open(&service);
                    let active =
                        active.and_then(|s| s.with(|c| crate::connection::load(c)).ok().flatten());
                    adopt_legacy_keys(&secrets, active.as_ref());
                    secrets
                })
                .await;
                Arc::new(opened.unwrap_or_else(|e| {
                    Secrets::session_only(Some(format!("the keyring check failed: {e}")))
                }))
            })
            .await
            .clone()
    }

    /// Runs a journal operation off the async threads.
    pub async fn journal<T, E, F>(&self, f: F) -> Result<T, AppError>
    where
        T: Send + 'static,
        E: Into<AppError> + Send + 'static,
        F: FnOnce(&Store) -> Result<T, E> + Send + 'static,
    {
        let store = self.store()?;
        blocking(move || f(&store).map_err(Into::into)).await
    }

    /// The journal's schema version (`None` when it could not be opened).
    pub async fn schema_version(&self) -> Result<Option<u32>, AppError> {
        if self.store.is_err() {
            return Ok(None);
        }
        self.journal(|s| s.schema_version()).await.map(Some)
    }

    pub fn database_path(&self) -> PathBuf {
        self.data_dir.join(store::DATABASE_FILE)
    }

    /// The theme saved, read at start-up (the default when unreadable).
    pub fn saved_theme(&self) -> Theme {
        self.store
            .as_ref()
            .ok()
            .and_then(|s| s.with(|c| preferences::load(c)).ok())
            .map(|p| p.theme)
            .unwrap_or_default()
    }

    pub async fn preferences(&self) -> Result<Preferences, AppError> {
        self.journal(|s| s.with(|c| preferences::load(c))).await
    }

    pub async fn set_theme(&self, theme: Theme) -> Result<Preferences, AppError> {
        self.journal(move |s| s.with(|c| preferences::set_theme(c, theme)))
            .await
    }

    /// Stops a streaming text (a reply, a connection check); false if it had
    /// already ended. The connection to the provider is dropped at once.
    pub fn stop_stream(&self, id: u32) -> bool {
        self.streams.stop(id)
    }
}

/// Keys saved by an older Hearth, one per kind of provider, move to the
/// address they were used with: the active connection's, else the kind's
/// usual address.
fn adopt_legacy_keys(secrets: &Secrets, active: Option<&crate::providers::ProviderConfig>) {
    for kind in crate::providers::ProviderKind::REMOTE {
        if !kind.takes_key() {
            continue;
        }
        let url = active
            .filter(|a| a.kind == kind)
            .map_or("", |a| a.base_url.as_str());
        match secrets.adopt_legacy(&crate::secrets::Endpoint::new(kind, url)) {
            Ok(true) => tracing::info!(kind = kind.id(), "a key moved to its connection"),
            Ok(false) => {}
            Err(e) => tracing::warn!("could not move an older key: {e}"),
        }
    }
}

/// Runs blocking work (the journal, the keyring, files) off the async threads.
pub async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, AppError> + Send + 'static,
) -> Result<T, AppError> {
    tokio::task::spawn_blocking(f).await.map_err(|e| AppError {
        code: ErrorCode::Io,
        message: format!("A background task failed: {e}"),
    })?
}
