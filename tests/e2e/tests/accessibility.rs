//! Accessibility, measured in the real window: axe-core's WCAG 2.1 A and AA
//! rules over every view in both themes (first run, the conversation while a
//! reply streams and after it is stopped, what the companion remembers, the
//! letters, the diary, Settings, the Ctrl+K palette and the dialogs); and one
//! path through first run, a conversation, a letter and the diary on the
//! keyboard alone, the focus shown at every step.

use fantoccini::key::Key;
use hearth_core::store::letters::{self as letter_store, LetterBrief, PersonDate, PersonDraft};
use hearth_core::store::memories::{self, MemoryDraft, MemoryKind};
use hearth_core::store::messages::{self, MessageStatus, Role};
use hearth_core::store::{diary, moments};
use hearth_e2e::a11y::{
    Audit, assert_focus, assert_no_violations, audit, chord, focus, press_key, shift_tab_to,
    tab_to, type_keys,
};
use hearth_e2e::{
    App, Display, calendar_to, click, local_noon, open_journal, press, read_journal, seed_ollama,
    seed_persona, test_persona, thread_when, type_into, wait_for_text, wait_until,
};
use hearth_fake_provider::{FakeProvider, Format, Step};

const MODEL: &str = "fake-small";
const ENTRY: &str = r#"{"title": "The lake house", "body": "Theodore told me about the lake house where he spent his summers.\n\nI could hear how much he misses it.", "mood": "wistful", "tags": ["lake", "summer"], "people": ["Amy"]}"#;

fn diary_requests(server: &FakeProvider) -> usize {
    server
        .requests()
        .iter()
        .filter(|r| r.method == "POST" && r.body.to_string().contains("Write your diary entry"))
        .count()
}

/// A journal with something in every view: yesterday's talk (its diary
/// entry is written at start-up), today's with a link and a kept moment,
/// memories of each kind, a person with a birthday and a letter to them.
/// Returns the kept moment's day (the clock may pass midnight while the
/// test runs: "today" later is not that day).
fn seed_everything(data: &std::path::Path, server: &FakeProvider) -> String {
    seed_persona(data, &test_persona());
    seed_ollama(data, &server.base_url(Format::Ollama), MODEL);
    let yesterday = local_noon(1).1;
    let now = chrono::Utc::now().timestamp_millis() - 60_000;
    let offset = chrono::Local::now().offset().local_minus_utc() / 60;
    let journal = open_journal(data);
    let day = journal
        .with(|c| {
            let say = |role, text: &str, at| {
                messages::insert_at(c, role, text, MessageStatus::Complete, None, at).map(|m| m.id)
            };
            say(Role::User, "I miss the lake house, you know.", yesterday)?;
            say(Role::Assistant, "Tell me about it? What was the water like in the mornings?", yesterday + 1_000)?;
            let kept = say(Role::User, "Amy is getting married in Lisbon in June!", now)?;
            say(
                Role::Assistant,
                "How wonderful! **Lisbon** in June. There is a [guide to the city](https://example.org/lisbon) if you want to plan:\n\n- the Alfama\n- the river",
                now + 1_000,
            )?;
            let moment = moments::keep_message(c, kept, offset, now + 2_000)?.unwrap();
            diary::save_reflection(
                c,
                moment.id,
                "Amy's wedding in Lisbon",
                "He told me his sister is getting married.",
                &["family".to_owned()],
                now + 3_000,
            )?;
            for (text, kind) in [
                ("Amy is Theodore's sister", MemoryKind::Person),
                ("Amy's wedding is in June", MemoryKind::Date),
                ("Likes swimming in the lake early", MemoryKind::Preference),
                ("Wants to visit Lisbon", MemoryKind::Plan),
            ] {
                let draft = MemoryDraft { text: text.into(), kind, importance: 3 };
                memories::insert(c, &draft, None, now)?;
            }
            Ok(moment.day)
        })
        .unwrap();
    journal
        .with(|c| {
            let person = PersonDraft {
                name: "Mum".into(),
                relationship: "mother".into(),
                notes: "Loves the lake".into(),
                dates: vec![PersonDate {
                    label: "Birthday".into(),
                    month: 6,
                    day: 2,
                    year: None,
                }],
            };
            let person = letter_store::save_person(c, None, &person, now)?;
            let brief = LetterBrief {
                person_id: person,
                recipient: "Mum".into(),
                occasion: "Her birthday".into(),
                carry: "Thanks for the summers at the lake".into(),
                weave: Vec::new(),
                tone: "tender".into(),
                length: Default::default(),
                signature: "With love, Theodore".into(),
            };
            let letter = letter_store::insert_letter(c, &brief, now)?;
            letter_store::set_body(
                c,
                letter,
                "Dear Mum,\n\nI still think of the lake every June.",
                now,
            )?;
            Ok(())
        })
        .unwrap();
    day
}

async fn open_view(app: &App, view: &str) {
    click(app, &format!("nav button[data-view='{view}']")).await;
    app.find(&format!("main[data-view='{view}']")).await;
}

/// Every view and dialog of a journal that holds something everywhere, in
/// the theme shown now; each screen audited.
async fn tour(app: &App, server: &FakeProvider, theme: &str, day: &str) -> Vec<Audit> {
    let mut audits = Vec::new();
    let screen = |what: &str| format!("{what} ({theme})");

    // The conversation: a reply streaming, then stopped.
    open_view(app, "conversation").await;
    thread_when(app, "the seeded conversation", |t| t.len() >= 4).await;
    server.script([Step::StallAfter {
        chunks: vec!["Tell me everything ".into(), "about the wedding".into()],
    }]);
    type_into(app, "#composer-input", "Will you help me write to her?").await;
    click(app, "button.send[type='submit']").await;
    thread_when(app, "a reply streaming", |t| {
        t.last()
            .is_some_and(|m| m.status == "streaming" && m.text.contains("wedding"))
    })
    .await;
    audits.push(audit(app, &screen("conversation, a reply streaming")).await);
    click(app, "button[data-action='stop']").await;
    thread_when(app, "the reply stopped", |t| {
        t.last().is_some_and(|m| m.mark.is_some())
    })
    .await;
    audits.push(audit(app, &screen("conversation, a reply stopped")).await);

    // A link in the companion's words asks before it opens.
    click(app, "#thread a[href='https://example.org/lisbon']").await;
    app.find("dialog.link-guard[open]").await;
    audits.push(audit(app, &screen("the link dialog")).await);
    press(app, "dialog.link-guard[open]", &Key::Escape.to_string()).await;
    app.wait_gone("dialog.link-guard[open]").await;

    // What I remember.
    open_view(app, "memories").await;
    app.find("#memories li.memory").await;
    audits.push(audit(app, &screen("what I remember")).await);
    click(app, "#memories li.memory [data-action='delete']").await;
    app.find("#memories [data-action='confirm-delete']").await;
    audits.push(audit(app, &screen("what I remember, deleting")).await);
    click(app, "#memories .confirm [data-action='cancel']").await;

    // Letters: the list and people, a person, the desk, the paper.
    open_view(app, "letters").await;
    app.find("#letters button[data-letter]").await;
    audits.push(audit(app, &screen("letters")).await);
    click(app, "#letters [data-action='add-person']").await;
    app.find("#person-name").await;
    audits.push(audit(app, &screen("letters, a person")).await);
    open_view(app, "conversation").await;
    open_view(app, "letters").await;
    click(app, "#letters [data-action='new-letter']").await;
    app.find("#letter-recipient").await;
    audits.push(audit(app, &screen("letters, a new letter")).await);
    open_view(app, "conversation").await;
    open_view(app, "letters").await;
    click(app, "#letters button[data-letter]").await;
    app.find("#letter-body").await;
    audits.push(audit(app, &screen("letters, the desk")).await);
    click(app, "[data-tab='paper']").await;
    app.find(".page[data-page='1']").await;
    audits.push(audit(app, &screen("letters, on paper")).await);

    // The diary: the timeline and calendar, an entry, a day, a search.
    open_view(app, "diary").await;
    wait_for_text(app, ".card.entry .title", "The lake house").await;
    audits.push(audit(app, &screen("diary, timeline and calendar")).await);
    click(app, ".card.entry").await;
    wait_for_text(app, ".reader .entry h3", "The lake house").await;
    audits.push(audit(app, &screen("diary, an entry")).await);
    // Opening yesterday's entry turned the calendar to its month: on the
    // first of a month, the moment's is the next one.
    calendar_to(app, day).await;
    click(app, &format!(".calendar button.day[data-day='{day}']")).await;
    app.find(&format!(".reader[data-day='{day}'] .moment"))
        .await;
    audits.push(audit(app, &screen("diary, a day")).await);
    type_into(app, "#diary-search", "lake").await;
    app.find(".search .hit[data-kind='entry']").await;
    audits.push(audit(app, &screen("diary, search results")).await);

    // Search everything (Ctrl+K).
    press(
        app,
        "#diary-search",
        &format!("{}k", char::from(Key::Control)),
    )
    .await;
    type_into(app, "#search-everything", "lisbon").await;
    app.find("#search-palette .hit[data-kind='moment']").await;
    audits.push(audit(app, &screen("search everything")).await);
    press(app, "#search-everything", &Key::Escape.to_string()).await;
    app.wait_gone("#search-palette").await;
    // The Diary stays as it is left (lib/kept): back to its timeline, where
    // the next tour begins.
    press(app, "#diary-search", &Key::Escape.to_string()).await;
    click(app, ".reader button.back").await;
    app.find(".timeline").await;

    // Settings.
    open_view(app, "settings").await;
    app.find(&format!("label[data-theme-option='{theme}']"))
        .await;
    audits.push(audit(app, &screen("settings")).await);
    audits
}

#[tokio::test]
async fn every_view_meets_wcag_21_aa_in_both_themes() {
    let server = FakeProvider::start().await;
    let display = Display::start();
    let mut audits = Vec::new();

    // First run, on a fresh journal. The user picks no theme there: it
    // follows the system's, set here as Settings would set it.
    {
        let fresh = tempfile::tempdir().unwrap();
        let app = App::launch(&display, fresh.path()).await;
        app.find("#first-run[data-step='provider']").await;
        for theme in ["light", "dark"] {
            app.eval(&format!(
                "document.documentElement.dataset.theme = '{theme}'; return null"
            ))
            .await;
            audits.push(audit(&app, &format!("first run, a model ({theme})")).await);
        }
        click(&app, "label[data-provider='ollama']").await;
        type_into(&app, "#provider-url", &server.base_url(Format::Ollama)).await;
        type_into(&app, "#provider-model", MODEL).await;
        click(&app, "[data-testid='save-provider']").await;
        app.find("[data-testid='provider-status'] strong").await;
        click(&app, "#first-run [data-action='next']").await;
        app.find("#first-run[data-step='name']").await;
        click(&app, "#first-run [data-action='next']").await;
        app.find("#step-error").await;
        for theme in ["light", "dark"] {
            app.eval(&format!(
                "document.documentElement.dataset.theme = '{theme}'; return null"
            ))
            .await;
            audits.push(audit(&app, &format!("first run, a question unanswered ({theme})")).await);
        }
        app.quit().await;
    }

    // Met, but no model connected: what the conversation and the letters
    // say then.
    {
        let unconnected = tempfile::tempdir().unwrap();
        seed_persona(unconnected.path(), &test_persona());
        let app = App::launch(&display, unconnected.path()).await;
        for theme in ["light", "dark"] {
            open_view(&app, "settings").await;
            click(&app, &format!("label[data-theme-option='{theme}']")).await;
            app.find(&format!("html[data-theme='{theme}']")).await;
            open_view(&app, "conversation").await;
            app.find("#composer-input").await;
            audits.push(audit(&app, &format!("conversation, no model ({theme})")).await);
            open_view(&app, "letters").await;
            app.find("#letters [data-action='new-letter']").await;
            audits.push(audit(&app, &format!("letters, no model ({theme})")).await);
        }
        app.quit().await;
    }

    // Then a journal with something in every view, light then dark.
    let data = tempfile::tempdir().unwrap();
    let day = seed_everything(data.path(), &server);
    server.script([Step::reply([ENTRY])]);
    let app = App::launch(&display, data.path()).await;
    wait_until("yesterday's entry is asked for", || {
        diary_requests(&server) == 1
    })
    .await;
    open_view(&app, "settings").await;
    click(&app, "label[data-theme-option='light']").await;
    app.find("html[data-theme='light']").await;
    audits.extend(tour(&app, &server, "light", &day).await);
    click(&app, "label[data-theme-option='dark']").await;
    app.find("html[data-theme='dark']").await;
    audits.extend(tour(&app, &server, "dark", &day).await);

    let csp = app.eval("return window.__hearth.cspViolations").await;
    assert_eq!(csp, serde_json::json!([]), "the audit trips no CSP");
    app.quit().await;
    assert_no_violations(&audits);
}

/// Presses `key` until the focus reaches `selector`, at most `limit` times
/// (arrows in a radio group, which move the choice with the focus).
async fn arrow_to(app: &App, step: &str, key: Key, selector: &str, limit: usize) {
    for _ in 0..limit {
        if focus(app, selector).await.matches {
            break;
        }
        press_key(app, key).await;
    }
    assert_focus(app, step, selector).await;
}

/// Waits until `selector` has the focus.
async fn wait_until_focused(app: &App, selector: &str) {
    let deadline = std::time::Instant::now() + hearth_e2e::READY_PATIENCE;
    while !focus(app, selector).await.matches {
        assert!(
            std::time::Instant::now() < deadline,
            "{selector} never took the focus"
        );
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
}

/// Empties the focused field with Backspace, as a person would.
async fn erase(app: &App) {
    let length = app
        .eval("return document.activeElement.value.length")
        .await
        .as_u64()
        .unwrap();
    for _ in 0..length {
        press_key(app, Key::Backspace).await;
    }
}

#[tokio::test]
async fn first_run_a_conversation_a_letter_and_the_diary_on_the_keyboard_alone() {
    let server = FakeProvider::start().await;
    let display = Display::start();
    let data = tempfile::tempdir().unwrap();
    let app = App::launch(&display, data.path()).await;

    // First run: the step's title takes the focus, so a screen reader reads
    // it first (a heading, not a control: it shows no ring); Tab reaches the
    // providers, the arrows choose one, the fields take words.
    app.find("#first-run[data-step='provider']").await;
    wait_until_focused(&app, "#step-title").await;
    tab_to(&app, "to the providers", "input[name='provider-kind']", 10).await;
    arrow_to(
        &app,
        "choose Ollama",
        Key::Up,
        "input[name='provider-kind'][value='ollama']",
        4,
    )
    .await;
    tab_to(&app, "to the address", "#provider-url", 10).await;
    erase(&app).await;
    type_keys(&app, &server.base_url(Format::Ollama)).await;
    tab_to(&app, "to the model", "#provider-model", 5).await;
    type_keys(&app, MODEL).await;
    tab_to(
        &app,
        "to Use this model",
        "[data-testid='save-provider']",
        10,
    )
    .await;
    press_key(&app, Key::Enter).await;
    app.find("[data-testid='provider-status'] strong").await;
    tab_to(&app, "to Continue", "#first-run [data-action='next']", 10).await;
    press_key(&app, Key::Enter).await;

    // Three questions, each answered and sent on with Enter.
    app.find("#first-run[data-step='name']").await;
    assert_focus(&app, "the name question", "#setup-name").await;
    type_keys(&app, "Theodore").await;
    press_key(&app, Key::Enter).await;
    app.find("#first-run[data-step='address']").await;
    assert_focus(&app, "the address question", "input[name='address-style']").await;
    press_key(&app, Key::Enter).await;
    app.find("#first-run[data-step='hopes']").await;
    assert_focus(&app, "the hopes question", "#setup-hopes").await;
    type_keys(&app, "Someone to talk to in the evenings").await;
    server.script([Step::reply([
        r#"{"name": "Samantha", "voice": "Warm and curious.", "introduction": "Hello Theodore, I'm Samantha."}"#,
    ])]);
    press_key(&app, Key::Enter).await;
    app.find("#first-run[data-step='introduction']").await;
    assert_focus(&app, "the introduction", "#companion-name").await;
    press_key(&app, Key::Enter).await;

    // The conversation: write, send with Enter, keep a moment.
    // It opens with the composer focused: the first words typed land there.
    app.find("main[data-view='conversation']").await;
    wait_until_focused(&app, "#composer-input").await;
    server.script([
        Step::reply(["Lisbon in June! There is [a guide](https://example.org/lisbon)."]),
        Step::reply([r#"{"memories": []}"#]),
        Step::reply([r#"{"title": "Amy's wedding", "reflection": "His sister is getting married.", "tags": []}"#]),
    ]);
    type_keys(&app, "Amy is getting married in Lisbon").await;
    press_key(&app, Key::Enter).await;
    thread_when(&app, "the reply", |t| {
        t.len() == 3 && t.iter().all(|m| m.status == "complete")
    })
    .await;
    // A link in the companion's words: Enter asks first, in a dialog that
    // keeps the focus; Escape closes it, and the focus is back on the link.
    let link = "#thread a[href='https://example.org/lisbon']";
    shift_tab_to(&app, "back to the link in the reply", link, 8).await;
    press_key(&app, Key::Enter).await;
    app.find("dialog.link-guard[open]").await;
    assert_focus(&app, "the link dialog opens", "dialog.link-guard button").await;
    for _ in 0..3 {
        press_key(&app, Key::Tab).await;
        assert_focus(
            &app,
            "Tab stays in the link dialog",
            "dialog.link-guard button",
        )
        .await;
    }
    chord(&app, Key::Shift, Key::Tab).await;
    assert_focus(
        &app,
        "Shift+Tab stays in the link dialog",
        "dialog.link-guard button",
    )
    .await;
    press_key(&app, Key::Escape).await;
    app.wait_gone("dialog.link-guard[open]").await;
    assert_focus(&app, "Escape gives the focus back to the link", link).await;

    let mine = "li.message[data-role='user'] [data-action='keep']";
    shift_tab_to(
        &app,
        "back through the thread to Keep this moment",
        mine,
        12,
    )
    .await;
    press_key(&app, Key::Enter).await;
    app.find("li.message[data-role='user'] [data-action='keep'][aria-pressed='true']")
        .await;

    // Search everything: Ctrl+K opens it on its field, the focus stays
    // inside, Escape closes it and gives the focus back.
    chord(&app, Key::Control, 'k').await;
    assert_focus(&app, "Ctrl+K", "#search-everything").await;
    type_keys(&app, "lisbon").await;
    app.find("#search-palette .hit").await;
    for _ in 0..4 {
        press_key(&app, Key::Tab).await;
        assert_focus(&app, "Tab stays in the palette", "#search-palette *").await;
    }
    chord(&app, Key::Shift, Key::Tab).await;
    assert_focus(&app, "Shift+Tab stays in the palette", "#search-palette *").await;
    press_key(&app, Key::Escape).await;
    app.wait_gone("#search-palette").await;
    assert_focus(&app, "Escape gives the focus back", mine).await;

    // A letter: to Letters, New letter, whom for, the companion's question,
    // the draft, then the paper.
    tab_to(&app, "to Letters", "nav button[data-view='letters']", 30).await;
    press_key(&app, Key::Enter).await;
    app.find("#letters").await;
    tab_to(&app, "to New letter", "[data-action='new-letter']", 10).await;
    press_key(&app, Key::Enter).await;
    assert_focus(&app, "whom the letter is for", "#letter-recipient").await;
    type_keys(&app, "Mum").await;
    server.script([
        Step::reply([r#"{"questions": ["What do you remember of the lake?"]}"#]),
        Step::reply(["Dear Mum,\n\nI still think of the lake every June."]),
    ]);
    tab_to(&app, "to Begin", "[data-action='begin-letter']", 15).await;
    press_key(&app, Key::Enter).await;
    app.find("#answer-0").await;
    assert_focus(&app, "the companion's question", "#answer-0").await;
    type_keys(&app, "Your laugh on the jetty").await;
    tab_to(&app, "to Draft", "[data-action='draft']", 3).await;
    press_key(&app, Key::Enter).await;
    app.find("[data-action='revise']").await;
    shift_tab_to(&app, "back to the tabs", "[data-tab='paper']", 15).await;
    press_key(&app, Key::Enter).await;
    app.find(".page[data-page='1']").await;

    // The diary: the moment kept, opened from the calendar.
    tab_to(&app, "to the Diary", "nav button[data-view='diary']", 30).await;
    press_key(&app, Key::Enter).await;
    app.find("#diary .card.moment").await;
    // The moment's own day (the clock may have passed midnight since).
    let day: String = read_journal(data.path())
        .query_row(
            "SELECT day FROM moments ORDER BY id DESC LIMIT 1",
            [],
            |r| r.get(0),
        )
        .unwrap();
    tab_to(
        &app,
        "to the moment's day on the calendar",
        &format!(".calendar button.day[data-day='{day}']"),
        30,
    )
    .await;
    press_key(&app, Key::Enter).await;
    app.find(&format!(".reader[data-day='{day}'] .moment"))
        .await;
    tab_to(
        &app,
        "into the day",
        ".reader [data-action='favourite']",
        30,
    )
    .await;
    press_key(&app, Key::Space).await;
    app.find(".reader [data-action='favourite'][aria-pressed='true']")
        .await;

    let csp = app.eval("return window.__hearth.cspViolations").await;
    assert_eq!(csp, serde_json::json!([]));
    app.quit().await;
}
