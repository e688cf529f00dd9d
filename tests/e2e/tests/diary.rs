//! The diary in a real window against the fake provider: the entry of a day
//! that ended while Hearth was closed, written at start-up; a moment kept
//! from the conversation, reflected on in the background and found in the
//! timeline, on the calendar and by Ctrl+K search, opened at its messages;
//! delete and undo. Screenshots of each, light and dark.

use fantoccini::key::Key;
use hearth_core::store::messages::{self, MessageStatus, Role};
use hearth_e2e::{
    App, Display, calendar_to, click, local_noon, open_journal, point_at, press, read_journal,
    seed_ollama, seed_persona, test_persona, text_of, type_into, wait_for_text, wait_until,
};
use hearth_fake_provider::{FakeProvider, Format, Recorded, Step};

const MODEL: &str = "fake-small";
const ENTRY: &str = r#"{"title": "The lake house", "body": "Theodore told me about the lake house where he spent his summers.\n\nI could hear how much he misses it.", "mood": "wistful", "tags": ["lake", "summer"], "people": ["Amy"]}"#;
const REFLECTION: &str = r#"{"title": "Amy's wedding in Lisbon", "reflection": "He told me his sister is getting married. I want to be there for every step of it with him.", "tags": ["family"]}"#;

fn chats(server: &FakeProvider) -> Vec<Recorded> {
    server
        .requests()
        .into_iter()
        .filter(|r| r.method == "POST" && r.path == "/api/chat")
        .collect()
}

fn said(request: &Recorded) -> String {
    request.body["messages"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|m| m["content"].as_str().unwrap_or_default().to_owned())
        .collect::<Vec<_>>()
        .join("\n")
}

fn asked(server: &FakeProvider, words: &str) -> usize {
    chats(server)
        .iter()
        .filter(|r| said(r).contains(words))
        .count()
}

async fn open_diary(app: &App) {
    click(app, "nav button[data-view='diary']").await;
    app.find("main[data-view='diary'] #diary").await;
}

async fn choose_theme(app: &App, theme: &str) {
    click(app, "nav button[data-view='settings']").await;
    click(app, &format!("label[data-theme-option='{theme}']")).await;
    app.find(&format!("html[data-theme='{theme}']")).await;
}

#[tokio::test]
async fn a_days_entry_and_a_kept_moment_are_found_in_the_timeline_the_calendar_and_search() {
    let server = FakeProvider::start().await;
    let display = Display::start();
    let data = tempfile::tempdir().unwrap();
    let persona = test_persona();
    seed_persona(data.path(), &persona);
    seed_ollama(data.path(), &server.base_url(Format::Ollama), MODEL);
    // Yesterday the two talked, and Hearth was closed at midnight; today
    // Theodore said something worth keeping.
    let (yesterday, then) = local_noon(1);
    let now = chrono::Utc::now().timestamp_millis() - 60_000;
    // The day of what is kept now (not the clock's day a moment later: it
    // may have passed midnight).
    let today = chrono::DateTime::from_timestamp_millis(now)
        .unwrap()
        .with_timezone(&chrono::Local)
        .date_naive()
        .to_string();
    let kept = {
        let journal = open_journal(data.path());
        let say = |role, text: &str, at| {
            journal
                .with(|c| messages::insert_at(c, role, text, MessageStatus::Complete, None, at))
                .unwrap()
                .id
        };
        say(Role::User, "I miss the lake house, you know.", then);
        say(Role::Assistant, "Tell me about it?", then + 1_000);
        let kept = say(Role::User, "Amy is getting married in Lisbon in June!", now);
        say(Role::Assistant, "How wonderful!", now + 1_000);
        kept
    };
    server.script([Step::reply([ENTRY])]);
    let app = App::launch(&display, data.path()).await;

    // At start-up, the day that is over is written about.
    wait_until("yesterday's entry is asked for", || {
        asked(&server, "Write your diary entry") == 1
    })
    .await;
    let entry_request = chats(&server)
        .into_iter()
        .find(|r| said(r).contains("Write your diary entry"))
        .unwrap();
    assert!(said(&entry_request).contains("I miss the lake house"));
    assert!(
        !said(&entry_request).contains("Lisbon"),
        "today is not over: it is not in yesterday's entry"
    );

    // Keep this moment: the companion reflects on it in the background.
    server.script([Step::reply([REFLECTION])]);
    point_at(&app, &format!("li.message[data-id='{kept}'] article")).await;
    click(
        &app,
        &format!("li.message[data-id='{kept}'] [data-action='keep']"),
    )
    .await;
    open_diary(&app).await;
    let moment: i64 = {
        let journal = read_journal(data.path());
        journal
            .query_row(
                "SELECT moment_id FROM moment_sources WHERE message_id = ?1",
                [kept],
                |r| r.get(0),
            )
            .unwrap()
    };
    // Shown at once, filled in once written.
    let card = format!(".card.moment[data-id='{moment}']");
    wait_for_text(&app, &format!("{card} .title"), "Amy's wedding in Lisbon").await;
    assert_eq!(asked(&server, "asked you to keep this moment"), 1);
    let entry_card = ".card.entry .title";
    wait_for_text(&app, entry_card, "The lake house").await;
    let months = app
        .eval(
            "return [...document.querySelectorAll('.timeline h2.month')].map((h) => h.textContent)",
        )
        .await;
    assert!(
        !months.as_array().unwrap().is_empty(),
        "grouped by month: {months}"
    );
    app.screenshot("diary-timeline-light").await;

    // The calendar marks today's moment; the entry opens with its day.
    app.find(&format!(".calendar button.day.moments[data-day='{today}']"))
        .await;
    click(&app, ".card.entry").await;
    wait_for_text(&app, ".reader .entry h3", "The lake house").await;
    let by = text_of(&app, ".reader .entry .by").await;
    assert!(
        by.starts_with("Written by Samantha (fake-small)") && by.contains("wistful"),
        "it says plainly who wrote it: {by}"
    );
    app.find(&format!(
        ".calendar button.day.entry.selected[data-day='{yesterday}']"
    ))
    .await;
    app.screenshot("diary-entry-light").await;

    calendar_to(&app, &today).await;
    click(&app, &format!(".calendar button.day[data-day='{today}']")).await;
    app.find(&format!(
        ".reader[data-day='{today}'] .moment[data-item='moment-{moment}']"
    ))
    .await;
    app.screenshot("diary-calendar-light").await;

    // Search everything (Ctrl+K): the moment and the message, the words marked.
    press(
        &app,
        "#diary-search",
        &format!("{}k", char::from(Key::Control)),
    )
    .await;
    type_into(&app, "#search-everything", "lisbon").await;
    app.find(&format!(
        "#search-palette .hit[data-kind='moment'][data-id='{moment}']"
    ))
    .await;
    app.find(&format!(
        "#search-palette .hit[data-kind='message'][data-id='{kept}']"
    ))
    .await;
    let marked = app
        .eval("return [...document.querySelectorAll('#search-palette .hit[data-kind=\"message\"] mark')].map((m) => m.textContent)")
        .await;
    assert_eq!(marked, serde_json::json!(["Lisbon"]));
    app.screenshot("diary-search-light").await;
    click(
        &app,
        &format!("#search-palette .hit[data-kind='message'][data-id='{kept}']"),
    )
    .await;
    app.wait_gone("#search-palette").await;
    app.find(&format!(".reader .said.marked[data-message='{kept}']"))
        .await;

    // Delete the moment, then undo.
    click(
        &app,
        &format!(".reader .moment[data-item='moment-{moment}'] [data-action='delete']"),
    )
    .await;
    app.wait_gone(&format!(".reader .moment[data-item='moment-{moment}']"))
        .await;
    click(&app, ".toast [data-action='undo']").await;
    wait_for_text(
        &app,
        &format!(".reader .moment[data-item='moment-{moment}'] h3"),
        "Amy's wedding in Lisbon",
    )
    .await;

    // Dark. The Diary is found as it was left, today open in the reader;
    // back to the timeline.
    choose_theme(&app, "dark").await;
    open_diary(&app).await;
    app.find(&format!(".reader[data-day='{today}']")).await;
    click(&app, ".reader button.back").await;
    wait_for_text(&app, entry_card, "The lake house").await;
    app.screenshot("diary-timeline-dark").await;
    click(&app, ".card.entry").await;
    wait_for_text(&app, ".reader .entry h3", "The lake house").await;
    app.screenshot("diary-entry-dark").await;
    type_into(&app, "#diary-search", "lake").await;
    app.find(".search .hit[data-kind='entry']").await;
    app.screenshot("diary-search-dark").await;

    // Forget yesterday for good: the reader says what goes, then it is gone.
    click(&app, ".search .hit[data-kind='entry']").await;
    app.find(&format!(".reader[data-day='{yesterday}']")).await;
    click(&app, "[data-action='forget-day']").await;
    let warning = text_of(&app, "[data-testid='forget-day']").await;
    assert!(
        warning.contains("2 messages") && warning.contains("cannot be undone"),
        "it says what is lost: {warning}"
    );
    app.screenshot("diary-forget-day-dark").await;
    click(&app, "[data-action='confirm-forget-day']").await;
    app.wait_gone(&format!(".reader[data-day='{yesterday}']"))
        .await;
    let left: i64 = read_journal(data.path())
        .query_row(
            "SELECT count(*) FROM messages WHERE created_at < ?1",
            [then + 60_000],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(left, 0, "yesterday's messages are gone");

    let violations = app.eval("return window.__hearth.cspViolations").await;
    assert_eq!(
        violations,
        serde_json::json!([]),
        "nothing may trip the CSP"
    );
    app.quit().await;
}
