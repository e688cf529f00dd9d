//! Copies of the journal made with SQLite's online backup API, which produces a
//! consistent file even while the database is in use.

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::Connection;
use rusqlite::backup::Backup;

use super::StoreError;

/// Copies the open database `conn` into a new file at `dest`.
pub fn backup_into(conn: &Connection, dest: &Path) -> Result<(), StoreError> {
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| StoreError::Io { path, source }
    };
    if let Some(parent) = dest.parent().filter(|p| !p.as_os_str().is_empty()) {
        super::private::folder(parent).map_err(io(parent))?;
    }
    super::private::file(dest).map_err(io(dest))?;
    let mut target = Connection::open(dest).map_err(|e| StoreError::from_sqlite(dest, e))?;
    Backup::new(conn, &mut target)
        .and_then(|b| b.run_to_completion(256, Duration::from_millis(5), None))
        .map_err(|e| StoreError::from_sqlite(dest, e))?;
    // One self-contained file: opening a copy later must not grow -wal/-shm
    // files beside it.
    target
        .pragma_update_and_check(None, "journal_mode", "DELETE", |r| r.get::<_, String>(0))
        .map_err(|e| StoreError::from_sqlite(dest, e))?;
    Ok(())
}

/// The copy taken before migrating a file from `version`.
pub(super) fn before_migration(
    conn: &Connection,
    dir: &Path,
    version: u32,
) -> Result<PathBuf, StoreError> {
    let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%S%.3fZ");
    let dest = dir.join(format!("hearth-schema{version}-{stamp}.db"));
    backup_into(conn, &dest)?;
    Ok(dest)
}

/// How many daily copies are kept.
pub const DAILY_KEPT: usize = 7;
const DAILY_PREFIX: &str = "hearth-daily-";

/// Copies the journal at `db` into `dir` once per day (`today`, local date,
/// as `YYYY-MM-DD`) and keeps the newest [`DAILY_KEPT`] daily copies. Reads
/// through a connection of its own, so the app is never held up. Returns the
/// new copy, or `None` if today's exists already.
pub fn daily(db: &Path, dir: &Path, today: &str) -> Result<Option<PathBuf>, StoreError> {
    let dest = dir.join(format!("{DAILY_PREFIX}{today}.db"));
    if dest.exists() {
        return Ok(None);
    }
    let source = Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
        .map_err(|e| StoreError::from_sqlite(db, e))?;
    // Write under a temporary name: a copy cut short never passes for a good one.
    let partial = dir.join(format!("{DAILY_PREFIX}{today}.db.partial"));
    let _ = std::fs::remove_file(&partial);
    backup_into(&source, &partial)?;
    std::fs::rename(&partial, &dest).map_err(|source| StoreError::Io {
        path: dest.clone(),
        source,
    })?;

    let mut dailies: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|source| StoreError::Io {
            path: dir.to_path_buf(),
            source,
        })?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with(DAILY_PREFIX) && n.ends_with(".db"))
        })
        .collect();
    // The names sort by date.
    dailies.sort();
    let excess = dailies.len().saturating_sub(DAILY_KEPT);
    for old in &dailies[..excess] {
        let _ = std::fs::remove_file(old);
    }
    Ok(Some(dest))
}
