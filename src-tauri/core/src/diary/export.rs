//! The diary taken out of Hearth and brought back: Markdown to read (one
//! file, or one file per month) and JSON that an empty journal imports
//! exactly as it was (entries, moments, the messages the moments were kept
//! from, and which days the companion has written about).

use std::path::{Path, PathBuf};

use rusqlite::{Connection, params};
use serde::{Deserialize, Serialize};

use crate::error::AppError;
use crate::store::diary::{self, DayRecord, Entry};
use crate::store::messages::{self, Message, MessageStatus, Role};
use crate::store::moments::Moment;

/// How the diary is exported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub enum ExportFormat {
    /// One Markdown file.
    Markdown,
    /// A folder with one Markdown file per month.
    MarkdownByMonth,
    /// One JSON file, for importing back.
    Json,
}

/// What the JSON export holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DiaryFile {
    pub format: String,
    pub version: u32,
    /// The companion's name when the diary was exported.
    pub companion: String,
    pub entries: Vec<Entry>,
    pub moments: Vec<Moment>,
    /// The messages the moments were kept from.
    pub messages: Vec<Message>,
    pub days: Vec<DayRecord>,
}

const FORMAT: &str = "hearth-diary";
const VERSION: u32 = 1;
/// The largest file import reads.
const LARGEST_IMPORT: u64 = 512 * 1024 * 1024;

/// What an import brought in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct Imported {
    pub entries: u32,
    pub moments: u32,
}

/// Reads the whole diary from the journal.
pub fn read(conn: &Connection, companion: &str) -> rusqlite::Result<DiaryFile> {
    let moments = diary::all_moments(conn)?;
    let mut ids: Vec<i64> = moments
        .iter()
        .flat_map(|m| m.source_message_ids.iter().copied())
        .collect();
    ids.sort_unstable();
    ids.dedup();
    let mut said = Vec::with_capacity(ids.len());
    for id in ids {
        said.extend(messages::get(conn, id)?);
    }
    Ok(DiaryFile {
        format: FORMAT.into(),
        version: VERSION,
        companion: companion.to_owned(),
        entries: diary::all_entries(conn)?,
        moments,
        messages: said,
        days: diary::all_days(conn)?,
    })
}

/// The JSON text of the diary.
pub fn to_json(file: &DiaryFile) -> String {
    let mut text = serde_json::to_string_pretty(file).expect("the diary serialises");
    text.push('\n');
    text
}

/// Writes the diary into `folder` as `format`; returns the files written.
/// Nothing is overwritten: a name already taken gets a number.
pub fn write(
    folder: &Path,
    format: ExportFormat,
    file: &DiaryFile,
) -> Result<Vec<PathBuf>, AppError> {
    if !folder.is_dir() {
        return Err(AppError::invalid(format!(
            "The folder {} does not exist; choose another.",
            folder.display()
        )));
    }
    let mut written = Vec::new();
    match format {
        ExportFormat::Json => {
            written.push(save(
                &free_name(folder, "hearth-diary", "json"),
                &to_json(file),
            )?);
        }
        ExportFormat::Markdown => {
            written.push(save(
                &free_name(folder, "hearth-diary", "md"),
                &markdown(file, None),
            )?);
        }
        ExportFormat::MarkdownByMonth => {
            let dir = free_name(folder, "hearth-diary", "");
            std::fs::create_dir(&dir).map_err(|e| io(&dir, e))?;
            for month in months(file) {
                let path = dir.join(format!("{month}.md"));
                written.push(save(&path, &markdown(file, Some(&month)))?);
            }
        }
    }
    Ok(written)
}

fn io(path: &Path, e: std::io::Error) -> AppError {
    AppError {
        code: crate::error::ErrorCode::Io,
        message: format!("Could not write {}: {e}", path.display()),
    }
}

fn free_name(folder: &Path, stem: &str, ext: &str) -> PathBuf {
    let name = |n: u32| {
        let stem = if n == 1 {
            stem.to_owned()
        } else {
            format!("{stem}-{n}")
        };
        if ext.is_empty() {
            stem
        } else {
            format!("{stem}.{ext}")
        }
    };
    (1..)
        .map(|n| folder.join(name(n)))
        .find(|p| !p.exists())
        .expect("a free name")
}

/// Writes `text` to a new file at `path`, readable by its owner alone.
fn save(path: &Path, text: &str) -> Result<PathBuf, AppError> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut f = options.open(path).map_err(|e| io(path, e))?;
    f.write_all(text.as_bytes()).map_err(|e| io(path, e))?;
    f.sync_all().map_err(|e| io(path, e))?;
    Ok(path.to_path_buf())
}

fn months(file: &DiaryFile) -> Vec<String> {
    let mut months: Vec<String> = file
        .entries
        .iter()
        .map(|e| e.day[..7].to_owned())
        .chain(file.moments.iter().map(|m| m.day[..7].to_owned()))
        .collect();
    months.sort();
    months.dedup();
    months
}

fn long_day(day: &str) -> String {
    chrono::NaiveDate::parse_from_str(day, "%Y-%m-%d")
        .map(|d| d.format("%A %-d %B %Y").to_string())
        .unwrap_or_else(|_| day.to_owned())
}

fn long_month(month: &str) -> String {
    chrono::NaiveDate::parse_from_str(&format!("{month}-01"), "%Y-%m-%d")
        .map(|d| d.format("%B %Y").to_string())
        .unwrap_or_else(|_| month.to_owned())
}

/// The diary (or one month of it, `YYYY-MM`) as Markdown, oldest day first.
pub fn markdown(file: &DiaryFile, month: Option<&str>) -> String {
    let in_month = |day: &str| month.is_none_or(|m| day.starts_with(m));
    let mut days: Vec<&str> = file
        .entries
        .iter()
        .map(|e| e.day.as_str())
        .chain(file.moments.iter().map(|m| m.day.as_str()))
        .filter(|d| in_month(d))
        .collect();
    days.sort_unstable();
    days.dedup();
    let mut out = match month {
        Some(m) => format!("# Diary: {}\n\n", long_month(m)),
        None => "# Diary\n\n".to_owned(),
    };
    out.push_str(&format!(
        "_Kept in Hearth. The entries and reflections were written by {}, an AI companion; \
the moments were kept by you._\n",
        companion_or_default(&file.companion)
    ));
    let mut last_month = "";
    for day in days {
        if month.is_none() && &day[..7] != last_month {
            last_month = &day[..7];
            out.push_str(&format!("\n## {}\n", long_month(last_month)));
        }
        out.push_str(&format!("\n### {}\n", long_day(day)));
        for e in file.entries.iter().filter(|e| e.day == day) {
            out.push_str(&format!("\n#### {}{}\n\n", e.title, star(e.favourite)));
            let mut by = format!("Diary entry written by {}", written_by(e, &file.companion));
            if e.edited {
                by.push_str(", edited by you");
            }
            if !e.mood.is_empty() {
                by.push_str(&format!(" · mood: {}", e.mood));
            }
            out.push_str(&format!("_{by}_\n\n{}\n", e.body.trim_end()));
            facts(&mut out, "Tags", &e.tags);
            facts(&mut out, "People", &e.people);
        }
        for m in file.moments.iter().filter(|m| m.day == day) {
            out.push_str(&format!(
                "\n#### Moment: {}{}\n\n",
                m.title,
                star(m.favourite)
            ));
            for line in m.body.trim_end().lines() {
                out.push_str(&format!("> {line}\n"));
            }
            if !m.reflection.is_empty() {
                out.push_str(&format!(
                    "\n_{} reflected:_ {}\n",
                    companion_or_default(&file.companion),
                    m.reflection
                ));
            }
            facts(&mut out, "Tags", &m.tags);
        }
    }
    out
}

fn companion_or_default(name: &str) -> &str {
    match name.trim() {
        "" => "the companion",
        n => n,
    }
}

fn written_by<'a>(e: &'a Entry, companion: &'a str) -> &'a str {
    match e.written_by.trim() {
        "" => companion_or_default(companion),
        w => w,
    }
}

fn star(favourite: bool) -> &'static str {
    if favourite { " ★" } else { "" }
}

fn facts(out: &mut String, label: &str, names: &[String]) {
    if !names.is_empty() {
        out.push_str(&format!("\n{label}: {}\n", names.join(", ")));
    }
}

/// Reads a JSON export, or says plainly why it is not one.
pub fn parse(path: &Path) -> Result<DiaryFile, AppError> {
    let size = std::fs::metadata(path)
        .map_err(|e| AppError::invalid(format!("Could not open {}: {e}", path.display())))?
        .len();
    if size > LARGEST_IMPORT {
        return Err(AppError::invalid(format!(
            "{} is too large to be a diary export ({size} bytes).",
            path.display()
        )));
    }
    let text = std::fs::read_to_string(path)
        .map_err(|e| AppError::invalid(format!("Could not read {}: {e}", path.display())))?;
    let file: DiaryFile = serde_json::from_str(&text).map_err(|e| {
        AppError::invalid(format!(
            "{} is not a Hearth diary export ({e}).",
            path.display()
        ))
    })?;
    if file.format != FORMAT || file.version != VERSION {
        return Err(AppError::invalid(format!(
            "{} is not a Hearth diary export this version reads (format {:?}, version {}).",
            path.display(),
            file.format,
            file.version
        )));
    }
    Ok(file)
}

/// Brings an export into a journal whose diary is empty, exactly as it was:
/// the same ids, texts and times. A source message whose id is taken by
/// another message here is added under a new id.
pub fn import(conn: &mut Connection, file: &DiaryFile) -> Result<Imported, AppError> {
    let tx = conn.transaction()?;
    if !diary::is_empty(&tx)? {
        return Err(AppError::invalid(
            "The diary here already holds entries or moments; import into an empty journal.",
        ));
    }
    let mut moved = std::collections::HashMap::new();
    for m in &file.messages {
        let same: Option<String> = tx
            .query_row("SELECT content FROM messages WHERE id = ?1", [m.id], |r| {
                r.get(0)
            })
            .ok();
        let status = match m.status {
            MessageStatus::Streaming => MessageStatus::Partial,
            s => s,
        };
        match same {
            Some(text) if text == m.content => {}
            Some(_) => {
                let added = messages::insert_at(
                    &tx,
                    m.role,
                    &m.content,
                    status,
                    m.model.as_deref(),
                    m.created_at,
                )?;
                moved.insert(m.id, added.id);
            }
            None => {
                tx.execute(
                    "INSERT INTO messages (id, role, content, status, created_at, model, error)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                    params![
                        m.id,
                        if m.role == Role::User {
                            "user"
                        } else {
                            "assistant"
                        },
                        m.content,
                        match status {
                            MessageStatus::Complete => "complete",
                            MessageStatus::Error => "error",
                            _ => "partial",
                        },
                        m.created_at,
                        m.model,
                        m.error
                    ],
                )?;
            }
        }
    }
    for m in &file.moments {
        let mut m = m.clone();
        for id in &mut m.source_message_ids {
            if let Some(new) = moved.get(id) {
                *id = *new;
            }
        }
        diary::restore_moment(&tx, &m)?;
    }
    for e in &file.entries {
        if !diary::restore_entry(&tx, e)? {
            return Err(AppError::invalid(format!(
                "The export holds two entries for {}; nothing was imported.",
                e.day
            )));
        }
    }
    for d in &file.days {
        diary::restore_day(&tx, d)?;
    }
    tx.commit()?;
    Ok(Imported {
        entries: file.entries.len() as u32,
        moments: file.moments.len() as u32,
    })
}
