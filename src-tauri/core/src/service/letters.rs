//! Letters: people and their dates, the desk (drafts streamed from the
//! companion, revisions, the user's edits, versions, restore, diffs), and
//! the letter on paper (the layout the preview draws, a PDF, a book).

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::Serialize;

use crate::error::{AppError, ErrorCode};
use crate::generation::StreamEvent;
use crate::letters::paper::{self, BookLetter, HandFont, Layout, PaperStyle};
use crate::letters::{self, DiffPart, PersonSuggestion, UpcomingDate};
use crate::providers::ProviderErrorKind;
use crate::store::letters::{
    self as store, Letter, LetterBrief, LetterSummary, LetterVersion, Person, PersonDraft,
    QuestionAnswer, VersionSource, VersionStatus, WeaveSource,
};
use crate::store::{memories, now_ms, persona};

use super::{Hearth, blocking};

/// How often the words of a streaming draft are saved.
const SAVE_EVERY: Duration = Duration::from_millis(500);

/// A letter on the desk: the letter, whom it is for, and every version.
#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct LetterDesk {
    pub letter: Letter,
    pub person: Option<Person>,
    pub versions: Vec<LetterVersion>,
}

/// A draft or revision that has begun: its version, and the id to stop it with.
#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct StartedDraft {
    pub version: LetterVersion,
    pub stream: u32,
}

/// What the companion is asked to write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Compose {
    /// The first draft (or another one), from the user's answers.
    Draft(Vec<QuestionAnswer>),
    /// A revision, asked for in plain words ("warmer", "shorter").
    Revise(String),
}

/// A PDF written.
#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct SavedPdf {
    pub path: String,
    pub pages: u32,
}

/// How far a book has come.
#[derive(Debug, Clone, Copy, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct BookProgress {
    pub done: u32,
    pub total: u32,
}

/// Something to weave into a letter: a memory, or a moment or day from the
/// diary, as the words the companion is given.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct WeaveChoice {
    pub source: WeaveSource,
    pub text: String,
}

/// How many of each kind are offered.
const WEAVE_MEMORIES: u32 = 6;
const WEAVE_DIARY: usize = 4;

fn not_found() -> AppError {
    AppError::invalid("That letter is no longer here.")
}

fn check_brief(brief: &LetterBrief) -> Result<LetterBrief, AppError> {
    let recipient = brief.recipient.trim();
    if recipient.is_empty() {
        return Err(AppError::invalid(
            "Who is the letter for? A name, or “you” if you'd rather not say.",
        ));
    }
    Ok(LetterBrief {
        person_id: brief.person_id,
        recipient: recipient.to_owned(),
        occasion: brief.occasion.trim().to_owned(),
        carry: brief.carry.trim().to_owned(),
        weave: brief
            .weave
            .iter()
            .map(|w| w.trim().to_owned())
            .filter(|w| !w.is_empty())
            .collect(),
        tone: brief.tone.trim().to_owned(),
        length: brief.length,
        signature: brief.signature.trim_end().to_owned(),
    })
}

fn check_body(body: &str) -> Result<(), AppError> {
    if body.len() > letters::MAX_LETTER_BYTES {
        return Err(AppError::invalid(format!(
            "This letter is longer than Hearth keeps ({} KB); split it in two.",
            letters::MAX_LETTER_BYTES / 1000
        )));
    }
    Ok(())
}

/// Keeps the text on the desk as a version when it differs from the newest
/// one (the user's own edit).
fn keep_edit_in(
    conn: &rusqlite::Connection,
    letter: &Letter,
) -> rusqlite::Result<Option<LetterVersion>> {
    if letter.body.trim().is_empty() {
        return Ok(None);
    }
    let latest = store::latest_version(conn, letter.id)?;
    if latest.is_some_and(|v| v.body == letter.body) {
        return Ok(None);
    }
    store::insert_version(
        conn,
        letter.id,
        VersionSource::Edit,
        None,
        &letter.body,
        VersionStatus::Complete,
        now_ms(),
    )
    .map(Some)
}

/// Makes sure a draft task that ends in any way leaves no version streaming
/// and no stream registered.
struct DraftEnds {
    hearth: Arc<Hearth>,
    stream: u32,
    version: i64,
}

impl Drop for DraftEnds {
    fn drop(&mut self) {
        self.hearth.streams.finish(self.stream);
        if let Ok(store) = self.hearth.store() {
            let id = self.version;
            let _ = store.with(|c| {
                c.execute(
                    "UPDATE letter_versions SET status = 'partial' WHERE id = ?1 AND status = 'streaming'",
                    [id],
                )
            });
        }
    }
}

/// Writes `bytes` to `path` whole or not at all (a temporary file beside it,
/// renamed), so a failure never leaves half a PDF.
fn write_whole(path: &Path, bytes: &[u8]) -> Result<(), AppError> {
    let fail = |e: std::io::Error| AppError {
        code: ErrorCode::Io,
        message: format!("The PDF could not be saved at {}: {e}", path.display()),
    };
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let tmp = dir.join(format!(
        ".{}.part",
        path.file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("letter.pdf")
    ));
    std::fs::write(&tmp, bytes).map_err(fail)?;
    std::fs::rename(&tmp, path).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        fail(e)
    })
}

/// `path` with a `.pdf` ending.
fn pdf_path(path: &str) -> Result<PathBuf, AppError> {
    let path = PathBuf::from(path.trim());
    if path.as_os_str().is_empty() {
        return Err(AppError::invalid("Choose where to save the PDF."));
    }
    let is_pdf = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("pdf"));
    Ok(if is_pdf {
        path
    } else {
        path.with_extension("pdf")
    })
}

fn title_of(letter: &Letter) -> String {
    match letter.brief.occasion.trim() {
        "" => format!("To {}", letter.brief.recipient),
        occasion => format!("To {} — {occasion}", letter.brief.recipient),
    }
}

impl Hearth {
    // ---- people -------------------------------------------------------

    pub async fn people(&self) -> Result<Vec<Person>, AppError> {
        self.journal(|s| s.with(|c| store::people(c))).await
    }

    /// Adds a person (`id` `None`) or saves one's changes.
    pub async fn save_person(
        &self,
        id: Option<i64>,
        draft: PersonDraft,
    ) -> Result<Person, AppError> {
        let draft = letters::check_person(&draft)?;
        self.journal(move |s| {
            s.run(|c| {
                let id = store::save_person(c, id, &draft, now_ms())?
                    .ok_or_else(|| AppError::invalid("That person is no longer here."))?;
                store::person(c, id)?
                    .ok_or_else(|| AppError::invalid("That person is no longer here."))
            })
        })
        .await
    }

    /// Removes a person; their letters stay, addressed by name.
    pub async fn delete_person(&self, id: i64) -> Result<bool, AppError> {
        let deleted = self
            .journal(move |s| s.with(|c| store::delete_person(c, id)))
            .await?;
        self.forget_traces().await;
        Ok(deleted)
    }

    /// People the companion has heard of (memories of people and dates) who
    /// are not among the people yet.
    pub async fn person_suggestions(&self) -> Result<Vec<PersonSuggestion>, AppError> {
        self.journal(|s| {
            s.with(|c| {
                let people = store::people(c)?;
                let memories = memories::list(c, None, 500)?;
                Ok(letters::suggest_people(&memories, &people))
            })
        })
        .await
    }

    /// The people's dates falling in the next `days` days (today included),
    /// soonest first.
    pub async fn upcoming_dates(&self, days: u32) -> Result<Vec<UpcomingDate>, AppError> {
        let today = chrono::Local::now().date_naive();
        self.journal(move |s| {
            s.with(|c| Ok(letters::upcoming_dates(&store::people(c)?, today, days)))
        })
        .await
    }

    // ---- letters ------------------------------------------------------

    pub async fn letters(&self) -> Result<Vec<LetterSummary>, AppError> {
        self.journal(|s| s.with(|c| store::letters(c))).await
    }

    /// Starts a letter from what it is to be.
    pub async fn create_letter(&self, brief: LetterBrief) -> Result<LetterDesk, AppError> {
        let brief = check_brief(&brief)?;
        let id = self
            .journal(move |s| s.with(|c| store::insert_letter(c, &brief, now_ms())))
            .await?;
        self.letter_desk(id).await
    }

    /// Changes what a letter is to be (not its text).
    pub async fn update_letter_brief(
        &self,
        id: i64,
        brief: LetterBrief,
    ) -> Result<LetterDesk, AppError> {
        let brief = check_brief(&brief)?;
        let found = self
            .journal(move |s| s.with(|c| store::update_brief(c, id, &brief, now_ms())))
            .await?;
        if !found {
            return Err(not_found());
        }
        self.letter_desk(id).await
    }

    pub async fn letter_desk(&self, id: i64) -> Result<LetterDesk, AppError> {
        self.journal(move |s| {
            s.run(|c| {
                let letter = store::letter(c, id)?.ok_or_else(not_found)?;
                let person = match letter.brief.person_id {
                    Some(p) => store::person(c, p)?,
                    None => None,
                };
                let versions = store::versions(c, id)?;
                Ok(LetterDesk {
                    letter,
                    person,
                    versions,
                })
            })
        })
        .await
    }

    /// Marks a letter finished, or a draft again. Finished: the text on the
    /// desk is kept as a version, and the diary records the day with a
    /// moment that opens the letter (moved to the new day if the letter is
    /// finished again). A draft again: that moment leaves the diary.
    pub async fn finish_letter(&self, id: i64, finished: bool) -> Result<LetterDesk, AppError> {
        let user = self
            .persona()
            .await?
            .map(|p| p.user_name.trim().to_owned())
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| "You".to_owned());
        let now = chrono::Local::now();
        let day = now.format("%Y-%m-%d").to_string();
        self.journal(move |s| {
            s.run(|c| {
                let tx = c.transaction()?;
                let letter = store::letter(&tx, id)?.ok_or_else(not_found)?;
                if !finished {
                    store::set_finished(&tx, id, None)?;
                    store::release_letter_moment(&tx, id)?;
                    tx.commit()?;
                    return Ok(());
                }
                if store::is_streaming(&tx, id)? {
                    return Err(AppError::invalid(
                        "The companion is still writing: let it finish, or stop it, first.",
                    ));
                }
                if letter.body.trim().is_empty() {
                    return Err(AppError::invalid(
                        "There is nothing on the desk yet: write a few words first.",
                    ));
                }
                keep_edit_in(&tx, &letter)?;
                let at = now.timestamp_millis();
                store::set_finished(&tx, id, Some(at))?;
                let (title, body) = letters::finished_moment(&user, &letter);
                store::keep_letter_moment(&tx, id, &day, &title, &body, at)?;
                tx.commit()?;
                Ok(())
            })
        })
        .await?;
        if !finished {
            self.forget_traces().await;
        }
        self.queue(&crate::jobs::Job::Embed);
        self.letter_desk(id).await
    }

    /// What could be woven into a letter to `recipient`: memories, then
    /// moments and diary entries, that mention them (the favourite and most
    /// important first); with no one named, the most important and the
    /// favourite ones.
    pub async fn weave_choices(&self, recipient: String) -> Result<Vec<WeaveChoice>, AppError> {
        let who = recipient.trim().to_owned();
        self.journal(move |s| {
            s.with(|c| {
                let filter = (!who.is_empty()).then_some(who.as_str());
                let mut out: Vec<WeaveChoice> = memories::list(c, filter, WEAVE_MEMORIES)?
                    .into_iter()
                    .map(|m| WeaveChoice {
                        source: WeaveSource::Memory,
                        text: m.text,
                    })
                    .collect();
                for (source, text) in store::diary_mentions(c, &who, WEAVE_DIARY)? {
                    out.push(WeaveChoice { source, text });
                }
                Ok(out)
            })
        })
        .await
    }

    /// Deletes a letter and all its versions; their words leave every file.
    pub async fn delete_letter(&self, id: i64) -> Result<bool, AppError> {
        let deleted = self
            .journal(move |s| s.with(|c| store::delete_letter(c, id)))
            .await?;
        self.forget_traces().await;
        Ok(deleted)
    }

    /// Saves the text on the desk as the user types (called on each pause).
    pub async fn save_letter_text(&self, id: i64, body: String) -> Result<(), AppError> {
        check_body(&body)?;
        let found = self
            .journal(move |s| s.with(|c| store::set_body(c, id, &body, now_ms())))
            .await?;
        if found { Ok(()) } else { Err(not_found()) }
    }

    /// Keeps the text on the desk as a version of its own, when it differs
    /// from the newest one (the user's edit). Returns the version made.
    pub async fn keep_letter_edit(&self, id: i64) -> Result<Option<LetterVersion>, AppError> {
        self.journal(move |s| {
            s.run(|c| {
                let letter = store::letter(c, id)?.ok_or_else(not_found)?;
                Ok(keep_edit_in(c, &letter)?)
            })
        })
        .await
    }

    /// Brings back an earlier version as the newest (the text on the desk is
    /// kept first, if it was the user's own).
    pub async fn restore_letter_version(&self, version_id: i64) -> Result<LetterDesk, AppError> {
        let letter_id = self
            .journal(move |s| {
                s.run(|c| {
                    let tx = c.transaction()?;
                    let old = store::version(&tx, version_id)?
                        .ok_or_else(|| AppError::invalid("That version is no longer here."))?;
                    if store::is_streaming(&tx, old.letter_id)? {
                        return Err(AppError::invalid(
                            "The companion is still writing; wait for it, or stop it first.",
                        ));
                    }
                    let letter = store::letter(&tx, old.letter_id)?.ok_or_else(not_found)?;
                    keep_edit_in(&tx, &letter)?;
                    let now = now_ms();
                    let restored = store::insert_version(
                        &tx,
                        old.letter_id,
                        VersionSource::Restore,
                        None,
                        &old.body,
                        VersionStatus::Complete,
                        now,
                    )?;
                    store::update_version(
                        &tx,
                        restored.id,
                        &old.body,
                        VersionStatus::Complete,
                        None,
                        now,
                    )?;
                    tx.commit()?;
                    Ok(old.letter_id)
                })
            })
            .await?;
        self.letter_desk(letter_id).await
    }

    /// A word-level diff between two versions (`old` to `new`).
    pub async fn diff_letter_versions(
        &self,
        old: i64,
        new: i64,
    ) -> Result<Vec<DiffPart>, AppError> {
        let (a, b) = self
            .journal(move |s| {
                s.run(|c| {
                    let gone = || AppError::invalid("That version is no longer here.");
                    let a = store::version(c, old)?.ok_or_else(gone)?;
                    let b = store::version(c, new)?.ok_or_else(gone)?;
                    Ok((a.body, b.body))
                })
            })
            .await?;
        blocking(move || Ok(letters::diff(&a, &b))).await
    }

    /// The companion's one or two questions before the first draft.
    pub async fn letter_questions(&self, id: i64) -> Result<Vec<String>, AppError> {
        let (letter, person, persona) = self
            .journal(move |s| {
                s.run(|c| {
                    let letter = store::letter(c, id)?.ok_or_else(not_found)?;
                    let person = match letter.brief.person_id {
                        Some(p) => store::person(c, p)?,
                        None => None,
                    };
                    Ok((letter, person, persona::get(c)?))
                })
            })
            .await?;
        let active = self.active_model().await?;
        let _first = self
            .jobs
            .as_ref()
            .map(|j| j.reply_starts(active.model.is_in_process()));
        let request = letters::questions_request(&letter, person.as_ref(), persona.as_ref());
        let answer = active.model.answer(&request, &Default::default()).await?;
        Ok(letters::parse_questions(&answer, &letter.brief.recipient))
    }

    /// Starts a draft or a revision: a new version is stored at once, and
    /// the companion's words stream into it (and to `on_event`), saved as
    /// they come. A failure part way keeps what was written, marked.
    pub async fn compose_letter(
        self: &Arc<Self>,
        id: i64,
        compose: Compose,
        on_event: impl Fn(StreamEvent) + Send + Sync + 'static,
    ) -> Result<StartedDraft, AppError> {
        if let Compose::Revise(asked) = &compose
            && asked.trim().is_empty()
        {
            return Err(AppError::invalid(
                "Say how it should change: “warmer”, “shorter”, “add the summer at the lake”.",
            ));
        }
        let jobs = self.jobs.clone().ok_or_else(|| self.store().unwrap_err())?;
        let config = self.active_config().await?;
        let first = jobs.reply_starts(config.kind.is_in_process());
        let active = self.ready(config).await?;
        let model_name = active.model.config().model.clone();
        let (version, request) = self
            .journal(move |s| {
                s.run(|c| {
                    let tx = c.transaction()?;
                    let mut letter = store::letter(&tx, id)?.ok_or_else(not_found)?;
                    if store::is_streaming(&tx, id)? {
                        return Err(AppError::invalid(
                            "The companion is already writing this letter.",
                        ));
                    }
                    let person = match letter.brief.person_id {
                        Some(p) => store::person(&tx, p)?,
                        None => None,
                    };
                    let persona = persona::get(&tx)?;
                    let (source, asked, request) = match &compose {
                        Compose::Draft(answers) => {
                            let answers: Vec<QuestionAnswer> = answers
                                .iter()
                                .filter(|qa| !qa.question.trim().is_empty())
                                .cloned()
                                .collect();
                            store::set_answers(&tx, id, &answers)?;
                            letter.answers = answers;
                            keep_edit_in(&tx, &letter)?;
                            let request = letters::draft_request(&letter, person.as_ref(), persona.as_ref());
                            (VersionSource::Draft, None, request)
                        }
                        Compose::Revise(asked) => {
                            keep_edit_in(&tx, &letter)?;
                            if letter.body.trim().is_empty() {
                                return Err(AppError::invalid(
                                    "There is nothing to revise yet: ask for a draft, or write a few lines.",
                                ));
                            }
                            let request = letters::revision_request(
                                &letter,
                                person.as_ref(),
                                persona.as_ref(),
                                &letter.body,
                                asked,
                            );
                            (VersionSource::Revision, Some(asked.trim().to_owned()), request)
                        }
                    };
                    let version = store::insert_version(
                        &tx,
                        id,
                        source,
                        asked.as_deref(),
                        "",
                        VersionStatus::Streaming,
                        now_ms(),
                    )?;
                    tx.commit()?;
                    Ok((version, request))
                })
            })
            .await?;
        let (stream, cancel) = self.streams.start();
        let started = StartedDraft {
            version: version.clone(),
            stream,
        };
        let this = self.clone();
        let store = self.store()?;
        tokio::spawn(async move {
            let _ends = DraftEnds {
                hearth: this.clone(),
                stream,
                version: version.id,
            };
            on_event(StreamEvent::Started { model: model_name });
            let mut text = String::new();
            let mut saved_at: Option<Instant> = None;
            let mut on_piece = |piece: &str| {
                text.push_str(piece);
                if saved_at.is_none_or(|at| at.elapsed() >= SAVE_EVERY) && !text.trim().is_empty() {
                    saved_at = Some(Instant::now());
                    if let Err(e) = store.with(|c| {
                        store::update_version(
                            c,
                            version.id,
                            &text,
                            VersionStatus::Streaming,
                            None,
                            now_ms(),
                        )
                    }) {
                        tracing::warn!("could not save the draft so far: {e}");
                    }
                }
                on_event(StreamEvent::Delta {
                    text: piece.to_owned(),
                });
            };
            let outcome = active
                .model
                .stream_chat(&request, &cancel, &mut on_piece)
                .await;
            drop(first);
            let (status, words, usage, error) = match outcome {
                Ok(done) if done.text.trim().is_empty() => (
                    VersionStatus::Error,
                    done.text,
                    done.usage,
                    Some(AppError {
                        code: ErrorCode::Malformed,
                        message: "The model answered with nothing. Try again?".into(),
                    }),
                ),
                Ok(done) => (VersionStatus::Complete, done.text, done.usage, None),
                Err(f) if f.error.kind == ProviderErrorKind::Cancelled => {
                    (VersionStatus::Partial, f.partial, f.usage, None)
                }
                Err(f) => (
                    VersionStatus::Error,
                    f.partial,
                    f.usage,
                    Some(AppError::from(f.error)),
                ),
            };
            let words = words.trim().to_owned();
            let saved = store.with(|c| {
                if words.is_empty() {
                    // Nothing came: no empty version is left behind.
                    store::delete_version(c, version.id).map(|_| ())
                } else {
                    store::update_version(
                        c,
                        version.id,
                        &words,
                        status,
                        error.as_ref().map(|e| e.message.as_str()),
                        now_ms(),
                    )
                }
            });
            let event = match (error, saved) {
                (Some(error), _) => StreamEvent::Failed {
                    error,
                    partial: words,
                    message: None,
                },
                (None, Err(e)) => StreamEvent::Failed {
                    error: AppError {
                        code: ErrorCode::Database,
                        message: format!("The draft could not be saved: {e}"),
                    },
                    partial: words,
                    message: None,
                },
                (None, Ok(())) => StreamEvent::Done {
                    message: None,
                    usage,
                },
            };
            on_event(event);
        });
        Ok(started)
    }

    // ---- on paper -----------------------------------------------------

    /// Chooses the handwriting and the paper of a letter.
    pub async fn set_letter_style(
        &self,
        id: i64,
        font: HandFont,
        paper: PaperStyle,
    ) -> Result<(), AppError> {
        let found = self
            .journal(move |s| s.with(|c| store::set_style(c, id, font, paper)))
            .await?;
        if found { Ok(()) } else { Err(not_found()) }
    }

    /// The lines and pages of a text on paper, as the PDF will have them.
    pub async fn letter_layout(
        &self,
        body: String,
        signature: String,
        font: HandFont,
        paper: PaperStyle,
    ) -> Result<Layout, AppError> {
        check_body(&body)?;
        blocking(move || Ok(paper::layout(&body, &signature, font, paper))).await
    }

    /// The letter's text on the desk as a PDF.
    pub async fn letter_pdf(&self, id: i64) -> Result<(Vec<u8>, u32), AppError> {
        let letter = self.letter_desk(id).await?.letter;
        blocking(move || {
            let layout = paper::layout(
                &letter.body,
                &letter.brief.signature,
                letter.font,
                letter.paper,
            );
            let pages = layout.pages.len() as u32;
            Ok((paper::letter_pdf(&title_of(&letter), &layout)?, pages))
        })
        .await
    }

    /// Saves the letter as a PDF at `path` (`.pdf` added when missing).
    pub async fn export_letter_pdf(&self, id: i64, path: String) -> Result<SavedPdf, AppError> {
        let path = pdf_path(&path)?;
        let (bytes, pages) = self.letter_pdf(id).await?;
        let at = path.clone();
        blocking(move || write_whole(&at, &bytes)).await?;
        Ok(SavedPdf {
            path: path.to_string_lossy().into_owned(),
            pages,
        })
    }

    /// Writes the letter's PDF where the system's viewer can open it to
    /// print (the data folder's `print/`, readable by the user alone).
    pub async fn letter_print_copy(&self, id: i64) -> Result<SavedPdf, AppError> {
        let dir = self.data_dir.join("print");
        crate::store::private::folder(&dir).map_err(|e| AppError {
            code: ErrorCode::Io,
            message: format!("The folder for printing could not be made: {e}"),
        })?;
        self.export_letter_pdf(
            id,
            dir.join(format!("letter-{id}.pdf"))
                .to_string_lossy()
                .into_owned(),
        )
        .await
    }

    /// Binds the letters `ids` (in that order) into one PDF at `path`: a
    /// cover, a contents page, each letter from a new page, pages numbered.
    /// `on_progress` hears each letter laid down.
    pub async fn export_book(
        &self,
        ids: Vec<i64>,
        title: String,
        font: HandFont,
        paper: PaperStyle,
        path: String,
        on_progress: impl Fn(BookProgress) + Send + 'static,
    ) -> Result<SavedPdf, AppError> {
        if ids.is_empty() {
            return Err(AppError::invalid("Choose the letters to bind first."));
        }
        let path = pdf_path(&path)?;
        let (letters, persona) = self
            .journal(move |s| {
                s.run(|c| {
                    let mut out = Vec::with_capacity(ids.len());
                    for id in &ids {
                        out.push(store::letter(c, *id)?.ok_or_else(not_found)?);
                    }
                    Ok((out, persona::get(c)?))
                })
            })
            .await?;
        let at = path.clone();
        let pages = blocking(move || {
            let total = letters.len();
            let bound: Vec<BookLetter> = letters
                .iter()
                .map(|l| BookLetter {
                    heading: title_of(l),
                    layout: paper::layout(&l.body, &l.brief.signature, font, paper),
                })
                .collect();
            let title = match title.trim() {
                "" => "Letters".to_owned(),
                t => t.to_owned(),
            };
            let subtitle = persona
                .map(|p| p.user_name)
                .filter(|n| !n.trim().is_empty())
                .map_or_else(
                    || format!("{total} letters"),
                    |n| format!("{total} letters by {n}"),
                );
            let bytes = paper::book_pdf(
                &title,
                &subtitle,
                font,
                paper,
                &bound,
                &mut |done, total| {
                    on_progress(BookProgress {
                        done: done as u32,
                        total: total as u32,
                    })
                },
            )?;
            let pages = paper::book_page_count(&bound);
            write_whole(&at, &bytes)?;
            Ok(pages as u32)
        })
        .await?;
        Ok(SavedPdf {
            path: path.to_string_lossy().into_owned(),
            pages,
        })
    }
}
