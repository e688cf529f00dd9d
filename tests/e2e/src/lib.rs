//! The end-to-end harness: the real Hearth binary in a real window on a virtual
//! X display, driven through WebDriver (tauri-driver in front of WebKitWebDriver).
//!
//! Everything the harness starts runs in a process group of its own and is
//! killed when its guard drops, so nothing is left behind when a test passes,
//! fails or panics.

pub mod a11y;

use std::io::{BufRead, BufReader};
use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use fantoccini::actions::{InputSource, MouseActions, PointerAction};
use fantoccini::elements::Element;
use fantoccini::error::CmdError;
use fantoccini::wd::Capabilities;
use fantoccini::{Client, ClientBuilder, Locator};
use hearth_core::providers::{ProviderConfig, ProviderKind};
use hearth_core::store::messages::Message;
use hearth_core::store::persona::Persona;
use hyper_util::client::legacy::connect::HttpConnector;
use nix::sys::signal::{Signal, killpg};
use nix::unistd::Pid;

/// How long the app may take to show an element we wait for.
pub const PATIENCE: Duration = Duration::from_secs(30);

/// How long an element on the page may take before it can take input:
/// displayed, enabled, not covered, not replaced. On a busy machine the
/// window lags behind the page: a field inserted but not laid out yet, a
/// button still disabled, a row the virtual list is re-rendering.
pub const READY_PATIENCE: Duration = Duration::from_secs(10);

/// How often a wait in this harness looks again.
const POLL: Duration = Duration::from_millis(25);

/// A child process and its process group, killed on drop.
pub struct Guard {
    name: &'static str,
    child: Child,
}

impl Guard {
    fn spawn(name: &'static str, command: &mut Command) -> Guard {
        command.process_group(0);
        let child = command
            .spawn()
            .unwrap_or_else(|e| panic!("could not start {name} ({command:?}): {e}"));
        Guard { name, child }
    }

    fn group(&self) -> Pid {
        Pid::from_raw(self.child.id() as i32)
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        // Ask the leader first, so each parent can end and reap its own
        // children; then make sure: the app, WebKitWebDriver and the web
        // processes all live in this group.
        let _ = nix::sys::signal::kill(self.group(), Signal::SIGTERM);
        let deadline = Instant::now() + Duration::from_secs(3);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                break;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = killpg(self.group(), Signal::SIGKILL);
        if self.child.wait().is_err() {
            eprintln!("e2e: could not reap {}", self.name);
        }
    }
}

/// One end-to-end test runs at a time in a test binary, whatever the number
/// of test threads: each drives a whole desktop app, and two at once on a
/// small machine slow each other into timeouts. Held by [`Display`].
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

/// A virtual X display of our own. Starting one waits for the test before
/// to finish (see [`ONE_AT_A_TIME`]).
pub struct Display {
    pub name: String,
    _xvfb: Guard,
    // Last: released once Xvfb is gone.
    _turn: MutexGuard<'static, ()>,
}

impl Display {
    pub fn start() -> Display {
        // A test that failed holding the turn poisons it; the next may go.
        let turn = ONE_AT_A_TIME.lock().unwrap_or_else(PoisonError::into_inner);
        // -displayfd makes Xvfb pick a free display and print its number once
        // it accepts connections: no guessing, no waiting.
        let mut xvfb = Guard::spawn(
            "Xvfb",
            Command::new("Xvfb")
                .args([
                    "-displayfd",
                    "1",
                    "-screen",
                    "0",
                    "1280x860x24",
                    "-nolisten",
                    "tcp",
                ])
                .stdout(Stdio::piped())
                .stderr(Stdio::null()),
        );
        let stdout = xvfb.child.stdout.take().expect("Xvfb stdout");
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("read the display number from Xvfb");
        let number: u32 = line.trim().parse().unwrap_or_else(|_| {
            panic!("Xvfb did not report a display (got {line:?}); is the xvfb package installed?")
        });
        Display {
            name: format!(":{number}"),
            _xvfb: xvfb,
            _turn: turn,
        }
    }
}

/// The Hearth binary under test: `HEARTH_APP`, or the debug build in the
/// target directory cargo builds into (`CARGO_TARGET_DIR`, else the
/// workspace's `target`).
pub fn app_binary() -> PathBuf {
    let path = std::env::var_os("HEARTH_APP")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            let target = std::env::var_os("CARGO_TARGET_DIR")
                .filter(|dir| !dir.is_empty())
                .map_or_else(
                    || workspace_dir().join("target"),
                    |dir| workspace_dir().join(dir),
                );
            target.join("debug/hearth")
        });
    assert!(
        path.is_file(),
        "no Hearth binary at {} — build it first (`cargo build --workspace --bins --tests` after `npm run build` in ui/, as scripts/test.sh does) or set HEARTH_APP",
        path.display()
    );
    path
}

pub fn workspace_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

/// Where screenshots go: `target/e2e/screenshots/`.
pub fn screenshot_dir() -> PathBuf {
    let dir = workspace_dir().join("target/e2e/screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn free_port() -> u16 {
    TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

/// A running Hearth window and the WebDriver session that drives it.
pub struct App {
    pub client: Client,
    _driver: Guard,
    log: tempfile::NamedTempFile,
}

impl App {
    /// Launches Hearth on `display` with its data in `data_dir`.
    pub async fn launch(display: &Display, data_dir: &Path) -> App {
        App::launch_with(display, data_dir, &[]).await
    }

    /// Launches Hearth with these environment variables set as well.
    pub async fn launch_with(display: &Display, data_dir: &Path, env: &[(&str, &str)]) -> App {
        let port = free_port();
        let native_port = free_port();
        // The app's stderr (its log) reaches us through the drivers.
        let log = tempfile::NamedTempFile::new().expect("a log file");
        let driver = Guard::spawn(
            "tauri-driver",
            Command::new(tauri_driver())
                .args([
                    "--port",
                    &port.to_string(),
                    "--native-port",
                    &native_port.to_string(),
                ])
                .env("DISPLAY", &display.name)
                .env("HEARTH_DATA_DIR", data_dir)
                // The virtual display has no GPU; skip the DMA-BUF renderer.
                .env("WEBKIT_DISABLE_DMABUF_RENDERER", "1")
                // A bare session: a bus address that cannot exist. (Unset, GLib
                // would autolaunch a session bus per launch, which daemonises
                // out of reach and D-Bus-activates a keyring.) So the app finds
                // no keyring and no single-instance lock, and no test can reach
                // a desktop's running Hearth.
                .env(
                    "DBUS_SESSION_BUS_ADDRESS",
                    "unix:path=/nonexistent/hearth-e2e-no-bus",
                )
                .env("NO_AT_BRIDGE", "1")
                .envs(env.iter().copied())
                .stdout(Stdio::null())
                .stderr(log.reopen().expect("the log file")),
        );
        // tauri-driver listens first and starts WebKitWebDriver beside it: a
        // session asked for before both listen fails, so wait for both.
        wait_for_port(port).await;
        wait_for_port(native_port).await;

        let mut caps = Capabilities::new();
        caps.insert(
            "tauri:options".into(),
            serde_json::json!({ "application": app_binary() }),
        );
        let client = ClientBuilder::new(HttpConnector::new())
            .capabilities(caps)
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
            .expect("start a WebDriver session with Hearth");
        App {
            client,
            _driver: driver,
            log,
        }
    }

    /// Everything the app and its drivers wrote to stderr so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.log.path()).unwrap_or_default()
    }

    /// Waits for the element matching `css` and returns it.
    pub async fn find(&self, css: &str) -> fantoccini::elements::Element {
        self.find_within(css, PATIENCE).await
    }

    /// [`App::find`] with longer patience, for a step that waits on a model
    /// running on this computer.
    pub async fn find_within(
        &self,
        css: &str,
        patience: Duration,
    ) -> fantoccini::elements::Element {
        self.client
            .wait()
            .at_most(patience)
            .for_element(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("{css} never appeared within {patience:?}: {e}"))
    }

    /// Waits, up to [`PATIENCE`], until nothing matches `css`.
    pub async fn wait_gone(&self, css: &str) {
        let deadline = Instant::now() + PATIENCE;
        let script = format!("return document.querySelector({css:?}) === null");
        while self.eval(&script).await.as_bool() != Some(true) {
            assert!(Instant::now() < deadline, "{css} never went away");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Runs a script in the page and returns its JSON result.
    pub async fn eval(&self, script: &str) -> serde_json::Value {
        self.client
            .execute(script, vec![])
            .await
            .unwrap_or_else(|e| panic!("script failed: {script}: {e}"))
    }

    /// Runs a script that finishes by calling its last argument, and returns
    /// what it passed.
    pub async fn eval_async(&self, script: &str) -> serde_json::Value {
        self.client
            .execute_async(script, vec![])
            .await
            .unwrap_or_else(|e| panic!("script failed: {script}: {e}"))
    }

    /// Saves a PNG of the window as `name.png` in [`screenshot_dir`].
    pub async fn screenshot(&self, name: &str) -> PathBuf {
        // WebKitGTK answers a screenshot after the page's next painted frame,
        // and a still page under Xvfb never paints again: keep one invisible
        // pixel changing until the screenshot is taken.
        // Let arrivals and other finite animations end, so the picture shows
        // the view as it rests (the breathing ember runs forever: skip it).
        self.eval_async(
            "const done = arguments[arguments.length - 1];
             Promise.all(document.getAnimations()
               .filter((a) => a.effect?.getTiming().iterations !== Infinity)
               .map((a) => a.finished.catch(() => null))).then(() => done(null));",
        )
        .await;
        self.eval(PAINT_UNTIL_SHOT).await;
        let png = self.client.screenshot().await;
        self.eval("window.__hearthShotDone = true; return null")
            .await;
        let png = png.expect("screenshot");
        assert!(png.starts_with(b"\x89PNG"), "the screenshot is not a PNG");
        let path = screenshot_dir().join(format!("{name}.png"));
        std::fs::write(&path, png).unwrap();
        path
    }

    /// Ends the session, which closes the window.
    pub async fn quit(self) {
        let _ = self.client.close().await;
    }

    /// The process id of the Hearth app this session started: the process
    /// running [`app_binary`] in the drivers' process group (WebKitWebDriver
    /// starts it as its child).
    pub fn app_pid(&self) -> Option<Pid> {
        let binary = app_binary();
        let binary = binary.canonicalize().unwrap_or(binary);
        let group = self._driver.group().as_raw();
        std::fs::read_dir("/proc")
            .ok()?
            .flatten()
            .filter_map(|entry| entry.file_name().to_str()?.parse::<i32>().ok())
            .find(|&pid| process_group(pid) == Some(group) && runs(pid, &binary))
            .map(Pid::from_raw)
    }

    /// Kills the app at once with SIGKILL, as a crash or a power cut would
    /// (no handler runs, nothing is flushed), and waits until it is gone.
    /// The drivers stay; end the session with [`App::abandon`].
    pub async fn kill_app(&self) {
        let pid = self
            .app_pid()
            .expect("the Hearth process among the drivers' children");
        nix::sys::signal::kill(pid, Signal::SIGKILL).expect("SIGKILL the app");
        wait_until("the killed app to be gone", || {
            // Gone, or a zombie its parent has not reaped yet: either way dead.
            std::fs::read_to_string(format!("/proc/{pid}/stat"))
                .map_or(true, |stat| stat_fields(&stat).first() == Some(&"Z"))
        })
        .await;
    }

    /// Gives up a session whose app is no longer there: asks the driver to
    /// end it, briefly, then stops the drivers.
    pub async fn abandon(self) {
        let _ = tokio::time::timeout(Duration::from_secs(5), self.client.close()).await;
    }
}

/// The fields of `/proc/PID/stat` after the command name, from the state on.
fn stat_fields(stat: &str) -> Vec<&str> {
    stat.rsplit_once(')')
        .map(|(_, rest)| rest.split_whitespace().collect())
        .unwrap_or_default()
}

/// Whether process `pid` runs `binary` (by its executable, or by its argv[0]
/// should the file have been rebuilt since it started).
fn runs(pid: i32, binary: &Path) -> bool {
    std::fs::read_link(format!("/proc/{pid}/exe")).is_ok_and(|exe| exe == binary)
        || std::fs::read(format!("/proc/{pid}/cmdline")).is_ok_and(|cmdline| {
            let argv0 = cmdline.split(|&b| b == 0).next().unwrap_or_default();
            Path::new(std::str::from_utf8(argv0).unwrap_or_default()) == binary
        })
}

fn process_group(pid: i32) -> Option<i32> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // state, ppid, pgrp
    stat_fields(&stat).get(2)?.parse().ok()
}

/// The folder `scripts/models.sh` fetched the built-in models into:
/// `HEARTH_MODELS_DIR`, else the workspace's `.tools/models`.
pub fn fetched_models() -> PathBuf {
    std::env::var_os("HEARTH_MODELS_DIR")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_dir().join(".tools/models"))
}

/// Puts `from` (a file or a folder) at `to`: files hard-linked where the two
/// share a file system (the models are large and only read), else copied.
pub fn link_or_copy(from: &Path, to: &Path) {
    if from.is_dir() {
        std::fs::create_dir_all(to).unwrap();
        for entry in std::fs::read_dir(from).unwrap() {
            let entry = entry.unwrap();
            link_or_copy(&entry.path(), &to.join(entry.file_name()));
        }
    } else if std::fs::hard_link(from, to).is_err() {
        std::fs::copy(from, to)
            .unwrap_or_else(|e| panic!("copy {} to {}: {e}", from.display(), to.display()));
    }
}

/// Puts the two built-in models (chat and embeddings) in the models folder of
/// `data_dir`, as `scripts/run.sh` does on a fresh install.
pub fn place_built_in_models(data_dir: &Path) {
    use hearth_core::local::{DEFAULT_CHAT_MODEL, DEFAULT_EMBEDDING_MODEL};
    let source = fetched_models();
    let models = hearth_core::local::models_dir(data_dir);
    std::fs::create_dir_all(&models).unwrap();
    for name in [DEFAULT_CHAT_MODEL, DEFAULT_EMBEDDING_MODEL] {
        let from = source.join(name);
        assert!(
            from.exists(),
            "{} is missing: run `scripts/models.sh .tools/models` (scripts/test.sh does)",
            from.display()
        );
        link_or_copy(&from, &models.join(name));
    }
}

// ---------------------------------------------------------------------------
// The journal, read and seeded with Hearth's own code.

/// The journal file in a data folder.
pub fn journal_path(data_dir: &Path) -> PathBuf {
    data_dir.join(hearth_core::store::DATABASE_FILE)
}

/// Opens (creating and migrating if needed) the journal in `data_dir`, as the
/// app does at start-up. Only while the app is not running.
pub fn open_journal(data_dir: &Path) -> hearth_core::store::Store {
    hearth_core::open_journal(data_dir).expect("open the journal")
}

/// Saves `persona` in the journal, so the app starts past its first run.
pub fn seed_persona(data_dir: &Path, persona: &Persona) {
    open_journal(data_dir)
        .with(|c| hearth_core::store::persona::save(c, persona))
        .expect("save the persona");
}

/// A persona for tests that start past the first run.
pub fn test_persona() -> Persona {
    Persona {
        companion_name: "Samantha".into(),
        voice: "Warm, curious and playful.".into(),
        user_name: "Theodore".into(),
        address_style: "Gently".into(),
        hopes: "Someone to talk to in the evenings".into(),
    }
}

/// Connects the app to `base_url` as an Ollama server (Ollama needs no key,
/// so no keyring is involved) serving `model`.
pub fn seed_ollama(data_dir: &Path, base_url: &str, model: &str) {
    let config = ProviderConfig {
        kind: ProviderKind::Ollama,
        base_url: base_url.to_owned(),
        model: model.to_owned(),
        context_length: None,
    };
    open_journal(data_dir)
        .run(|c| hearth_core::connection::save(c, &config).map(|_| ()))
        .expect("save the provider settings");
}

/// A read-only connection to the journal, safe beside the running app (the
/// journal is in WAL mode: a reader never blocks the writer).
pub fn read_journal(data_dir: &Path) -> rusqlite::Connection {
    let conn = rusqlite::Connection::open_with_flags(
        journal_path(data_dir),
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .expect("open the journal read-only");
    conn.busy_timeout(Duration::from_secs(5)).unwrap();
    conn
}

/// Every message in the journal, oldest first, read without changing anything
/// (unlike [`open_journal`], which marks interrupted replies).
pub fn journal_messages(conn: &rusqlite::Connection) -> Vec<Message> {
    hearth_core::store::messages::page(conn, None, 10_000).expect("read the messages")
}

const PAINT_UNTIL_SHOT: &str = r#"
    window.__hearthShotDone = false;
    const dot = document.createElement('div');
    dot.setAttribute('aria-hidden', 'true');
    dot.style.cssText = 'position:fixed;right:0;bottom:0;width:1px;height:1px;opacity:0.01;pointer-events:none';
    document.body.append(dot);
    const started = performance.now();
    const tick = (now) => {
        if (window.__hearthShotDone || now - started > 15000) { dot.remove(); return; }
        dot.style.transform = dot.style.transform ? '' : 'translateX(-1px)';
        requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
    return null;
"#;

fn tauri_driver() -> PathBuf {
    if let Some(path) = std::env::var_os("TAURI_DRIVER") {
        return path.into();
    }
    let cargo_bin = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))
        .map(|h| h.join("bin/tauri-driver"));
    match cargo_bin {
        Some(p) if p.is_file() => p,
        _ => PathBuf::from("tauri-driver"),
    }
}

// ---------------------------------------------------------------------------
// Acting as a person does: only on what can take it.
//
// An element can be in the page before it can take input, and be replaced
// by a new one (a re-render) between finding and using it. Each action
// below therefore finds its element afresh, checks it is displayed and
// enabled, acts, and on a refusal the page may outgrow (not interactable,
// click intercepted, stale) tries again every few milliseconds, for at most
// [`READY_PATIENCE`] after the element first appears. Then it fails with
// the selector and the last reason.

/// What one attempt at an action came to.
enum Attempt<T> {
    Done(T),
    /// The element cannot take it yet, and why.
    NotYet(String),
}

/// A refusal the page may outgrow: try again.
fn passing(e: &CmdError) -> bool {
    use fantoccini::error::ErrorStatus;
    e.is_element_not_interactable()
        || e.is_stale_element_reference()
        || e.is_invalid_element_state()
        || e.is_no_such_element()
        || e.is_move_target_out_of_bounds()
        || matches!(e, CmdError::Standard(w) if w.error == ErrorStatus::ElementClickIntercepted)
}

/// Why `element` cannot take input now, or `None` when it can.
async fn unready(element: &Element, typing: bool) -> Result<Option<String>, CmdError> {
    Ok(if !element.is_displayed().await? {
        Some("it is not displayed".into())
    } else if !element.is_enabled().await? {
        Some("it is disabled".into())
    } else if typing && element.prop("readOnly").await?.as_deref() == Some("true") {
        Some("it is read-only".into())
    } else {
        None
    })
}

/// Waits up to [`PATIENCE`] for `css` to appear, then makes `attempt` on a
/// fresh find of it until it is done, for at most `patience`.
async fn attempt_on<T, F, Fut>(
    app: &App,
    css: &str,
    doing: &str,
    patience: Duration,
    mut attempt: F,
) -> Result<T, String>
where
    F: FnMut(Element) -> Fut,
    Fut: Future<Output = Result<Attempt<T>, CmdError>>,
{
    let mut element = app
        .client
        .wait()
        .at_most(PATIENCE)
        .for_element(Locator::Css(css))
        .await
        .map_err(|e| {
            format!("could not {doing} {css}: it never appeared within {PATIENCE:?} ({e})")
        })?;
    let deadline = Instant::now() + patience;
    let mut tries = 0;
    loop {
        tries += 1;
        let why = match attempt(element).await {
            Ok(Attempt::Done(done)) => return Ok(done),
            Ok(Attempt::NotYet(why)) => why,
            Err(e) if passing(&e) => e.to_string(),
            Err(e) => return Err(format!("could not {doing} {css}: {e}")),
        };
        if Instant::now() >= deadline {
            return Err(format!(
                "could not {doing} {css} within {patience:?} ({tries} tries): {why}"
            ));
        }
        tokio::time::sleep(POLL).await;
        element = loop {
            match app.client.find(Locator::Css(css)).await {
                Ok(found) => break found,
                Err(e) if passing(&e) && Instant::now() < deadline => {
                    tokio::time::sleep(POLL).await
                }
                Err(e) => {
                    return Err(format!(
                        "could not {doing} {css} within {patience:?}: it left the page ({e})"
                    ));
                }
            }
        };
    }
}

/// Clicks the element matching `css` once it is there and can take a click
/// (displayed, enabled, not covered): waits up to [`PATIENCE`] for it to
/// appear and [`READY_PATIENCE`] more for it to take the click.
pub async fn click(app: &App, css: &str) {
    try_click(app, css, READY_PATIENCE)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
}

/// [`click`], failing with the reason after `patience` instead of panicking.
pub async fn try_click(app: &App, css: &str, patience: Duration) -> Result<(), String> {
    attempt_on(app, css, "click", patience, |element| async move {
        if let Some(why) = unready(&element, false).await? {
            return Ok(Attempt::NotYet(why));
        }
        element.click().await?;
        Ok(Attempt::Done(()))
    })
    .await
}

/// Replaces the text of the field matching `css` with `text`, typed, once
/// the field can take it; and checks the field then holds exactly `text`
/// (typing again if the page replaced or reset it meanwhile). Waits as
/// [`click`] does.
pub async fn type_into(app: &App, css: &str, text: &str) {
    try_type_into(app, css, text, READY_PATIENCE)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
}

/// [`type_into`], failing with the reason after `patience` instead of
/// panicking.
pub async fn try_type_into(
    app: &App,
    css: &str,
    text: &str,
    patience: Duration,
) -> Result<(), String> {
    attempt_on(app, css, "type into", patience, |field| async move {
        if let Some(why) = unready(&field, true).await? {
            return Ok(Attempt::NotYet(why));
        }
        field.clear().await?;
        field.send_keys(text).await?;
        let value = field.prop("value").await?.unwrap_or_default();
        Ok(if value == text {
            Attempt::Done(())
        } else {
            Attempt::NotYet(format!("it holds {value:?} after typing {text:?}"))
        })
    })
    .await
}

/// Presses `keys` (for example `&Key::Escape`) in the element matching
/// `css` once it can take them. Waits as [`click`] does.
pub async fn press(app: &App, css: &str, keys: &str) {
    attempt_on(
        app,
        css,
        "press keys in",
        READY_PATIENCE,
        |element| async move {
            if let Some(why) = unready(&element, false).await? {
                return Ok(Attempt::NotYet(why));
            }
            element.send_keys(keys).await?;
            Ok(Attempt::Done(()))
        },
    )
    .await
    .unwrap_or_else(|e| panic!("{e}"));
}

/// Brings the element matching `css` into view and moves the pointer onto
/// it, as a person pointing at it (which shows what appears on hover).
/// Waits as [`click`] does.
pub async fn point_at(app: &App, css: &str) {
    let client = &app.client;
    attempt_on(app, css, "point at", READY_PATIENCE, |element| async move {
        if let Some(why) = unready(&element, false).await? {
            return Ok(Attempt::NotYet(why));
        }
        let arg = serde_json::to_value(&element).expect("an element as a script argument");
        client
            .execute("arguments[0].scrollIntoView({block: 'center'})", vec![arg])
            .await?;
        client
            .perform_actions(
                MouseActions::new("mouse".into()).then(PointerAction::MoveToElement {
                    element,
                    duration: None,
                    x: 0.0,
                    y: 0.0,
                }),
            )
            .await?;
        Ok(Attempt::Done(()))
    })
    .await
    .unwrap_or_else(|e| panic!("{e}"));
}

/// The visible text of the element matching `css` (found afresh should the
/// page replace it while it is read).
pub async fn text_of(app: &App, css: &str) -> String {
    attempt_on(app, css, "read", READY_PATIENCE, |element| async move {
        Ok(Attempt::Done(element.text().await?))
    })
    .await
    .unwrap_or_else(|e| panic!("{e}"))
}

/// Waits, up to [`PATIENCE`], until the element matching `css` shows
/// `expected` as its visible text. For text the page fills in after the
/// element appears (the companion's name replaces "Hearth" once the persona
/// is read): reading it at once races the page.
pub async fn wait_for_text(app: &App, css: &str, expected: &str) {
    attempt_on(
        app,
        css,
        "read the text of",
        PATIENCE,
        |element| async move {
            let shown = element.text().await?;
            Ok(if shown == expected {
                Attempt::Done(())
            } else {
                Attempt::NotYet(format!("it shows {shown:?}, not {expected:?}"))
            })
        },
    )
    .await
    .unwrap_or_else(|e| panic!("{e}"));
}

/// A message as the window shows it.
#[derive(Debug, Clone, serde::Deserialize)]
pub struct Shown {
    pub id: i64,
    pub role: String,
    pub status: String,
    pub kept: bool,
    pub text: String,
    /// The "stopped before the end" mark, when shown.
    pub mark: Option<String>,
}

const THREAD: &str = r#"
    return [...document.querySelectorAll('#thread li.message')].map((li) => ({
      id: Number(li.dataset.id),
      role: li.dataset.role,
      status: li.dataset.status,
      kept: li.dataset.kept === 'true',
      text: (li.querySelector('.body')?.textContent ?? '').trim(),
      mark: li.querySelector('.mark')?.textContent.trim() ?? null,
    })).sort((a, b) => a.id - b.id);
"#;

/// The messages the conversation shows now, oldest first.
pub async fn thread(app: &App) -> Vec<Shown> {
    serde_json::from_value(app.eval(THREAD).await).expect("the thread as JSON")
}

/// Waits until the thread in the window satisfies `ready`, and returns it.
pub async fn thread_when(app: &App, what: &str, ready: impl Fn(&[Shown]) -> bool) -> Vec<Shown> {
    thread_when_within(app, what, PATIENCE, ready).await
}

/// [`thread_when`] with longer patience, for replies from a model running
/// on this computer.
pub async fn thread_when_within(
    app: &App,
    what: &str,
    patience: Duration,
    ready: impl Fn(&[Shown]) -> bool,
) -> Vec<Shown> {
    let deadline = Instant::now() + patience;
    loop {
        let shown = thread(app).await;
        if ready(&shown) {
            return shown;
        }
        assert!(
            Instant::now() < deadline,
            "gave up waiting for the thread: {what}; it shows {shown:#?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Waits, up to [`PATIENCE`], until `ready` holds; fails with `what` otherwise.
pub async fn wait_until(what: &str, mut ready: impl FnMut() -> bool) {
    let deadline = Instant::now() + PATIENCE;
    while !ready() {
        assert!(Instant::now() < deadline, "gave up waiting: {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn wait_for_port(port: u16) {
    wait_until(
        &format!(
            "nothing listened on port {port}: is tauri-driver installed (`cargo install tauri-driver --locked`), \
             and WebKitWebDriver (Debian's webkit2gtk-driver)?"
        ),
        || TcpStream::connect((Ipv4Addr::LOCALHOST, port)).is_ok(),
    )
    .await;
}

/// Noon, local time, `days_ago` days before today: its day (`YYYY-MM-DD`)
/// and UTC milliseconds.
pub fn local_noon(days_ago: i64) -> (String, i64) {
    let day = chrono::Local::now().date_naive() - chrono::Duration::days(days_ago);
    let noon = day
        .and_hms_opt(12, 0, 0)
        .unwrap()
        .and_local_timezone(chrono::Local)
        .earliest()
        .unwrap();
    (day.to_string(), noon.timestamp_millis())
}

/// Turns the Diary's calendar to the month of `day` (YYYY-MM-DD), with its
/// Previous and Next month buttons (opening an item turns it to the item's
/// month: on the first of a month, yesterday's is another).
pub async fn calendar_to(app: &App, day: &str) {
    let month = &day[..7];
    for _ in 0..24 {
        let shown = app
            .eval("return document.querySelector('.calendar')?.dataset.month ?? null")
            .await;
        let Some(shown) = shown.as_str() else {
            panic!("the Diary shows no calendar");
        };
        if shown == month {
            return;
        }
        let way = if shown < month {
            "Next month"
        } else {
            "Previous month"
        };
        click(app, &format!(".calendar button.nav[aria-label='{way}']")).await;
        app.wait_gone(&format!(".calendar[data-month='{shown}']"))
            .await;
    }
    panic!("the calendar never reached {month}");
}

/// PSS, in MB, of a process and all its descendants (the app, its WebKit
/// web and network processes), as scripts/pss.sh counts it: the sum, and
/// each process by name.
pub fn pss_mb(pid: Pid) -> (f64, Vec<(String, f64)>) {
    fn walk(pid: i32, each: &mut Vec<(String, f64)>) {
        if let Ok(rollup) = std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup")) {
            let kb = rollup
                .lines()
                .find_map(|l| l.strip_prefix("Pss:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
                .unwrap_or(0);
            let name = std::fs::read_to_string(format!("/proc/{pid}/comm")).unwrap_or_default();
            each.push((name.trim().to_owned(), kb as f64 / 1024.0));
        }
        let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
            return;
        };
        for task in tasks.flatten() {
            let children =
                std::fs::read_to_string(task.path().join("children")).unwrap_or_default();
            for child in children.split_whitespace().filter_map(|c| c.parse().ok()) {
                walk(child, each);
            }
        }
    }
    let mut each = Vec::new();
    walk(pid.as_raw(), &mut each);
    (each.iter().map(|(_, mb)| mb).sum(), each)
}
