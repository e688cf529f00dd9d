//! The window stays Hearth's: a link in the companion's words is shown with
//! its address and never followed by the window; the window cannot be sent
//! to another page, nor open another window.

use std::time::Duration;

use hearth_e2e::{
    App, Display, click, seed_ollama, seed_persona, test_persona, text_of, type_into,
};
use hearth_fake_provider::{FakeProvider, Format, Step};

const NOTHING_TO_LEARN: &str = r#"{"memories": []}"#;

/// The page the window shows, and a mark left on it: a new page would not
/// carry the mark.
async fn where_we_are(app: &App) -> (String, bool) {
    let v = app
        .eval("return [location.protocol + '//' + location.host, window.__stayed === true]")
        .await;
    (v[0].as_str().unwrap().to_owned(), v[1].as_bool().unwrap())
}

#[tokio::test]
async fn links_are_shown_not_followed_and_the_window_never_leaves_hearth() {
    let server = FakeProvider::start().await;
    let display = Display::start();
    let data = tempfile::tempdir().unwrap();
    seed_persona(data.path(), &test_persona());
    seed_ollama(data.path(), &server.base_url(Format::Ollama), "fake-small");
    let app = App::launch(&display, data.path()).await;
    app.find("main[data-view='conversation'] #thread").await;
    app.eval("window.__stayed = true").await;
    let (home, _) = where_we_are(&app).await;

    server.script([
        Step::Reply {
            chunks: vec!["Read about [the film](https://example.com/her?x=1) tonight.".into()],
            delay: Duration::ZERO,
        },
        Step::reply([NOTHING_TO_LEARN]),
    ]);
    type_into(&app, "#composer-input", "Tell me about Her.").await;
    click(&app, "button.send[type='submit']").await;
    let link = "li.message[data-role='assistant'][data-status='complete'] .body a";
    app.find(link).await;

    // A click shows where the link leads, and the window stays.
    click(&app, link).await;
    app.find("dialog.link-guard[open]").await;
    assert_eq!(
        text_of(&app, "dialog.link-guard .address").await,
        "https://example.com/her?x=1"
    );
    app.screenshot("link-guard").await;
    click(&app, "dialog.link-guard button.quiet").await;
    app.wait_gone("dialog.link-guard[open]").await;
    assert_eq!(where_we_are(&app).await, (home.clone(), true));

    // A script (or WebKit's "Open Link") cannot take the window elsewhere:
    // WebDriver's navigation returns once the navigation is decided.
    let _ = app.client.goto("https://example.com/").await;
    assert_eq!(where_we_are(&app).await, (home.clone(), true));
    let opened = app
        .eval("return window.open('https://example.com/', '_blank') === null")
        .await;
    assert_eq!(opened, serde_json::json!(true), "no second window");
    assert_eq!(where_we_are(&app).await, (home, true));
    app.quit().await;
}
