//! The security suite in the real window: XSS payloads in the companion's
//! streamed words, in an imported diary, and in every field the user can
//! fill are shown as text and stay inert: no element with an event handler,
//! no `javascript:`/`data:` link, no script, frame, object or embed, no
//! remote image, and the canary command (built only into test builds; see
//! src-tauri/src/canary.rs) is never called, although every payload tries
//! to call it. A positive control first proves the canary records a call.
//! Then the window's effective CSP refuses an inline script, and the
//! framework's and plugins' commands are refused to the page.
//!
//! One app session renders everything: one long streamed reply holds every
//! payload, and each field gets its payloads in one go.

use std::path::{Path, PathBuf};
use std::time::Duration;

use fantoccini::key::Key;
use hearth_core::diary::export::DiaryFile;
use hearth_core::store::diary::{DayRecord, DayState, Entry};
use hearth_core::store::memories::{self, MemoryDraft, MemoryKind};
use hearth_core::store::messages::{Message, MessageStatus, Role};
use hearth_core::store::moments::Moment;
use hearth_e2e::{
    App, Display, click, local_noon, open_journal, point_at, press, seed_ollama, seed_persona,
    test_persona, type_into, wait_until,
};
use hearth_fake_provider::{FakeProvider, Format, Recorded, Step};
use serde_json::json;

const MODEL: &str = "fake-small";
const NOTHING_TO_LEARN: &str = r#"{"memories": []}"#;

/// What every payload tries to run: the canary command.
const CALL: &str = "__TAURI_INTERNALS__.invoke('canary')";

/// The payloads, each with a marker word (`xss01`…) that must be shown as
/// text wherever the payload is. `{CALL}` becomes [`CALL`].
const PAYLOADS: &[&str] = &[
    // Script tags and event handlers.
    "<script>{CALL}</script>xss01",
    "<img src=x onerror=\"{CALL}\">xss02",
    "<svg onload=\"{CALL}\">xss03</svg>",
    "<svg><script>{CALL}</script>xss04</svg>",
    "<details open ontoggle=\"{CALL}\">xss05</details>",
    "<body onload=\"{CALL}\">xss06",
    "<input autofocus onfocus=\"{CALL}\">xss07",
    "<video><source onerror=\"{CALL}\"></video>xss08",
    "<svg><animate onbegin=\"{CALL}\" attributeName=\"x\" dur=\"1s\"/>xss09</svg>",
    "<marquee onstart=\"{CALL}\">xss10</marquee>",
    // javascript: and data: links, in HTML and in Markdown.
    "[xss11](javascript:{CALL})",
    "[xss12](data:text/html;base64,PHNjcmlwdD5wYXJlbnQuX19UQVVSSV9JTlRFUk5BTFNfXy5pbnZva2UoJ2NhbmFyeScpPC9zY3JpcHQ+)",
    "<a href=\"javascript:{CALL}\">xss13</a>",
    "<a href=\"data:text/html,<script>{CALL}</script>\">xss14</a>",
    "[xss15](JaVaScRiPt:{CALL})",
    "[xss16](&#106;avascript:{CALL})",
    "xss17 <javascript:{CALL}>",
    "[xss18][ref] and ![xss18 image](javascript:{CALL})\n\n[ref]: javascript:{CALL}",
    "<a href=\"jav&#x09;ascript:{CALL}\">xss19</a>",
    "![xss20](x\" onerror=\"{CALL})",
    // Frames, objects, embeds, forms, meta and base.
    "<iframe src=\"javascript:{CALL}\"></iframe>xss21",
    "<iframe srcdoc=\"<script>parent.{CALL}</script>\"></iframe>xss22",
    "<object data=\"javascript:{CALL}\">xss23</object>",
    "<embed src=\"javascript:{CALL}\">xss24",
    "<form action=\"javascript:{CALL}\"><button>xss25</button></form>",
    "<meta http-equiv=\"refresh\" content=\"0;url=javascript:{CALL}\">xss26",
    "<base href=\"javascript:{CALL}//\">xss27",
    // SVG and MathML.
    "<svg><a xlink:href=\"javascript:{CALL}\"><text x=\"20\" y=\"20\">xss28</text></a></svg>",
    "<math href=\"javascript:{CALL}\">xss29</math>",
    // Mutation XSS: markup that changes meaning when parsed again.
    "<noscript><p title=\"</noscript><img src=x onerror={CALL}>\">xss30",
    "<math><mtext><table><mglyph><style><img src=x onerror=\"{CALL}\">xss31",
    "<svg><style><img src=x onerror=\"{CALL}\"></style>xss32</svg>",
    "<template><img src=x onerror=\"{CALL}\"></template>xss33",
    "<select><style></select><img src=x onerror=\"{CALL}\"></style>xss34",
    // CSS injection and remote loads.
    "<style>@import 'https://evil.example/x.css';body{background:url(\"javascript:{CALL}\")}</style>xss35",
    "<div style=\"background:url(javascript:{CALL})\">xss36</div>",
    "<span style=\"position:fixed;inset:0;background:url(https://evil.example/t.png)\">xss37</span>",
    "<link rel=\"stylesheet\" href=\"data:text/css,body{display:none}\">xss38",
    "<img src=\"https://evil.example/track.png\">xss39",
    // Markdown's raw HTML blocks.
    "<div>\n\n<img src=x onerror=\"{CALL}\">\n\n</div>xss40",
];

fn payloads() -> Vec<String> {
    PAYLOADS.iter().map(|p| p.replace("{CALL}", CALL)).collect()
}

fn marker(i: usize) -> String {
    format!("xss{:02}", i + 1)
}

fn all_markers() -> Vec<String> {
    (0..PAYLOADS.len()).map(marker).collect()
}

/// Whitespace as the page shows it: runs of it are one space.
fn squeeze(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The payloads in groups of at most `limit` characters, each group one text.
fn within(limit: usize) -> Vec<String> {
    let mut groups: Vec<String> = Vec::new();
    for p in payloads() {
        match groups.last_mut() {
            Some(g) if g.chars().count() + 1 + p.chars().count() <= limit => {
                g.push(' ');
                g.push_str(&p);
            }
            _ => groups.push(p),
        }
    }
    groups
}

/// What is wrong in the page now: every element with an event-handler
/// attribute, a script-capable URL, a script, frame, object, embed, base,
/// meta, link or style element outside the app's own head, MathML, a
/// remote image, an inline style that loads something.
const INERT: &str = r#"
    const problems = [];
    const urls = new Set(['href', 'xlink:href', 'src', 'action', 'formaction', 'data', 'background', 'poster', 'srcset']);
    const banned = new Set(['script', 'iframe', 'frame', 'frameset', 'object', 'embed', 'applet', 'base',
      'meta', 'link', 'style', 'noscript', 'template', 'math', 'mglyph', 'mtext', 'marquee', 'video', 'source']);
    for (const el of document.querySelectorAll('*')) {
      const tag = el.tagName.toLowerCase();
      const where = tag + (el.id ? '#' + el.id : '') + ' in ' + (el.parentElement?.closest('[class]')?.className ?? '?');
      for (const a of el.attributes) {
        const name = a.name.toLowerCase();
        const value = a.value.replace(/[\u0000-\u0020]/g, '').toLowerCase();
        if (name.startsWith('on')) problems.push(`${where} has ${name}="${a.value}"`);
        if (urls.has(name) && /^(javascript|vbscript|data):/.test(value)) problems.push(`${where} has ${name}="${a.value}"`);
        if (name === 'srcdoc') problems.push(`${where} has srcdoc`);
        if (name === 'style' && /url\(|@import|expression/.test(value)) problems.push(`${where} has style="${a.value}"`);
      }
      if (banned.has(tag) && !el.closest('head')) problems.push(`${where} is in the page`);
      if (tag === 'img' && /^https?:/i.test(el.getAttribute('src') ?? '')) problems.push(`${where} loads ${el.getAttribute('src')}`);
    }
    for (const s of document.querySelectorAll('head script')) {
      if (!s.src || new URL(s.src).origin !== location.origin) problems.push(`a script in the head: ${s.outerHTML.slice(0, 120)}`);
    }
    for (const el of document.querySelectorAll('head iframe, head object, head embed, head base')) {
      problems.push(`${el.tagName} in the head`);
    }
    return problems;
"#;

/// The page is inert, and the canary was never called.
async fn assert_inert(app: &App, canary: &Path, stage: &str) {
    let problems = app.eval(INERT).await;
    assert_eq!(
        problems,
        json!([]),
        "{stage}: the page must hold nothing that can run or load"
    );
    assert!(
        !canary.exists(),
        "{stage}: a payload called the canary command"
    );
}

/// The text the page shows (whitespace squeezed).
async fn page_text(app: &App) -> String {
    squeeze(
        app.eval("return document.body.innerText")
            .await
            .as_str()
            .unwrap(),
    )
}

/// Views that scroll sideways because of a long word: the words are there,
/// but out of sight.
const SIDEWAYS: &str = r#"
    return [...document.querySelectorAll('main, main *')].filter((e) => {
      if (['INPUT', 'TEXTAREA', 'SELECT', 'PRE'].includes(e.tagName)) return false;
      const o = getComputedStyle(e).overflowX;
      return (o === 'auto' || o === 'scroll') && e.scrollWidth > e.clientWidth + 1;
    }).map((e) => `${e.tagName.toLowerCase()}.${e.className}: ${e.scrollWidth} > ${e.clientWidth}`);
"#;

/// Each of `texts` is shown in the page, as text, and no view is pushed
/// sideways by them.
async fn assert_shown(app: &App, stage: &str, texts: &[String]) {
    let sideways = app.eval(SIDEWAYS).await;
    assert_eq!(
        sideways,
        json!([]),
        "{stage}: long words must wrap, not push a view sideways"
    );
    let shown = page_text(app).await;
    for text in texts {
        assert!(
            shown.contains(&squeeze(text)),
            "{stage}: {text:?} must be shown as text, not swallowed; the page shows: {shown}"
        );
    }
}

/// Waits until each of `texts` is shown.
async fn wait_shown(app: &App, stage: &str, texts: &[String]) {
    let deadline = std::time::Instant::now() + hearth_e2e::PATIENCE;
    loop {
        let shown = page_text(app).await;
        if texts.iter().all(|t| shown.contains(&squeeze(t))) {
            return assert_shown(app, stage, texts).await;
        }
        if std::time::Instant::now() > deadline {
            assert_shown(app, stage, texts).await;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Puts `text` into the field matching `css` as a paste does: one input
/// event with the whole text (typing thousands of characters key by key
/// would only make the suite slow).
async fn paste(app: &App, css: &str, text: &str) {
    app.find(css).await;
    let held = app
        .client
        .execute(
            "const [css, text] = arguments;
             const field = document.querySelector(css);
             const proto = field instanceof HTMLTextAreaElement ? HTMLTextAreaElement.prototype : HTMLInputElement.prototype;
             Object.getOwnPropertyDescriptor(proto, 'value').set.call(field, text);
             field.dispatchEvent(new Event('input', { bubbles: true }));
             return field.value;",
            vec![json!(css), json!(text)],
        )
        .await
        .unwrap_or_else(|e| panic!("paste into {css}: {e}"));
    assert_eq!(held, json!(text), "{css} must hold what was pasted");
}

fn chats(server: &FakeProvider) -> Vec<Recorded> {
    server
        .requests()
        .into_iter()
        .filter(|r| r.method == "POST" && r.path == "/api/chat")
        .collect()
}

/// A diary file as an export writes it, every text a payload.
fn hostile_diary(day: &str, at: i64) -> DiaryFile {
    let p = payloads();
    let half = p.len() / 2;
    let entry = Entry {
        id: 1,
        day: day.into(),
        title: p[1].clone(),
        body: p.join("\n\n"),
        mood: p[0].clone(),
        tags: vec![p[2].clone()],
        people: vec![p[12].clone()],
        favourite: false,
        written_by: p[29].clone(),
        edited: false,
        created_at: at,
        updated_at: at,
    };
    let said = |id, role, content: String| Message {
        id,
        role,
        content,
        status: MessageStatus::Complete,
        created_at: at + id,
        model: Some(MODEL.into()),
        error: None,
        kept: true,
        forgotten: false,
    };
    let messages = vec![
        said(1_000_001, Role::User, p[..half].join("\n\n")),
        said(1_000_002, Role::Assistant, p[half..].join("\n\n")),
    ];
    let moment = Moment {
        id: 1,
        day: day.into(),
        title: p[30].clone(),
        body: p[..half].join(" "),
        mood: String::new(),
        tags: vec![p[31].clone()],
        favourite: false,
        source_message_ids: vec![1_000_001, 1_000_002],
        created_at: at,
        updated_at: at,
        reflection: p[half..].join(" "),
        writing: false,
        problem: None,
        letter_id: None,
    };
    DiaryFile {
        format: "hearth-diary".into(),
        version: 1,
        companion: p[3].clone(),
        entries: vec![entry],
        moments: vec![moment],
        messages,
        days: vec![DayRecord {
            day: day.into(),
            state: DayState::Written,
            reason: None,
            updated_at: at,
        }],
    }
}

#[tokio::test]
async fn payloads_everywhere_render_inert_and_never_reach_a_command() {
    let started = std::time::Instant::now();
    let server = FakeProvider::start().await;
    let display = Display::start();
    let data = tempfile::tempdir().unwrap();
    let outside = tempfile::tempdir().unwrap();
    let canary: PathBuf = outside.path().join("canary-called");
    seed_persona(data.path(), &test_persona());
    seed_ollama(data.path(), &server.base_url(Format::Ollama), MODEL);
    // What the companion learnt earlier holds payloads (memories are
    // model output too); the user edits one of them below.
    let memory_ids: Vec<i64> = {
        let journal = open_journal(data.path());
        within(memories::MAX_TEXT_CHARS)
            .iter()
            .map(|text| {
                let draft = MemoryDraft {
                    text: text.clone(),
                    kind: MemoryKind::Preference,
                    importance: 3,
                };
                journal
                    .with(|c| {
                        memories::insert(c, &draft, None, chrono::Utc::now().timestamp_millis())
                    })
                    .unwrap()
                    .id
            })
            .collect()
    };
    let app = App::launch_with(
        &display,
        data.path(),
        &[("HEARTH_CANARY_FILE", canary.to_str().unwrap())],
    )
    .await;
    app.find("main[data-view='conversation'] #thread").await;

    // Positive control: the canary is there and records a call made from
    // the page, so the suite would see a payload that reached it.
    let called = app
        .eval_async(
            "const done = arguments[arguments.length - 1];
             window.__TAURI_INTERNALS__.invoke('canary').then(() => done('called'), (e) => done(String(e)));",
        )
        .await;
    assert_eq!(
        called,
        json!("called"),
        "the canary must be callable from the page"
    );
    wait_until("the canary to record the call", || canary.exists()).await;
    std::fs::remove_file(&canary).unwrap();
    // And the page scan finds what it looks for: a planted handler and a
    // planted javascript: link.
    app.eval(
        "const img = document.createElement('img');
         img.id = 'planted-img'; img.setAttribute('onerror', 'void 0');
         const a = document.createElement('a');
         a.id = 'planted-link'; a.setAttribute('href', ' JavaScript:void 0');
         document.body.append(img, a);
         return null",
    )
    .await;
    let found = app.eval(INERT).await.to_string();
    assert!(
        found.contains("img#planted-img") && found.contains("a#planted-link"),
        "the scan must see planted dangers: {found}"
    );
    app.eval("document.querySelectorAll('[id^=planted]').forEach((e) => e.remove()); return null")
        .await;

    // 1. The conversation: the user's message, edited and sent again, and
    // the companion's streamed reply to it, every payload in each.
    let p = payloads();
    let reply = p.join("\n\n");
    server.script([
        Step::reply(["Tell me more."]),
        Step::reply([NOTHING_TO_LEARN]),
    ]);
    let first = p[..3].join(" ");
    paste(&app, "#composer-input", &first).await;
    click(&app, "button.send[type='submit']").await;
    let mine = hearth_e2e::thread_when(&app, "the first reply", |t| {
        t.iter()
            .any(|m| m.role == "assistant" && m.status == "complete")
    })
    .await
    .into_iter()
    .find(|m| m.role == "user")
    .expect("the user's message")
    .id;
    wait_until("the exchange to be learnt from", || {
        chats(&server).len() >= 2
    })
    .await;
    wait_shown(&app, "the user's message", std::slice::from_ref(&first)).await;
    assert_inert(&app, &canary, "the user's message").await;

    let edited = p.join("\n");
    server.script([
        Step::Reply {
            chunks: chunked(&reply),
            delay: Duration::from_millis(15),
        },
        Step::reply([NOTHING_TO_LEARN]),
    ]);
    point_at(&app, &format!("li.message[data-id='{mine}'] article")).await;
    click(
        &app,
        &format!("li.message[data-id='{mine}'] [data-action='edit']"),
    )
    .await;
    paste(&app, &format!("#edit-{mine}"), &edited).await;
    // Enter sends it again (the long form's button may be out of reach).
    press(&app, &format!("#edit-{mine}"), &Key::Enter.to_string()).await;
    // While it streams (the open tail block re-rendered as words arrive),
    // the page is scanned again and again.
    let mut scans = 0;
    while app
        .find("li.message[data-role='assistant']")
        .await
        .attr("data-status")
        .await
        .ok()
        .flatten()
        .as_deref()
        != Some("complete")
    {
        assert_eq!(app.eval(INERT).await, json!([]), "a reply as it streams");
        scans += 1;
    }
    println!("the page was scanned {scans} times while the reply streamed");
    let markers = all_markers();
    hearth_e2e::thread_when(&app, "the streamed reply to the edited message", |t| {
        t.iter().any(|m| {
            m.role == "assistant"
                && m.status == "complete"
                && markers.iter().all(|k| m.text.contains(k.as_str()))
        })
    })
    .await;
    // The long reply scrolled the edited message out of the virtual list:
    // the journal holds it as typed (it was shown as text above, unedited).
    let saved = hearth_e2e::journal_messages(&hearth_e2e::read_journal(data.path()))
        .into_iter()
        .find(|m| m.id == mine)
        .expect("the edited message");
    assert_eq!(saved.content, edited, "the edited message is kept as typed");
    wait_until("the new exchange to be learnt from", || {
        chats(&server).len() >= 4
    })
    .await;
    assert_inert(&app, &canary, "a streamed reply").await;
    // Shown whole again from the journal after leaving the view.
    click(&app, "nav button[data-view='memories']").await;
    click(&app, "nav button[data-view='conversation']").await;
    app.find("li.message[data-role='assistant'][data-status='complete']")
        .await;
    assert_inert(&app, &canary, "a reply read back").await;
    app.screenshot("security-conversation").await;

    // 2. Memories: the learnt ones are shown; one is edited to hold payloads,
    // and the search box gets one.
    click(&app, "nav button[data-view='memories']").await;
    wait_shown(&app, "memories", &within(memories::MAX_TEXT_CHARS)).await;
    assert_inert(&app, &canary, "memories").await;
    let id = memory_ids[0];
    click(
        &app,
        &format!("li.memory[data-id='{id}'] [data-action='edit']"),
    )
    .await;
    let edited = format!("{} {}", p[29], p[1]);
    paste(&app, &format!("#memory-text-{id}"), &edited).await;
    click(
        &app,
        &format!("li.memory[data-id='{id}'] [data-action='save']"),
    )
    .await;
    app.wait_gone(&format!("#memory-text-{id}")).await;
    wait_shown(&app, "an edited memory", std::slice::from_ref(&edited)).await;
    type_into(&app, "#memory-search", &p[1]).await;
    assert_inert(&app, &canary, "memories edited and searched").await;

    // 3. Who the two are: the names and the rest of the persona.
    click(&app, "nav button[data-view='settings']").await;
    let companion = format!("<img src=x onerror={CALL}>");
    let user = format!("<svg/onload={CALL}>");
    type_into(&app, "#persona-companion-name", &companion).await;
    type_into(&app, "#persona-user-name", &user).await;
    paste(&app, "#persona-voice", &p[..10].join(" ")).await;
    paste(&app, "#persona-address", &p[12]).await;
    paste(&app, "#persona-hopes", &p[10..].join(" ")).await;
    click(&app, "[data-action='save-persona']").await;
    app.wait_gone("[data-action='revert-persona']").await;
    click(&app, "nav button[data-view='conversation']").await;
    wait_shown(
        &app,
        "the companion's name",
        std::slice::from_ref(&companion),
    )
    .await;
    assert_inert(&app, &canary, "the persona").await;
    // A model imported by its path, the file named as a payload: refused
    // (it is no model), and the sentence that says so is inert.
    let model = outside
        .path()
        .join(format!("<img src=x onerror={CALL}>.gguf"));
    std::fs::write(&model, b"not a model").unwrap();
    click(&app, "nav button[data-view='settings']").await;
    paste(&app, "#import-model-path", model.to_str().unwrap()).await;
    click(&app, "[data-testid='import-model']").await;
    wait_until_text(&app, "[data-testid='local-models-result']").await;
    assert_inert(&app, &canary, "a model imported by its path").await;

    // 4. Letters: a person and their notes, a letter's details, the
    // companion's questions and its streamed draft, and the paper.
    click(&app, "nav button[data-view='letters']").await;
    click(&app, "[data-action='add-person']").await;
    type_into(&app, "#person-name", &p[1]).await;
    paste(&app, ".person-form label:nth-of-type(2) input", &p[7]).await;
    paste(&app, ".person-form textarea", &p[20..30].join(" ")).await;
    click(&app, ".person-form button[type='submit']").await;
    wait_shown(&app, "a person", &[p[1].clone()]).await;
    assert_inert(&app, &canary, "people").await;
    click(&app, "[data-action='new-letter']").await;
    type_into(&app, "#letter-recipient", &p[2]).await;
    paste(&app, "#letter-occasion", &p[4]).await;
    paste(&app, "#letter-carry", &p.join(" ")).await;
    paste(&app, "#letter-signature", &p[29]).await;
    paste(&app, "#letter-weave", &p[30..].join("\n")).await;
    paste(&app, "input[list='tones']", &p[5]).await;
    server.script([
        Step::reply([json!({ "questions": [p[1], p[30], p[12]] }).to_string()]),
        Step::reply(chunked(&reply)),
    ]);
    click(&app, "[data-action='begin-letter']").await;
    app.find("#answer-0").await;
    wait_shown(
        &app,
        "the companion's questions",
        &[p[1].clone(), p[30].clone()],
    )
    .await;
    paste(&app, "#answer-0", &p[..20].join(" ")).await;
    click(&app, "[data-action='draft']").await;
    wait_until_value(&app, "#letter-body", &reply).await;
    assert_inert(&app, &canary, "a letter's draft").await;
    click(&app, "[data-tab='paper']").await;
    app.find(".page[data-page='1']").await;
    let paper = app
        .eval("return [...document.querySelectorAll('.page')].map((p) => p.innerText).join(' ')")
        .await;
    let paper = paper.as_str().unwrap();
    for m in all_markers() {
        assert!(paper.contains(&m), "the paper shows {m} as text: {paper}");
    }
    assert_inert(&app, &canary, "a letter on paper").await;
    assert_shown(&app, "a letter on paper", &[p[2].clone()]).await;
    app.screenshot("security-letter").await;

    // 5. An imported diary whose every text is a payload, read in the
    // timeline and the day's reader, then edited.
    let (day, at) = local_noon(1);
    let file = outside.path().join("diary.json");
    std::fs::write(
        &file,
        serde_json::to_string(&hostile_diary(&day, at)).unwrap(),
    )
    .unwrap();
    let imported = app
        .eval_async(&format!(
            "const done = arguments[arguments.length - 1];
             window.__TAURI_INTERNALS__.invoke('import_diary', {{ path: {:?} }})
               .then((r) => done(r), (e) => done({{ error: e }}));",
            file.to_str().unwrap()
        ))
        .await;
    assert_eq!(imported, json!({ "entries": 1, "moments": 1 }));
    click(&app, "nav button[data-view='diary']").await;
    app.find(".card.entry").await;
    assert_inert(&app, &canary, "an imported diary's timeline").await;
    click(&app, ".card.entry").await;
    app.find(".reader .entry h3").await;
    wait_shown(&app, "an imported entry", &[p[1].clone(), p[30].clone()]).await;
    assert_inert(&app, &canary, "an imported day").await;
    // The entry is long: bring its buttons into view first.
    point_at(&app, ".reader .entry [data-action='edit']").await;
    click(&app, ".reader .entry [data-action='edit']").await;
    type_into(&app, ".reader .entry input[name='title']", &p[6]).await;
    paste(&app, ".reader .entry textarea[name='body']", &p.join("\n")).await;
    paste(&app, ".reader .entry input[name='mood']", &p[3]).await;
    paste(
        &app,
        ".reader .entry input[name='tags']",
        &format!("{}, {}", p[8], p[9]),
    )
    .await;
    paste(&app, ".reader .entry input[name='people']", &p[10]).await;
    // Enter in a field saves (the long form's button may be out of reach).
    press(
        &app,
        ".reader .entry input[name='mood']",
        &Key::Enter.to_string(),
    )
    .await;
    app.wait_gone(".reader .entry form.editor").await;
    point_at(&app, ".reader .moment [data-action='edit']").await;
    click(&app, ".reader .moment [data-action='edit']").await;
    type_into(&app, ".reader .moment input[name='title']", &p[13]).await;
    paste(&app, ".reader .moment input[name='tags']", &p[14]).await;
    paste(
        &app,
        ".reader .moment textarea[name='reflection']",
        &p[20..].join(" "),
    )
    .await;
    press(
        &app,
        ".reader .moment input[name='title']",
        &Key::Enter.to_string(),
    )
    .await;
    app.wait_gone(".reader .moment form.editor").await;
    wait_shown(
        &app,
        "an edited entry and moment",
        &[p[6].clone(), p[13].clone()],
    )
    .await;
    assert_inert(&app, &canary, "an edited day").await;
    assert_shown(&app, "an edited day", &[p[29].clone()]).await;
    app.screenshot("security-diary").await;

    // 6. The diary's own search; then search everything (Ctrl+K): the
    // query itself, then words that find the payloads in messages, the
    // entry and the moment.
    type_into(&app, "#diary-search", &p[1]).await;
    assert_inert(&app, &canary, "the diary's search").await;
    press(
        &app,
        "#diary-search",
        &format!("{}k", char::from(Key::Control)),
    )
    .await;
    type_into(&app, "#search-everything", &p[29]).await;
    assert_inert(&app, &canary, "a search for a payload").await;
    type_into(&app, "#search-everything", "onerror").await;
    app.find("#search-palette .hit[data-kind='entry']").await;
    app.find("#search-palette .hit[data-kind='message']").await;
    assert_inert(&app, &canary, "search results").await;
    app.screenshot("security-search").await;

    // Nothing tripped the CSP: the payloads were inert before it was needed.
    let violations = app.eval("return window.__hearth.cspViolations").await;
    assert_eq!(violations, json!([]), "nothing may trip the CSP");

    // 7. The policy the window enforces: an inline script is refused, and
    // the policy it reports allows no inline script, eval or remote origin.
    let refused = app
        .eval_async(
            "const done = arguments[arguments.length - 1];
             document.addEventListener('securitypolicyviolation',
               (e) => done({ directive: e.effectiveDirective, policy: e.originalPolicy, ran: window.__inlineRan === true }),
               { once: true });
             const s = document.createElement('script');
             s.textContent = 'window.__inlineRan = true';
             document.body.append(s);",
        )
        .await;
    assert_eq!(refused["ran"], json!(false), "{refused}");
    assert!(
        refused["directive"]
            .as_str()
            .unwrap()
            .starts_with("script-src"),
        "{refused}"
    );
    let policy = refused["policy"].as_str().unwrap();
    let script_src = policy
        .split(';')
        .map(str::trim)
        .find(|d| d.starts_with("script-src"))
        .unwrap_or_else(|| panic!("the window's policy has a script-src: {policy}"));
    for word in ["'unsafe-inline'", "'unsafe-eval'", "http:", "https:", "*"] {
        assert!(
            !script_src
                .split_whitespace()
                .any(|s| s == word || s.starts_with("https://")),
            "script-src must not allow {word}: {script_src}"
        );
    }
    assert!(
        policy.contains("default-src 'self'"),
        "default-src is the app's own origin: {policy}"
    );
    app.eval("document.querySelectorAll('body > script').forEach((s) => s.remove())")
        .await;

    // 8. The framework's and the plugins' commands are refused to the page.
    for command in [
        "plugin:opener|open_url",
        "plugin:dialog|open",
        "plugin:event|listen",
        "plugin:window|close",
        "plugin:webview|create_webview_window",
        "plugin:window-state|save_window_state",
    ] {
        let answer = app
            .eval_async(&format!(
                "const done = arguments[arguments.length - 1];
                 window.__TAURI_INTERNALS__.invoke({command:?}, {{ url: 'https://example.com', event: 'x', handler: 0 }})
                   .then(() => done('allowed'), (e) => done(String(e)));"
            ))
            .await;
        let answer = answer.as_str().unwrap();
        assert!(
            answer.contains("not allowed"),
            "{command} must be refused to the page: {answer}"
        );
    }

    assert!(!canary.exists(), "no payload may call the canary");
    app.quit().await;
    println!(
        "{} payloads rendered inert in a streamed reply, an imported diary and every field; {:.1} s",
        PAYLOADS.len(),
        started.elapsed().as_secs_f64()
    );
}

/// A reply in chunks of a few dozen characters.
fn chunked(text: &str) -> Vec<String> {
    text.chars()
        .collect::<Vec<_>>()
        .chunks(41)
        .map(|c| c.iter().collect())
        .collect()
}

/// Waits until the element matching `css` shows some text.
async fn wait_until_text(app: &App, css: &str) {
    let deadline = std::time::Instant::now() + hearth_e2e::PATIENCE;
    loop {
        let shown = app
            .client
            .execute(
                "return document.querySelector(arguments[0])?.textContent.trim() ?? ''",
                vec![json!(css)],
            )
            .await
            .unwrap();
        if shown.as_str().is_some_and(|t| !t.is_empty()) {
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "{css} never said anything"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Waits until the field matching `css` holds `expected`.
async fn wait_until_value(app: &App, css: &str, expected: &str) {
    let deadline = std::time::Instant::now() + hearth_e2e::PATIENCE;
    loop {
        let held = app
            .client
            .execute(
                "return document.querySelector(arguments[0])?.value ?? null",
                vec![json!(css)],
            )
            .await
            .unwrap();
        if held.as_str() == Some(expected) {
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "{css} never held the draft; it holds {held}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
