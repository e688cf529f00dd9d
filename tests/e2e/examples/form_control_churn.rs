//! What the web process keeps of elements made and removed by script: the
//! soak's growth (docs/PERFORMANCE.md) isolated from Hearth's own code.
//!
//! Launches the app (`HEARTH_APP`, else the debug build) on the conversation,
//! then for each case: 5,000 times, an element is made from the case's markup
//! (in blocks of 50, one block a frame), the case's script runs on each of its
//! inputs and textareas (`e`), and the element is removed. It prints the web
//! process's PSS before and after each of three rounds.
//!
//! cargo run -p hearth-e2e --example form_control_churn -- 'SCRIPT:MARKUP'...
//! e.g. 'e.value = "hi";:<input type="text">' or ':<p>text</p>' (no script).
//!
//! Measured on WebKitGTK 2.50.6 (December 2026): a text input or textarea
//! that script reaches at all (`querySelectorAll` finding it is enough: that
//! makes its JavaScript wrapper) leaves about 3.4 KB behind for good, whether
//! or not its value is set; a checkbox about 1.6 KB. The same inputs never
//! reached by script, buttons and plain elements leave nothing measurable.
//! Svelte reaches every element it shows, so each visit to a view full of
//! fields (Settings) leaves a little behind.

use std::time::Duration;

use hearth_e2e::{App, Display, pss_mb, seed_ollama, seed_persona, test_persona};
use nix::unistd::Pid;

/// PSS of the app's WebKit web process(es), in MB.
fn web_pss(app: Pid) -> f64 {
    pss_mb(app)
        .1
        .iter()
        .filter(|(name, _)| name.starts_with("WebKitWebProces"))
        .map(|(_, mb)| mb)
        .sum()
}

#[tokio::main]
async fn main() {
    let cases: Vec<(String, String)> = std::env::args()
        .skip(1)
        .map(|arg| {
            let (script, markup) = arg
                .split_once(':')
                .expect("each case is SCRIPT:MARKUP (the script may be empty)");
            (script.to_owned(), markup.to_owned())
        })
        .collect();
    assert!(!cases.is_empty(), "name at least one case: SCRIPT:MARKUP");
    let display = Display::start();
    let data = tempfile::tempdir().unwrap();
    seed_persona(data.path(), &test_persona());
    // No model answers here: nothing is sent.
    seed_ollama(data.path(), "http://127.0.0.1:9", "none");
    let app = App::launch(&display, data.path()).await;
    app.find("main[data-view='conversation'] #thread").await;
    let pid = app.app_pid().expect("the app's process");
    for (script, markup) in cases {
        for round in 0..3 {
            let before = web_pss(pid);
            for _ in 0..10 {
                app.eval_async(&format!(
                    r#"
const done = arguments[arguments.length - 1];
const host = document.createElement('div');
document.body.appendChild(host);
let i = 0;
function block() {{
  for (let k = 0; k < 50; k++, i++) {{
    host.innerHTML = {markup:?};
    host.querySelectorAll('input,textarea').forEach((e) => {{ {script} }});
    void host.offsetHeight;
    host.replaceChildren();
  }}
  if (i < 500) requestAnimationFrame(block); else {{ host.remove(); done(i); }}
}}
block();
"#
                ))
                .await;
            }
            // Let the page settle (its timers, a collection if one is due).
            tokio::time::sleep(Duration::from_secs(3)).await;
            let after = web_pss(pid);
            println!(
                "{script:?} on {markup:?}, round {round}: 5,000 made and removed, web process {before:.1} → {after:.1} MB ({:+.1})",
                after - before
            );
        }
    }
    app.quit().await;
}
