//! Versioned migrations, applied in order by one runner, each in a transaction.
//! The version lives in SQLite's `user_version`. Append; never edit a shipped one.

use rusqlite::Connection;
use rusqlite_migration::{M, Migrations};

use super::error::Unplaced;

/// Every migration, oldest first.
pub(super) const ALL: &[M<'static>] = &[
    M::up(include_str!("../../migrations/0001_journal.sql")),
    M::up(include_str!("../../migrations/0002_memories_moments.sql")),
    M::up(include_str!("../../migrations/0003_embeddings.sql")),
    M::up(include_str!("../../migrations/0004_compact_vectors.sql")),
    M::up(include_str!("../../migrations/0005_jobs.sql")),
    M::up(include_str!("../../migrations/0006_forgetting.sql")),
    M::up(include_str!("../../migrations/0007_letters.sql")),
    M::up(include_str!("../../migrations/0008_diary.sql")),
    M::up(include_str!("../../migrations/0009_search_prefixes.sql")),
    M::up(include_str!("../../migrations/0010_message_tokens.sql")),
    M::up(include_str!(
        "../../migrations/0011_letters_in_the_diary.sql"
    )),
];

/// The schema version this build writes.
pub const SCHEMA_VERSION: u32 = ALL.len() as u32;

/// Reads the file's schema version without writing to it, and reads the schema
/// itself so that a damaged file fails here, before anything is changed.
pub(super) fn inspect(conn: &Connection) -> Result<u32, Unplaced> {
    let version: u32 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    let _objects: i64 = conn.query_row("SELECT count(*) FROM sqlite_schema", [], |r| r.get(0))?;
    Ok(version)
}

pub(super) fn run(conn: &mut Connection, all: &[M<'static>]) -> Result<(), Unplaced> {
    Migrations::from_slice(all)
        .to_latest(conn)
        .map_err(|e| match e {
            rusqlite_migration::Error::RusqliteError { err, .. } => Unplaced::Sqlite(err),
            other => Unplaced::Migration(other.to_string()),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrations_are_valid() {
        assert!(Migrations::from_slice(ALL).validate().is_ok());
    }
}
