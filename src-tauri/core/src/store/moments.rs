//! Moments the two shared. Here the user keeps one from the conversation
//! ("keep this moment"); the diary builds on the same table.

use rusqlite::{Connection, OptionalExtension, Row, params};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct Moment {
    pub id: i64,
    /// The local calendar day, `YYYY-MM-DD`.
    pub day: String,
    pub title: String,
    pub body: String,
    pub mood: String,
    pub tags: Vec<String>,
    pub favourite: bool,
    pub source_message_ids: Vec<i64>,
    pub created_at: i64,
    pub updated_at: i64,
    /// A few lines about the moment in the companion's voice (empty until
    /// written).
    pub reflection: String,
    /// The companion is still writing the title and reflection.
    pub writing: bool,
    /// Why the companion's last try to write about it failed.
    pub problem: Option<String>,
    /// The letter finished that day, when the moment is one.
    #[serde(default)]
    pub letter_id: Option<i64>,
}

pub(crate) const COLUMNS: &str = "id, day, title, body, mood, tags, favourite, created_at, updated_at, reflection, writing, problem, letter_id";

pub(crate) fn from_row(r: &Row<'_>) -> rusqlite::Result<Moment> {
    let tags: String = r.get(5)?;
    Ok(Moment {
        id: r.get(0)?,
        day: r.get(1)?,
        title: r.get(2)?,
        body: r.get(3)?,
        mood: r.get(4)?,
        tags: serde_json::from_str(&tags).unwrap_or_default(),
        favourite: r.get(6)?,
        source_message_ids: Vec::new(),
        created_at: r.get(7)?,
        updated_at: r.get(8)?,
        reflection: r.get(9)?,
        writing: r.get(10)?,
        problem: r.get(11)?,
        letter_id: r.get(12)?,
    })
}

pub(crate) fn with_sources(conn: &Connection, mut moment: Moment) -> rusqlite::Result<Moment> {
    let mut stmt = conn.prepare_cached(
        "SELECT message_id FROM moment_sources WHERE moment_id = ?1 ORDER BY message_id",
    )?;
    moment.source_message_ids = stmt
        .query_map([moment.id], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(moment)
}

pub fn get(conn: &Connection, id: i64) -> rusqlite::Result<Option<Moment>> {
    let found = conn
        .query_row(
            &format!("SELECT {COLUMNS} FROM moments WHERE id = ?1"),
            [id],
            from_row,
        )
        .optional()?;
    found.map(|m| with_sources(conn, m)).transpose()
}

/// A short title from the first words of a message.
pub fn title_from(text: &str) -> String {
    const WORDS: usize = 8;
    let first_line = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    let words: Vec<&str> = first_line
        .split_whitespace()
        .map(|w| w.trim_start_matches(['#', '>', '*', '-', '_']))
        .filter(|w| !w.is_empty())
        .collect();
    let mut title = words
        .iter()
        .take(WORDS)
        .copied()
        .collect::<Vec<_>>()
        .join(" ");
    if words.len() > WORDS {
        title.push('…');
    }
    title
}

/// Keeps the message as a moment of its day (local time, `offset_minutes`
/// east of UTC), titled from its first words until the companion writes
/// about it (`writing`). Keeping a message twice returns the moment it
/// already is.
pub fn keep_message(
    conn: &Connection,
    message_id: i64,
    offset_minutes: i32,
    at: i64,
) -> rusqlite::Result<Option<Moment>> {
    let existing: Option<i64> = conn
        .query_row(
            "SELECT moment_id FROM moment_sources WHERE message_id = ?1 ORDER BY moment_id LIMIT 1",
            [message_id],
            |r| r.get(0),
        )
        .optional()?;
    if let Some(id) = existing {
        return get(conn, id);
    }
    let Some((content, created_at)) = conn
        .query_row(
            "SELECT content, created_at FROM messages WHERE id = ?1",
            [message_id],
            |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)),
        )
        .optional()?
    else {
        return Ok(None);
    };
    let day = local_day(created_at, offset_minutes);
    let tx = conn.unchecked_transaction()?;
    tx.execute(
        "INSERT INTO moments (day, title, body, writing, created_at, updated_at)
         VALUES (?1, ?2, ?3, 1, ?4, ?4)",
        params![day, title_from(&content), content, at],
    )?;
    let id = tx.last_insert_rowid();
    tx.execute(
        "INSERT INTO moment_sources (moment_id, message_id) VALUES (?1, ?2)",
        params![id, message_id],
    )?;
    tx.commit()?;
    get(conn, id)
}

/// Lets go of the moments kept from this message alone. Returns how many.
pub fn release_message(conn: &Connection, message_id: i64) -> rusqlite::Result<usize> {
    conn.execute(
        "DELETE FROM moments WHERE id IN (
            SELECT s.moment_id FROM moment_sources s WHERE s.message_id = ?1
              AND NOT EXISTS (SELECT 1 FROM moment_sources o
                              WHERE o.moment_id = s.moment_id AND o.message_id <> ?1))",
        [message_id],
    )
}

/// The local calendar day of a UTC millisecond time.
pub fn local_day(utc_ms: i64, offset_minutes: i32) -> String {
    let offset = chrono::FixedOffset::east_opt(offset_minutes * 60)
        .unwrap_or_else(|| chrono::FixedOffset::east_opt(0).expect("zero offset"));
    chrono::DateTime::from_timestamp_millis(utc_ms)
        .unwrap_or_default()
        .with_timezone(&offset)
        .format("%Y-%m-%d")
        .to_string()
}
