//! The shell in a real window: start-up, navigation, themes, persistence, and
//! what the user sees when the journal cannot be opened.

use hearth_e2e::{App, Display, click, screenshot_dir, seed_persona, test_persona, wait_for_text};

const VIEWS: [&str; 4] = ["conversation", "letters", "diary", "settings"];

async fn open_view(app: &App, view: &str) {
    click(app, &format!("nav button[data-view='{view}']")).await;
    // The shown view's heading (views opened before stay in the page, hidden).
    app.find(&format!("main[data-view='{view}'] h1:not([hidden] *)"))
        .await;
}

async fn choose_theme(app: &App, theme: &str) {
    open_view(app, "settings").await;
    click(app, &format!("label[data-theme-option='{theme}']")).await;
    app.find(&format!("html[data-theme='{theme}']")).await;
}

async fn page_background(app: &App) -> String {
    app.eval("return getComputedStyle(document.body).backgroundColor")
        .await
        .as_str()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn a_fresh_start_opens_the_conversation_and_every_space_in_both_themes() {
    let display = Display::start();
    let data = tempfile::tempdir().unwrap();
    // Past the first run (companion.rs meets the companion): the journal
    // holds a persona and nothing else.
    let persona = test_persona();
    seed_persona(data.path(), &persona);
    let app = App::launch(&display, data.path()).await;

    // First thing seen: the conversation with the companion, greeting the user.
    app.find("main[data-view='conversation']").await;
    wait_for_text(&app, "main h1.companion", &persona.companion_name).await;
    let title = app.find("#thread h1").await.text().await.unwrap();
    assert!(
        [
            "Good morning.",
            "Good afternoon.",
            "Good evening.",
            "Still awake?."
        ]
        .contains(&title.as_str()),
        "the conversation should open with a greeting, got {title:?}"
    );

    // The bundled fonts load from the app itself (no network, under the CSP).
    let loaded = app
        .eval_async(
            "const done = arguments[arguments.length - 1];
             document.fonts.ready.then(() => done([...document.fonts]
               .filter((f) => f.status === 'loaded').map((f) => f.family.replaceAll('\"', ''))));",
        )
        .await;
    let loaded: Vec<String> = serde_json::from_value(loaded).unwrap();
    for family in ["Lora", "Inter"] {
        assert!(
            loaded.iter().any(|f| f == family),
            "{family} did not load: {loaded:?}"
        );
    }

    // The app uses the folder it was given, and keeps its journal there.
    open_view(&app, "settings").await;
    let shown = app
        .find("[data-testid='data-dir']")
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(shown, data.path().display().to_string());
    assert!(data.path().join("hearth.db").is_file());
    // Today's copy of the journal is taken in the background at start-up.
    let today = data.path().join(format!(
        "backups/hearth-daily-{}.db",
        app.eval("const d = new Date(); return [d.getFullYear(), String(d.getMonth() + 1).padStart(2, '0'), String(d.getDate()).padStart(2, '0')].join('-')")
            .await
            .as_str()
            .unwrap()
    ));
    hearth_e2e::wait_until(&format!("a daily backup at {}", today.display()), || {
        today.is_file()
    })
    .await;

    let mut shots = Vec::new();
    for (theme, background) in [("light", "rgb(251, 245, 238)"), ("dark", "rgb(29, 21, 18)")] {
        choose_theme(&app, theme).await;
        assert_eq!(
            page_background(&app).await,
            background,
            "the {theme} theme's paper colour must reach the page"
        );
        for view in VIEWS {
            open_view(&app, view).await;
            let current = app.find("nav button[aria-current='page']").await;
            assert_eq!(
                current.attr("data-view").await.unwrap().as_deref(),
                Some(view)
            );
            shots.push(app.screenshot(&format!("{theme}-{view}")).await);
        }
    }

    let violations = app.eval("return window.__hearth.cspViolations").await;
    assert_eq!(
        violations,
        serde_json::json!([]),
        "nothing may trip the CSP"
    );
    app.quit().await;

    // The choice of theme lives in the journal and survives a restart.
    let app = App::launch(&display, data.path()).await;
    app.find("html[data-theme='dark']").await;
    assert_eq!(page_background(&app).await, "rgb(29, 21, 18)");
    app.quit().await;

    println!(
        "screenshots ({}): {}",
        shots.len(),
        screenshot_dir().display()
    );
}

#[tokio::test]
async fn a_damaged_journal_is_explained_and_left_untouched() {
    let display = Display::start();
    let data = tempfile::tempdir().unwrap();
    let journal = data.path().join("hearth.db");
    let garbage: Vec<u8> = (0..8192u32).map(|i| (i * 7 + 3) as u8).collect();
    std::fs::write(&journal, &garbage).unwrap();

    let app = App::launch(&display, data.path()).await;
    let heading = app.find(".journal-error h1").await.text().await.unwrap();
    assert_eq!(heading, "Your journal couldn't be opened");
    let advice = app
        .find(".journal-error .advice")
        .await
        .text()
        .await
        .unwrap();
    assert!(advice.contains("has not been changed"), "{advice}");
    app.screenshot("damaged-journal").await;
    app.quit().await;

    assert_eq!(
        std::fs::read(&journal).unwrap(),
        garbage,
        "the damaged file must be left as it was"
    );
}

#[tokio::test]
async fn deleting_everything_asks_for_the_companions_name_then_starts_again() {
    use hearth_core::store::messages::{self, MessageStatus, Role};
    use hearth_e2e::{open_journal, read_journal, type_into};

    let display = Display::start();
    let data = tempfile::tempdir().unwrap();
    let persona = test_persona();
    seed_persona(data.path(), &persona);
    open_journal(data.path())
        .with(|c| {
            messages::insert(
                c,
                Role::User,
                "Nobody knows about the lighthouse.",
                MessageStatus::Complete,
                None,
            )
        })
        .unwrap();
    let app = App::launch(&display, data.path()).await;
    open_view(&app, "settings").await;

    click(&app, "button[data-action='delete-everything']").await;
    let form = app.find("[data-testid='delete-everything']").await;
    let warning = form.text().await.unwrap();
    assert!(
        warning.contains("There is no undo") && warning.contains("every backup"),
        "the confirmation says what is lost: {warning}"
    );
    let confirm = "button[data-action='confirm-delete-everything']";
    type_into(&app, "input[name='confirm-name']", "Sam").await;
    assert!(
        !app.find(confirm).await.is_enabled().await.unwrap(),
        "only the companion's whole name confirms (in any case)"
    );
    type_into(&app, "input[name='confirm-name']", "samantha").await;
    app.screenshot("settings-delete-everything").await;
    click(&app, confirm).await;

    app.find("#first-run").await;
    app.screenshot("first-run-after-delete-everything").await;
    let journal = read_journal(data.path());
    let count = |table: &str| -> i64 {
        journal
            .query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))
            .unwrap()
    };
    assert_eq!((count("persona"), count("messages")), (0, 0));
    assert!(
        !data.path().join("backups").exists(),
        "the backups are gone"
    );
    app.quit().await;
}

#[tokio::test]
async fn a_view_left_is_found_as_it_was_with_what_changed_meanwhile() {
    use hearth_core::store::memories::{self, MemoryDraft, MemoryKind};
    use hearth_e2e::{open_journal, read_journal, seed_ollama, type_into, wait_until};
    use hearth_fake_provider::{FakeProvider, Format, Step};

    let server = FakeProvider::start().await;
    server.answer_structured(Step::reply([
        r#"{"memories": [{"text": "Theodore's sister Amy is getting married in Lisbon in June.", "kind": "event", "importance": 4, "replaces": []}]}"#,
    ]));
    server.answer_by_default(Step::reply(["How wonderful! Tell me about Amy."]));
    let display = Display::start();
    let data = tempfile::tempdir().unwrap();
    seed_persona(data.path(), &test_persona());
    seed_ollama(data.path(), &server.base_url(Format::Ollama), "fake-small");
    let tea = MemoryDraft {
        text: "Theodore drinks Earl Grey in the evenings.".into(),
        kind: MemoryKind::Preference,
        importance: 2,
    };
    open_journal(data.path())
        .with(|c| memories::insert(c, &tea, None, chrono::Utc::now().timestamp_millis()))
        .unwrap();
    let app = App::launch(&display, data.path()).await;

    // Memories, looked through for Lisbon: nothing yet.
    open_view(&app, "memories").await;
    type_into(&app, "#memory-search", "Lisbon").await;
    app.find("#memories .none").await;

    // Meanwhile, in the conversation, the companion learns about Lisbon.
    open_view(&app, "conversation").await;
    type_into(
        &app,
        "#composer-input",
        "My sister Amy is getting married in Lisbon in June.",
    )
    .await;
    click(&app, "button.send[type='submit']").await;
    let journal = read_journal(data.path());
    wait_until("the companion to learn about the wedding", || {
        journal
            .query_row(
                "SELECT count(*) FROM memories WHERE text LIKE '%Lisbon%'",
                [],
                |r| r.get::<_, i64>(0),
            )
            .is_ok_and(|n| n == 1)
    })
    .await;

    // Back in Memories: the search as it was left, and what was learnt since.
    open_view(&app, "memories").await;
    assert_eq!(
        app.eval("return document.getElementById('memory-search').value")
            .await,
        serde_json::json!("Lisbon"),
        "the search typed before stays"
    );
    let found = app.find("#memories li.memory").await.text().await.unwrap();
    assert!(
        found.contains("married in Lisbon"),
        "what was learnt meanwhile shows: {found:?}"
    );
    app.quit().await;
}
