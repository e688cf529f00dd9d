//! Forgetting that really forgets. When words leave the journal (a memory
//! deleted or edited, a message edited or replaced, a day forgotten), they
//! must leave every file that holds them:
//!
//! - the journal itself: SQLite overwrites deleted content (`secure_delete`)
//!   and the FTS5 indexes delete securely (migration 6);
//! - its write-ahead log, which keeps old pages until a checkpoint: it is
//!   checkpointed and truncated to nothing;
//! - the backups: each is brought in line with the journal, so no row the
//!   journal no longer has, and no text it has since changed, survives there.
//!   What the backups hold that is still in the journal is left as it was.

use std::path::Path;

use rusqlite::{Connection, OpenFlags};

use super::{Store, StoreError};

/// The tables whose words are forgotten in the backups, and their text
/// columns. A table a backup does not have (an older schema) is skipped.
const TEXTS: &[(&str, &[&str])] = &[
    ("messages", &["content", "error"]),
    ("memories", &["text"]),
    (
        "moments",
        &["title", "body", "mood", "tags", "reflection", "problem"],
    ),
    (
        "diary_entries",
        &["title", "body", "mood", "tags", "people"],
    ),
    ("people", &["name", "relationship", "notes"]),
    (
        "letters",
        &[
            "recipient",
            "occasion",
            "carry",
            "answers",
            "signature",
            "body",
        ],
    ),
    ("letter_versions", &["request", "body", "error"]),
];

/// Removes every trace of forgotten words from the journal's log and from
/// the backups in `backups`. Backups that cannot be brought in line are
/// named in the error (the others are done).
pub fn traces(store: &Store, backups: &Path) -> Result<(), StoreError> {
    store.with(|c| c.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(())))?;
    let Ok(entries) = std::fs::read_dir(backups) else {
        return Ok(());
    };
    let mut failed = None;
    for path in entries.filter_map(|e| e.ok().map(|e| e.path())) {
        if path.extension().and_then(|e| e.to_str()) != Some("db") {
            continue;
        }
        if let Err(e) = in_backup(&path, store.path()) {
            tracing::warn!(backup = %path.display(), "forgotten words could not be removed: {e}");
            failed = Some(StoreError::from_sqlite(&path, e));
        }
    }
    failed.map_or(Ok(()), Err)
}

/// Brings the backup at `path` in line with the journal at `live`.
fn in_backup(path: &Path, live: &Path) -> rusqlite::Result<()> {
    let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_WRITE)?;
    // A copy of a WAL journal is in WAL mode: write it in place instead.
    conn.pragma_update_and_check(None, "journal_mode", "DELETE", |r| r.get::<_, String>(0))?;
    conn.pragma_update(None, "secure_delete", true)?;
    let uri = format!("file:{}?mode=ro", live.display());
    conn.execute("ATTACH DATABASE ?1 AS live", [uri])?;
    let tx = conn.unchecked_transaction()?;
    for name in fts_tables(&tx)? {
        // Older copies' indexes did not delete securely.
        tx.execute(
            &format!("INSERT INTO main.\"{name}\" (\"{name}\", rank) VALUES ('secure-delete', 1)"),
            [],
        )?;
    }
    for (table, columns) in TEXTS {
        if !has_table(&tx, "main", table)? || !has_table(&tx, "live", table)? {
            continue;
        }
        tx.execute(
            &format!("DELETE FROM main.{table} WHERE id NOT IN (SELECT id FROM live.{table})"),
            [],
        )?;
        for column in *columns {
            if !has_column(&tx, "main", table, column)? {
                continue;
            }
            tx.execute(
                &format!(
                    "UPDATE main.{table} SET {column} = (SELECT l.{column} FROM live.{table} l WHERE l.id = main.{table}.id)
                     WHERE {column} IS NOT (SELECT l.{column} FROM live.{table} l WHERE l.id = main.{table}.id)"
                ),
                [],
            )?;
        }
    }
    tx.commit()?;
    conn.execute("DETACH DATABASE live", [])?;
    Ok(())
}

fn fts_tables(conn: &Connection) -> rusqlite::Result<Vec<String>> {
    let mut stmt = conn.prepare(
        "SELECT name FROM main.sqlite_schema
         WHERE type = 'table' AND sql LIKE 'CREATE VIRTUAL TABLE%USING fts5%'",
    )?;
    stmt.query_map([], |r| r.get(0))?.collect()
}

fn has_table(conn: &Connection, schema: &str, table: &str) -> rusqlite::Result<bool> {
    conn.prepare(&format!(
        "SELECT 1 FROM {schema}.sqlite_schema WHERE type = 'table' AND name = ?1"
    ))?
    .exists([table])
}

fn has_column(
    conn: &Connection,
    schema: &str,
    table: &str,
    column: &str,
) -> rusqlite::Result<bool> {
    conn.prepare("SELECT 1 FROM pragma_table_info(?1, ?2) WHERE name = ?3")?
        .exists([table, schema, column])
}
