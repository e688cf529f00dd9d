//! Letters: people and their dates, the desk, the letter on paper, the book.

use hearth_core::AppError;
use hearth_core::generation::StreamEvent;
use hearth_core::letters::paper::{HandFont, Layout, PaperStyle};
use hearth_core::letters::{DiffPart, PersonSuggestion, UpcomingDate};
use hearth_core::service::{
    BookProgress, Compose, LetterDesk, SavedPdf, StartedDraft, WeaveChoice,
};
use hearth_core::store::letters::{
    LetterBrief, LetterSummary, LetterVersion, Person, PersonDraft, QuestionAnswer,
};
use tauri::State;
use tauri::ipc::Channel;

use crate::state::AppState;

#[tauri::command]
#[specta::specta]
pub async fn list_people(state: State<'_, AppState>) -> Result<Vec<Person>, AppError> {
    state.people().await
}

/// Adds a person (`id` null) or saves one's changes.
#[tauri::command]
#[specta::specta]
pub async fn save_person(
    state: State<'_, AppState>,
    id: Option<i64>,
    person: PersonDraft,
) -> Result<Person, AppError> {
    state.save_person(id, person).await
}

#[tauri::command]
#[specta::specta]
pub async fn delete_person(state: State<'_, AppState>, id: i64) -> Result<bool, AppError> {
    state.delete_person(id).await
}

/// People the companion has heard of who are not among the people yet.
#[tauri::command]
#[specta::specta]
pub async fn person_suggestions(
    state: State<'_, AppState>,
) -> Result<Vec<PersonSuggestion>, AppError> {
    state.person_suggestions().await
}

/// The people's dates in the next `days` days.
#[tauri::command]
#[specta::specta]
pub async fn upcoming_dates(
    state: State<'_, AppState>,
    days: u32,
) -> Result<Vec<UpcomingDate>, AppError> {
    state.upcoming_dates(days).await
}

/// Memories, moments and diary entries that could be woven into a letter to
/// `recipient`.
#[tauri::command]
#[specta::specta]
pub async fn weave_choices(
    state: State<'_, AppState>,
    recipient: String,
) -> Result<Vec<WeaveChoice>, AppError> {
    state.weave_choices(recipient).await
}

/// Marks a letter finished (the diary records the day) or a draft again.
#[tauri::command]
#[specta::specta]
pub async fn finish_letter(
    state: State<'_, AppState>,
    id: i64,
    finished: bool,
) -> Result<LetterDesk, AppError> {
    state.finish_letter(id, finished).await
}

#[tauri::command]
#[specta::specta]
pub async fn list_letters(state: State<'_, AppState>) -> Result<Vec<LetterSummary>, AppError> {
    state.letters().await
}

#[tauri::command]
#[specta::specta]
pub async fn create_letter(
    state: State<'_, AppState>,
    brief: LetterBrief,
) -> Result<LetterDesk, AppError> {
    state.create_letter(brief).await
}

#[tauri::command]
#[specta::specta]
pub async fn update_letter_brief(
    state: State<'_, AppState>,
    id: i64,
    brief: LetterBrief,
) -> Result<LetterDesk, AppError> {
    state.update_letter_brief(id, brief).await
}

#[tauri::command]
#[specta::specta]
pub async fn get_letter(state: State<'_, AppState>, id: i64) -> Result<LetterDesk, AppError> {
    state.letter_desk(id).await
}

#[tauri::command]
#[specta::specta]
pub async fn delete_letter(state: State<'_, AppState>, id: i64) -> Result<bool, AppError> {
    state.delete_letter(id).await
}

/// The companion's one or two questions before the first draft.
#[tauri::command]
#[specta::specta]
pub async fn letter_questions(
    state: State<'_, AppState>,
    id: i64,
) -> Result<Vec<String>, AppError> {
    state.letter_questions(id).await
}

/// Drafts the letter from the user's answers, streaming to `on_event`.
#[tauri::command]
#[specta::specta]
pub async fn draft_letter(
    state: State<'_, AppState>,
    id: i64,
    answers: Vec<QuestionAnswer>,
    on_event: Channel<StreamEvent>,
) -> Result<StartedDraft, AppError> {
    let send = move |e| drop(on_event.send(e));
    state
        .hearth
        .compose_letter(id, Compose::Draft(answers), send)
        .await
}

/// Revises the letter as asked ("warmer"), streaming to `on_event`.
#[tauri::command]
#[specta::specta]
pub async fn revise_letter(
    state: State<'_, AppState>,
    id: i64,
    request: String,
    on_event: Channel<StreamEvent>,
) -> Result<StartedDraft, AppError> {
    let send = move |e| drop(on_event.send(e));
    state
        .hearth
        .compose_letter(id, Compose::Revise(request), send)
        .await
}

/// Saves the text on the desk (called as the user pauses typing).
#[tauri::command]
#[specta::specta]
pub async fn save_letter_text(
    state: State<'_, AppState>,
    id: i64,
    body: String,
) -> Result<(), AppError> {
    state.save_letter_text(id, body).await
}

/// Keeps the text on the desk as a version, if it is new.
#[tauri::command]
#[specta::specta]
pub async fn keep_letter_edit(
    state: State<'_, AppState>,
    id: i64,
) -> Result<Option<LetterVersion>, AppError> {
    state.keep_letter_edit(id).await
}

#[tauri::command]
#[specta::specta]
pub async fn restore_letter_version(
    state: State<'_, AppState>,
    version_id: i64,
) -> Result<LetterDesk, AppError> {
    state.restore_letter_version(version_id).await
}

#[tauri::command]
#[specta::specta]
pub async fn diff_letter_versions(
    state: State<'_, AppState>,
    from: i64,
    to: i64,
) -> Result<Vec<DiffPart>, AppError> {
    state.diff_letter_versions(from, to).await
}

#[tauri::command]
#[specta::specta]
pub async fn set_letter_style(
    state: State<'_, AppState>,
    id: i64,
    font: HandFont,
    paper: PaperStyle,
) -> Result<(), AppError> {
    state.set_letter_style(id, font, paper).await
}

/// The lines and pages of a text on paper, as the PDF has them.
#[tauri::command]
#[specta::specta]
pub async fn letter_layout(
    state: State<'_, AppState>,
    body: String,
    signature: String,
    font: HandFont,
    paper: PaperStyle,
) -> Result<Layout, AppError> {
    state.letter_layout(body, signature, font, paper).await
}

/// Asks where to save a PDF with the system's dialog, over the window.
/// Returns the path, or `None` when the user closes the dialog.
#[tauri::command]
#[specta::specta]
pub async fn choose_pdf_path(
    window: tauri::WebviewWindow,
    suggested: String,
) -> Result<Option<String>, AppError> {
    use tauri_plugin_dialog::DialogExt;
    let (tx, rx) = tokio::sync::oneshot::channel();
    window
        .dialog()
        .file()
        .set_parent(&window)
        .set_title("Save as PDF")
        .set_file_name(suggested)
        .add_filter("PDF", &["pdf"])
        .save_file(move |chosen| {
            let _ = tx.send(chosen);
        });
    match rx.await.ok().flatten().map(|f| f.into_path()) {
        None => Ok(None),
        Some(Ok(path)) => Ok(Some(path.to_string_lossy().into_owned())),
        Some(Err(e)) => Err(AppError::invalid(format!(
            "That place can't be written from here ({e}); choose a folder on this computer."
        ))),
    }
}

#[tauri::command]
#[specta::specta]
pub async fn export_letter_pdf(
    state: State<'_, AppState>,
    id: i64,
    path: String,
) -> Result<SavedPdf, AppError> {
    state.export_letter_pdf(id, path).await
}

/// Opens the letter's PDF in the system's viewer, to print from there.
#[tauri::command]
#[specta::specta]
pub async fn print_letter(
    app: tauri::AppHandle,
    state: State<'_, AppState>,
    id: i64,
) -> Result<SavedPdf, AppError> {
    use tauri_plugin_opener::OpenerExt;
    let saved = state.letter_print_copy(id).await?;
    if let Err(e) = app.opener().open_path(&saved.path, None::<&str>) {
        tracing::warn!("no viewer opened the letter's PDF: {e}");
        return Err(AppError::invalid(format!(
            "No PDF viewer opened it. The PDF is at {}: open it from there to print.",
            saved.path
        )));
    }
    Ok(saved)
}

/// Binds the chosen letters into one PDF, reporting progress.
#[tauri::command]
#[specta::specta]
pub async fn export_book(
    state: State<'_, AppState>,
    ids: Vec<i64>,
    title: String,
    font: HandFont,
    paper: PaperStyle,
    path: String,
    on_progress: Channel<BookProgress>,
) -> Result<SavedPdf, AppError> {
    let report = move |p| drop(on_progress.send(p));
    state
        .export_book(ids, title, font, paper, path, report)
        .await
}
