#!/usr/bin/env bash
# Hearth's figures in its real window, for the performance report: the
# release app under Xvfb, driven through WebDriver (tauri-driver in front of
# WebKitWebDriver) against the fake provider on loopback:
# - streaming a 20,000-token reply at 200 tokens/s: the longest main-thread
#   task, and the last 10% of tokens' cost against the first 10%'s;
# - opening a 1,000-message conversation, and the Diary with 10^5 moments;
# - a soak: scripted use (messages, views, searches, letters exported to PDF)
#   with PSS summed over the app and its WebKit processes every minute.
# Prints one figure a line, and last one JSON object of the figures (read by
# scripts/perf-report.sh). The measuring program is
# tests/e2e/examples/window_figures.rs.
# Usage: scripts/window-figures.sh [--soak-minutes N]   (default 20; 0 skips it)
#        HEARTH_APP=path/to/hearth scripts/window-figures.sh   (another build)
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

TAURI_DRIVER_VERSION=2.1.0
soak=20
while [ $# -gt 0 ]; do
  case "$1" in
    --soak-minutes) soak="${2:?--soak-minutes takes a number}"; shift 2 ;;
    --only) only="${2:?--only takes a list: stream,open,diary,soak}"; shift 2 ;;
    *) echo "usage: scripts/window-figures.sh [--soak-minutes N]" >&2; exit 2 ;;
  esac
done

ensure_build_tools
ensure_packages xvfb xauth webkit2gtk-driver
if ! tauri-driver --help >/dev/null 2>&1 || [ "$(cargo install --list | grep -c "^tauri-driver v$TAURI_DRIVER_VERSION:")" -eq 0 ]; then
  say "installing tauri-driver $TAURI_DRIVER_VERSION"
  cargo install --locked --quiet tauri-driver --version "$TAURI_DRIVER_VERSION"
fi

cd "$ROOT"
target="${CARGO_TARGET_DIR:-$ROOT/target}"
if [ -z "${HEARTH_APP:-}" ]; then
  # The figures are for users: the release build, as scripts/run.sh and the
  # packages build it.
  build_ui
  say "building the release app"
  cargo build --release --locked -p hearth
  export HEARTH_APP="$target/release/hearth"
fi
# The measuring program, built with the workspace's one set of features (as
# scripts/test.sh builds it), so nothing else is rebuilt.
say "building the measuring program"
cargo build --locked --workspace --examples
say "measuring $HEARTH_APP in its window (soak: $soak min)"
exec "$target/debug/examples/window_figures" --soak-minutes "$soak" ${only:+--only "$only"}
