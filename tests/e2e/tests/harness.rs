//! The harness itself, in the real window: it types and clicks only once an
//! element can take it, as a person would, however far the window lags
//! behind the page; and when an element never can, it says which one and why.

use std::time::Duration;

use hearth_e2e::{App, Display, click, try_click, try_type_into, type_into, wait_for_text};

/// Adds a field and a button above everything that cannot take input at
/// first and become ready in steps, as on a busy machine: the field is
/// hidden, then shown but disabled, then replaced by a new one (a
/// re-render); the button is disabled, then enabled but covered, then
/// uncovered; a name is filled in after its heading appears. Timers in the page play the slow machine; the test waits only
/// through the harness.
const SLOW_CONTROLS: &str = r#"
    const panel = document.createElement('div');
    panel.style.cssText = 'position:fixed;top:0;left:0;z-index:2147483646;padding:8px;background:#fff';
    const field = document.createElement('textarea');
    field.id = 'slow-field';
    field.dataset.generation = '1';
    field.disabled = true;
    field.style.display = 'none';
    const button = document.createElement('button');
    button.id = 'slow-button';
    button.type = 'button';
    button.textContent = 'Slow';
    button.disabled = true;
    button.dataset.clicks = '0';
    button.addEventListener('click', () => {
        button.dataset.clicks = String(Number(button.dataset.clicks) + 1);
    });
    const cover = document.createElement('div');
    cover.style.cssText = 'position:fixed;top:0;left:0;width:400px;height:200px;z-index:2147483647;background:rgba(0,0,0,0.2)';
    const name = document.createElement('h2');
    name.id = 'slow-name';
    name.textContent = 'Hearth';
    panel.append(field, button, name);
    document.body.append(panel, cover);
    setTimeout(() => { name.textContent = 'Samira'; }, 500);
    setTimeout(() => { field.style.display = ''; }, 400);
    setTimeout(() => {
        const fresh = document.createElement('textarea');
        fresh.id = 'slow-field';
        fresh.dataset.generation = '2';
        field.replaceWith(fresh);
    }, 800);
    setTimeout(() => { button.disabled = false; }, 400);
    setTimeout(() => { cover.remove(); }, 1200);
    return null;
"#;

/// A field and a button that never take input: one disabled, one covered.
const STUCK_CONTROLS: &str = r#"
    const field = document.createElement('input');
    field.id = 'stuck-field';
    field.disabled = true;
    const button = document.createElement('button');
    button.id = 'stuck-button';
    button.type = 'button';
    button.textContent = 'Stuck';
    const panel = document.createElement('div');
    panel.style.cssText = 'position:fixed;top:0;left:0;z-index:2147483646;padding:8px;background:#fff';
    const cover = document.createElement('div');
    cover.style.cssText = 'position:fixed;top:0;left:0;width:400px;height:200px;z-index:2147483647;background:rgba(0,0,0,0.2)';
    panel.append(field, button);
    document.body.append(panel, cover);
    return null;
"#;

async fn launched() -> (Display, tempfile::TempDir, App) {
    let display = Display::start();
    let data = tempfile::tempdir().unwrap();
    let app = App::launch(&display, data.path()).await;
    app.find("#app *").await;
    (display, data, app)
}

#[tokio::test]
async fn typing_and_clicking_wait_until_the_element_can_take_input() {
    let (_display, _data, app) = launched().await;
    app.eval(SLOW_CONTROLS).await;

    type_into(&app, "#slow-field", "Typed once it could be").await;
    let field = app
        .eval(
            "const f = document.querySelector('#slow-field');
             return [f.dataset.generation, f.value];",
        )
        .await;
    assert_eq!(
        field,
        serde_json::json!(["2", "Typed once it could be"]),
        "the words are in the field the page shows now"
    );

    click(&app, "#slow-button").await;
    let clicks = app
        .eval("return document.querySelector('#slow-button').dataset.clicks")
        .await;
    assert_eq!(clicks, "1", "one click, once the button could take it");

    wait_for_text(&app, "#slow-name", "Samira").await;
    app.quit().await;
}

#[tokio::test]
async fn an_element_that_never_takes_input_fails_naming_it_and_why() {
    let (_display, _data, app) = launched().await;
    app.eval(STUCK_CONTROLS).await;
    let patience = Duration::from_millis(600);

    let refused = try_type_into(&app, "#stuck-field", "x", patience)
        .await
        .expect_err("a disabled field takes no typing");
    assert!(
        refused.starts_with("could not type into #stuck-field within 600ms")
            && refused.ends_with("it is disabled"),
        "{refused}"
    );

    let refused = try_click(&app, "#stuck-button", patience)
        .await
        .expect_err("a covered button takes no click");
    assert!(
        refused.starts_with("could not click #stuck-button within 600ms"),
        "{refused}"
    );
    assert_eq!(
        app.eval("return document.querySelector('#stuck-field').value")
            .await,
        "",
        "nothing was typed"
    );

    app.quit().await;
}
