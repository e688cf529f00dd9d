//! People and their dates, letters, and every version of a letter.

use rusqlite::{Connection, OptionalExtension, Row, params};
use serde::{Deserialize, Serialize};

use crate::letters::paper::{HandFont, PaperStyle};

/// A date that comes back each year.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct PersonDate {
    /// "Birthday", "Anniversary", or the user's own word.
    pub label: String,
    pub month: u8,
    pub day: u8,
    /// When known (the year of birth, of the wedding).
    pub year: Option<i32>,
}

/// Someone the user writes to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct Person {
    pub id: i64,
    pub name: String,
    pub relationship: String,
    pub notes: String,
    pub dates: Vec<PersonDate>,
}

/// A person as the user writes them down.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct PersonDraft {
    pub name: String,
    pub relationship: String,
    pub notes: String,
    pub dates: Vec<PersonDate>,
}

/// How long a letter should be.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub enum LetterLength {
    Short,
    #[default]
    Medium,
    Long,
}

impl LetterLength {
    pub fn id(self) -> &'static str {
        match self {
            LetterLength::Short => "short",
            LetterLength::Medium => "medium",
            LetterLength::Long => "long",
        }
    }

    pub fn parse(id: &str) -> LetterLength {
        match id {
            "short" => LetterLength::Short,
            "long" => LetterLength::Long,
            _ => LetterLength::Medium,
        }
    }
}

/// What a letter is to be: whom it is for, and what it must hold.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct LetterBrief {
    /// One of the people, or `None` for someone not among them.
    pub person_id: Option<i64>,
    /// The name written to ("Mum", "Chris and Ana").
    pub recipient: String,
    pub occasion: String,
    /// What the letter must carry.
    pub carry: String,
    /// Memories to weave in, as text.
    pub weave: Vec<String>,
    /// Tender, playful, grateful, consoling, formal… (the user's word).
    pub tone: String,
    pub length: LetterLength,
    pub signature: String,
}

/// One of the companion's questions, and what the user answered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct QuestionAnswer {
    pub question: String,
    pub answer: String,
}

/// A letter as kept.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct Letter {
    pub id: i64,
    #[serde(flatten)]
    pub brief: LetterBrief,
    pub answers: Vec<QuestionAnswer>,
    pub font: HandFont,
    pub paper: PaperStyle,
    /// The text on the desk now.
    pub body: String,
    pub created_at: i64,
    pub updated_at: i64,
    /// When the user said it was finished (`None` while it is a draft).
    pub finished_at: Option<i64>,
}

/// How a version came to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub enum VersionSource {
    /// The companion's first draft.
    Draft,
    /// The companion's revision, on the user's request.
    Revision,
    /// The user's own edit.
    Edit,
    /// An earlier version brought back.
    Restore,
}

impl VersionSource {
    fn id(self) -> &'static str {
        match self {
            VersionSource::Draft => "draft",
            VersionSource::Revision => "revision",
            VersionSource::Edit => "edit",
            VersionSource::Restore => "restore",
        }
    }

    fn parse(id: &str) -> VersionSource {
        match id {
            "revision" => VersionSource::Revision,
            "edit" => VersionSource::Edit,
            "restore" => VersionSource::Restore,
            _ => VersionSource::Draft,
        }
    }
}

/// Whether a version's words are all there.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub enum VersionStatus {
    Streaming,
    Complete,
    /// Stopped by the user, or cut by a crash: what came is kept.
    Partial,
    /// The model failed part way: what came is kept, with the reason.
    Error,
}

impl VersionStatus {
    fn id(self) -> &'static str {
        match self {
            VersionStatus::Streaming => "streaming",
            VersionStatus::Complete => "complete",
            VersionStatus::Partial => "partial",
            VersionStatus::Error => "error",
        }
    }

    fn parse(id: &str) -> VersionStatus {
        match id {
            "streaming" => VersionStatus::Streaming,
            "partial" => VersionStatus::Partial,
            "error" => VersionStatus::Error,
            _ => VersionStatus::Complete,
        }
    }
}

/// One version of a letter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct LetterVersion {
    pub id: i64,
    pub letter_id: i64,
    pub source: VersionSource,
    pub request: Option<String>,
    pub body: String,
    pub status: VersionStatus,
    pub error: Option<String>,
    pub created_at: i64,
}

/// Where something to weave into a letter comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub enum WeaveSource {
    Memory,
    Moment,
    Entry,
}

/// A letter in the list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct LetterSummary {
    pub id: i64,
    pub recipient: String,
    pub occasion: String,
    /// The first words of the text.
    pub opening: String,
    pub updated_at: i64,
    pub finished_at: Option<i64>,
}

// ---- people -------------------------------------------------------------

fn dates_of(conn: &Connection, person: i64) -> rusqlite::Result<Vec<PersonDate>> {
    let mut stmt = conn.prepare_cached(
        "SELECT label, month, day, year FROM person_dates WHERE person_id = ?1 ORDER BY month, day, id",
    )?;
    stmt.query_map([person], |r| {
        Ok(PersonDate {
            label: r.get(0)?,
            month: r.get(1)?,
            day: r.get(2)?,
            year: r.get(3)?,
        })
    })?
    .collect()
}

pub fn people(conn: &Connection) -> rusqlite::Result<Vec<Person>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, name, relationship, notes FROM people ORDER BY name COLLATE NOCASE, id",
    )?;
    let rows: Vec<(i64, String, String, String)> = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
        .collect::<rusqlite::Result<_>>()?;
    rows.into_iter()
        .map(|(id, name, relationship, notes)| {
            Ok(Person {
                id,
                name,
                relationship,
                notes,
                dates: dates_of(conn, id)?,
            })
        })
        .collect()
}

pub fn person(conn: &Connection, id: i64) -> rusqlite::Result<Option<Person>> {
    let found = conn
        .query_row(
            "SELECT name, relationship, notes FROM people WHERE id = ?1",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    found
        .map(|(name, relationship, notes)| {
            Ok(Person {
                id,
                name,
                relationship,
                notes,
                dates: dates_of(conn, id)?,
            })
        })
        .transpose()
}

/// Adds a person (`id` `None`) or replaces one's details and dates. Returns
/// the id, or `None` when `id` names no one.
pub fn save_person(
    conn: &mut Connection,
    id: Option<i64>,
    draft: &PersonDraft,
    at: i64,
) -> rusqlite::Result<Option<i64>> {
    let tx = conn.transaction()?;
    let id = match id {
        None => {
            tx.execute(
                "INSERT INTO people (name, relationship, notes, created_at, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?4)",
                params![draft.name, draft.relationship, draft.notes, at],
            )?;
            tx.last_insert_rowid()
        }
        Some(id) => {
            let changed = tx.execute(
                "UPDATE people SET name = ?2, relationship = ?3, notes = ?4, updated_at = ?5
                 WHERE id = ?1",
                params![id, draft.name, draft.relationship, draft.notes, at],
            )?;
            if changed == 0 {
                return Ok(None);
            }
            tx.execute("DELETE FROM person_dates WHERE person_id = ?1", [id])?;
            id
        }
    };
    for d in &draft.dates {
        tx.execute(
            "INSERT INTO person_dates (person_id, label, month, day, year) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![id, d.label, d.month, d.day, d.year],
        )?;
    }
    tx.commit()?;
    Ok(Some(id))
}

pub fn delete_person(conn: &Connection, id: i64) -> rusqlite::Result<bool> {
    Ok(conn.execute("DELETE FROM people WHERE id = ?1", [id])? > 0)
}

// ---- letters ------------------------------------------------------------

const LETTER_COLUMNS: &str = "id, person_id, recipient, occasion, carry, weave, tone, length, \
     signature, answers, font, paper, body, created_at, updated_at, finished_at";

fn letter_from_row(r: &Row<'_>) -> rusqlite::Result<Letter> {
    let weave: String = r.get(5)?;
    let answers: String = r.get(9)?;
    Ok(Letter {
        id: r.get(0)?,
        brief: LetterBrief {
            person_id: r.get(1)?,
            recipient: r.get(2)?,
            occasion: r.get(3)?,
            carry: r.get(4)?,
            weave: serde_json::from_str(&weave).unwrap_or_default(),
            tone: r.get(6)?,
            length: LetterLength::parse(&r.get::<_, String>(7)?),
            signature: r.get(8)?,
        },
        answers: serde_json::from_str(&answers).unwrap_or_default(),
        font: HandFont::parse(&r.get::<_, String>(10)?),
        paper: PaperStyle::parse(&r.get::<_, String>(11)?),
        body: r.get(12)?,
        created_at: r.get(13)?,
        updated_at: r.get(14)?,
        finished_at: r.get(15)?,
    })
}

fn json(value: &impl Serialize) -> String {
    serde_json::to_string(value).unwrap_or_else(|_| "[]".into())
}

pub fn insert_letter(conn: &Connection, brief: &LetterBrief, at: i64) -> rusqlite::Result<i64> {
    conn.execute(
        "INSERT INTO letters (person_id, recipient, occasion, carry, weave, tone, length, signature,
                              created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9)",
        params![
            brief.person_id,
            brief.recipient,
            brief.occasion,
            brief.carry,
            json(&brief.weave),
            brief.tone,
            brief.length.id(),
            brief.signature,
            at
        ],
    )?;
    Ok(conn.last_insert_rowid())
}

pub fn update_brief(
    conn: &Connection,
    id: i64,
    brief: &LetterBrief,
    at: i64,
) -> rusqlite::Result<bool> {
    Ok(conn.execute(
        "UPDATE letters SET person_id = ?2, recipient = ?3, occasion = ?4, carry = ?5, weave = ?6,
                tone = ?7, length = ?8, signature = ?9, updated_at = ?10
         WHERE id = ?1",
        params![
            id,
            brief.person_id,
            brief.recipient,
            brief.occasion,
            brief.carry,
            json(&brief.weave),
            brief.tone,
            brief.length.id(),
            brief.signature,
            at
        ],
    )? > 0)
}

pub fn letter(conn: &Connection, id: i64) -> rusqlite::Result<Option<Letter>> {
    conn.query_row(
        &format!("SELECT {LETTER_COLUMNS} FROM letters WHERE id = ?1"),
        [id],
        letter_from_row,
    )
    .optional()
}

/// The letters, the most recently touched first.
pub fn letters(conn: &Connection) -> rusqlite::Result<Vec<LetterSummary>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, recipient, occasion, substr(body, 1, 200), updated_at, finished_at FROM letters
         ORDER BY updated_at DESC, id DESC",
    )?;
    stmt.query_map([], |r| {
        let body: String = r.get(3)?;
        Ok(LetterSummary {
            id: r.get(0)?,
            recipient: r.get(1)?,
            occasion: r.get(2)?,
            opening: body
                .split_whitespace()
                .take(12)
                .collect::<Vec<_>>()
                .join(" "),
            updated_at: r.get(4)?,
            finished_at: r.get(5)?,
        })
    })?
    .collect()
}

/// Marks a letter finished at `at`, or a draft again (`None`).
pub fn set_finished(conn: &Connection, id: i64, at: Option<i64>) -> rusqlite::Result<bool> {
    Ok(conn.execute(
        "UPDATE letters SET finished_at = ?2 WHERE id = ?1",
        params![id, at],
    )? > 0)
}

/// The diary's moment for a finished letter: written on `day`, or moved
/// there with new words when the letter is finished again.
pub fn keep_letter_moment(
    conn: &Connection,
    letter_id: i64,
    day: &str,
    title: &str,
    body: &str,
    at: i64,
) -> rusqlite::Result<i64> {
    conn.query_row(
        "INSERT INTO moments (day, title, body, tags, created_at, updated_at, letter_id)
         VALUES (?2, ?3, ?4, '[\"letter\"]', ?5, ?5, ?1)
         ON CONFLICT (letter_id) WHERE letter_id IS NOT NULL
         DO UPDATE SET day = excluded.day, title = excluded.title, body = excluded.body,
                       created_at = excluded.created_at, updated_at = excluded.updated_at
         RETURNING id",
        params![letter_id, day, title, body, at],
        |r| r.get(0),
    )
}

/// Takes a letter's moment out of the diary (it is a draft again).
pub fn release_letter_moment(conn: &Connection, letter_id: i64) -> rusqlite::Result<usize> {
    conn.execute("DELETE FROM moments WHERE letter_id = ?1", [letter_id])
}

/// Whether the occurrence of a person's date on `occurs` (YYYY-MM-DD) was
/// mentioned in conversation already.
pub fn date_mentioned(
    conn: &Connection,
    person_id: i64,
    label: &str,
    occurs: &str,
) -> rusqlite::Result<bool> {
    conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM dates_mentioned WHERE person_id = ?1 AND label = ?2 AND occurs = ?3)",
        params![person_id, label, occurs],
        |r| r.get(0),
    )
}

/// Notes that the occurrence of a person's date was mentioned.
pub fn mark_date_mentioned(
    conn: &Connection,
    person_id: i64,
    label: &str,
    occurs: &str,
) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT OR IGNORE INTO dates_mentioned (person_id, label, occurs) VALUES (?1, ?2, ?3)",
        params![person_id, label, occurs],
    )
    .map(|_| ())
}

/// Moments and diary entries that name `who` (all of them when `who` is
/// empty), favourites first, then the newest: as the words a letter can
/// weave in, "Title, 12 June 2026: “…”".
pub fn diary_mentions(
    conn: &Connection,
    who: &str,
    most: usize,
) -> rusqlite::Result<Vec<(WeaveSource, String)>> {
    let mut out = Vec::new();
    for (source, sql) in [
        (
            WeaveSource::Moment,
            "SELECT title, body, day FROM moments
             WHERE letter_id IS NULL
               AND (?1 = '' OR instr(lower(title || ' ' || body || ' ' || reflection), lower(?1)) > 0)
             ORDER BY favourite DESC, day DESC, id DESC LIMIT ?2",
        ),
        (
            WeaveSource::Entry,
            "SELECT title, body, day FROM diary_entries
             WHERE ?1 = '' OR instr(lower(title || ' ' || body || ' ' || people), lower(?1)) > 0
             ORDER BY favourite DESC, day DESC LIMIT ?2",
        ),
    ] {
        let mut stmt = conn.prepare_cached(sql)?;
        let rows = stmt.query_map(params![who, most as i64], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
            ))
        })?;
        for row in rows {
            let (title, body, day) = row?;
            let day = chrono::NaiveDate::parse_from_str(&day, "%Y-%m-%d")
                .map(|d| d.format("%-d %B %Y").to_string())
                .unwrap_or(day);
            let words: Vec<&str> = body.split_whitespace().collect();
            let mut said = words[..words.len().min(30)].join(" ");
            if words.len() > 30 {
                said.push('…');
            }
            let title = title.trim();
            let text = if title.is_empty() {
                format!("{day}: “{said}”")
            } else {
                format!("{title}, {day}: “{said}”")
            };
            out.push((source, text));
        }
    }
    Ok(out)
}

pub fn delete_letter(conn: &Connection, id: i64) -> rusqlite::Result<bool> {
    Ok(conn.execute("DELETE FROM letters WHERE id = ?1", [id])? > 0)
}

pub fn set_answers(
    conn: &Connection,
    id: i64,
    answers: &[QuestionAnswer],
) -> rusqlite::Result<bool> {
    Ok(conn.execute(
        "UPDATE letters SET answers = ?2 WHERE id = ?1",
        params![id, json(&answers)],
    )? > 0)
}

/// Saves the text on the desk (the autosave of what the user types).
pub fn set_body(conn: &Connection, id: i64, body: &str, at: i64) -> rusqlite::Result<bool> {
    Ok(conn.execute(
        "UPDATE letters SET body = ?2, updated_at = ?3 WHERE id = ?1",
        params![id, body, at],
    )? > 0)
}

pub fn set_style(
    conn: &Connection,
    id: i64,
    font: HandFont,
    paper: PaperStyle,
) -> rusqlite::Result<bool> {
    Ok(conn.execute(
        "UPDATE letters SET font = ?2, paper = ?3 WHERE id = ?1",
        params![id, font.id(), paper.id()],
    )? > 0)
}

// ---- versions -----------------------------------------------------------

const VERSION_COLUMNS: &str = "id, letter_id, source, request, body, status, error, created_at";

fn version_from_row(r: &Row<'_>) -> rusqlite::Result<LetterVersion> {
    Ok(LetterVersion {
        id: r.get(0)?,
        letter_id: r.get(1)?,
        source: VersionSource::parse(&r.get::<_, String>(2)?),
        request: r.get(3)?,
        body: r.get(4)?,
        status: VersionStatus::parse(&r.get::<_, String>(5)?),
        error: r.get(6)?,
        created_at: r.get(7)?,
    })
}

pub fn insert_version(
    conn: &Connection,
    letter_id: i64,
    source: VersionSource,
    request: Option<&str>,
    body: &str,
    status: VersionStatus,
    at: i64,
) -> rusqlite::Result<LetterVersion> {
    conn.execute(
        "INSERT INTO letter_versions (letter_id, source, request, body, status, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![letter_id, source.id(), request, body, status.id(), at],
    )?;
    let id = conn.last_insert_rowid();
    Ok(LetterVersion {
        id,
        letter_id,
        source,
        request: request.map(str::to_owned),
        body: body.to_owned(),
        status,
        error: None,
        created_at: at,
    })
}

/// Writes a version's words and status (as it streams, and when it ends);
/// a version with words also becomes the text on the desk.
pub fn update_version(
    conn: &Connection,
    id: i64,
    body: &str,
    status: VersionStatus,
    error: Option<&str>,
    at: i64,
) -> rusqlite::Result<()> {
    conn.execute(
        "UPDATE letter_versions SET body = ?2, status = ?3, error = ?4 WHERE id = ?1",
        params![id, body, status.id(), error],
    )?;
    if !body.trim().is_empty() {
        conn.execute(
            "UPDATE letters SET body = ?2, updated_at = ?3
             WHERE id = (SELECT letter_id FROM letter_versions WHERE id = ?1)",
            params![id, body, at],
        )?;
    }
    Ok(())
}

pub fn delete_version(conn: &Connection, id: i64) -> rusqlite::Result<bool> {
    Ok(conn.execute("DELETE FROM letter_versions WHERE id = ?1", [id])? > 0)
}

pub fn version(conn: &Connection, id: i64) -> rusqlite::Result<Option<LetterVersion>> {
    conn.query_row(
        &format!("SELECT {VERSION_COLUMNS} FROM letter_versions WHERE id = ?1"),
        [id],
        version_from_row,
    )
    .optional()
}

/// A letter's versions, oldest first.
pub fn versions(conn: &Connection, letter_id: i64) -> rusqlite::Result<Vec<LetterVersion>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {VERSION_COLUMNS} FROM letter_versions WHERE letter_id = ?1 ORDER BY id"
    ))?;
    stmt.query_map([letter_id], version_from_row)?.collect()
}

/// The newest version that has words, if any.
pub fn latest_version(
    conn: &Connection,
    letter_id: i64,
) -> rusqlite::Result<Option<LetterVersion>> {
    conn.query_row(
        &format!(
            "SELECT {VERSION_COLUMNS} FROM letter_versions WHERE letter_id = ?1 AND body != ''
             ORDER BY id DESC LIMIT 1"
        ),
        [letter_id],
        version_from_row,
    )
    .optional()
}

/// Whether a version of the letter is being written now.
pub fn is_streaming(conn: &Connection, letter_id: i64) -> rusqlite::Result<bool> {
    conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM letter_versions WHERE letter_id = ?1 AND status = 'streaming')",
        [letter_id],
        |r| r.get(0),
    )
}

/// Marks drafts left streaming by a run that died as partial (their words
/// were saved as they came). Returns how many.
pub fn mark_interrupted(conn: &Connection) -> rusqlite::Result<usize> {
    conn.execute(
        "UPDATE letter_versions SET status = 'partial' WHERE status = 'streaming'",
        [],
    )
}
