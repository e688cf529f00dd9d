//! The journal: one SQLite file holding everything Hearth keeps.
//!
//! [`Store::open`] is careful with the user's file: it reads before it writes,
//! refuses a database written by a newer Hearth or one that is not a readable
//! SQLite file (leaving it byte-for-byte untouched), and copies the file with
//! SQLite's backup API before any migration changes it.

mod backup;
pub mod diary;
mod error;
pub mod forget;
pub mod fts;
pub mod jobs;
pub mod letters;
pub mod memories;
pub mod messages;
mod migrations;
pub mod moments;
pub mod persona;
pub mod private;
pub mod recall;
pub mod search;
pub mod settings;
pub mod vectors;

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags};

pub use backup::{DAILY_KEPT, backup_into, daily as daily_backup};
pub use error::StoreError;
pub use migrations::SCHEMA_VERSION;

/// The database file's name inside the data folder.
pub const DATABASE_FILE: &str = "hearth.db";
/// Where automatic backups go, inside the data folder.
pub const BACKUP_DIR: &str = "backups";

const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// An open, migrated journal.
#[derive(Debug)]
pub struct Store {
    conn: Mutex<Connection>,
    path: PathBuf,
}

/// What [`Store::open`] did to bring the file up to date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenReport {
    /// Schema version found on disk (0 for a new file).
    pub found_version: u32,
    /// Copy made before migrating, if the file held data from an older version.
    pub backup: Option<PathBuf>,
}

impl Store {
    /// Opens (creating if needed) the journal at `path` and migrates it to
    /// [`SCHEMA_VERSION`]. Backups before a migration go to `backups/` beside it.
    pub fn open(path: impl AsRef<Path>) -> Result<(Self, OpenReport), StoreError> {
        Self::open_with(path.as_ref(), migrations::ALL)
    }

    fn open_with(
        path: &Path,
        migrations: &'static [rusqlite_migration::M<'static>],
    ) -> Result<(Self, OpenReport), StoreError> {
        let path = path.to_path_buf();
        let latest = migrations.len() as u32;
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            private::folder(parent).map_err(|source| StoreError::io(parent, source))?;
        }
        // Owner-only before SQLite opens it (its -wal and -shm take its mode).
        private::file(&path).map_err(|source| StoreError::io(&path, source))?;
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX
            | OpenFlags::SQLITE_OPEN_URI;
        let mut conn = Connection::open_with_flags(&path, flags)
            .map_err(|e| read_only_or(&path, StoreError::from_sqlite(&path, e)))?;
        conn.busy_timeout(BUSY_TIMEOUT)
            .map_err(|e| StoreError::from_sqlite(&path, e))?;

        // Read before writing anything: a foreign, damaged or newer file must be
        // left exactly as it was.
        let found_version =
            migrations::inspect(&conn).map_err(|e| read_only_or(&path, e.at(&path)))?;
        if found_version > latest {
            return Err(StoreError::TooNew {
                path,
                found: found_version,
                supported: latest,
            });
        }

        let backup = if found_version > 0 && found_version < latest {
            let dir = path
                .parent()
                .map_or_else(|| PathBuf::from(BACKUP_DIR), |p| p.join(BACKUP_DIR));
            Some(backup::before_migration(&conn, &dir, found_version)?)
        } else {
            None
        };

        configure(&conn).map_err(|e| read_only_or(&path, StoreError::from_sqlite(&path, e)))?;
        migrations::run(&mut conn, migrations).map_err(|e| e.at(&path))?;

        let store = Store {
            conn: Mutex::new(conn),
            path,
        };
        Ok((
            store,
            OpenReport {
                found_version,
                backup,
            },
        ))
    }

    /// The database file this store writes.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Runs `f` with the connection. Calls are serialised; keep them short.
    pub fn with<T>(
        &self,
        f: impl FnOnce(&mut Connection) -> rusqlite::Result<T>,
    ) -> Result<T, StoreError> {
        f(&mut self.lock()).map_err(|e| StoreError::from_sqlite(&self.path, e))
    }

    /// Runs `f` with the connection, for work that fails with an [`AppError`]
    /// (validation as well as SQLite).
    pub fn run<T>(
        &self,
        f: impl FnOnce(&mut Connection) -> Result<T, crate::error::AppError>,
    ) -> Result<T, crate::error::AppError> {
        f(&mut self.lock())
    }

    fn lock(&self) -> MutexGuard<'_, Connection> {
        // A panic while holding the lock cannot leave SQLite half-written: every
        // change runs in a transaction that rolls back when dropped.
        self.conn
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The schema version of the open file.
    pub fn schema_version(&self) -> Result<u32, StoreError> {
        self.with(|c| c.pragma_query_value(None, "user_version", |r| r.get(0)))
    }
}

/// `error`, or [`StoreError::ReadOnly`] when the journal or its folder
/// cannot be written (SQLite then fails in several ways: it cannot open the
/// write-ahead log's files, or finds the file read-only).
fn read_only_or(path: &Path, error: StoreError) -> StoreError {
    if matches!(error, StoreError::ReadOnly { .. }) {
        return error;
    }
    let file_read_only = std::fs::metadata(path).is_ok_and(|m| m.permissions().readonly());
    let folder = path.parent().filter(|p| !p.as_os_str().is_empty());
    let folder_read_only = folder.is_some_and(|dir| {
        let probe = dir.join(".hearth-write-check");
        match std::fs::File::create(&probe) {
            Ok(_) => std::fs::remove_file(&probe).is_err(),
            Err(e) => matches!(
                e.kind(),
                std::io::ErrorKind::PermissionDenied | std::io::ErrorKind::ReadOnlyFilesystem
            ),
        }
    });
    if file_read_only || folder_read_only {
        StoreError::ReadOnly {
            path: folder.map_or_else(|| path.to_path_buf(), Path::to_path_buf),
        }
    } else {
        error
    }
}

fn configure(conn: &Connection) -> rusqlite::Result<()> {
    conn.pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get::<_, String>(0))?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    conn.pragma_update(None, "foreign_keys", true)?;
    // Deleted memories and messages are overwritten, not left in free pages.
    conn.pragma_update(None, "secure_delete", true)?;
    Ok(())
}

/// Milliseconds since the Unix epoch, UTC: how the journal stores time.
pub fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

#[cfg(test)]
mod tests;
