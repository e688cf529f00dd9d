//! Hearth as installed, with nothing connected: no provider chosen, no key,
//! no Ollama, only the two built-in models in the models folder (placed there
//! by the README's launch command). The companion meets the user and talks on
//! the small model on this computer, in the real window, and says so.
//!
//! The replies of a 135M-parameter model can't be predicted, so this checks
//! what must hold whatever it says: each step completes, its words are shown
//! and stored whole, and nothing fails.

use std::time::Duration;

use hearth_core::local::{DEFAULT_CHAT_MODEL, DEFAULT_EMBEDDING_MODEL};
use hearth_core::store::messages::{self, MessageStatus, Role};
use hearth_core::store::persona;
use hearth_e2e::{
    App, Display, click, fetched_models, journal_messages, link_or_copy, local_noon, open_journal,
    place_built_in_models, read_journal, seed_persona, test_persona, text_of, thread_when_within,
    type_into, wait_for_text,
};

/// How long the built-in model may take for one answer: it writes a few
/// dozen words a second on one core, slower on a busy machine.
const MODEL_PATIENCE: Duration = Duration::from_secs(240);

#[tokio::test]
async fn with_nothing_connected_the_built_in_model_meets_the_user_and_talks() {
    let data = tempfile::tempdir().unwrap();
    place_built_in_models(data.path());
    let display = Display::start();
    let app = App::launch(&display, data.path()).await;

    // A fresh install needs no provider: first run starts with the user, and
    // says the companion runs on a small offline model.
    app.find("#first-run[data-step='name']").await;
    let note = text_of(&app, "[data-testid='offline-model-note']").await;
    assert!(note.contains("small offline model"), "{note}");
    type_into(&app, "#setup-name", "Theodore").await;
    click(&app, "#first-run [data-action='next']").await;
    app.find("#first-run[data-step='address']").await;
    type_into(&app, "#setup-address", "Gently").await;
    click(&app, "#first-run [data-action='next']").await;
    app.find("#first-run[data-step='hopes']").await;
    type_into(&app, "#setup-hopes", "Someone to talk to in the evenings").await;
    click(&app, "#first-run [data-action='next']").await;

    // The small model introduces itself and proposes a name.
    let name_field = app.find_within("#companion-name", MODEL_PATIENCE).await;
    let introduction = text_of(&app, ".introduction").await;
    assert!(!introduction.trim().is_empty(), "an introduction is shown");
    let name = name_field.prop("value").await.unwrap().unwrap_or_default();
    assert!(!name.trim().is_empty(), "a name is proposed");
    app.screenshot("offline-1-introduction").await;
    click(&app, "#first-run [data-action='begin']").await;

    // The conversation opens with the introduction, and keeps the note.
    app.find("main[data-view='conversation']").await;
    wait_for_text(&app, "main h1.companion", name.trim()).await;
    app.find("main [data-testid='offline-model-note']").await;
    let opened =
        thread_when_within(&app, "the introduction", MODEL_PATIENCE, |t| t.len() == 1).await;
    assert_eq!(
        (opened[0].role.as_str(), opened[0].status.as_str()),
        ("assistant", "complete")
    );

    // A message gets a streamed reply from the local model, shown whole.
    let said = "Tonight I finished a letter for my grandmother's ninetieth birthday — in the café.";
    type_into(&app, "#composer-input", said).await;
    click(&app, "button.send[type='submit']").await;
    let shown = thread_when_within(&app, "the local model's reply", MODEL_PATIENCE, |t| {
        t.len() == 3 && t[2].status != "streaming"
    })
    .await;
    assert_eq!(
        (shown[1].role.as_str(), shown[1].text.as_str()),
        ("user", said)
    );
    let reply = &shown[2];
    assert_eq!(
        (reply.role.as_str(), reply.status.as_str()),
        ("assistant", "complete"),
        "{reply:#?}\n{}",
        app.log()
    );
    assert!(!reply.text.trim().is_empty(), "the reply has words");
    app.screenshot("offline-2-conversation").await;

    // At the letters' desk, the small model says plainly that its drafts are
    // rough, and offers the larger model that suits this computer.
    click(&app, "nav button[data-view='letters']").await;
    click(&app, "[data-action='new-letter']").await;
    type_into(&app, "#letter-recipient", "Amy").await;
    click(&app, "[data-action='begin-letter']").await;
    wait_for_text(&app, ".desk-head h1", "To Amy").await;
    let offer = text_of(
        &app,
        "[data-testid='recommended-model'][data-purpose='letters'] .words",
    )
    .await;
    assert!(
        offer.contains("My drafts on the small built-in model are rough."),
        "{offer}"
    );
    app.screenshot("offline-3-letters-offer").await;

    // Settings lists the models folder: both built-in models, with their
    // size and licence.
    click(&app, "nav button[data-view='settings']").await;
    let chat = format!("[data-testid='local-model'][data-file='{DEFAULT_CHAT_MODEL}']");
    let listed = text_of(&app, &chat).await;
    assert!(
        listed.contains("SmolLM2 135M Instruct"),
        "named as the catalogue names it: {listed}"
    );
    assert!(listed.contains("Conversation"), "{listed}");
    assert!(listed.contains("MB"), "{listed}");
    assert!(listed.to_lowercase().contains("apache"), "{listed}");
    let embedding = text_of(
        &app,
        &format!("[data-testid='local-model'][data-file='{DEFAULT_EMBEDDING_MODEL}']"),
    )
    .await;
    assert!(embedding.contains("Recall"), "{embedding}");
    app.find("[data-action='choose-model-file']").await;

    // A model file from elsewhere is imported by its path, then removed.
    let elsewhere = tempfile::tempdir().unwrap();
    let mine = elsewhere.path().join("my-little-model.gguf");
    link_or_copy(&fetched_models().join(DEFAULT_CHAT_MODEL), &mine);
    type_into(&app, "#import-model-path", mine.to_str().unwrap()).await;
    click(&app, "[data-testid='import-model']").await;
    let imported = "[data-testid='local-model'][data-file='my-little-model.gguf']";
    // The new row, or the sentence saying why there is none.
    app.find(&format!(
        "{imported}, [data-testid='local-models-result'].bad"
    ))
    .await;
    let said_so = text_of(&app, "[data-testid='local-models-result']").await;
    assert!(said_so.starts_with("Imported"), "{said_so}");
    app.find(imported).await;
    let folder = hearth_core::local::models_dir(data.path());
    assert!(folder.join("my-little-model.gguf").is_file());
    app.screenshot("offline-3-models").await;
    click(&app, &format!("{imported} [data-testid='remove-model']")).await;
    click(
        &app,
        &format!("{imported} [data-testid='confirm-remove-model']"),
    )
    .await;
    app.wait_gone(imported).await;
    let said_so = text_of(&app, "[data-testid='local-models-result']").await;
    assert!(said_so.starts_with("Removed"), "{said_so}");
    assert!(!folder.join("my-little-model.gguf").exists());
    assert!(folder.join(DEFAULT_CHAT_MODEL).is_file(), "the others stay");
    app.quit().await;

    // The journal holds the persona, the user's words and the whole reply.
    let journal = open_journal(data.path());
    let saved = journal.with(|c| persona::get(c)).unwrap().unwrap();
    assert_eq!(
        (saved.companion_name.as_str(), saved.user_name.as_str()),
        (name.trim(), "Theodore")
    );
    let stored = journal_messages(&read_journal(data.path()));
    assert_eq!(stored.len(), 3, "{stored:#?}");
    assert_eq!(
        (stored[1].role, stored[1].status, stored[1].content.as_str()),
        (Role::User, MessageStatus::Complete, said)
    );
    assert_eq!(
        (stored[2].role, stored[2].status),
        (Role::Assistant, MessageStatus::Complete)
    );
    // The window shows the stored reply rendered from Markdown: its letters
    // are the stored letters, less the syntax (a link's address, say).
    let letters = |s: &str| s.chars().filter(|c| c.is_alphabetic()).collect::<Vec<_>>();
    let (stored_letters, shown_letters) = (letters(&stored[2].content), letters(&reply.text));
    let mut rest = stored_letters.iter();
    assert!(
        shown_letters.iter().all(|c| rest.any(|s| s == c)),
        "the window shows what was stored:\n{}\n---\n{}",
        reply.text,
        stored[2].content
    );
}

#[tokio::test]
async fn on_the_built_in_model_a_day_that_is_over_gets_a_diary_entry_in_the_window() {
    let data = tempfile::tempdir().unwrap();
    place_built_in_models(data.path());
    seed_persona(data.path(), &test_persona());
    // Yesterday Theodore talked with the companion; Hearth was closed at midnight.
    let (yesterday, noon) = local_noon(1);
    let said = "My sister Amy is getting married in Lisbon in June and I have to write a toast.";
    {
        let journal = open_journal(data.path());
        journal
            .with(|c| {
                messages::insert_at(c, Role::User, said, MessageStatus::Complete, None, noon)?;
                messages::insert_at(
                    c,
                    Role::Assistant,
                    "How lovely! Tell me about Amy.",
                    MessageStatus::Complete,
                    None,
                    noon + 1_000,
                )
            })
            .unwrap();
    }
    let display = Display::start();
    let app = App::launch(&display, data.path()).await;

    // At start-up the day that is over is written about, in the background,
    // and the Diary shows it once written.
    click(&app, "nav button[data-view='diary']").await;
    let deadline = std::time::Instant::now() + MODEL_PATIENCE;
    loop {
        let written: Option<(String, String)> = read_journal(data.path())
            .query_row(
                "SELECT state, coalesce(reason, '') FROM diary_days WHERE day = ?1",
                [&yesterday],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .ok();
        if written
            .as_ref()
            .is_some_and(|(state, _)| state == "written")
        {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no entry for {yesterday} within {MODEL_PATIENCE:?}: {written:?}\n{}",
            app.log()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    app.find(".card.entry").await;
    click(&app, ".card.entry").await;
    app.find(&format!(".reader[data-day='{yesterday}'] .entry h3"))
        .await;
    let by = text_of(&app, ".reader .entry .by").await;
    assert!(
        by.starts_with(&format!("Written by Samantha ({DEFAULT_CHAT_MODEL}")),
        "it says plainly who wrote it: {by}"
    );
    let body = text_of(&app, ".reader .entry .body").await;
    assert!(
        body.starts_with("Theodore told me: “"),
        "the entry quotes what Theodore said: {body}"
    );
    let quoted = body
        .trim_start_matches("Theodore told me: “")
        .split('”')
        .next()
        .unwrap();
    assert!(said.contains(quoted), "{quoted:?} is Theodore's own words");
    assert_eq!(
        hearth_core::companion::sense::prose(&body).as_deref(),
        Ok(body.as_str()),
        "the entry reads as sentences"
    );
    let title = text_of(&app, ".reader .entry h3").await;
    assert!(hearth_core::companion::sense::is_label(&title), "{title}");
    let stored: String = read_journal(data.path())
        .query_row(
            "SELECT body FROM diary_entries WHERE day = ?1",
            [&yesterday],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(stored, body, "the window shows the entry whole");
    app.screenshot("offline-3-diary-entry").await;
    app.quit().await;
}
