//! Settings, provider part, in the real window against the fake provider: a
//! wrong key is told apart from a right one, and the key never reaches the
//! journal, the logs or the page.

use fantoccini::Locator;
use hearth_e2e::{App, Display, PATIENCE};
use hearth_fake_provider::{FakeProvider, Format};

const WRONG: &str = "sk-wrong-7c1d9e2f4a6b8c0d1e2f3a4b";
const RIGHT: &str = "sk-right-3b5d7f9a1c3e5f7a9b1d3f5h";

async fn click(app: &App, css: &str) {
    app.find(css).await.click().await.unwrap();
}

async fn type_into(app: &App, css: &str, text: &str) {
    let field = app.find(css).await;
    field.clear().await.unwrap();
    field.send_keys(text).await.unwrap();
}

/// Waits until the result line holds `expected`, and returns it.
async fn result_containing(app: &App, expected: &str) -> String {
    let wanted = expected.to_owned();
    app.client
        .wait()
        .at_most(PATIENCE)
        .for_element(Locator::XPath(&format!(
            "//*[@data-testid='provider-result' and contains(., \"{wanted}\")]"
        )))
        .await
        .unwrap_or_else(|e| panic!("the result never said {wanted:?}: {e}"))
        .text()
        .await
        .unwrap()
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
