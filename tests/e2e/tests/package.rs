//! The package people install: the `.deb` that `scripts/package.sh` builds
//! with the Tauri bundler, installed with `apt-get install ./Hearth_….deb`,
//! and the app run from where the package put it.
//!
//! A plain `cargo test` has no package to try, so these tests are ignored
//! there. `scripts/test.sh` builds the package, installs it, runs this file
//! with `--ignored` and `HEARTH_APP=/usr/bin/hearth`, and removes the package
//! afterwards. Run by hand without the package installed, they fail with a
//! sentence saying so; they never pass on a debug build.

use std::path::Path;
use std::process::Command;

use hearth_core::local::catalogue;
use hearth_e2e::{App, Display, app_binary, journal_path, place_built_in_models, text_of};

/// The Debian package's name (the crate's binary name).
const PACKAGE: &str = "hearth";
/// Where the package installs the app.
const INSTALLED_APP: &str = "/usr/bin/hearth";

/// What `cmd` prints, or a panic that names it and what it said.
fn output(cmd: &mut Command) -> String {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("could not run {cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}\n(build and install the package first: `apt-get install ./$(scripts/package.sh | tail -n 1)`, as scripts/test.sh does)",
        String::from_utf8_lossy(&out.stderr).trim()
    );
    String::from_utf8(out.stdout).expect("UTF-8 output")
}

/// The package's field `field` as dpkg records it.
fn installed_field(field: &str) -> String {
    output(Command::new("dpkg-query").args([
        "--show",
        &format!("--showformat=${{{field}}}"),
        PACKAGE,
    ]))
}

/// The `key=value` of a desktop entry's `[Desktop Entry]` group.
fn desktop_value<'a>(entry: &'a str, key: &str) -> Option<&'a str> {
    entry
        .lines()
        .find_map(|line| line.strip_prefix(key)?.strip_prefix('='))
}

#[test]
#[ignore = "needs the .deb installed: scripts/test.sh builds, installs and runs it"]
fn the_package_installs_the_app_its_desktop_entry_icons_and_licences() {
    assert_eq!(
        installed_field("db:Status-Status"),
        "installed",
        "the {PACKAGE} package is not installed"
    );
    assert_eq!(
        installed_field("Version"),
        env!("CARGO_PKG_VERSION"),
        "the installed package is not this version of Hearth"
    );
    let depends = installed_field("Depends");
    for library in ["libwebkit2gtk-4.1-0", "libgtk-3-0"] {
        assert!(
            depends.contains(library),
            "Depends lacks {library}: {depends}"
        );
    }

    let files = output(Command::new("dpkg").args(["--listfiles", PACKAGE]));
    let files: Vec<&str> = files.lines().collect();
    for expected in [
        INSTALLED_APP,
        "/usr/share/applications/Hearth.desktop",
        "/usr/share/icons/hicolor/32x32/apps/hearth.png",
        "/usr/share/icons/hicolor/128x128/apps/hearth.png",
        "/usr/share/icons/hicolor/256x256@2/apps/hearth.png",
        "/usr/share/doc/hearth/LICENSE-MIT",
        "/usr/share/doc/hearth/LICENSE-APACHE",
    ] {
        assert!(
            files.contains(&expected),
            "the package does not install {expected}; it installs:\n{}",
            files.join("\n")
        );
        assert!(
            Path::new(expected).exists(),
            "{expected} is listed but absent"
        );
    }
    // Models are downloaded, never bundled: nothing the size of a model.
    for file in &files {
        let size = std::fs::metadata(file).map_or(0, |m| if m.is_file() { m.len() } else { 0 });
        assert!(
            size < 50_000_000,
            "{file} is {size} bytes: a model in the package?"
        );
    }

    // The security suite's canary command (src-tauri/src/canary.rs, in test
    // builds only) is not in the app people install.
    let app = std::fs::read(INSTALLED_APP).unwrap();
    let canary = b"HEARTH_CANARY_FILE";
    assert!(
        !app.windows(canary.len()).any(|w| w == canary),
        "the installed app was built with the test-only canary command"
    );

    // The menu entry starts the installed app, under its name, with its icon.
    let entry = std::fs::read_to_string("/usr/share/applications/Hearth.desktop").unwrap();
    assert_eq!(desktop_value(&entry, "Name"), Some("Hearth"), "{entry}");
    assert_eq!(desktop_value(&entry, "Exec"), Some("hearth"), "{entry}");
    assert_eq!(desktop_value(&entry, "Icon"), Some("hearth"), "{entry}");
    assert_eq!(
        desktop_value(&entry, "Type"),
        Some("Application"),
        "{entry}"
    );
    assert_eq!(
        desktop_value(&entry, "Categories"),
        Some("Office;"),
        "{entry}"
    );
    let comment = desktop_value(&entry, "Comment").unwrap_or_default();
    assert!(comment.contains("companion"), "Comment: {comment:?}");
    // desktop-file-validate is the freedesktop.org checker of menu entries.
    output(Command::new("desktop-file-validate").arg("/usr/share/applications/Hearth.desktop"));
}

#[tokio::test]
#[ignore = "needs the .deb installed: scripts/test.sh builds, installs and runs it"]
async fn the_installed_app_opens_and_its_first_run_offers_the_recommended_model() {
    assert_eq!(
        app_binary(),
        Path::new(INSTALLED_APP),
        "this test drives the installed app: set HEARTH_APP={INSTALLED_APP}"
    );
    assert_eq!(
        output(Command::new("dpkg").args(["--search", INSTALLED_APP])).trim(),
        format!("{PACKAGE}: {INSTALLED_APP}"),
        "{INSTALLED_APP} does not come from the {PACKAGE} package"
    );
    let display = Display::start();

    // Installed and nothing else: no model on this computer, none connected.
    // The window opens at first run, asking for a model to think with, and
    // offers to download the catalogue's model for this computer (or, with
    // too little memory for a larger one, the built-in one).
    let empty = tempfile::tempdir().unwrap();
    let app = App::launch(&display, empty.path()).await;
    app.find("#first-run[data-step='provider']").await;
    let model = offered_model(&app, "first").await;
    assert!(
        model.runnable() && model.kind == hearth_core::local::ModelKind::Chat,
        "{} may not be offered as a first voice",
        model.id
    );
    let words = text_of(&app, "[data-testid='recommended-model']").await;
    assert!(
        words.contains("I can think right here, with nothing leaving this computer.")
            && words.contains(&model.name),
        "{words}"
    );
    app.screenshot("package-first-run-nothing").await;
    app.quit().await;
    assert!(
        journal_path(empty.path()).is_file(),
        "the installed app made no journal in its data folder"
    );

    // With the built-in models beside it (as scripts/run.sh places them), it
    // talks through the small one and offers the catalogue's recommendation
    // for this computer, from the catalogue built into the package.
    let data = tempfile::tempdir().unwrap();
    place_built_in_models(data.path());
    let app = App::launch(&display, data.path()).await;
    app.find("#first-run[data-step='name']").await;
    let model = offered_model(&app, "companion").await;
    assert!(!model.built_in, "{} is built in", model.id);
    let words = text_of(&app, "[data-testid='recommended-model']").await;
    assert!(
        words.contains("I'll be a better companion with a larger model:")
            && words.contains(&model.name),
        "{words}"
    );
    app.screenshot("package-first-run-offer").await;
    app.quit().await;
}

/// The catalogue model first run offers for `purpose`: one the package's own
/// catalogue holds, with checksums to download it by, asked for in words and
/// with a button to start.
async fn offered_model(app: &App, purpose: &str) -> &'static catalogue::CatalogueModel {
    let selector = format!("[data-testid='recommended-model'][data-purpose='{purpose}']");
    let id = app
        .find(&selector)
        .await
        .attr("data-id")
        .await
        .unwrap()
        .expect("the offer names its model");
    let model = catalogue::find(&id)
        .unwrap_or_else(|| panic!("the offered model {id:?} is not in the catalogue"));
    assert!(model.offered(), "{id} has no checksums to download it by");
    let words = text_of(app, &selector).await;
    assert!(words.contains("Download it now?"), "{words}");
    app.find(&format!("{selector} [data-action='start-download']"))
        .await;
    model
}
