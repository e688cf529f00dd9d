//! The diary: moments the companion reflects on, the entry it writes for
//! each day the two talked (once, after the day is over: at the next start
//! or at local midnight), the views the Diary shows, search over everything,
//! and export and import.

use std::path::PathBuf;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use tokio_util::sync::CancellationToken;

use crate::companion::tokens;
use crate::diary::export::{self, ExportFormat, Imported};
use crate::diary::{self, Names, Refused};
use crate::error::AppError;
use crate::jobs::{Job, Outcome};
use crate::store::diary::{
    self as days, CalendarDay, DayState, Entry, EntryDraft, Facets, Filter, Item, MomentDraft,
};
use crate::store::messages::{self, Message, MessageStatus};
use crate::store::moments::{self, Moment};
use crate::store::now_ms;
use crate::store::search::{self, FoundGroup};

use super::Hearth;

/// How far back the companion catches up on days it has not written about
/// (an older day is written when the user asks).
const CATCH_UP_DAYS: i64 = 30;
/// The most messages of one day read for its entry.
const MOST_DAY_MESSAGES: u32 = 5_000;
const MOST_ITEMS: u32 = 500;
const RESULTS_PER_KIND: u32 = 20;

/// What is or was said on one day, for the Diary's reader.
#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct DiaryDay {
    pub day: String,
    pub entry: Option<Entry>,
    pub moments: Vec<Moment>,
    pub messages: Vec<Message>,
    /// The entry is still to be written (and why the last try failed).
    pub pending: bool,
    pub reason: Option<String>,
}

/// An entry or a moment, by id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(tag = "kind", content = "id", rename_all = "camelCase")]
pub enum ItemRef {
    Entry(i64),
    Moment(i64),
}

/// The offset of the user's local time from UTC, in minutes east.
fn local_offset() -> i32 {
    chrono::Local::now().offset().local_minus_utc() / 60
}

fn local_today() -> chrono::NaiveDate {
    chrono::Local::now().date_naive()
}

fn refused(e: Refused) -> AppError {
    AppError::invalid(e.0)
}

impl Hearth {
    /// Follows the diary's changes made in the background: the value counts
    /// them, and changes after each.
    pub fn watch_diary(&self) -> tokio::sync::watch::Receiver<u64> {
        self.diary_changes.subscribe()
    }

    fn diary_changed(&self) {
        self.diary_changes.send_modify(|n| *n += 1);
    }

    // ---- writing ---------------------------------------------------------

    /// Queues the entries of the days that are over and not written yet,
    /// and the moments still to be reflected on.
    pub async fn queue_diary(&self) {
        let offset = local_offset();
        let today = local_today();
        let since = today - chrono::Duration::days(CATCH_UP_DAYS);
        let (today, since) = (today.to_string(), since.to_string());
        let found = self
            .journal(move |s| {
                s.with(|c| {
                    Ok((
                        days::days_to_write(c, &today, &since, offset, now_ms())?,
                        days::moments_to_write(c)?,
                    ))
                })
            })
            .await;
        match found {
            Ok((to_write, to_reflect)) => {
                for day in to_write {
                    self.queue(&Job::WriteDay {
                        day,
                        offset_minutes: offset,
                    });
                }
                for moment_id in to_reflect {
                    self.queue(&Job::Reflect { moment_id });
                }
                self.diary_changed();
            }
            Err(e) => tracing::warn!("could not look for days to write about: {e}"),
        }
    }

    /// While Hearth runs, the day just over is written about after local
    /// midnight.
    pub(super) fn write_diary_at_midnight(self: Arc<Self>) {
        tokio::spawn(async move {
            loop {
                let now = chrono::Local::now();
                let next = (now.date_naive() + chrono::Duration::days(1))
                    .and_hms_opt(0, 0, 5)
                    .and_then(|t| t.and_local_timezone(chrono::Local).earliest());
                let wait = next
                    .map(|n| (n - now).to_std().unwrap_or_default())
                    .unwrap_or(std::time::Duration::from_secs(3_600));
                tokio::time::sleep(wait.max(std::time::Duration::from_secs(1))).await;
                self.queue_diary().await;
            }
        });
    }

    async fn names(&self) -> Result<Names, AppError> {
        let p = self.persona().await?;
        Ok(match p {
            Some(p) => Names {
                companion: p.companion_name,
                user: p.user_name,
                voice: p.voice,
            },
            None => Names {
                companion: "your companion".into(),
                user: String::new(),
                voice: String::new(),
            },
        })
    }

    /// The reflection job: a kept moment's title and reflection, in the
    /// companion's voice. A moment the user changed meanwhile is left as is.
    pub(super) async fn reflect_job(&self, id: i64, cancel: &CancellationToken) -> Outcome {
        let outcome = self.reflect_on(id, cancel).await;
        self.diary_changed();
        outcome
    }

    async fn reflect_on(&self, id: i64, cancel: &CancellationToken) -> Outcome {
        let found = self
            .journal(move |s| {
                s.with(|c| {
                    let Some(m) = moments::get(c, id)? else {
                        return Ok(None);
                    };
                    let mut kept = Vec::new();
                    for source in &m.source_message_ids {
                        kept.extend(messages::get(c, *source)?);
                    }
                    let first = m.source_message_ids.first().copied().unwrap_or(i64::MAX);
                    let before = messages::page(c, Some(first), 2)?;
                    Ok(Some((m, kept, before)))
                })
            })
            .await;
        let (moment, kept, before) = match found {
            Ok(Some(found)) if found.0.writing => found,
            Ok(_) => return Outcome::Done,
            Err(e) => return Outcome::Failed(e.message),
        };
        if kept.is_empty() {
            // Its messages are gone: the moment's own words are all there is.
            let _ = self
                .journal(move |s| {
                    s.with(|c| days::reflection_failed(c, id, "Its messages are gone."))
                })
                .await;
            return Outcome::Done;
        }
        let names = match self.names().await {
            Ok(n) => n,
            Err(e) => return Outcome::Failed(e.message),
        };
        let written = match self.active_model().await {
            Ok(active) if active.model.is_in_process() => {
                // A small model chooses among the kept words (diary::small).
                let offer = diary::small::Offer::new(&names, &kept);
                let answer = self.ask(&offer.reflection_request(), cancel).await;
                answer.and_then(|a| offer.read_reflection(&a).map_err(refused))
            }
            Ok(_) => {
                let request = diary::reflection_request(&names, &before, &kept);
                let answer = self.ask(&request, cancel).await;
                answer.and_then(|a| diary::parse_reflection(&a).map_err(refused))
            }
            Err(e) => Err(e),
        };
        match written {
            Ok(r) => {
                let saved = self
                    .journal(move |s| {
                        s.with(|c| {
                            days::save_reflection(c, id, &r.title, &r.reflection, &r.tags, now_ms())
                        })
                    })
                    .await;
                match saved {
                    Ok(_) => {
                        tracing::info!(moment = moment.id, "a moment was reflected on");
                        self.queue(&Job::Embed);
                        Outcome::Done
                    }
                    Err(e) => Outcome::Failed(e.message),
                }
            }
            Err(_) if cancel.is_cancelled() => Outcome::Interrupted,
            Err(e) => {
                let reason = e.message.clone();
                let _ = self
                    .journal(move |s| s.with(|c| days::reflection_failed(c, id, &reason)))
                    .await;
                Outcome::Failed(e.message)
            }
        }
    }

    /// Asks the active model for a structured answer, on background terms.
    async fn ask(
        &self,
        request: &crate::providers::ChatRequest,
        cancel: &CancellationToken,
    ) -> Result<String, AppError> {
        let active = self.active_model().await?;
        let model = active.model.for_background();
        Ok(model.answer(request, cancel).await?)
    }

    /// The day's entry job: written once, from the day's messages (in parts
    /// when the day does not fit the model's window). A day already written
    /// is left alone; an answer that is not an entry leaves the day pending,
    /// with the reason.
    pub(super) async fn write_day_job(
        &self,
        day: &str,
        offset: i32,
        cancel: &CancellationToken,
    ) -> Outcome {
        let outcome = self.write_about(day, offset, cancel).await;
        self.diary_changed();
        outcome
    }

    async fn write_about(&self, day: &str, offset: i32, cancel: &CancellationToken) -> Outcome {
        let d = day.to_owned();
        let found = self
            .journal(move |s| {
                s.with(|c| {
                    Ok((
                        days::day_state(c, &d)?,
                        days::day_messages(c, &d, offset, MOST_DAY_MESSAGES)?,
                    ))
                })
            })
            .await;
        let said = match found {
            Ok((Some((DayState::Written, _)), _)) => return Outcome::Done,
            Ok((_, said)) => said,
            Err(e) => return Outcome::Failed(e.message),
        };
        let said: Vec<Message> = said
            .into_iter()
            .filter(|m| {
                matches!(m.status, MessageStatus::Complete | MessageStatus::Partial)
                    && !m.content.trim().is_empty()
            })
            .collect();
        if said.is_empty() {
            let d = day.to_owned();
            let _ = self
                .journal(move |s| s.with(|c| days::forget_day(c, &d)))
                .await;
            return Outcome::Done;
        }
        let started = std::time::Instant::now();
        match self.write_day(day, &said, cancel).await {
            Ok(entry) => {
                tracing::info!(day = entry.day, took = ?started.elapsed(), "a diary entry was written");
                self.queue(&Job::Embed);
                Outcome::Done
            }
            Err(_) if cancel.is_cancelled() => Outcome::Interrupted,
            Err(e) => {
                let (d, reason) = (day.to_owned(), e.message.clone());
                let _ = self
                    .journal(move |s| s.with(|c| days::day_failed(c, &d, &reason, now_ms())))
                    .await;
                Outcome::Failed(e.message)
            }
        }
    }

    async fn write_day(
        &self,
        day: &str,
        said: &[Message],
        cancel: &CancellationToken,
    ) -> Result<Entry, AppError> {
        let active = self.active_model().await?;
        let names = self.names().await?;
        let model = active.model.for_background();
        let by = format!(
            "{} ({})",
            names.companion.trim(),
            model.config().model.trim()
        );
        let save = |draft: EntryDraft| {
            let (day, by) = (day.to_owned(), by.clone());
            self.journal(move |s| s.with(|c| days::save_written(c, &day, &draft, &by, now_ms())))
        };
        if model.is_in_process() {
            // A small model is asked less: it chooses among the user's own
            // sentences of the day and writes a few of its own (diary::small).
            let offer = diary::small::Offer::new(&names, said);
            let answer = model.answer(&offer.entry_request(day), cancel).await?;
            return save(offer.read_entry(&answer).map_err(refused)?).await;
        }
        let parts = diary::parts(&names, said, active.context);
        let (what, from_notes) = if parts.len() == 1 {
            (parts.into_iter().next().unwrap_or_default(), false)
        } else {
            let of = parts.len();
            let mut notes = String::new();
            for (i, part) in parts.iter().enumerate() {
                let request = diary::notes_request(&names, day, part, i + 1, of);
                let answer = model.answer(&request, cancel).await?;
                let note = diary::parse_notes(&answer).map_err(refused)?;
                notes.push_str(&format!("Part {}: {note}\n\n", i + 1));
            }
            // The notes of a very long day, kept to the window.
            let room = active.context.saturating_sub(2_000).max(512);
            (tokens::truncate_middle(&notes, room).0, true)
        };
        let request = diary::entry_request(&names, day, &what, from_notes);
        let answer = model.answer(&request, cancel).await?;
        let draft = diary::parse_entry(&answer, &names.companion).map_err(refused)?;
        save(draft).await
    }

    /// Asks the companion to write (again) about a day: the entry it wrote
    /// is replaced when the new one is ready.
    pub async fn rewrite_day(&self, day: String) -> Result<(), AppError> {
        if days::day_range(&day, 0).is_none() {
            return Err(AppError::invalid("That is not a day (YYYY-MM-DD)."));
        }
        if day >= local_today().to_string() {
            return Err(AppError::invalid(
                "I write about a day once it is over; ask again tomorrow.",
            ));
        }
        let d = day.clone();
        self.journal(move |s| s.with(|c| days::day_to_rewrite(c, &d, now_ms())))
            .await?;
        self.queue(&Job::WriteDay {
            day,
            offset_minutes: local_offset(),
        });
        Ok(())
    }

    /// Asks the companion to write about a moment again.
    pub async fn rewrite_moment(&self, id: i64) -> Result<(), AppError> {
        let found = self
            .journal(move |s| s.with(|c| days::rewrite_moment(c, id)))
            .await?;
        if !found {
            return Err(AppError::invalid("That moment no longer exists."));
        }
        self.queue(&Job::Reflect { moment_id: id });
        Ok(())
    }

    // ---- reading ---------------------------------------------------------

    /// The timeline, newest first.
    pub async fn diary_timeline(
        &self,
        filter: Filter,
        offset: u32,
        limit: u32,
    ) -> Result<Vec<Item>, AppError> {
        let limit = limit.clamp(1, MOST_ITEMS);
        self.journal(move |s| s.with(|c| days::timeline(c, &filter, offset, limit)))
            .await
    }

    /// The days of `month` (`YYYY-MM`) that hold something.
    pub async fn diary_calendar(&self, month: String) -> Result<Vec<CalendarDay>, AppError> {
        self.journal(move |s| s.with(|c| days::calendar(c, &month)))
            .await
    }

    /// Moments and entries of the same date in earlier months and years.
    pub async fn on_this_day(&self) -> Result<Vec<Item>, AppError> {
        let today = local_today().to_string();
        self.journal(move |s| s.with(|c| days::on_this_day(c, &today, 20)))
            .await
    }

    pub async fn diary_facets(&self) -> Result<Facets, AppError> {
        self.journal(|s| s.with(|c| days::facets(c))).await
    }

    /// A day: its entry, moments and conversation.
    pub async fn diary_day(&self, day: String) -> Result<DiaryDay, AppError> {
        if days::day_range(&day, 0).is_none() {
            return Err(AppError::invalid("That is not a day (YYYY-MM-DD)."));
        }
        let offset = local_offset();
        self.journal(move |s| {
            s.with(|c| {
                let state = days::day_state(c, &day)?;
                let (pending, reason) = match state {
                    Some((DayState::Pending, reason)) => (true, reason),
                    _ => (false, None),
                };
                Ok(DiaryDay {
                    entry: days::entry_of_day(c, &day)?,
                    moments: days::moments_of_day(c, &day)?,
                    messages: days::day_messages(c, &day, offset, MOST_DAY_MESSAGES)?,
                    pending,
                    reason,
                    day,
                })
            })
        })
        .await
    }

    // ---- changing --------------------------------------------------------

    pub async fn update_entry(&self, id: i64, draft: EntryDraft) -> Result<Entry, AppError> {
        let draft = diary::check_entry(&draft).map_err(refused)?;
        self.journal(move |s| {
            s.run(|c| {
                days::update_entry(c, id, &draft, now_ms())?
                    .ok_or_else(|| AppError::invalid("That entry no longer exists."))
            })
        })
        .await
    }

    pub async fn update_moment(&self, id: i64, draft: MomentDraft) -> Result<Moment, AppError> {
        if draft.title.trim().is_empty() {
            return Err(AppError::invalid("A moment needs a title."));
        }
        let draft = MomentDraft {
            title: draft.title.trim().to_owned(),
            reflection: draft.reflection.trim_end().to_owned(),
            tags: diary::tidy_tags(&draft.tags),
        };
        self.journal(move |s| {
            s.run(|c| {
                days::update_moment(c, id, &draft, now_ms())?
                    .ok_or_else(|| AppError::invalid("That moment no longer exists."))
            })
        })
        .await
    }

    pub async fn set_favourite(&self, item: ItemRef, favourite: bool) -> Result<bool, AppError> {
        self.journal(move |s| {
            s.with(|c| match item {
                ItemRef::Entry(id) => days::set_entry_favourite(c, id, favourite),
                ItemRef::Moment(id) => days::set_moment_favourite(c, id, favourite),
            })
        })
        .await
    }

    /// Deletes an entry or a moment; returns it, for undo.
    pub async fn delete_diary_item(&self, item: ItemRef) -> Result<Option<Item>, AppError> {
        self.journal(move |s| {
            s.with(|c| {
                Ok(match item {
                    ItemRef::Entry(id) => days::delete_entry(c, id)?.map(Item::Entry),
                    ItemRef::Moment(id) => days::delete_moment(c, id)?.map(Item::Moment),
                })
            })
        })
        .await
    }

    /// Puts back an item just deleted (undo).
    pub async fn restore_diary_item(&self, item: Item) -> Result<(), AppError> {
        let restored = self
            .journal(move |s| {
                s.with(|c| {
                    let tx = c.transaction()?;
                    let done = match &item {
                        Item::Entry(e) => days::restore_entry(&tx, e)?,
                        Item::Moment(m) => days::restore_moment(&tx, m)?,
                    };
                    tx.commit()?;
                    Ok(done)
                })
            })
            .await?;
        if !restored {
            return Err(AppError::invalid(
                "It could not be put back: that day has another entry now.",
            ));
        }
        self.queue(&Job::Embed);
        Ok(())
    }

    // ---- search, export, import -----------------------------------------

    /// Entries, moments, letters and messages holding every word of `text`,
    /// grouped by kind, matches marked.
    pub async fn search_everything(&self, text: String) -> Result<Vec<FoundGroup>, AppError> {
        let offset = local_offset();
        self.journal(move |s| s.with(|c| search::everything(c, &text, RESULTS_PER_KIND, offset)))
            .await
    }

    /// Writes the diary into `folder`; returns the files written.
    pub async fn export_diary(
        &self,
        folder: PathBuf,
        format: ExportFormat,
    ) -> Result<Vec<String>, AppError> {
        let companion = self.names().await?.companion;
        let file = self
            .journal(move |s| s.with(|c| export::read(c, &companion)))
            .await?;
        // The files are written with the journal free for everything else.
        let written = super::blocking(move || export::write(&folder, format, &file)).await?;
        Ok(written
            .into_iter()
            .map(|p| p.to_string_lossy().into_owned())
            .collect())
    }

    /// Imports a JSON export into a journal whose diary is empty.
    pub async fn import_diary(&self, path: PathBuf) -> Result<Imported, AppError> {
        let file = super::blocking(move || export::parse(&path)).await?;
        let imported = self
            .journal(move |s| s.run(|c| export::import(c, &file)))
            .await?;
        self.queue(&Job::Embed);
        Ok(imported)
    }
}
