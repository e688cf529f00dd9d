//! Background work waiting in the journal (table `jobs`, migration 5).

use rusqlite::{Connection, OptionalExtension, params};

/// A job as stored: its kind and payload are the scheduler's to read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobRow {
    pub id: i64,
    pub kind: String,
    pub payload: String,
    pub priority: u8,
    pub attempts: u32,
}

/// Queues a job unless the same one is waiting already. Returns its id.
pub fn enqueue(
    conn: &Connection,
    kind: &str,
    payload: &str,
    priority: u8,
    now_ms: i64,
) -> rusqlite::Result<i64> {
    conn.prepare_cached(
        "INSERT INTO jobs (kind, payload, priority, created_at) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (kind, payload) DO UPDATE SET priority = min(priority, excluded.priority)
         RETURNING id",
    )?
    .query_row(params![kind, payload, priority, now_ms], |r| r.get(0))
}

/// The job to run next at `now_ms`: the most urgent, oldest first.
pub fn next(conn: &Connection, now_ms: i64) -> rusqlite::Result<Option<JobRow>> {
    conn.prepare_cached(
        "SELECT id, kind, payload, priority, attempts FROM jobs WHERE not_before <= ?1
         ORDER BY priority, id LIMIT 1",
    )?
    .query_row([now_ms], |r| {
        Ok(JobRow {
            id: r.get(0)?,
            kind: r.get(1)?,
            payload: r.get(2)?,
            priority: r.get(3)?,
            attempts: r.get(4)?,
        })
    })
    .optional()
}

/// When the next job that waits for its time may run (`None`: none waits).
pub fn next_due(conn: &Connection) -> rusqlite::Result<Option<i64>> {
    conn.query_row("SELECT min(not_before) FROM jobs", [], |r| r.get(0))
}

/// Removes a job (done, or given up).
pub fn remove(conn: &Connection, id: i64) -> rusqlite::Result<()> {
    conn.execute("DELETE FROM jobs WHERE id = ?1", [id])?;
    Ok(())
}

/// Records a failed attempt; the job runs again at `not_before`.
pub fn failed(conn: &Connection, id: i64, error: &str, not_before: i64) -> rusqlite::Result<()> {
    conn.execute(
        "UPDATE jobs SET attempts = attempts + 1, last_error = ?2, not_before = ?3 WHERE id = ?1",
        params![id, error, not_before],
    )?;
    Ok(())
}

/// How many times job `id` has failed.
pub fn attempts(conn: &Connection, id: i64) -> rusqlite::Result<u32> {
    conn.query_row("SELECT attempts FROM jobs WHERE id = ?1", [id], |r| {
        r.get(0)
    })
}

/// Makes every job waiting for its time due at `now_ms` (tests; "retry now").
pub fn make_due(conn: &Connection, now_ms: i64) -> rusqlite::Result<usize> {
    conn.execute(
        "UPDATE jobs SET not_before = ?1 WHERE not_before > ?1",
        [now_ms],
    )
}

/// Every job waiting, most urgent first: `(kind, payload, attempts)`.
pub fn pending(conn: &Connection) -> rusqlite::Result<Vec<(String, String, u32)>> {
    conn.prepare("SELECT kind, payload, attempts FROM jobs ORDER BY priority, id")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect()
}
