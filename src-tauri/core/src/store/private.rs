//! The journal, its backups and the models are the user's alone: folders are
//! created readable by their owner only (0700) and files 0600, and older
//! ones are narrowed when found. SQLite gives the journal's `-wal` and `-shm`
//! the journal's own mode. Elsewhere than Unix this does nothing: the
//! folders Hearth uses there are already the user's own.

use std::path::Path;

/// Creates `dir` (and its parents) if needed and makes it owner-only.
pub fn folder(dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    set_mode(dir, 0o700)
}

/// Makes the file at `path` owner-only, creating it empty if it is missing.
pub fn file(path: &Path) -> std::io::Result<()> {
    if !path.exists() {
        create_empty(path)?;
    }
    set_mode(path, 0o600)
}

/// Makes the file at `path` owner-only, if it is there.
pub fn narrow(path: &Path) -> std::io::Result<()> {
    match std::fs::metadata(path) {
        Ok(_) => set_mode(path, 0o600),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e),
    }
}

#[cfg(unix)]
fn create_empty(path: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .map(drop)
}

#[cfg(not(unix))]
fn create_empty(path: &Path) -> std::io::Result<()> {
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .map(drop)
}

/// Narrows `path` to `mode`: takes away what `mode` does not grant, never
/// grants more (a folder the user made read-only stays so). Failing to (a
/// file of another user's, a read-only file system) is said in the log,
/// not an error: the file stays usable as it is.
#[cfg(unix)]
fn set_mode(path: &Path, mode: u32) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let now = std::fs::metadata(path)?.permissions().mode() & 0o777;
    let mode = now & mode;
    if now != mode
        && let Err(e) = std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
    {
        tracing::warn!(path = %path.display(), "could not make it private: {e}");
    }
    Ok(())
}

#[cfg(not(unix))]
fn set_mode(_path: &Path, _mode: u32) -> std::io::Result<()> {
    Ok(())
}

#[cfg(all(test, unix))]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use crate::store::{BACKUP_DIR, DATABASE_FILE, Store, backup_into, daily_backup};

    fn mode(p: &std::path::Path) -> u32 {
        std::fs::metadata(p).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn the_journal_its_companions_and_backups_are_readable_by_their_owner_only() {
        let root = tempfile::tempdir().unwrap();
        let data = root.path().join("data");
        let db = data.join(DATABASE_FILE);
        let (store, _) = Store::open(&db).unwrap();
        store
            .with(|c| c.execute_batch("CREATE TABLE t(x); INSERT INTO t VALUES (1);"))
            .unwrap();
        assert_eq!(mode(&data), 0o700, "the data folder");
        assert_eq!(mode(&db), 0o600, "the journal");
        for side in ["-wal", "-shm"] {
            let p = data.join(format!("{DATABASE_FILE}{side}"));
            assert_eq!(mode(&p), 0o600, "{}", p.display());
        }
        let copy = data.join(BACKUP_DIR).join("copy.db");
        store.with(|c| Ok(backup_into(c, &copy))).unwrap().unwrap();
        assert_eq!(mode(&copy), 0o600, "a backup");
        assert_eq!(mode(&data.join(BACKUP_DIR)), 0o700, "the backups folder");
        let daily = daily_backup(&db, &data.join(BACKUP_DIR), "2026-11-30")
            .unwrap()
            .unwrap();
        assert_eq!(mode(&daily), 0o600, "a daily backup");
    }

    #[test]
    fn a_journal_left_readable_by_an_older_hearth_is_narrowed_on_open() {
        let root = tempfile::tempdir().unwrap();
        let db = root.path().join(DATABASE_FILE);
        drop(Store::open(&db).unwrap());
        std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o644)).unwrap();
        std::fs::set_permissions(root.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
        drop(Store::open(&db).unwrap());
        assert_eq!(mode(&db), 0o600);
        assert_eq!(mode(root.path()), 0o700);
    }
}
