#!/usr/bin/env bash
# Writes docs/PERFORMANCE.md: this machine described, and every figure of
# Hearth's performance goals beside the floors measured in the same run:
# - the floor of the stack: a bare Tauri 2 window with Hearth's crate set and
#   a static page that makes one IPC call (perf/floor), built in release with
#   its own .deb;
# - the Electron class: a hello-world page in Chromium's app mode.
# Start-up and idle memory come from scripts/measure-app.sh (the same code for
# Hearth and the floor), search/recall/prompt latency from the core's
# benches, the in-window figures and the soak from scripts/window-figures.sh
# when it exists. The soak is drawn to docs/perf-soak.svg.
#
# Usage: scripts/perf-report.sh [--runs N] [--soak-minutes N] [--quick-benches|--no-benches]
#   --runs N           launches per start-up/memory figure (default 5; 3 with the model)
#   --soak-minutes N   passed to scripts/window-figures.sh (its default otherwise)
#   --quick-benches    benches at 10^5 messages instead of 10^6 (the report says so)
#   --no-benches       no benches (their figures say "not measured")
# The launches take a few minutes once the release builds exist (cold, about 10
# minutes on 2 idle cores; over an hour on a busy shared machine); the benches'
# build and journals, and the soak, take more.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

runs=5 soak_minutes="" quick=0 benches=1
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) runs="$2"; shift 2 ;;
    --soak-minutes) soak_minutes="$2"; shift 2 ;;
    --quick-benches) quick=1; shift ;;
    --no-benches) benches=0; shift ;;
    *) echo "usage: scripts/perf-report.sh [--runs N] [--soak-minutes N] [--quick-benches|--no-benches]" >&2; exit 2 ;;
  esac
done
model_runs=$(( runs < 3 ? runs : 3 ))

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
target="$CARGO_TARGET_DIR"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
results="$work/results"
put() { printf '%s=%s\n' "$1" "$2" >>"$results"; }
now() { date +%s; }
begun=$(now)

ensure_build_tools
ensure_packages xvfb xauth xdotool chromium unzip
tauri="$ROOT/ui/node_modules/.bin/tauri"

# --- The machine -------------------------------------------------------------
put date "$(date -u '+%Y-%m-%d %H:%M UTC')"
put commit "$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)$(git -C "$ROOT" diff --quiet HEAD 2>/dev/null || echo ' (with uncommitted changes)')"
put cpu "$(lscpu | sed -n 's/^Model name: *//p' | head -1)"
put cores "$(nproc)"
put ram_kb "$(awk '/^MemTotal:/ {print $2}' /proc/meminfo)"
put kernel "$(uname -r)"
put os "$(. /etc/os-release && echo "$PRETTY_NAME") ($(cat /etc/debian_version 2>/dev/null || echo '?'))"
put webkitgtk "$(dpkg-query -W -f='${Version}' libwebkit2gtk-4.1-0 2>/dev/null || echo unknown)"
put chromium "$(dpkg-query -W -f='${Version}' chromium 2>/dev/null || echo unknown)"
put xvfb "$(dpkg-query -W -f='${Version}' xvfb 2>/dev/null || echo unknown)"
put rustc "$(rustc --version)"
put load_before "$(cut -d' ' -f1-3 /proc/loadavg)"

# --- Release builds and packages ---------------------------------------------
t=$(now)
# The app embeds ui/dist: building it again when nothing changed would make
# cargo compile Hearth again (minutes, with LTO) for the same bytes.
if [ ! -f "$ROOT/ui/dist/index.html" ] || [ -n "$(find "$ROOT/ui/src" "$ROOT/ui/index.html" \
  "$ROOT/ui/package-lock.json" "$ROOT/ui/vite.config.ts" -newer "$ROOT/ui/dist/index.html" | head -1)" ]; then
  build_ui
fi
if [ -x "$ROOT/scripts/package.sh" ]; then
  say "building Hearth's .deb with scripts/package.sh"
  hearth_deb="$("$ROOT/scripts/package.sh" | tail -1)"
else
  say "building Hearth's release binary and .deb (tauri build)"
  (cd "$ROOT/src-tauri" && "$tauri" build --ci --bundles deb -- --locked)
  hearth_deb="$(ls -t "$target"/release/bundle/deb/Hearth_*.deb | head -1)"
fi
# The floor in the same cargo invocation as Hearth: its crates then resolve to
# Hearth's features and reuse what Hearth's build compiled (on its own, the
# GTK stack would resolve differently and be compiled again); then its .deb.
say "building the floor's release binary and .deb (cargo build, tauri bundle)"
cargo build --locked --release -p hearth -p hearth-perf-floor --manifest-path "$ROOT/Cargo.toml"
(cd "$ROOT/perf/floor" && "$tauri" bundle --ci --bundles deb)
floor_deb="$(ls -t "$target"/release/bundle/deb/hearth-perf-floor_*.deb | head -1)"
hearth_bin="$target/release/hearth"
floor_bin="$target/release/hearth-perf-floor"
put build_s $(( $(now) - t ))
put hearth_deb_bytes "$(stat -c %s "$hearth_deb")"
put floor_deb_bytes "$(stat -c %s "$floor_deb")"
put hearth_bin_bytes "$(stat -c %s "$hearth_bin")"
put floor_bin_bytes "$(stat -c %s "$floor_bin")"

# --- Start-up and memory -----------------------------------------------------
# One figure line from measure-app.sh's last line: NAME_startup_ms, NAME_pss_kb
# as "median,min,max".
measure() {
  local name=$1; shift
  local line
  line="$("$ROOT/scripts/measure-app.sh" "$@" | tee /dev/stderr | tail -1)"
  put "${name}_startup_ms" "$(sed -n 's/.*startup_ms=\([0-9,]*\).*/\1/p' <<<"$line")"
  put "${name}_pss_kb" "$(sed -n 's/.*pss_kb=\([0-9,]*\).*/\1/p' <<<"$line")"
  put "${name}_runs" "$(sed -n 's/.*runs=\([0-9]*\).*/\1/p' <<<"$line")"
}

# The built-in models, placed in each launch's data folder as scripts/run.sh
# places them: only the two built-ins.
source_models="${HEARTH_MODELS_DIR:-$TOOLS/models}"
"$ROOT/scripts/models.sh" "$source_models"
chat_model=SmolLM2-135M-Instruct.Q4_1.gguf
models="$work/models"
mkdir -p "$models"
cp -al "$source_models/$chat_model" "$source_models/all-MiniLM-L6-v2" "$models/" 2>/dev/null ||
  cp -a "$source_models/$chat_model" "$source_models/all-MiniLM-L6-v2" "$models/"
put model_file_bytes "$(stat -c %s "$models/$chat_model")"

printf '<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>Hello floor</title></head><body><p>Hello, world.</p></body></html>\n' >"$work/hello.html"
chromium_flags=(--no-first-run --disable-background-networking --disable-component-update --disable-sync)
[ "$(id -u)" -ne 0 ] || chromium_flags+=(--no-sandbox)

t=$(now)
put idle_s 10
measure floor --runs "$runs" -- "$floor_bin"
measure hearth --runs "$runs" -- "$hearth_bin"
measure model --runs "$model_runs" --models "$models" --ready "local model loaded" --timeout 300 -- "$hearth_bin"
measure chromium --runs "$runs" --ready-window "Hello floor" -- \
  chromium --app="file://$work/hello.html" "${chromium_flags[@]}" --user-data-dir=@DATA@/chromium
put launch_s $(( $(now) - t ))

# --- Search, recall and prompt building --------------------------------------
t=$(now)
bench_env=()
[ "$quick" -eq 0 ] || bench_env=(RECALL_BENCH_QUICK=1 SEARCH_BENCH_QUICK=1)
[ "$benches" -eq 1 ] || put bench_skipped 1
for bench in search recall; do
  [ "$benches" -eq 1 ] || break
  say "cargo bench --bench $bench"
  env "${bench_env[@]}" HEARTH_MODELS_DIR="$source_models" \
    cargo bench --locked -p hearth-core --manifest-path "$ROOT/Cargo.toml" --bench "$bench" |
    tee "$work/bench-$bench.txt"
done
put bench_s $(( $(now) - t ))
put bench_quick "$quick"

# --- In the window, and the soak ---------------------------------------------
t=$(now)
if [ -x "$ROOT/scripts/window-figures.sh" ]; then
  soak=()
  [ -z "$soak_minutes" ] || soak=(--soak-minutes "$soak_minutes")
  say "scripts/window-figures.sh ${soak[*]}"
  if "$ROOT/scripts/window-figures.sh" "${soak[@]}" | tee "$work/window.txt"; then
    tail -1 "$work/window.txt" >"$work/window.json"
  else
    put window_missing "not measured (scripts/window-figures.sh failed: see its output)"
  fi
else
  put window_missing "not measured (scripts/window-figures.sh missing)"
fi
put window_s $(( $(now) - t ))
put load_after "$(cut -d' ' -f1-3 /proc/loadavg)"
put total_s $(( $(now) - begun ))

mkdir -p "$ROOT/docs"
python3 "$ROOT/scripts/perf-report.py" "$work" "$ROOT/docs"
say "wrote docs/PERFORMANCE.md"
