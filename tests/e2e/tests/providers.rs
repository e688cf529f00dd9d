//! Settings, provider part, in the real window against the fake provider: a
//! wrong key is told apart from a right one, and the key never reaches the
//! journal, the logs or the page.

use std::time::Duration;

use fantoccini::Locator;
use hearth_e2e::{
    App, Display, PATIENCE, click, seed_persona, test_persona, type_into, wait_until,
};
use hearth_fake_provider::{FakeProvider, Format, Step};

const WRONG: &str = "sk-wrong-7c1d9e2f4a6b8c0d1e2f3a4b";
const RIGHT: &str = "sk-right-3b5d7f9a1c3e5f7a9b1d3f5h";

/// Waits until the element with `testid` holds `expected`, and returns its text.
async fn text_containing(app: &App, testid: &str, expected: &str) -> String {
    app.client
        .wait()
        .at_most(PATIENCE)
        .for_element(Locator::XPath(&format!(
            "//*[@data-testid='{testid}' and contains(., \"{expected}\")]"
        )))
        .await
        .unwrap_or_else(|e| panic!("{testid} never said {expected:?}: {e}"))
        .text()
        .await
        .unwrap()
}

async fn result_containing(app: &App, expected: &str) -> String {
    text_containing(app, "provider-result", expected).await
}

fn assert_absent(what: &str, haystack: &[u8]) {
    for key in [WRONG, RIGHT] {
        assert!(
            !haystack.windows(key.len()).any(|w| w == key.as_bytes()),
            "an API key was found in {what}"
        );
    }
}

#[tokio::test]
async fn a_provider_is_configured_and_a_wrong_key_is_told_apart_from_a_right_one() {
    let server = FakeProvider::start().await;
    server.require_key(RIGHT);
    let display = Display::start();
    let data = tempfile::tempdir().unwrap();
    // Past the first run: the companion has been met, no model is connected.
    seed_persona(data.path(), &test_persona());
    let app = App::launch(&display, data.path()).await;

    click(&app, "nav button[data-view='settings']").await;
    click(&app, "label[data-provider='openai-compatible']").await;
    type_into(&app, "#provider-url", &server.base_url(Format::OpenAi)).await;
    type_into(&app, "#provider-model", "fake-small").await;

    // This session has no keyring service: the app says where keys go instead.
    let notice = app
        .find("[data-testid='keystore-notice']")
        .await
        .text()
        .await
        .unwrap();
    assert!(notice.contains("no keyring service"), "{notice}");

    type_into(&app, "#provider-key", WRONG).await;
    click(&app, "[data-testid='save-key']").await;
    let status = app
        .find("[data-testid='key-status']")
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(
        status,
        format!("Saved, ending in {}", &WRONG[WRONG.len() - 4..])
    );

    click(&app, "[data-testid='test-connection']").await;
    result_containing(&app, "refused the API key").await;
    app.screenshot("settings-provider-wrong-key").await;

    click(&app, "[data-testid='replace-key']").await;
    type_into(&app, "#provider-key", RIGHT).await;
    click(&app, "[data-testid='save-key']").await;
    app.find("[data-testid='key-status']").await;
    click(&app, "[data-testid='test-connection']").await;
    let ok = result_containing(&app, "is ready").await;
    assert_eq!(ok, "Connected. fake-small is ready (2 models available).");

    click(&app, "[data-testid='save-provider']").await;
    result_containing(&app, "Saved").await;
    let using = app
        .find("[data-testid='provider-status']")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        using.contains("fake-small") && using.contains("OpenAI-compatible"),
        "{using}"
    );
    app.screenshot("settings-provider-connected").await;

    let last = server.requests().last().cloned().unwrap();
    assert_eq!(
        last.header("authorization"),
        Some(format!("Bearer {RIGHT}").as_str())
    );

    // A streamed hello: words arrive one by one, and Stop cuts the connection.
    let words = [
        "Hello",
        " Theodore.",
        " It's",
        " lovely",
        " to",
        " finally",
        " hear",
        " you.",
    ];
    server.script([Step::Reply {
        chunks: words.iter().map(|w| (*w).to_owned()).collect(),
        delay: Duration::from_millis(300),
    }]);
    click(&app, "[data-testid='try-reply']").await;
    text_containing(&app, "reply-preview", "Hello").await;
    click(&app, "[data-testid='stop-reply']").await;
    let stopped = app
        .find("[data-testid='reply-preview'][data-state='stopped']")
        .await;
    let kept = stopped.text().await.unwrap();
    assert!(
        kept.starts_with("Hello") && !kept.contains("hear you."),
        "{kept}"
    );
    assert!(
        kept.ends_with("(stopped)"),
        "a stopped reply is kept and marked: {kept}"
    );
    wait_until("Stop to drop the connection", || server.hangups() > 0).await;

    // A failure reads as one sentence with a way to try again, which works.
    server.script((0..3).map(|_| Step::Status {
        code: 500,
        retry_after: None,
        message: "boom".into(),
    }));
    click(&app, "[data-testid='try-reply']").await;
    text_containing(&app, "reply-error", "had a problem on its side").await;
    let again = app
        .find("[data-testid='try-reply']")
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(again, "Try again");
    app.screenshot("settings-provider-reply-failed").await;
    server.script([Step::reply(["Hello", " again."])]);
    click(&app, "[data-testid='try-reply']").await;
    let done = app
        .find("[data-testid='reply-preview'][data-state='done']")
        .await;
    assert_eq!(done.text().await.unwrap(), "Hello again.");

    // What the page can learn: only the status, never the key.
    let payload = app
        .eval_async(
            "const done = arguments[arguments.length - 1];
             window.__TAURI_INTERNALS__.invoke('provider_settings').then((r) => done(JSON.stringify(r)));",
        )
        .await;
    let payload = payload.as_str().unwrap().to_owned();
    assert!(payload.contains(&RIGHT[RIGHT.len() - 4..]), "{payload}");
    assert_absent("an IPC response", payload.as_bytes());
    let log = app.log();
    app.quit().await;

    assert_absent("the app's log", log.as_bytes());
    for entry in std::fs::read_dir(data.path()).unwrap().flatten() {
        if entry.path().is_file() {
            assert_absent(
                &entry.path().display().to_string(),
                &std::fs::read(entry.path()).unwrap(),
            );
        }
    }
}
