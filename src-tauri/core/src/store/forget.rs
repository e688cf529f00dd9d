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

use rusqlite::{Connection, OpenFlags, params};
use serde::Serialize;

use super::{Store, StoreError};

/// What forgetting a day took away.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ForgottenDay {
    pub messages: u32,
    pub memories: u32,
    pub moments: u32,
    pub entries: u32,
}

/// Forgets a local day (`YYYY-MM-DD`, `offset_minutes` east of UTC) in one
/// transaction: its messages, the memories learnt from them, the moments of
/// that day or kept from its messages, its diary entry and the day's place
/// in the diary's schedule, and the background work about any of them.
/// Vectors and index entries go with their rows (triggers).
pub fn day(
    conn: &mut Connection,
    day: &str,
    offset_minutes: i32,
) -> rusqlite::Result<ForgottenDay> {
    let Some((start, end)) = super::diary::day_range(day, offset_minutes) else {
        return Ok(ForgottenDay::default());
    };
    let tx = conn.transaction()?;
    tx.execute(
        "CREATE TEMP TABLE IF NOT EXISTS forgotten_messages (id INTEGER PRIMARY KEY)",
        [],
    )?;
    tx.execute("DELETE FROM temp.forgotten_messages", [])?;
    tx.execute(
        "INSERT INTO temp.forgotten_messages SELECT id FROM messages
         WHERE created_at >= ?1 AND created_at < ?2",
        params![start, end],
    )?;
    let memories = tx.execute(
        "DELETE FROM memories WHERE source_message_id IN (SELECT id FROM temp.forgotten_messages)",
        [],
    )?;
    let moments = tx.execute(
        "DELETE FROM moments WHERE day = ?1 OR id IN (
             SELECT moment_id FROM moment_sources
             WHERE message_id IN (SELECT id FROM temp.forgotten_messages))",
        [day],
    )?;
    let entries = tx.execute("DELETE FROM diary_entries WHERE day = ?1", [day])?;
    tx.execute("DELETE FROM diary_days WHERE day = ?1", [day])?;
    tx.execute(
        "DELETE FROM jobs WHERE
             (kind IN ('learn', 'write_day') AND json_extract(payload, '$.day') = ?1)
          OR (kind = 'learn' AND json_extract(payload, '$.user_id') IN (SELECT id FROM temp.forgotten_messages))
          OR (kind = 'reflect' AND json_extract(payload, '$.moment_id') NOT IN (SELECT id FROM moments))",
        [day],
    )?;
    let messages = tx.execute(
        "DELETE FROM messages WHERE id IN (SELECT id FROM temp.forgotten_messages)",
        [],
    )?;
    tx.execute("DELETE FROM temp.forgotten_messages", [])?;
    tx.commit()?;
    let n = |v: usize| u32::try_from(v).unwrap_or(u32::MAX);
    Ok(ForgottenDay {
        messages: n(messages),
        memories: n(memories),
        moments: n(moments),
        entries: n(entries),
    })
}

/// Empties the journal: every row of every table (the schema stays, so
/// Hearth opens it as on its first run), then rewrites the file so no page
/// of what it held remains, and truncates its log.
pub fn everything(conn: &mut Connection) -> rusqlite::Result<()> {
    let tables: Vec<String> = {
        let fts = fts_tables(conn)?;
        let mut stmt = conn.prepare(
            "SELECT name FROM main.sqlite_schema
             WHERE type = 'table' AND name NOT LIKE 'sqlite_%'
               AND sql NOT LIKE 'CREATE VIRTUAL TABLE%' ORDER BY name",
        )?;
        let all: Vec<String> = stmt
            .query_map([], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        all.into_iter()
            .filter(|t| !fts.iter().any(|f| t.starts_with(&format!("{f}_"))))
            .collect()
    };
    let tx = conn.transaction()?;
    for table in &tables {
        // Triggers take index entries and vectors with the rows; foreign
        // keys cascade or set null, so the order does not matter.
        tx.execute(&format!("DELETE FROM main.\"{table}\""), [])?;
    }
    for name in fts_tables(&tx)? {
        tx.execute(
            &format!("INSERT INTO main.\"{name}\" (\"{name}\") VALUES ('rebuild')"),
            [],
        )?;
    }
    tx.commit()?;
    conn.execute_batch("VACUUM")?;
    conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
}

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
    ("person_dates", &["label"]),
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

/// Tables without words of their own whose rows still tell of what was
/// forgotten (a vector can be matched to its text; a day's reason and a
/// job's error may quote the model), and when a backup's row is gone from
/// the journal.
const GONE: &[(&str, &str)] = &[
    (
        "embeddings",
        "NOT EXISTS (SELECT 1 FROM live.embeddings l
             WHERE l.owner_kind = main.embeddings.owner_kind AND l.owner_id = main.embeddings.owner_id)",
    ),
    (
        "diary_days",
        "day NOT IN (SELECT day FROM live.diary_days)",
    ),
    ("jobs", "id NOT IN (SELECT id FROM live.jobs)"),
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
    for (table, gone) in GONE {
        if has_table(&tx, "main", table)? && has_table(&tx, "live", table)? {
            tx.execute(&format!("DELETE FROM main.{table} WHERE {gone}"), [])?;
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
