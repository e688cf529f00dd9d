//! Letters in the real window against the fake provider: from "New letter"
//! through the companion's questions, a streamed draft, a revision, the
//! versions and a diff, the preview on paper in each handwriting font, to a
//! PDF on disk, and back to the desk through search; in light and dark.

use fantoccini::key::Key;
use hearth_core::letters::paper::HandFont;
use hearth_e2e::{
    App, Display, click, open_journal, press, read_journal, seed_ollama, seed_persona,
    test_persona, text_of, type_into, wait_for_text, wait_until,
};
use hearth_fake_provider::{FakeProvider, Format, Step};

const MODEL: &str = "fake-small";

async fn launch() -> (FakeProvider, Display, tempfile::TempDir, App) {
    let server = FakeProvider::start().await;
    let display = Display::start();
    let data = tempfile::tempdir().unwrap();
    seed_persona(data.path(), &test_persona());
    seed_ollama(data.path(), &server.base_url(Format::Ollama), MODEL);
    let app = App::launch(&display, data.path()).await;
    app.find("main[data-view='conversation'] #thread").await;
    (server, display, data, app)
}

/// The value of the field matching `css` (a textarea's text).
async fn value_of(app: &App, css: &str) -> String {
    app.eval(&format!(
        "return document.querySelector({css:?})?.value ?? null"
    ))
    .await
    .as_str()
    .unwrap_or_default()
    .to_owned()
}

/// Waits, as the harness waits for text, until the field matching `css`
/// holds `expected` (a streamed draft fills it in as it comes).
async fn wait_for_value(app: &App, css: &str, expected: &str) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let held = value_of(app, css).await;
        if held == expected {
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "{css} never held {expected:?}; it holds {held:?}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

/// Waits until the page's fonts have loaded (the preview's handwriting).
async fn fonts_ready(app: &App) {
    app.eval_async(
        "const done = arguments[arguments.length - 1];
         document.fonts.ready.then(() => done(null));",
    )
    .await;
}

async fn choose_theme(app: &App, theme: &str) {
    click(app, "nav button[data-view='settings']").await;
    click(app, &format!("label[data-theme-option='{theme}']")).await;
    app.find(&format!("html[data-theme='{theme}']")).await;
    click(app, "nav button[data-view='letters']").await;
    app.find("#letters").await;
}

#[tokio::test]
async fn a_letter_from_new_letter_to_a_pdf_on_disk() {
    let (server, _display, data, app) = launch().await;
    click(&app, "nav button[data-view='letters']").await;
    app.find("#letters [data-action='new-letter']").await;
    // A model is connected: the view does not ask to connect one.
    let text = app
        .eval("return document.querySelector('#letters').innerText")
        .await;
    assert!(
        !text.as_str().unwrap().contains("Connect a model"),
        "{text}"
    );
    app.screenshot("letters-home").await;

    // The form prompts gently for what is empty.
    click(&app, "[data-action='new-letter']").await;
    app.find("#letter-recipient").await;
    app.screenshot("letters-new").await;
    type_into(&app, "#letter-recipient", "Mum").await;
    type_into(&app, "#letter-carry", "Thanks for the summers at the lake").await;
    type_into(&app, "#letter-signature", "With love, Theodore").await;

    // The companion's questions first, then the draft, streamed.
    server.script([
        Step::reply([r#"{"questions": ["What do you remember of the lake?"]}"#]),
        Step::reply(["Dear Mum,\n\nI still think of the lake ", "every June."]),
    ]);
    click(&app, "[data-action='begin-letter']").await;
    app.find("#answer-0").await;
    type_into(&app, "#answer-0", "Your laugh on the jetty").await;
    click(&app, "[data-action='draft']").await;
    let draft = "Dear Mum,\n\nI still think of the lake every June.";
    wait_for_value(&app, "#letter-body", draft).await;
    app.find("[data-action='revise']").await;
    app.screenshot("letters-desk").await;

    // A revision in plain words makes a new version.
    let warmer = "Dearest Mum,\n\nI still think of the lake every June, and of you.";
    server.script([Step::reply([warmer])]);
    type_into(&app, "#revision", "warmer").await;
    click(&app, "[data-action='revise']").await;
    wait_for_value(&app, "#letter-body", warmer).await;

    // The details change; the text stays as it is.
    click(&app, "[data-action='details']").await;
    type_into(&app, "#letter-occasion", "Her birthday").await;
    click(&app, "[data-action='begin-letter']").await;
    wait_for_text(&app, ".desk-head h1", "To Mum · Her birthday").await;
    wait_for_value(&app, "#letter-body", warmer).await;

    // The versions, and a diff between them.
    click(&app, "[data-tab='versions']").await;
    app.find("ol.versions li:nth-child(2)").await;
    click(&app, "[data-action='compare']").await;
    let ins = app.find(".diff ins").await.text().await.unwrap();
    assert!(ins.contains("Dearest"), "{ins}");
    app.screenshot("letters-diff").await;

    // On paper, in each handwriting font.
    click(&app, "[data-tab='paper']").await;
    for font in HandFont::ALL {
        click(
            &app,
            &format!("select[data-control='font'] option[value='{}']", font.id()),
        )
        .await;
        app.find(".page[data-page='1']").await;
        fonts_ready(&app).await;
        let family = app
            .eval("return getComputedStyle(document.querySelector('.page .line span')).fontFamily")
            .await;
        assert!(
            family.as_str().unwrap().contains(font.family()),
            "{font:?}: {family}"
        );
        app.screenshot(&format!("letters-paper-{}", font.id()))
            .await;
    }

    // A PDF on disk. The system's save dialog is not driven through
    // WebDriver: the page calls the command the dialog's answer goes to.
    let letter_id: i64 = read_journal(data.path())
        .query_row("SELECT id FROM letters", [], |r| r.get(0))
        .unwrap();
    let out = data.path().join("Letter to Mum.pdf");
    let saved = app
        .eval_async(&format!(
            "const done = arguments[arguments.length - 1];
             window.__TAURI_INTERNALS__.invoke('export_letter_pdf', {{ id: {letter_id}, path: {:?} }})
               .then((r) => done(r), (e) => done({{ error: e }}));",
            out.to_str().unwrap()
        ))
        .await;
    assert_eq!(saved["pages"], 1, "{saved}");
    let bytes = std::fs::read(&out).unwrap();
    assert!(bytes.starts_with(b"%PDF-"));

    // What the window showed is what the journal holds.
    let body: String = open_journal(data.path())
        .with(|c| c.query_row("SELECT body FROM letters", [], |r| r.get(0)))
        .unwrap();
    assert_eq!(body, warmer);

    // Found from anywhere through search (Ctrl+K), the words marked, and
    // opened in place: at the desk, as it stands now.
    click(&app, "nav button[data-view='conversation']").await;
    press(
        &app,
        "#composer-input",
        &format!("{}k", char::from(Key::Control)),
    )
    .await;
    type_into(&app, "#search-everything", "june").await;
    let hit = format!("#search-palette .hit[data-kind='letter'][data-id='{letter_id}']");
    wait_for_text(&app, &format!("{hit} .title"), "To Mum · Her birthday").await;
    let marked = app
        .eval(&format!(
            "return [...document.querySelectorAll({:?})].map((m) => m.textContent)",
            format!("{hit} mark")
        ))
        .await;
    assert_eq!(marked, serde_json::json!(["June"]));
    app.screenshot("letters-search").await;
    click(&app, &hit).await;
    app.wait_gone("#search-palette").await;
    app.find("main[data-view='letters']").await;
    wait_for_text(&app, ".desk-head h1", "To Mum · Her birthday").await;
    wait_for_value(&app, "#letter-body", warmer).await;

    // Dark: the desk and the paper.
    choose_theme(&app, "dark").await;
    click(&app, "button[data-letter]").await;
    wait_for_value(&app, "#letter-body", warmer).await;
    app.screenshot("letters-desk-dark").await;
    click(&app, "[data-tab='paper']").await;
    app.find(".page[data-page='1']").await;
    fonts_ready(&app).await;
    app.screenshot("letters-paper-dark").await;

    // Finished: the diary keeps the day, and opens the letter from there.
    click(&app, "[data-action='finish']").await;
    app.find(".desk-head .finished").await;
    click(&app, "nav button[data-view='diary']").await;
    wait_for_text(&app, ".card.moment .title", "A letter to Mum").await;
    click(&app, ".card.moment").await;
    let moment = ".reader[data-day] .moment".to_owned();
    let kept = text_of(&app, &format!("{moment} blockquote")).await;
    assert!(
        kept.starts_with("Theodore finished a letter to Mum (Her birthday).")
            && kept.contains("Dearest Mum"),
        "{kept}"
    );
    click(&app, &format!("{moment} [data-action='open-letter']")).await;
    wait_for_value(&app, "#letter-body", warmer).await;
    wait_for_text(&app, ".desk-head h1", "To Mum · Her birthday").await;
    app.quit().await;
}

#[tokio::test]
async fn what_is_typed_on_the_desk_survives_a_crash() {
    let (_server, display, data, app) = launch().await;
    click(&app, "nav button[data-view='letters']").await;
    click(&app, "[data-action='new-letter']").await;
    type_into(&app, "#letter-recipient", "Chris").await;
    click(&app, "[data-action='begin-letter']").await;
    // The companion asks first; the user writes the letter alone.
    app.find("#answer-0").await;
    click(&app, ".questions button.quiet").await;
    let words = "Dear Chris, thank you for the long walk and the longer talk.";
    type_into(&app, "#letter-body", words).await;

    // Nothing is pressed to save: the journal holds the words after a pause
    // in typing, and then the app dies without warning.
    let journal = read_journal(data.path());
    let body = |journal: &rusqlite::Connection| {
        journal
            .query_row("SELECT body FROM letters", [], |r| r.get::<_, String>(0))
            .unwrap_or_default()
    };
    wait_until("the journal to hold the words typed", || {
        body(&journal) == words
    })
    .await;
    app.kill_app().await;
    drop(journal);
    app.abandon().await;

    // On the next start the letter is there, as typed.
    let app = App::launch(&display, data.path()).await;
    click(&app, "nav button[data-view='letters']").await;
    click(&app, "button[data-letter]").await;
    wait_for_value(&app, "#letter-body", words).await;
    app.quit().await;
}
