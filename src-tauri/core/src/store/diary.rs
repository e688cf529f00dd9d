//! The diary: the companion's entry for each day the two talked, the rule
//! that writes it once per day, and the views over entries and moments
//! (timeline, calendar, "on this day", tags and people).
//!
//! A day is the user's local calendar day, `YYYY-MM-DD`: callers pass the
//! offset from UTC (minutes east) that turns stored UTC times into days.

use rusqlite::{Connection, OptionalExtension, Row, params};
use serde::{Deserialize, Serialize};

use super::messages::{self, Message};
use super::moments::{self, Moment};

/// The companion's entry for one day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct Entry {
    pub id: i64,
    /// The local calendar day, `YYYY-MM-DD`.
    pub day: String,
    pub title: String,
    pub body: String,
    pub mood: String,
    pub tags: Vec<String>,
    pub people: Vec<String>,
    pub favourite: bool,
    /// Who wrote it: the companion, and the model it spoke through.
    pub written_by: String,
    /// The user changed it after the companion wrote it.
    pub edited: bool,
    pub created_at: i64,
    pub updated_at: i64,
}

/// What the companion writes for a day, or the user changes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct EntryDraft {
    pub title: String,
    pub body: String,
    pub mood: String,
    pub tags: Vec<String>,
    pub people: Vec<String>,
}

/// What the user may change in a moment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct MomentDraft {
    pub title: String,
    pub reflection: String,
    pub tags: Vec<String>,
}

/// One item of the timeline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum Item {
    Entry(Entry),
    Moment(Moment),
}

impl Item {
    pub fn day(&self) -> &str {
        match self {
            Item::Entry(e) => &e.day,
            Item::Moment(m) => &m.day,
        }
    }
}

/// Which items the timeline shows.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct Filter {
    pub favourites: bool,
    pub tag: Option<String>,
    pub person: Option<String>,
}

/// A day of the calendar that holds something.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct CalendarDay {
    pub day: String,
    pub moments: u32,
    pub entry: bool,
    /// The entry is still to be written; why the last try failed, if it did.
    pub pending: bool,
    pub reason: Option<String>,
}

/// A tag or a person, and how many items name it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct Facet {
    pub name: String,
    pub count: u32,
}

/// The tags and people named in the diary, most used first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct Facets {
    pub tags: Vec<Facet>,
    pub people: Vec<Facet>,
}

/// Where a day stands with the companion.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "lowercase")]
pub enum DayState {
    Pending,
    Written,
}

const ENTRY_COLUMNS: &str = "id, day, title, body, mood, tags, people, favourite, written_by, \
    edited, created_at, updated_at";

fn list(json: String) -> Vec<String> {
    serde_json::from_str(&json).unwrap_or_default()
}

fn json(list: &[String]) -> String {
    serde_json::to_string(list).unwrap_or_else(|_| "[]".into())
}

fn entry_from_row(r: &Row<'_>) -> rusqlite::Result<Entry> {
    Ok(Entry {
        id: r.get(0)?,
        day: r.get(1)?,
        title: r.get(2)?,
        body: r.get(3)?,
        mood: r.get(4)?,
        tags: list(r.get(5)?),
        people: list(r.get(6)?),
        favourite: r.get(7)?,
        written_by: r.get(8)?,
        edited: r.get(9)?,
        created_at: r.get(10)?,
        updated_at: r.get(11)?,
    })
}

pub fn entry(conn: &Connection, id: i64) -> rusqlite::Result<Option<Entry>> {
    conn.query_row(
        &format!("SELECT {ENTRY_COLUMNS} FROM diary_entries WHERE id = ?1"),
        [id],
        entry_from_row,
    )
    .optional()
}

pub fn entry_of_day(conn: &Connection, day: &str) -> rusqlite::Result<Option<Entry>> {
    conn.query_row(
        &format!("SELECT {ENTRY_COLUMNS} FROM diary_entries WHERE day = ?1"),
        [day],
        entry_from_row,
    )
    .optional()
}

/// Saves the companion's entry for `day` and marks the day written, in one
/// transaction. A day rewritten on request keeps its entry's id and favourite.
pub fn save_written(
    conn: &mut Connection,
    day: &str,
    draft: &EntryDraft,
    written_by: &str,
    at: i64,
) -> rusqlite::Result<Entry> {
    let tx = conn.transaction()?;
    tx.execute(
        "INSERT INTO diary_entries (day, title, body, mood, tags, people, written_by, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8)
         ON CONFLICT (day) DO UPDATE SET title = excluded.title, body = excluded.body,
             mood = excluded.mood, tags = excluded.tags, people = excluded.people,
             written_by = excluded.written_by, edited = 0, updated_at = excluded.updated_at",
        params![
            day,
            draft.title,
            draft.body,
            draft.mood,
            json(&draft.tags),
            json(&draft.people),
            written_by,
            at
        ],
    )?;
    set_day(&tx, day, DayState::Written, None, at)?;
    tx.commit()?;
    Ok(entry_of_day(conn, day)?.expect("the entry just saved"))
}

/// The user's changes to an entry.
pub fn update_entry(
    conn: &Connection,
    id: i64,
    draft: &EntryDraft,
    at: i64,
) -> rusqlite::Result<Option<Entry>> {
    let n = conn.execute(
        "UPDATE diary_entries SET title = ?2, body = ?3, mood = ?4, tags = ?5, people = ?6,
                edited = 1, updated_at = ?7 WHERE id = ?1",
        params![
            id,
            draft.title,
            draft.body,
            draft.mood,
            json(&draft.tags),
            json(&draft.people),
            at
        ],
    )?;
    if n == 0 {
        return Ok(None);
    }
    entry(conn, id)
}

/// Removes an entry; returns it, so that it can be put back. The day stays
/// written: the companion does not write it again unless asked.
pub fn delete_entry(conn: &Connection, id: i64) -> rusqlite::Result<Option<Entry>> {
    let Some(found) = entry(conn, id)? else {
        return Ok(None);
    };
    conn.execute("DELETE FROM diary_entries WHERE id = ?1", [id])?;
    Ok(Some(found))
}

/// Puts back an entry exactly as it was (undo, import). Refused (false) when
/// its day holds another entry now.
pub fn restore_entry(conn: &Connection, e: &Entry) -> rusqlite::Result<bool> {
    let n = conn.execute(
        "INSERT OR IGNORE INTO diary_entries
             (id, day, title, body, mood, tags, people, favourite, written_by, edited, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
        params![
            e.id,
            e.day,
            e.title,
            e.body,
            e.mood,
            json(&e.tags),
            json(&e.people),
            e.favourite,
            e.written_by,
            e.edited,
            e.created_at,
            e.updated_at
        ],
    )?;
    Ok(n == 1)
}

pub fn set_entry_favourite(conn: &Connection, id: i64, favourite: bool) -> rusqlite::Result<bool> {
    Ok(conn.execute(
        "UPDATE diary_entries SET favourite = ?2 WHERE id = ?1",
        params![id, favourite],
    )? == 1)
}

// ---- moments ---------------------------------------------------------------

/// Saves what the companion wrote about a moment (only while it is still
/// to be written: a moment the user has edited or deleted meanwhile is left).
pub fn save_reflection(
    conn: &Connection,
    id: i64,
    title: &str,
    reflection: &str,
    tags: &[String],
    at: i64,
) -> rusqlite::Result<bool> {
    Ok(conn.execute(
        "UPDATE moments SET title = ?2, reflection = ?3, tags = ?4, writing = 0, problem = NULL,
                updated_at = ?5 WHERE id = ?1 AND writing = 1",
        params![id, title, reflection, json(tags), at],
    )? == 1)
}

/// Records why the companion could not write about a moment (it stays to be
/// written, and is tried again).
pub fn reflection_failed(conn: &Connection, id: i64, reason: &str) -> rusqlite::Result<bool> {
    Ok(conn.execute(
        "UPDATE moments SET problem = ?2 WHERE id = ?1 AND writing = 1",
        params![id, reason],
    )? == 1)
}

/// Asks for the moment to be written about again.
pub fn rewrite_moment(conn: &Connection, id: i64) -> rusqlite::Result<bool> {
    Ok(conn.execute(
        "UPDATE moments SET writing = 1, problem = NULL WHERE id = ?1",
        [id],
    )? == 1)
}

/// The user's changes to a moment (the companion no longer writes over them).
pub fn update_moment(
    conn: &Connection,
    id: i64,
    draft: &MomentDraft,
    at: i64,
) -> rusqlite::Result<Option<Moment>> {
    let n = conn.execute(
        "UPDATE moments SET title = ?2, reflection = ?3, tags = ?4, writing = 0, problem = NULL,
                updated_at = ?5 WHERE id = ?1",
        params![id, draft.title, draft.reflection, json(&draft.tags), at],
    )?;
    if n == 0 {
        return Ok(None);
    }
    moments::get(conn, id)
}

pub fn set_moment_favourite(conn: &Connection, id: i64, favourite: bool) -> rusqlite::Result<bool> {
    Ok(conn.execute(
        "UPDATE moments SET favourite = ?2 WHERE id = ?1",
        params![id, favourite],
    )? == 1)
}

/// Removes a moment; returns it (with its sources) so it can be put back.
pub fn delete_moment(conn: &Connection, id: i64) -> rusqlite::Result<Option<Moment>> {
    let Some(found) = moments::get(conn, id)? else {
        return Ok(None);
    };
    conn.execute("DELETE FROM moments WHERE id = ?1", [id])?;
    Ok(Some(found))
}

/// Puts back a moment exactly as it was (undo, import), with the sources that
/// still exist. Refused (false) when its id is taken. Run it in a transaction.
pub fn restore_moment(tx: &Connection, m: &Moment) -> rusqlite::Result<bool> {
    let n = tx.execute(
        "INSERT OR IGNORE INTO moments
             (id, day, title, body, mood, tags, favourite, created_at, updated_at, reflection, writing, problem,
              letter_id)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12,
                 (SELECT id FROM letters WHERE id = ?13))",
        params![
            m.id,
            m.day,
            m.title,
            m.body,
            m.mood,
            json(&m.tags),
            m.favourite,
            m.created_at,
            m.updated_at,
            m.reflection,
            m.writing,
            m.problem,
            m.letter_id
        ],
    )?;
    if n == 1 {
        for source in &m.source_message_ids {
            tx.execute(
                "INSERT OR IGNORE INTO moment_sources (moment_id, message_id)
                 SELECT ?1, id FROM messages WHERE id = ?2",
                params![m.id, source],
            )?;
        }
    }
    Ok(n == 1)
}

/// The moments of a day, in the order they were kept.
pub fn moments_of_day(c: &Connection, day: &str) -> rusqlite::Result<Vec<Moment>> {
    let ids: Vec<i64> = c
        .prepare_cached("SELECT id FROM moments WHERE day = ?1 ORDER BY created_at, id")?
        .query_map([day], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        out.extend(moments::get(c, id)?);
    }
    Ok(out)
}

/// Moments the companion is still to write about, oldest first.
pub fn moments_to_write(conn: &Connection) -> rusqlite::Result<Vec<i64>> {
    conn.prepare_cached("SELECT id FROM moments WHERE writing = 1 ORDER BY id")?
        .query_map([], |r| r.get(0))?
        .collect()
}

// ---- days ------------------------------------------------------------------

/// The UTC millisecond range `[start, end)` of a local day.
pub fn day_range(day: &str, offset_minutes: i32) -> Option<(i64, i64)> {
    let date = chrono::NaiveDate::parse_from_str(day, "%Y-%m-%d").ok()?;
    let start = date.and_hms_opt(0, 0, 0)?.and_utc().timestamp_millis()
        - i64::from(offset_minutes) * 60_000;
    Some((start, start + 86_400_000))
}

/// The messages of a local day, oldest first (at most `limit`).
pub fn day_messages(
    conn: &Connection,
    day: &str,
    offset_minutes: i32,
    limit: u32,
) -> rusqlite::Result<Vec<Message>> {
    let Some((start, end)) = day_range(day, offset_minutes) else {
        return Ok(Vec::new());
    };
    messages::between(conn, start, end, limit)
}

fn set_day(
    conn: &Connection,
    day: &str,
    state: DayState,
    reason: Option<&str>,
    at: i64,
) -> rusqlite::Result<()> {
    let state = match state {
        DayState::Pending => "pending",
        DayState::Written => "written",
    };
    conn.execute(
        "INSERT INTO diary_days (day, state, reason, updated_at) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (day) DO UPDATE SET state = excluded.state, reason = excluded.reason,
             updated_at = excluded.updated_at",
        params![day, state, reason, at],
    )?;
    Ok(())
}

pub fn day_state(
    conn: &Connection,
    day: &str,
) -> rusqlite::Result<Option<(DayState, Option<String>)>> {
    conn.query_row(
        "SELECT state, reason FROM diary_days WHERE day = ?1",
        [day],
        |r| {
            let state = match r.get::<_, String>(0)?.as_str() {
                "written" => DayState::Written,
                _ => DayState::Pending,
            };
            Ok((state, r.get(1)?))
        },
    )
    .optional()
}

/// Leaves the day to be written, saying why the last try failed.
pub fn day_failed(conn: &Connection, day: &str, reason: &str, at: i64) -> rusqlite::Result<()> {
    set_day(conn, day, DayState::Pending, Some(reason), at)
}

/// Marks a day to be written again (asked by the user).
pub fn day_to_rewrite(conn: &Connection, day: &str, at: i64) -> rusqlite::Result<()> {
    set_day(conn, day, DayState::Pending, None, at)
}

/// Forgets a day with nothing to write about (its messages were removed).
pub fn forget_day(conn: &Connection, day: &str) -> rusqlite::Result<()> {
    conn.execute(
        "DELETE FROM diary_days WHERE day = ?1 AND state = 'pending'",
        [day],
    )?;
    Ok(())
}

/// The days before `today` (local, `offset_minutes` east of UTC) from
/// `since` on that hold messages and were never written: each becomes
/// pending, and is returned with the days already pending, oldest first.
/// A written day is never returned again.
pub fn days_to_write(
    conn: &Connection,
    today: &str,
    since: &str,
    offset_minutes: i32,
    at: i64,
) -> rusqlite::Result<Vec<String>> {
    let (Some((from, _)), Some((until, _))) = (
        day_range(since, offset_minutes),
        day_range(today, offset_minutes),
    ) else {
        return Ok(Vec::new());
    };
    let talked: Vec<String> = conn
        .prepare_cached(
            "SELECT DISTINCT date(created_at / 1000 + ?1, 'unixepoch') FROM messages
             WHERE created_at >= ?2 AND created_at < ?3",
        )?
        .query_map(params![i64::from(offset_minutes) * 60, from, until], |r| {
            r.get(0)
        })?
        .collect::<rusqlite::Result<_>>()?;
    for day in &talked {
        conn.execute(
            "INSERT OR IGNORE INTO diary_days (day, state, updated_at) VALUES (?1, 'pending', ?2)",
            params![day, at],
        )?;
    }
    conn.prepare_cached(
        "SELECT day FROM diary_days WHERE state = 'pending' AND day < ?1 ORDER BY day",
    )?
    .query_map([today], |r| r.get(0))?
    .collect()
}

// ---- views -----------------------------------------------------------------

/// The timeline, newest day first (a day's entry before its moments, the
/// moments latest first), `limit` items after skipping `offset`. Entries
/// and moments are each read in the order of their day index and merged
/// here, so a first page costs the same at any size.
pub fn timeline(
    conn: &Connection,
    filter: &Filter,
    offset: u32,
    limit: u32,
) -> rusqlite::Result<Vec<Item>> {
    let favourite = if filter.favourites {
        "favourite = 1"
    } else {
        "1"
    };
    let tag = "(?1 IS NULL OR EXISTS (SELECT 1 FROM json_each(tags) WHERE value = ?1))";
    let person = "(?2 IS NULL OR EXISTS (SELECT 1 FROM json_each(people) WHERE value = ?2))";
    let wanted = offset.saturating_add(limit);
    let read = |sql: &str| -> rusqlite::Result<Vec<(String, i64)>> {
        conn.prepare_cached(sql)?
            .query_map(params![filter.tag, filter.person, wanted], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })?
            .collect()
    };
    let entries = read(&format!(
        "SELECT day, id FROM diary_entries WHERE {favourite} AND {tag} AND {person}
         ORDER BY day DESC LIMIT ?3"
    ))?;
    // Moments name no people: a person filter shows entries alone.
    let moments = read(&format!(
        "SELECT day, id FROM moments WHERE {favourite} AND {tag} AND ?2 IS NULL
         ORDER BY day DESC, id DESC LIMIT ?3"
    ))?;
    let mut keys = Vec::with_capacity(wanted as usize);
    let (mut e, mut m) = (entries.iter().peekable(), moments.iter().peekable());
    while keys.len() < wanted as usize {
        let entry_first = match (e.peek(), m.peek()) {
            (Some(a), Some(b)) => a.0 >= b.0,
            (Some(_), None) => true,
            (None, Some(_)) => false,
            (None, None) => break,
        };
        keys.push(if entry_first {
            (0, e.next().expect("peeked").1)
        } else {
            (1, m.next().expect("peeked").1)
        });
    }
    items(conn, &keys[(offset as usize).min(keys.len())..])
}

fn items(conn: &Connection, keys: &[(i64, i64)]) -> rusqlite::Result<Vec<Item>> {
    let mut out = Vec::with_capacity(keys.len());
    for &(kind, id) in keys {
        let item = if kind == 0 {
            entry(conn, id)?.map(Item::Entry)
        } else {
            moments::get(conn, id)?.map(Item::Moment)
        };
        out.extend(item);
    }
    Ok(out)
}

/// The days of `month` (`YYYY-MM`) that hold moments, an entry, or an entry
/// still to be written. Each table is read through its day index.
pub fn calendar(conn: &Connection, month: &str) -> rusqlite::Result<Vec<CalendarDay>> {
    let (from, to) = (format!("{month}-00"), format!("{month}-99"));
    conn.prepare_cached(
        "WITH days AS (
            SELECT day FROM moments WHERE day > ?1 AND day < ?2
            UNION SELECT day FROM diary_entries WHERE day > ?1 AND day < ?2
            UNION SELECT day FROM diary_days WHERE day > ?1 AND day < ?2 AND state = 'pending')
         SELECT d.day,
                (SELECT count(*) FROM moments m WHERE m.day = d.day),
                EXISTS (SELECT 1 FROM diary_entries e WHERE e.day = d.day),
                coalesce((SELECT state = 'pending' FROM diary_days s WHERE s.day = d.day), 0),
                (SELECT reason FROM diary_days s WHERE s.day = d.day AND s.state = 'pending')
         FROM days d ORDER BY d.day",
    )?
    .query_map([from, to], |r| {
        Ok(CalendarDay {
            day: r.get(0)?,
            moments: r.get(1)?,
            entry: r.get(2)?,
            pending: r.get(3)?,
            reason: r.get(4)?,
        })
    })?
    .collect()
}

/// How many earlier months "On this day" looks back.
const ON_THIS_DAY_MONTHS: u32 = 240;

/// What happened on the same date in earlier months and years, newest first
/// (a date a month lacks, such as the 31st, is skipped there).
pub fn on_this_day(conn: &Connection, today: &str, limit: u32) -> rusqlite::Result<Vec<Item>> {
    let Ok(date) = chrono::NaiveDate::parse_from_str(today, "%Y-%m-%d") else {
        return Ok(Vec::new());
    };
    let days: Vec<String> = (1..=ON_THIS_DAY_MONTHS)
        .filter_map(|back| date.checked_sub_months(chrono::Months::new(back)))
        .filter(|d| chrono::Datelike::day(d) == chrono::Datelike::day(&date))
        .map(|d| d.to_string())
        .collect();
    let days = serde_json::to_string(&days).unwrap_or_else(|_| "[]".into());
    let keys: Vec<(i64, i64)> = conn
        .prepare_cached(
            "SELECT kind, id FROM (
                SELECT 0 AS kind, id, day FROM diary_entries
                 WHERE day IN (SELECT value FROM json_each(?1))
                UNION ALL
                SELECT 1 AS kind, id, day FROM moments
                 WHERE day IN (SELECT value FROM json_each(?1)))
             ORDER BY day DESC, kind, id DESC LIMIT ?2",
        )?
        .query_map(params![days, limit], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    items(conn, &keys)
}

/// How many of the latest moments lend their tags to the filters.
const FACET_MOMENTS: u32 = 5_000;

/// The tags (of entries and of the latest moments) and people (of entries)
/// in the diary.
pub fn facets(conn: &Connection) -> rusqlite::Result<Facets> {
    let read = |sql: &str, params: &[&dyn rusqlite::ToSql]| -> rusqlite::Result<Vec<Facet>> {
        conn.prepare_cached(sql)?
            .query_map(params, |r| {
                Ok(Facet {
                    name: r.get(0)?,
                    count: r.get(1)?,
                })
            })?
            .collect()
    };
    Ok(Facets {
        tags: read(
            "SELECT value, count(*) AS n FROM (
                SELECT j.value FROM diary_entries, json_each(diary_entries.tags) j
                UNION ALL SELECT j.value FROM
                    (SELECT tags FROM moments ORDER BY day DESC, id DESC LIMIT ?1) m,
                    json_each(m.tags) j)
             GROUP BY value ORDER BY n DESC, value LIMIT 100",
            &[&FACET_MOMENTS],
        )?,
        people: read(
            "SELECT j.value, count(*) AS n FROM diary_entries, json_each(diary_entries.people) j
             GROUP BY j.value ORDER BY n DESC, j.value LIMIT 100",
            &[],
        )?,
    })
}

/// Every entry, oldest day first (export).
pub fn all_entries(conn: &Connection) -> rusqlite::Result<Vec<Entry>> {
    conn.prepare_cached(&format!(
        "SELECT {ENTRY_COLUMNS} FROM diary_entries ORDER BY day, id"
    ))?
    .query_map([], entry_from_row)?
    .collect()
}

/// Every moment with its sources, oldest day first (export).
pub fn all_moments(conn: &Connection) -> rusqlite::Result<Vec<Moment>> {
    let found: Vec<Moment> = conn
        .prepare_cached(&format!(
            "SELECT {} FROM moments ORDER BY day, id",
            moments::COLUMNS
        ))?
        .query_map([], moments::from_row)?
        .collect::<rusqlite::Result<_>>()?;
    found
        .into_iter()
        .map(|m| moments::with_sources(conn, m))
        .collect()
}

/// A day's place in the once-a-day rule (export).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct DayRecord {
    pub day: String,
    pub state: DayState,
    pub reason: Option<String>,
    pub updated_at: i64,
}

pub fn all_days(conn: &Connection) -> rusqlite::Result<Vec<DayRecord>> {
    conn.prepare_cached("SELECT day, state, reason, updated_at FROM diary_days ORDER BY day")?
        .query_map([], |r| {
            Ok(DayRecord {
                day: r.get(0)?,
                state: match r.get::<_, String>(1)?.as_str() {
                    "written" => DayState::Written,
                    _ => DayState::Pending,
                },
                reason: r.get(2)?,
                updated_at: r.get(3)?,
            })
        })?
        .collect()
}

pub fn restore_day(conn: &Connection, d: &DayRecord) -> rusqlite::Result<()> {
    set_day(conn, &d.day, d.state, d.reason.as_deref(), d.updated_at)
}

/// Whether the diary holds nothing (no entry, no moment).
pub fn is_empty(conn: &Connection) -> rusqlite::Result<bool> {
    conn.query_row(
        "SELECT NOT EXISTS (SELECT 1 FROM diary_entries) AND NOT EXISTS (SELECT 1 FROM moments)",
        [],
        |r| r.get(0),
    )
}
