#!/usr/bin/env bash
# Start-up and idle memory of the release app, each over several launches with
# a fresh data folder, on a virtual display:
# - start-up: from exec to the page's first command reaching the backend (the
#   UI has loaded, run its script and made an IPC round trip);
# - idle memory: PSS (shared pages split fairly, not double-counted as RSS
#   would) summed over the app and its WebKit processes, 5 s after start-up.
# Usage: scripts/measure-app.sh [RUNS]
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
runs="${1:-5}"
app="$ROOT/target/release/hearth"
[ -x "$app" ] || { build_ui; cargo build --release --locked -p hearth --manifest-path "$ROOT/Cargo.toml"; }
ensure_packages xvfb xauth

measure_once() {
  local data log pid ms kb
  data="$(mktemp -d)"; log="$data.log"
  HEARTH_DATA_DIR="$data" WEBKIT_DISABLE_DMABUF_RENDERER=1 NO_AT_BRIDGE=1 \
    DBUS_SESSION_BUS_ADDRESS=unix:path=/nonexistent/hearth-measure \
    setsid "$app" >"$log" 2>&1 &
  pid=$!
  for _ in $(seq 1 600); do grep -q "ui ready" "$log" && break; sleep 0.05; done
  ms="$(grep -o 'ms=[0-9]*' "$log" | head -1 | cut -d= -f2)"
  sleep 5
  kb=0
  for p in $(ps -o pid= -s "$pid"); do
    k="$(awk '/^Pss:/ {print $2}' "/proc/$p/smaps_rollup" 2>/dev/null || echo 0)"
    kb=$((kb + ${k:-0}))
  done
  kill -TERM -- "-$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  rm -rf "$data" "$log"
  echo "$ms $kb"
}
# A display of our own; -displayfd reports its number once it accepts clients.
display_file="$(mktemp)"
Xvfb -displayfd 3 -screen 0 1280x860x24 -nolisten tcp 3>"$display_file" 2>/dev/null &
xvfb=$!
trap 'kill "$xvfb" 2>/dev/null; wait "$xvfb" 2>/dev/null; rm -f "$display_file"' EXIT
for _ in $(seq 1 200); do [ -s "$display_file" ] && break; sleep 0.05; done
export DISPLAY=":$(cat "$display_file")"

results="$(for _ in $(seq 1 "$runs"); do measure_once; done)"
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] " " v[1] " " v[NR] }'; }
read -r ms_med ms_min ms_max <<<"$(awk '{print $1}' <<<"$results" | median)"
read -r kb_med kb_min kb_max <<<"$(awk '{print $2}' <<<"$results" | median)"
echo "start-up (exec → first IPC): median ${ms_med} ms (min ${ms_min}, max ${ms_max}) over ${runs} runs"
echo "idle memory (PSS, app + WebKit processes, 5 s after start): median $((kb_med / 1024)) MB (min $((kb_min / 1024)), max $((kb_max / 1024)))"
