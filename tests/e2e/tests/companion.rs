//! The companion in a real window against the fake provider: meeting it on
//! first run, a streamed conversation (stop, regenerate, edit, keep a
//! moment), and what survives a restart or a killed app, checked in the
//! window and in the journal file itself.

use std::time::Duration;

use fantoccini::key::Key;
use hearth_core::store::messages::{Message, MessageStatus, Role};
use hearth_core::store::persona::{self, Persona};
use hearth_e2e::{
    App, Display, Shown, click, journal_messages, open_journal, point_at, press, read_journal,
    seed_ollama, seed_persona, test_persona, text_of, thread_when, type_into, wait_for_text,
    wait_until,
};
use hearth_fake_provider::{FakeProvider, Format, Recorded, Step};

const MODEL: &str = "fake-small";
const KEY: &str = "sk-first-run-5e7a9c1b3d5f7a9c1b3d";
/// The answer a learning request gets: nothing worth remembering.
const NOTHING_TO_LEARN: &str = r#"{"memories": []}"#;
/// The answer a moment's reflection request gets.
const REFLECTION: &str =
    r#"{"title": "Always", "reflection": "A small promise I mean to keep.", "tags": []}"#;

/// Does what a user does to act on one message: brings it into view, points
/// at it, which shows its actions, and clicks the one named `action`.
async fn act_on(app: &App, message: i64, action: &str) {
    point_at(app, &format!("li.message[data-id='{message}'] article")).await;
    click(
        app,
        &format!("li.message[data-id='{message}'] [data-action='{action}']"),
    )
    .await;
}

/// Every chat request the fake provider received, in order.
fn chats(server: &FakeProvider) -> Vec<Recorded> {
    server
        .requests()
        .into_iter()
        .filter(|r| {
            r.method == "POST" && (r.path.ends_with("/chat/completions") || r.path == "/api/chat")
        })
        .collect()
}

/// Everything a chat request said, system prompt and messages, as one text.
fn said(request: &Recorded) -> String {
    let mut text = String::new();
    if let Some(system) = request.body["system"].as_str() {
        text.push_str(system);
    }
    for m in request.body["messages"].as_array().into_iter().flatten() {
        text.push('\n');
        text.push_str(m["content"].as_str().unwrap_or_default());
    }
    text
}

fn is_learning(request: &Recorded) -> bool {
    said(request).contains("long-term memory")
}

/// Waits until the app has asked what to learn from `n` finished exchanges,
/// so the next scripted step goes to the next reply and not to learning.
async fn learnt(server: &FakeProvider, n: usize) {
    wait_until(&format!("{n} learning requests"), || {
        chats(server).iter().filter(|r| is_learning(r)).count() >= n
    })
    .await;
}

/// The thread once no reply is streaming and the composer offers Send again.
async fn settled(app: &App, what: &str, messages: usize) -> Vec<Shown> {
    let shown = thread_when(app, what, |t| {
        t.len() == messages && t.iter().all(|m| m.status != "streaming")
    })
    .await;
    app.find("button.send[type='submit']").await;
    shown
}

/// The text without its whitespace, which rendering may lay out differently.
fn squash(text: &str) -> String {
    text.split_whitespace().collect()
}

/// Writes `text` in the composer and presses Send.
async fn send(app: &App, text: &str) {
    type_into(app, "#composer-input", text).await;
    click(app, "button.send[type='submit']").await;
}

async fn choose_theme(app: &App, theme: &str) {
    click(app, "nav button[data-view='settings']").await;
    click(app, &format!("label[data-theme-option='{theme}']")).await;
    app.find(&format!("html[data-theme='{theme}']")).await;
    click(app, "nav button[data-view='conversation']").await;
    app.find("main[data-view='conversation'] #thread li.message")
        .await;
}

fn words(chunks: &[&str]) -> String {
    chunks.concat()
}

fn step(chunks: &[&str], delay_ms: u64) -> Step {
    Step::Reply {
        chunks: chunks.iter().map(|c| (*c).to_owned()).collect(),
        delay: Duration::from_millis(delay_ms),
    }
}

fn assert_message(m: &Message, role: Role, status: MessageStatus, content: &str) {
    assert_eq!(
        (m.role, m.status, m.content.as_str()),
        (role, status, content),
        "in the journal: {m:#?}"
    );
}

/// Starts the fake provider and a display, and launches the app on a new
/// journal that holds a persona and the fake Ollama model, so it opens on the
/// conversation; returns all four, to keep them alive for the test.
async fn launch_past_first_run() -> (FakeProvider, Display, tempfile::TempDir, App) {
    let server = FakeProvider::start().await;
    let display = Display::start();
    let data = tempfile::tempdir().unwrap();
    seed_persona(data.path(), &test_persona());
    seed_ollama(data.path(), &server.base_url(Format::Ollama), MODEL);
    let app = App::launch(&display, data.path()).await;
    app.find("main[data-view='conversation'] #thread").await;
    (server, display, data, app)
}

#[tokio::test]
async fn first_run_connects_a_model_asks_three_questions_and_the_companion_introduces_itself() {
    let server = FakeProvider::start().await;
    server.require_key(KEY);
    let display = Display::start();
    let data = tempfile::tempdir().unwrap();
    let app = App::launch(&display, data.path()).await;

    // A fresh journal and no model: first run begins by connecting one.
    app.find("#first-run[data-step='provider']").await;
    assert!(
        app.eval("return document.querySelector('nav') === null")
            .await
            .as_bool()
            .unwrap(),
        "first run shows no navigation"
    );
    click(&app, "label[data-provider='openai-compatible']").await;
    type_into(&app, "#provider-url", &server.base_url(Format::OpenAi)).await;
    type_into(&app, "#provider-model", MODEL).await;
    type_into(&app, "#provider-key", KEY).await;
    click(&app, "[data-testid='save-key']").await;
    app.find("[data-testid='key-status']").await;
    click(&app, "[data-testid='save-provider']").await;
    let using = text_of(&app, "[data-testid='provider-status'] strong").await;
    assert_eq!(using, MODEL);
    app.screenshot("first-run-1-provider").await;
    click(&app, "#first-run [data-action='next']").await;

    // Three questions. A name is needed; the others may be skipped.
    app.find("#first-run[data-step='name']").await;
    click(&app, "#first-run [data-action='next']").await;
    let why = text_of(&app, "#step-error").await;
    assert!(why.contains("Tell me a name"), "{why}");
    type_into(&app, "#setup-name", "Theodore").await;
    app.screenshot("first-run-2-name").await;
    click(&app, "#first-run [data-action='next']").await;

    app.find("#first-run[data-step='address']").await;
    type_into(&app, "#setup-address", "Gently, with a little humour").await;
    app.screenshot("first-run-3-address").await;
    click(&app, "#first-run [data-action='next']").await;

    app.find("#first-run[data-step='hopes']").await;
    type_into(
        &app,
        "#setup-hopes",
        "Someone to talk to in the evenings, who remembers my friends",
    )
    .await;
    app.screenshot("first-run-4-hopes").await;

    // The companion introduces itself, streamed in pieces like any answer.
    let introduction = "Hello Theodore, I'm Samantha. I'd love to hear about your evenings.";
    let answer = format!(
        r#"{{"name": "Samantha", "voice": "Warm and curious.", "introduction": "{introduction}"}}"#
    );
    let (a, b) = answer.split_at(answer.len() / 2);
    server.script([step(&[a, b], 50)]);
    click(&app, "#first-run [data-action='next']").await;
    app.find("#first-run[data-step='introduction']").await;
    assert_eq!(text_of(&app, ".introduction").await, introduction);
    let proposed = app
        .find("#companion-name")
        .await
        .prop("value")
        .await
        .unwrap();
    assert_eq!(proposed.as_deref(), Some("Samantha"));
    app.screenshot("first-run-5-introduction").await;

    // The introduction request carried the user's three answers (and the key).
    let asked = chats(&server);
    assert_eq!(asked.len(), 1, "one introduction request");
    let asked = &asked[0];
    let content = said(asked);
    for answer in [
        "Theodore",
        "Gently, with a little humour",
        "Someone to talk to in the evenings, who remembers my friends",
    ] {
        assert!(content.contains(answer), "{answer:?} not in {content}");
    }
    assert_eq!(
        asked.header("authorization"),
        Some(format!("Bearer {KEY}").as_str())
    );

    // The user renames the companion and begins.
    type_into(&app, "#companion-name", "Samira").await;
    click(&app, "#first-run [data-action='begin']").await;
    app.find("main[data-view='conversation']").await;
    wait_for_text(&app, "main h1.companion", "Samira").await;
    let shown = thread_when(&app, "the introduction", |t| t.len() == 1).await;
    assert_eq!(
        (shown[0].role.as_str(), shown[0].status.as_str()),
        ("assistant", "complete")
    );
    // Its first words carry the name the user chose, not the one it proposed.
    let opened_with = introduction.replace("Samantha", "Samira");
    assert_eq!(shown[0].text, opened_with);
    let placeholder = app
        .find("#composer-input")
        .await
        .attr("placeholder")
        .await
        .unwrap();
    assert_eq!(placeholder.as_deref(), Some("Write to Samira…"));
    app.screenshot("first-run-6-conversation").await;
    app.quit().await;

    // The journal holds who the companion is, under the chosen name, and its
    // first words as the conversation's first message.
    let journal = open_journal(data.path());
    let saved = journal.with(|c| persona::get(c)).unwrap();
    assert_eq!(
        saved,
        Some(Persona {
            companion_name: "Samira".into(),
            voice: "Warm and curious.".into(),
            user_name: "Theodore".into(),
            address_style: "Gently, with a little humour".into(),
            hopes: "Someone to talk to in the evenings, who remembers my friends".into(),
        })
    );
    let messages = journal_messages(&read_journal(data.path()));
    assert_eq!(messages.len(), 1, "{messages:#?}");
    assert_message(
        &messages[0],
        Role::Assistant,
        MessageStatus::Complete,
        &opened_with,
    );

    // Once met, the companion is there on the next start: no first run.
    let app = App::launch(&display, data.path()).await;
    wait_for_text(&app, "main h1.companion", "Samira").await;
    app.quit().await;
}

/// The presence's states, recorded from now on as the page changes them.
const WATCH_PRESENCE: &str = r#"
    const el = document.querySelector('[data-presence-state]');
    window.__presence = [el.dataset.presenceState];
    new MutationObserver(() => window.__presence.push(el.dataset.presenceState))
      .observe(el, { attributes: true, attributeFilter: ['data-presence-state'] });
    return null;
"#;

#[tokio::test]
async fn a_conversation_streams_stops_regenerates_edits_keeps_and_survives_a_restart() {
    let (server, display, data, app) = launch_past_first_run().await;
    wait_for_text(&app, "main h1.companion", "Samantha").await;

    // 1. A reply in Markdown, streamed in pieces. Raw HTML in it is the model's
    // text, shown as text, never run.
    let markdown = [
        "## A plan",
        " for Sunday\n\n",
        "- Call **Amy**",
        " at noon\n- Walk",
        " by the sea\n\n",
        "```rust\nfn main() {}\n```\n\n",
        "<script>window.__pwned = 'script'</script>\n\n",
        "Sleep well <img src=x onerror=\"window.__pwned = 'img'\">",
        " Theodore.",
    ];
    server.script([step(&markdown, 250), Step::reply([NOTHING_TO_LEARN])]);
    app.eval(WATCH_PRESENCE).await;
    send(&app, "What shall we do on Sunday?").await;
    // While it streams: Stop instead of Send, and the words render as they come.
    app.find("button.send[data-action='stop']").await;
    app.find("li.message[data-role='assistant'][data-status='streaming'] .body h2")
        .await;
    let shown = settled(&app, "the Markdown reply", 2).await;
    assert_eq!(
        (shown[0].role.as_str(), shown[0].text.as_str()),
        ("user", "What shall we do on Sunday?")
    );
    let reply = &shown[1];
    assert_eq!(
        (reply.role.as_str(), reply.status.as_str()),
        ("assistant", "complete")
    );
    let body = format!("li.message[data-id='{}'] .body", reply.id);
    let rendered = app
        .eval(&format!(
            "const b = document.querySelector(\"{body}\");
             return {{
               h2: b.querySelector('h2')?.textContent,
               items: [...b.querySelectorAll('ul > li')].map((li) => li.textContent),
               bold: b.querySelector('strong')?.textContent,
               code: b.querySelector('pre code')?.textContent,
               live: b.querySelectorAll('script, img, [onerror]').length,
               pwned: window.__pwned ?? null,
             }};"
        ))
        .await;
    assert_eq!(
        rendered,
        serde_json::json!({
            "h2": "A plan for Sunday",
            "items": ["Call Amy at noon", "Walk by the sea"],
            "bold": "Amy",
            "code": "fn main() {}\n",
            "live": 0,
            "pwned": null,
        })
    );
    for text in [
        "<script>window.__pwned = 'script'</script>",
        "<img src=x onerror=\"window.__pwned = 'img'\">",
        "Theodore.",
    ] {
        assert!(
            reply.text.contains(text),
            "{text:?} not shown in {reply:#?}"
        );
    }
    // The presence thought, then spoke; with the reply done and the composer
    // left, it rests.
    let presence = app
        .eval(
            "return window.__presence.concat(document.querySelector('[data-presence-state]').dataset.presenceState)",
        )
        .await;
    let presence: Vec<String> = serde_json::from_value(presence).unwrap();
    let thinking = presence.iter().position(|s| s == "thinking");
    let speaking = presence.iter().position(|s| s == "speaking");
    assert!(
        thinking.is_some() && speaking.is_some() && thinking < speaking,
        "presence went {presence:?}"
    );
    app.eval("document.activeElement?.blur(); return null")
        .await;
    app.find("[data-presence-state='resting']").await;
    let journal = read_journal(data.path());
    let saved = journal_messages(&journal);
    assert_message(
        &saved[1],
        Role::Assistant,
        MessageStatus::Complete,
        &words(&markdown),
    );
    learnt(&server, 1).await;

    // 2. Stop mid-reply: the words so far stay, marked partial.
    server.script([Step::StallAfter {
        chunks: vec!["I was".into(), " just thinking about".into()],
    }]);
    send(&app, "Are you there?").await;
    thread_when(&app, "the first words of the stalled reply", |t| {
        t.last()
            .is_some_and(|m| m.status == "streaming" && m.text == "I was just thinking about")
    })
    .await;
    click(&app, "button.send[data-action='stop']").await;
    let shown = settled(&app, "the stopped reply", 4).await;
    let stopped = &shown[3];
    assert_eq!(
        (
            stopped.status.as_str(),
            stopped.text.as_str(),
            stopped.mark.as_deref()
        ),
        (
            "partial",
            "I was just thinking about",
            Some("Stopped before the end")
        )
    );
    wait_until("Stop to hang up on the provider", || server.hangups() > 0).await;
    assert_message(
        &journal_messages(&journal)[3],
        Role::Assistant,
        MessageStatus::Partial,
        "I was just thinking about",
    );

    // 3. Regenerate: a new reply takes the stopped one's place.
    let again = ["Yes, ", "I'm here."];
    server.script([step(&again, 50), Step::reply([NOTHING_TO_LEARN])]);
    act_on(&app, stopped.id, "regenerate").await;
    let shown = thread_when(&app, "the regenerated reply", |t| {
        t.len() == 4 && t[3].status == "complete" && t[3].text == "Yes, I'm here."
    })
    .await;
    assert_eq!(shown[2].text, "Are you there?");
    assert_eq!(shown[3].text, "Yes, I'm here.");
    let saved = journal_messages(&journal);
    assert_eq!(saved.len(), 4, "one reply follows the message: {saved:#?}");
    assert_message(
        &saved[3],
        Role::Assistant,
        MessageStatus::Complete,
        "Yes, I'm here.",
    );
    assert!(
        saved
            .iter()
            .all(|m| m.content != "I was just thinking about"),
        "the stopped reply is replaced, not kept beside the new one"
    );
    learnt(&server, 2).await;

    // 4. Edit the last message and send it again: it is answered anew.
    let question = shown[2].id;
    let always = ["Always, ", "Theodore."];
    server.script([step(&always, 50), Step::reply([NOTHING_TO_LEARN])]);
    act_on(&app, question, "edit").await;
    type_into(&app, &format!("#edit-{question}"), "Are you still there?").await;
    click(
        &app,
        &format!("li.message[data-id='{question}'] form.edit button[type='submit']"),
    )
    .await;
    let shown = thread_when(&app, "the edited message's reply", |t| {
        t.len() == 4 && t[3].text == "Always, Theodore." && t[3].status == "complete"
    })
    .await;
    assert_eq!(
        (shown[2].id, shown[2].text.as_str()),
        (question, "Are you still there?")
    );
    let last_request = chats(&server)
        .into_iter()
        .rfind(|r| !is_learning(r))
        .unwrap();
    let asked = said(&last_request);
    assert!(
        asked.contains("Are you still there?") && !asked.contains("Are you there?"),
        "the edited words, not the old ones, reach the model: {asked}"
    );
    learnt(&server, 3).await;

    // 5. Keep this moment.
    let kept = shown[3].id;
    // The companion reflects on the moment in the background (diary.rs).
    server.script([Step::reply([REFLECTION])]);
    act_on(&app, kept, "keep").await;
    app.find(&format!(
        "li.message[data-id='{kept}'][data-kept='true'] [data-action='keep'][aria-pressed='true']"
    ))
    .await;
    let moment: (String, i64) = journal
        .query_row(
            "SELECT m.body, COUNT(*) FROM moments m JOIN moment_sources s ON s.moment_id = m.id
             WHERE s.message_id = ?1",
            [kept],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(moment, ("Always, Theodore.".to_owned(), 1));
    wait_until("the moment's reflection is asked for", || {
        chats(&server)
            .iter()
            .any(|r| said(r).contains("asked you to keep this moment"))
    })
    .await;

    // 6. Esc stops a reply too.
    server.script([Step::StallAfter {
        chunks: vec!["Once upon".into(), " a time".into()],
    }]);
    send(&app, "Tell me a story").await;
    thread_when(&app, "the story's first words", |t| {
        t.last()
            .is_some_and(|m| m.status == "streaming" && m.text == "Once upon a time")
    })
    .await;
    press(&app, "#composer-input", &Key::Escape).await;
    let before = settled(&app, "the story stopped by Esc", 6).await;
    assert_eq!(
        (before[5].status.as_str(), before[5].text.as_str()),
        ("partial", "Once upon a time")
    );
    let saved = journal_messages(&journal);
    drop(journal);
    app.quit().await;

    // 7. After a restart, the whole history is there as it was.
    let app = App::launch(&display, data.path()).await;
    let after = thread_when(&app, "the history after a restart", |t| t.len() == 6).await;
    let expected: Vec<(i64, &str, &str, bool)> = saved
        .iter()
        .map(|m| {
            (
                m.id,
                if m.role == Role::User {
                    "user"
                } else {
                    "assistant"
                },
                match m.status {
                    MessageStatus::Complete => "complete",
                    MessageStatus::Partial => "partial",
                    MessageStatus::Streaming => "streaming",
                    MessageStatus::Error => "error",
                },
                m.kept,
            )
        })
        .collect();
    let shown_now: Vec<(i64, &str, &str, bool)> = after
        .iter()
        .map(|m| (m.id, m.role.as_str(), m.status.as_str(), m.kept))
        .collect();
    assert_eq!(shown_now, expected);
    assert_eq!(
        expected.iter().map(|e| (e.1, e.2, e.3)).collect::<Vec<_>>(),
        [
            ("user", "complete", false),
            ("assistant", "complete", false),
            ("user", "complete", false),
            ("assistant", "complete", true),
            ("user", "complete", false),
            ("assistant", "partial", false),
        ]
    );
    for (now, then) in after.iter().zip(&before) {
        assert_eq!(squash(&now.text), squash(&then.text));
    }
    assert_eq!(after[5].mark.as_deref(), Some("Stopped before the end"));

    choose_theme(&app, "light").await;
    app.screenshot("conversation-light").await;
    choose_theme(&app, "dark").await;
    app.screenshot("conversation-dark").await;
    let violations = app.eval("return window.__hearth.cspViolations").await;
    assert_eq!(
        violations,
        serde_json::json!([]),
        "nothing may trip the CSP"
    );
    app.quit().await;
}

#[tokio::test]
async fn a_reply_cut_short_by_a_killed_app_is_kept_as_partial() {
    let (server, display, data, app) = launch_past_first_run().await;

    // A long, slow reply: forty words, 300 ms apart.
    let story: Vec<String> = (1..=40).map(|n| format!("word{n} ")).collect();
    let full = story.concat();
    server.script([Step::Reply {
        chunks: story,
        delay: Duration::from_millis(300),
    }]);
    send(&app, "Tell me about the sea").await;

    // The journal keeps the reply as it grows (the app writes a few times a
    // second); once it holds some words, the app dies without warning.
    let journal = read_journal(data.path());
    let growing = |journal: &rusqlite::Connection| {
        journal_messages(journal)
            .last()
            .filter(|m| m.status == MessageStatus::Streaming && m.content.contains("word2 "))
            .cloned()
    };
    wait_until("the journal to hold part of the reply", || {
        growing(&journal).is_some()
    })
    .await;
    app.kill_app().await;
    let after_kill = journal_messages(&journal);
    assert_eq!(after_kill.len(), 2, "{after_kill:#?}");
    assert_message(
        &after_kill[0],
        Role::User,
        MessageStatus::Complete,
        "Tell me about the sea",
    );
    let cut = &after_kill[1];
    assert_eq!(cut.status, MessageStatus::Streaming, "as the app left it");
    assert!(
        full.starts_with(&cut.content) && cut.content.len() < full.len(),
        "the words saved are the start of the reply: {:?}",
        cut.content
    );
    drop(journal);
    app.abandon().await;

    // On the next start the reply is there with the words saved, marked
    // partial, in the window and in the journal.
    let app = App::launch(&display, data.path()).await;
    let shown = thread_when(&app, "the history after the kill", |t| t.len() == 2).await;
    assert_eq!(
        (shown[0].id, shown[0].text.as_str()),
        (after_kill[0].id, "Tell me about the sea")
    );
    assert_eq!(
        (
            shown[1].id,
            shown[1].status.as_str(),
            squash(&shown[1].text),
            shown[1].mark.as_deref()
        ),
        (
            cut.id,
            "partial",
            squash(&cut.content),
            Some("Stopped before the end")
        )
    );
    app.screenshot("conversation-after-kill").await;
    app.quit().await;
    let journal = read_journal(data.path());
    let now = journal_messages(&journal);
    assert_message(
        &now[1],
        Role::Assistant,
        MessageStatus::Partial,
        &cut.content,
    );
}
