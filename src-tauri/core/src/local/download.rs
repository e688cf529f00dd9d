//! Downloading a catalogue model into the models folder: streamed, paused and
//! resumed (HTTP Range), resumed after a restart, checked for free space
//! before it starts, and verified (exact size and SHA-256) before the model
//! is put where Hearth will use it.
//!
//! While it downloads, a model lives in `.downloads/<id>/` inside the models
//! folder (hidden from [`super::models::list`]): each file as
//! `<name>.partial` until it is complete and verified, then `<name>`, with
//! `download.json` saying which catalogue entry (and digests) the bytes
//! belong to. Once every file is verified they are moved into the folder
//! (a chat model's file, or the embedding model's folder) and the working
//! folder is removed. At start-up, a working folder that matches a catalogue
//! entry is kept as a paused download; any other is deleted.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_util::sync::CancellationToken;

use super::ModelKind;
use super::catalogue::{self, CatalogueFile, CatalogueModel};
use super::models::{self, LocalModel};

/// The folder, inside the models folder, where downloads are kept until done.
pub const DOWNLOADS_DIR: &str = ".downloads";
/// What a download's working folder records about it.
const SIDECAR: &str = "download.json";
/// Room kept free on the disk beyond the model itself.
const SPARE_BYTES: u64 = 64 * 1024 * 1024;
/// Progress is reported at most this often (and on every change of state).
const REPORT_EVERY: Duration = Duration::from_millis(250);

/// Where a download stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub enum DownloadState {
    /// Bytes are arriving.
    Downloading,
    /// Every byte is here; the files are being checked.
    Verifying,
    /// Stopped by the user or by Hearth closing; can be resumed.
    Paused,
    /// Stopped by a failure (see the message); resumable when bytes are kept.
    Failed,
    /// Cancelled: what had been downloaded is deleted.
    Cancelled,
    /// Verified and in the models folder.
    Done,
}

/// A download's progress, as the window shows it.
#[derive(Debug, Clone, PartialEq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct DownloadProgress {
    /// The catalogue entry.
    pub id: String,
    pub state: DownloadState,
    /// Bytes downloaded so far (all files).
    pub received: u64,
    /// Bytes in all (all files).
    pub total: u64,
    /// Recent speed, in bytes per second.
    pub bytes_per_second: u64,
    /// Why it failed, or something worth knowing (a server that can't
    /// resume): one sentence.
    pub message: Option<String>,
    /// Whether pressing Resume continues from the bytes kept.
    pub resumable: bool,
    /// The model, once in the models folder.
    pub model: Option<LocalModel>,
}

impl DownloadProgress {
    fn new(model: &CatalogueModel, state: DownloadState, received: u64) -> Self {
        DownloadProgress {
            id: model.id.clone(),
            state,
            received,
            total: model.size(),
            bytes_per_second: 0,
            message: None,
            resumable: false,
            model: None,
        }
    }
}

/// Why a download stopped.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DownloadError {
    #[error("{0}")]
    Invalid(String),
    /// The disk has too little room (checked before starting).
    #[error("{0}")]
    NoRoom(String),
    /// The server could not be reached.
    #[error("{0}")]
    Offline(String),
    /// The server answered with an error (404 and others).
    #[error("{0}")]
    Server(String),
    /// The connection broke mid-file; the bytes so far are kept.
    #[error("{0}")]
    Dropped(String),
    /// The file differs from the catalogue's (size or SHA-256): deleted.
    #[error("{0}")]
    Corrupt(String),
    /// The disk filled up while writing; the bytes so far are kept.
    #[error("{0}")]
    DiskFull(String),
    #[error("{0}")]
    Io(String),
    /// Paused or cancelled by the user.
    #[error("The download was stopped.")]
    Stopped,
}

impl DownloadError {
    /// Whether the bytes already downloaded are kept for a resume.
    fn keeps_bytes(&self) -> bool {
        matches!(
            self,
            DownloadError::Offline(_)
                | DownloadError::Server(_)
                | DownloadError::Dropped(_)
                | DownloadError::DiskFull(_)
                | DownloadError::Io(_)
                | DownloadError::Stopped
        )
    }
}

/// What `download.json` holds: the entry and the files the bytes belong to.
#[derive(Debug, Serialize, Deserialize, PartialEq)]
struct Sidecar {
    id: String,
    files: Vec<(String, String, u64)>,
}

impl Sidecar {
    fn of(model: &CatalogueModel) -> Sidecar {
        Sidecar {
            id: model.id.clone(),
            files: model
                .files
                .iter()
                .map(|f| (f.name.clone(), f.sha256.clone(), f.size))
                .collect(),
        }
    }
}

/// A download running now.
struct Running {
    stop: CancellationToken,
    /// Whether the stop is a cancel (delete the bytes) rather than a pause.
    cancel: Arc<std::sync::atomic::AtomicBool>,
}

/// How a download is told to behave (tests shorten the timeouts).
#[derive(Debug, Clone)]
pub struct DownloadOptions {
    /// Replaces `https://huggingface.co` in every address (tests point it at
    /// a loopback server; nothing else should set it).
    pub url_base: Option<String>,
    /// How long to wait for the server to accept a connection.
    pub connect_timeout: Duration,
    /// How long a connection may stay silent before it counts as dropped.
    pub read_timeout: Duration,
    /// The catalogue the downloads belong to (Hearth's, unless a test
    /// gives another).
    pub catalogue: Arc<Vec<CatalogueModel>>,
}

impl Default for DownloadOptions {
    fn default() -> Self {
        DownloadOptions {
            url_base: None,
            connect_timeout: Duration::from_secs(20),
            read_timeout: Duration::from_secs(60),
            catalogue: Arc::new(catalogue::all().to_vec()),
        }
    }
}

/// The downloads of one models folder.
pub struct Downloads {
    models_dir: PathBuf,
    options: DownloadOptions,
    /// Made on the first download: building a client reads the system's
    /// root certificates (a few hundred files), which start-up need not wait for.
    http: std::sync::OnceLock<reqwest::Client>,
    /// The last progress of every download known (running, paused, failed).
    known: Mutex<HashMap<String, DownloadProgress>>,
    running: Mutex<HashMap<String, Running>>,
}

impl std::fmt::Debug for Downloads {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Downloads")
            .field("models_dir", &self.models_dir)
            .finish_non_exhaustive()
    }
}

impl Downloads {
    /// The downloads of `models_dir`, picking up those a previous run left
    /// (see the module docs).
    pub fn new(models_dir: PathBuf, options: DownloadOptions) -> Arc<Downloads> {
        let downloads = Arc::new(Downloads {
            models_dir,
            options,
            http: std::sync::OnceLock::new(),
            known: Mutex::new(HashMap::new()),
            running: Mutex::new(HashMap::new()),
        });
        downloads.recover();
        downloads
    }

    fn http(&self) -> &reqwest::Client {
        self.http.get_or_init(|| {
            reqwest::Client::builder()
                .connect_timeout(self.options.connect_timeout)
                .read_timeout(self.options.read_timeout)
                .user_agent(concat!("Hearth/", env!("CARGO_PKG_VERSION")))
                .build()
                .unwrap_or_default()
        })
    }

    fn find(&self, id: &str) -> Option<&CatalogueModel> {
        self.options.catalogue.iter().find(|m| m.id == id)
    }

    fn work_dir(&self, id: &str) -> PathBuf {
        self.models_dir.join(DOWNLOADS_DIR).join(id)
    }

    /// Keeps the working folders a previous run left that match a catalogue
    /// entry (as paused downloads) and deletes the others.
    fn recover(&self) {
        let root = self.models_dir.join(DOWNLOADS_DIR);
        let Ok(entries) = std::fs::read_dir(&root) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let name = entry.file_name().to_string_lossy().into_owned();
            let sidecar = std::fs::read(path.join(SIDECAR))
                .ok()
                .and_then(|b| serde_json::from_slice::<Sidecar>(&b).ok());
            // Kept when it belongs to a catalogue entry as it is now and
            // holds at least one byte.
            let model = self
                .find(&name)
                .filter(|m| sidecar.as_ref() == Some(&Sidecar::of(m)))
                .filter(|m| received_bytes(&path, m) > 0);
            match model {
                Some(model) => {
                    let received = received_bytes(&path, model);
                    tracing::info!(id = %model.id, received, "an unfinished download is kept to resume");
                    let mut progress =
                        DownloadProgress::new(model, DownloadState::Paused, received);
                    progress.resumable = true;
                    self.remember(&progress);
                }
                None => {
                    tracing::info!(folder = %path.display(), "removing an unfinished download Hearth can't resume");
                    let _ = if path.is_dir() {
                        std::fs::remove_dir_all(&path)
                    } else {
                        std::fs::remove_file(&path)
                    };
                }
            }
        }
    }

    fn remember(&self, progress: &DownloadProgress) {
        let mut known = self.known.lock().unwrap_or_else(|e| e.into_inner());
        match progress.state {
            DownloadState::Done | DownloadState::Cancelled => {
                known.remove(&progress.id);
            }
            _ => {
                known.insert(progress.id.clone(), progress.clone());
            }
        }
    }

    /// The downloads running, paused or failed, as last reported.
    pub fn statuses(&self) -> Vec<DownloadProgress> {
        let known = self.known.lock().unwrap_or_else(|e| e.into_inner());
        let mut all: Vec<_> = known.values().cloned().collect();
        all.sort_by(|a, b| a.id.cmp(&b.id));
        all
    }

    /// Whether `id` is downloading now.
    pub fn is_running(&self, id: &str) -> bool {
        self.running
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .contains_key(id)
    }

    /// Pauses the download `id` (its bytes are kept); false if it was not
    /// running.
    pub fn pause(&self, id: &str) -> bool {
        self.stop(id, false)
    }

    /// Cancels the download `id` and deletes what it had downloaded.
    pub fn cancel(&self, id: &str) -> Result<(), DownloadError> {
        if self.stop(id, true) {
            // The running download deletes its folder as it stops.
            return Ok(());
        }
        let dir = self.work_dir(id);
        match std::fs::remove_dir_all(&dir) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => {
                return Err(DownloadError::Io(format!(
                    "Couldn't delete the unfinished download in {}: {e}",
                    dir.display()
                )));
            }
        }
        if let Some(model) = self.find(id) {
            self.remember(&DownloadProgress::new(model, DownloadState::Cancelled, 0));
        }
        Ok(())
    }

    fn stop(&self, id: &str, cancel: bool) -> bool {
        let running = self.running.lock().unwrap_or_else(|e| e.into_inner());
        match running.get(id) {
            Some(r) => {
                r.cancel.store(cancel, std::sync::atomic::Ordering::SeqCst);
                r.stop.cancel();
                true
            }
            None => false,
        }
    }

    /// Downloads `model` (continuing from the bytes a paused or failed
    /// download kept), reporting progress to `on_progress`, and returns it
    /// once it is verified and in the models folder. The last report is
    /// always a final state (done, paused, failed or cancelled).
    pub async fn download(
        &self,
        model: &CatalogueModel,
        on_progress: impl Fn(DownloadProgress) + Send + Sync,
    ) -> Result<LocalModel, DownloadError> {
        let stop = CancellationToken::new();
        let cancel = Arc::new(std::sync::atomic::AtomicBool::new(false));
        {
            let mut running = self.running.lock().unwrap_or_else(|e| e.into_inner());
            if running.contains_key(&model.id) {
                return Err(DownloadError::Invalid(format!(
                    "{} is already downloading.",
                    model.name
                )));
            }
            running.insert(
                model.id.clone(),
                Running {
                    stop: stop.clone(),
                    cancel: cancel.clone(),
                },
            );
        }
        let report = |p: DownloadProgress| {
            self.remember(&p);
            on_progress(p);
        };
        let outcome = self.run(model, &stop, &report).await;
        self.running
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&model.id);
        let received = received_bytes(&self.work_dir(&model.id), model);
        match outcome {
            Ok(local) => {
                let mut done = DownloadProgress::new(model, DownloadState::Done, model.size());
                done.model = Some(local.clone());
                report(done);
                Ok(local)
            }
            Err(DownloadError::Stopped) if cancel.load(std::sync::atomic::Ordering::SeqCst) => {
                let _ = std::fs::remove_dir_all(self.work_dir(&model.id));
                report(DownloadProgress::new(model, DownloadState::Cancelled, 0));
                Err(DownloadError::Stopped)
            }
            Err(e) => {
                // Nothing kept is worth keeping a folder for.
                let keeps = e.keeps_bytes() && received > 0;
                if !keeps {
                    let _ = std::fs::remove_dir_all(self.work_dir(&model.id));
                }
                let state = if e == DownloadError::Stopped {
                    DownloadState::Paused
                } else {
                    DownloadState::Failed
                };
                let mut last =
                    DownloadProgress::new(model, state, if keeps { received } else { 0 });
                last.resumable = keeps;
                if e != DownloadError::Stopped {
                    last.message = Some(e.to_string());
                }
                report(last);
                Err(e)
            }
        }
    }

    async fn run(
        &self,
        model: &CatalogueModel,
        stop: &CancellationToken,
        report: &(dyn Fn(DownloadProgress) + Send + Sync),
    ) -> Result<LocalModel, DownloadError> {
        let allow_http = self.options.url_base.is_some();
        if !(model.offered()
            || allow_http && model.files.iter().all(|f| catalogue::is_sha256(&f.sha256)))
        {
            return Err(DownloadError::Invalid(format!(
                "{} can't be downloaded: its checksum isn't known, so it couldn't be verified.",
                model.name
            )));
        }
        let target = models::model_path(&self.models_dir, model.installed_name())
            .map_err(|e| DownloadError::Invalid(e.to_string()))?;
        if target.exists() {
            return Err(DownloadError::Invalid(format!(
                "“{}” is already in the models folder.",
                model.installed_name()
            )));
        }
        let dir = self.work_dir(&model.id);
        prepare(&dir, model)?;
        let mut received = received_bytes(&dir, model);
        self.check_room(model, received)?;

        let mut progress = DownloadProgress::new(model, DownloadState::Downloading, received);
        report(progress.clone());
        for file in &model.files {
            let done = dir.join(&file.name);
            if done.is_file() {
                continue;
            }
            let before = received;
            let note = self
                .fetch(file, &dir, stop, &mut |file_bytes, speed| {
                    progress.received = before + file_bytes;
                    progress.bytes_per_second = speed;
                    report(progress.clone());
                })
                .await?;
            if note.is_some() {
                progress.message = note;
            }
            received = before + file.size;
            progress.received = received;
        }
        progress.state = DownloadState::Verifying;
        report(progress);
        install(&dir, &target, model)
    }

    /// Refuses to start when the disk has too little room for what is left.
    fn check_room(&self, model: &CatalogueModel, received: u64) -> Result<(), DownloadError> {
        let needed = model.size().saturating_sub(received) + SPARE_BYTES;
        let available = fs4::available_space(self.work_dir(&model.id)).map_err(|e| {
            DownloadError::Io(format!(
                "Couldn't tell how much room is left on the disk of {}: {e}",
                self.models_dir.display()
            ))
        })?;
        if available < needed {
            return Err(DownloadError::NoRoom(format!(
                "{} needs {} free on the disk, and only {} is left. Free some space, then try again.",
                model.name,
                human_size(needed),
                human_size(available)
            )));
        }
        Ok(())
    }

    /// The address `file` is fetched from.
    fn url(&self, file: &CatalogueFile) -> String {
        match &self.options.url_base {
            Some(base) => file.url.strip_prefix("https://huggingface.co").map_or_else(
                || file.url.clone(),
                |rest| format!("{}{rest}", base.trim_end_matches('/')),
            ),
            None => file.url.clone(),
        }
    }

    /// Downloads one file into `<dir>/<name>.partial`, continuing from the
    /// bytes already there, verifies it and renames it `<dir>/<name>`.
    /// Returns a note worth showing (a server that couldn't resume).
    async fn fetch(
        &self,
        file: &CatalogueFile,
        dir: &Path,
        stop: &CancellationToken,
        on_bytes: &mut (dyn FnMut(u64, u64) + Send),
    ) -> Result<Option<String>, DownloadError> {
        let partial = dir.join(format!("{}.partial", file.name));
        let url = self.url(file);
        let mut have = tokio::fs::metadata(&partial).await.map_or(0, |m| m.len());
        if have > file.size {
            have = 0;
        }
        // The bytes kept are hashed again: they may have been damaged on disk.
        let mut hasher = Sha256::new();
        if have > 0 {
            hasher = hash_prefix(&partial, have, hasher, stop).await?;
        }
        let mut note = None;
        let mut request = self.http().get(&url);
        if have > 0 {
            request = request.header(reqwest::header::RANGE, format!("bytes={have}-"));
        }
        let response = tokio::select! {
            r = request.send() => r.map_err(|e| request_error(&url, &e))?,
            () = stop.cancelled() => return Err(DownloadError::Stopped),
        };
        let status = response.status();
        let resumed = status == reqwest::StatusCode::PARTIAL_CONTENT
            && have > 0
            && content_range_start(&response) == Some(have);
        if status == reqwest::StatusCode::RANGE_NOT_SATISFIABLE && have == file.size {
            // Every byte was already here.
        } else if !status.is_success() {
            return Err(status_error(&url, status));
        } else {
            if !resumed {
                if have > 0 {
                    note = Some(
                        "The server can't continue a download where it stopped, so this file started again from the beginning."
                            .to_owned(),
                    );
                    tracing::info!(url, "the server ignored Range: starting the file again");
                }
                have = 0;
                hasher = Sha256::new();
            }
            self.stream(response, &partial, have, file, &mut hasher, stop, on_bytes)
                .await?;
        }
        let digest = hex(&hasher.finalize());
        let len = tokio::fs::metadata(&partial).await.map_or(0, |m| m.len());
        if len != file.size || digest != file.sha256 {
            let _ = tokio::fs::remove_file(&partial).await;
            return Err(DownloadError::Corrupt(format!(
                "“{}” arrived damaged (its checksum doesn't match the catalogue's), so it was deleted and won't be used. Try the download again.",
                file.name
            )));
        }
        tokio::fs::rename(&partial, dir.join(&file.name))
            .await
            .map_err(|e| io_error(&partial, &e))?;
        Ok(note)
    }

    #[allow(clippy::too_many_arguments)]
    async fn stream(
        &self,
        response: reqwest::Response,
        partial: &Path,
        have: u64,
        file: &CatalogueFile,
        hasher: &mut Sha256,
        stop: &CancellationToken,
        on_bytes: &mut (dyn FnMut(u64, u64) + Send),
    ) -> Result<(), DownloadError> {
        let out = tokio::fs::OpenOptions::new()
            .create(true)
            .write(true)
            .truncate(have == 0)
            .append(have > 0)
            .open(partial)
            .await
            .map_err(|e| write_error(partial, &e))?;
        let mut out = tokio::io::BufWriter::with_capacity(1 << 20, out);
        let mut body = response.bytes_stream();
        let mut written = have;
        let started = Instant::now();
        let mut last_report = Instant::now();
        on_bytes(written, 0);
        let mut reported = written;
        loop {
            // Progress is reported every REPORT_EVERY while bytes arrive, and
            // once more when they stop arriving, so the last report is current.
            let quiet = tokio::time::sleep_until((last_report + REPORT_EVERY).into());
            let chunk = tokio::select! {
                c = body.next() => c,
                () = stop.cancelled() => {
                    let _ = out.flush().await;
                    return Err(DownloadError::Stopped);
                }
                () = quiet, if reported != written => {
                    last_report = Instant::now();
                    reported = written;
                    on_bytes(written, speed(written - have, started));
                    continue;
                }
            };
            let Some(chunk) = chunk else { break };
            let chunk = match chunk {
                Ok(chunk) => chunk,
                Err(e) => {
                    out.flush().await.map_err(|e| write_error(partial, &e))?;
                    tracing::info!(error = %e, written, "the download's connection dropped");
                    return Err(DownloadError::Dropped(format!(
                        "The connection dropped after {} of {}; press Resume to continue from there.",
                        human_size(written),
                        human_size(file.size)
                    )));
                }
            };
            written += chunk.len() as u64;
            if written > file.size {
                out.flush().await.map_err(|e| write_error(partial, &e))?;
                drop(out);
                let _ = tokio::fs::remove_file(partial).await;
                return Err(DownloadError::Corrupt(format!(
                    "The server sent more of “{}” than the catalogue says it holds, so it was deleted and won't be used.",
                    file.name
                )));
            }
            hasher.update(&chunk);
            out.write_all(&chunk)
                .await
                .map_err(|e| write_error(partial, &e))?;
            if last_report.elapsed() >= REPORT_EVERY {
                last_report = Instant::now();
                reported = written;
                on_bytes(written, speed(written - have, started));
            }
        }
        out.flush().await.map_err(|e| write_error(partial, &e))?;
        out.get_ref()
            .sync_all()
            .await
            .map_err(|e| write_error(partial, &e))?;
        if written < file.size {
            return Err(DownloadError::Dropped(format!(
                "The connection closed after {} of {}; press Resume to continue from there.",
                human_size(written),
                human_size(file.size)
            )));
        }
        Ok(())
    }
}

/// Creates the working folder of `model` and records what it holds; bytes
/// left by a different version of the entry are deleted first.
fn prepare(dir: &Path, model: &CatalogueModel) -> Result<(), DownloadError> {
    let sidecar = Sidecar::of(model);
    let kept = std::fs::read(dir.join(SIDECAR))
        .ok()
        .and_then(|b| serde_json::from_slice::<Sidecar>(&b).ok());
    if kept.as_ref() != Some(&sidecar) && dir.exists() {
        std::fs::remove_dir_all(dir).map_err(|e| io_error(dir, &e))?;
    }
    crate::store::private::folder(dir).map_err(|e| io_error(dir, &e))?;
    let json = serde_json::to_vec(&sidecar).map_err(|e| DownloadError::Io(e.to_string()))?;
    std::fs::write(dir.join(SIDECAR), json).map_err(|e| write_error(&dir.join(SIDECAR), &e))
}

/// The bytes of `model` already in its working folder.
fn received_bytes(dir: &Path, model: &CatalogueModel) -> u64 {
    model
        .files
        .iter()
        .map(|f| {
            let len = |p: PathBuf| std::fs::metadata(p).map_or(0, |m| m.len());
            let done = len(dir.join(&f.name));
            if done > 0 {
                done.min(f.size)
            } else {
                len(dir.join(format!("{}.partial", f.name))).min(f.size)
            }
        })
        .sum()
}

/// Moves the verified files of `model` from `dir` to `target` (the chat
/// model's file, or the embedding model's folder), owner-only, and describes
/// the model as the models folder lists it.
fn install(dir: &Path, target: &Path, model: &CatalogueModel) -> Result<LocalModel, DownloadError> {
    for f in &model.files {
        crate::store::private::narrow(&dir.join(&f.name)).map_err(|e| io_error(dir, &e))?;
    }
    match model.kind {
        ModelKind::Chat => {
            let file = &model.files[0].name;
            std::fs::rename(dir.join(file), target).map_err(|e| io_error(target, &e))?;
        }
        ModelKind::Embedding => {
            // Assembled beside its final name, then renamed: a folder that
            // is listed is always complete.
            let staging = dir.join("staging");
            crate::store::private::folder(&staging).map_err(|e| io_error(&staging, &e))?;
            for f in &model.files {
                std::fs::rename(dir.join(&f.name), staging.join(&f.name))
                    .map_err(|e| io_error(&staging, &e))?;
            }
            std::fs::rename(&staging, target).map_err(|e| io_error(target, &e))?;
        }
    }
    let _ = std::fs::remove_dir_all(dir);
    let models_dir = target.parent().unwrap_or(target);
    models::list(models_dir)
        .map_err(|e| DownloadError::Io(e.to_string()))?
        .into_iter()
        .find(|m| m.file == model.installed_name())
        .ok_or_else(|| {
            DownloadError::Io(format!(
                "{} was downloaded but isn't listed in the models folder.",
                model.name
            ))
        })
}

/// Hashes the first `len` bytes of `path` into `hasher`.
async fn hash_prefix(
    path: &Path,
    len: u64,
    mut hasher: Sha256,
    stop: &CancellationToken,
) -> Result<Sha256, DownloadError> {
    let f = tokio::fs::File::open(path)
        .await
        .map_err(|e| io_error(path, &e))?;
    let mut reader = tokio::io::BufReader::with_capacity(1 << 20, f.take(len));
    let mut buf = vec![0u8; 1 << 20];
    loop {
        if stop.is_cancelled() {
            return Err(DownloadError::Stopped);
        }
        let n = reader
            .read(&mut buf)
            .await
            .map_err(|e| io_error(path, &e))?;
        if n == 0 {
            return Ok(hasher);
        }
        hasher.update(&buf[..n]);
    }
}

/// The first byte a 206 answer's `Content-Range: bytes A-B/N` says it holds.
fn content_range_start(response: &reqwest::Response) -> Option<u64> {
    let value = response
        .headers()
        .get(reqwest::header::CONTENT_RANGE)?
        .to_str()
        .ok()?;
    let range = value.trim().strip_prefix("bytes")?.trim();
    range.split('-').next()?.trim().parse().ok()
}

fn host(url: &str) -> String {
    reqwest::Url::parse(url)
        .ok()
        .and_then(|u| u.host_str().map(str::to_owned))
        .unwrap_or_else(|| url.to_owned())
}

fn request_error(url: &str, e: &reqwest::Error) -> DownloadError {
    if e.is_connect() || e.is_timeout() {
        DownloadError::Offline(format!(
            "Couldn't reach {}: check that this computer is online, then try again.",
            host(url)
        ))
    } else {
        DownloadError::Dropped(format!(
            "The connection to {} failed ({e}); try again in a moment.",
            host(url)
        ))
    }
}

fn status_error(url: &str, status: reqwest::StatusCode) -> DownloadError {
    let file = url.rsplit('/').next().unwrap_or(url);
    match status.as_u16() {
        404 | 410 => DownloadError::Server(format!(
            "“{file}” is no longer at its address on {} (error {}); this model can't be downloaded until Hearth's catalogue is updated.",
            host(url),
            status.as_u16()
        )),
        401 | 403 => DownloadError::Server(format!(
            "{} refused to send “{file}” (error {}).",
            host(url),
            status.as_u16()
        )),
        _ => DownloadError::Server(format!(
            "{} answered with an error ({status}); try again later.",
            host(url)
        )),
    }
}

fn io_error(path: &Path, e: &std::io::Error) -> DownloadError {
    DownloadError::Io(format!("Couldn't read or write {}: {e}", path.display()))
}

/// A write failure; a full disk says so.
fn write_error(path: &Path, e: &std::io::Error) -> DownloadError {
    use std::io::ErrorKind;
    if matches!(
        e.kind(),
        ErrorKind::StorageFull | ErrorKind::QuotaExceeded | ErrorKind::FileTooLarge
    ) {
        DownloadError::DiskFull(
            "The disk is full, so the download stopped. Free some space, then press Resume to continue."
                .to_owned(),
        )
    } else {
        io_error(path, e)
    }
}

/// Bytes per second since `started`.
fn speed(bytes: u64, started: Instant) -> u64 {
    (bytes as f64 / started.elapsed().as_secs_f64().max(0.001)) as u64
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes.iter().fold(String::with_capacity(64), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

/// "1.1 GB", "98 MB", "12 KB".
pub fn human_size(bytes: u64) -> String {
    const MB: f64 = 1_000_000.0;
    let b = bytes as f64;
    if b >= 1000.0 * MB {
        format!("{:.1} GB", b / (1000.0 * MB))
    } else if b >= MB {
        format!("{:.0} MB", b / MB)
    } else {
        format!("{:.0} KB", (b / 1000.0).max(1.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_as_people_say_them() {
        assert_eq!(human_size(1_107_409_472), "1.1 GB");
        assert_eq!(human_size(98_362_432), "98 MB");
        assert_eq!(human_size(612), "1 KB");
    }

    #[test]
    fn a_working_folder_that_matches_no_catalogue_entry_is_removed_at_start() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join(DOWNLOADS_DIR);
        // One left by a killed download of a catalogue model: kept, paused.
        let model = catalogue::find("smollm2-135m").unwrap();
        let kept = root.join(&model.id);
        std::fs::create_dir_all(&kept).unwrap();
        std::fs::write(
            kept.join(SIDECAR),
            serde_json::to_vec(&Sidecar::of(model)).unwrap(),
        )
        .unwrap();
        std::fs::write(
            kept.join(format!("{}.partial", model.files[0].name)),
            vec![0u8; 1000],
        )
        .unwrap();
        // One for a model no longer in the catalogue, one without a sidecar,
        // one whose digests changed since, and one that never got a byte:
        // removed.
        let empty = catalogue::find("qwen3-1.7b").unwrap();
        std::fs::create_dir_all(root.join(&empty.id)).unwrap();
        std::fs::write(
            root.join(&empty.id).join(SIDECAR),
            serde_json::to_vec(&Sidecar::of(empty)).unwrap(),
        )
        .unwrap();
        for stale in ["gone-model", "qwen3-0.6b", "llama-3.2-1b"] {
            std::fs::create_dir_all(root.join(stale)).unwrap();
            std::fs::write(root.join(stale).join("x.partial"), b"x").unwrap();
        }
        let mut changed = Sidecar::of(catalogue::find("llama-3.2-1b").unwrap());
        changed.files[0].1 = "0".repeat(64);
        std::fs::write(
            root.join("llama-3.2-1b").join(SIDECAR),
            serde_json::to_vec(&changed).unwrap(),
        )
        .unwrap();

        let downloads = Downloads::new(dir.path().to_owned(), DownloadOptions::default());
        let statuses = downloads.statuses();
        assert_eq!(statuses.len(), 1, "{statuses:?}");
        assert_eq!(
            (
                statuses[0].id.as_str(),
                statuses[0].state,
                statuses[0].received,
                statuses[0].resumable
            ),
            ("smollm2-135m", DownloadState::Paused, 1000, true)
        );
        let left: Vec<_> = std::fs::read_dir(&root)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        assert_eq!(left, ["smollm2-135m"]);
    }
}
