//! Copies of the journal made with SQLite's online backup API, which produces a
//! consistent file even while the database is in use.

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::Connection;
use rusqlite::backup::Backup;

use super::StoreError;

/// Copies the open database `conn` into a new file at `dest`.
pub fn backup_into(conn: &Connection, dest: &Path) -> Result<(), StoreError> {
    if let Some(parent) = dest.parent() {
        std::fs::create_dir_all(parent).map_err(|source| StoreError::Io {
            path: parent.to_path_buf(),
            source,
        })?;
    }
    let mut target = Connection::open(dest).map_err(|e| StoreError::from_sqlite(dest, e))?;
    Backup::new(conn, &mut target)
        .and_then(|b| b.run_to_completion(256, Duration::from_millis(5), None))
        .map_err(|e| StoreError::from_sqlite(dest, e))
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
