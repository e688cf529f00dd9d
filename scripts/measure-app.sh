#!/usr/bin/env bash
# Start-up and idle memory of a desktop app (by default Hearth's release
# binary), each over several launches with a fresh data folder, on a virtual
# display of its own:
# - start-up: from the start of the app's main to the page's first command
#   reaching the backend (the page has loaded, run its script and made an IPC
#   round trip), as the app logs it: "ui ready … ms=N". Hearth and the floor
#   of scripts/perf-report.sh log the same line.
# - idle memory: PSS (private pages plus a fair share of shared ones, so
#   shared libraries are not counted twice as summed RSS would) summed over
#   the app and every process it started (WebKit's web and network
#   processes, Chromium's renderers), IDLE seconds after it was ready.
#
# Usage: scripts/measure-app.sh [OPTIONS] [RUNS] [-- COMMAND ARGS…]
#   --runs N           launches (default 5); the figures are their median
#   --idle S           seconds between ready and the memory sample (default 10)
#   --ready REGEX      the log line that says the app is ready (default "ui ready")
#   --ready-window T   instead, ready when a window named T is shown (Chromium)
#   --models DIR       the models in DIR are placed (hard-linked) in each data
#                      folder's models/, as scripts/run.sh places them
#   --timeout S        how long to wait for ready (default 60)
# In COMMAND, @DATA@ is replaced by the launch's fresh data folder.
# The last line printed is machine-readable:
#   result runs=N startup_ms=MEDIAN,MIN,MAX pss_kb=MEDIAN,MIN,MAX
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

runs=5 idle=10 ready="ui ready" ready_window="" models="" timeout=60 command=()
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) runs="$2"; shift 2 ;;
    --idle) idle="$2"; shift 2 ;;
    --ready) ready="$2"; shift 2 ;;
    --ready-window) ready_window="$2"; shift 2 ;;
    --models) models="$2"; shift 2 ;;
    --timeout) timeout="$2"; shift 2 ;;
    --) shift; command=("$@"); break ;;
    [0-9]*) runs="$1"; shift ;;
    *) echo "unknown option $1 (see the top of $0)" >&2; exit 2 ;;
  esac
done

if [ ${#command[@]} -eq 0 ]; then
  app="${CARGO_TARGET_DIR:-$ROOT/target}/release/hearth"
  if [ ! -x "$app" ]; then
    ensure_build_tools
    build_ui
    cargo build --release --locked -p hearth --manifest-path "$ROOT/Cargo.toml"
  fi
  command=("$app")
fi
ensure_packages xvfb xauth xdotool

# Every process of a launch: its session (setsid) and anything descended
# from it that left the session.
launch_pids() {
  local root=$1 p
  { ps -o pid= -s "$root"; "$ROOT/scripts/pss.sh" "$root" | awk '$NF ~ /^\(/ { gsub(/[()]/, "", $NF); print $NF }'; } |
    tr -s ' ' '\n' | grep -E '^[0-9]+$' | sort -un
}

pss_kb() {
  local kb=0 k p
  for p in $(launch_pids "$1"); do
    k="$(awk '/^Pss:/ {print $2}' "/proc/$p/smaps_rollup" 2>/dev/null || true)"
    kb=$((kb + ${k:-0}))
  done
  echo "$kb"
}

measure_once() {
  local data log pid ms="" kb waited=0 args=() a
  data="$(mktemp -d)"; log="$data.log"
  mkdir -p "$data/xdg-data" "$data/xdg-cache" "$data/xdg-config"
  if [ -n "$models" ]; then
    mkdir -p "$data/models"
    cp -al "$models/." "$data/models/" 2>/dev/null || cp -a "$models/." "$data/models/"
  fi
  for a in "${command[@]}"; do args+=("${a//@DATA@/$data}"); done
  HEARTH_DATA_DIR="$data" XDG_DATA_HOME="$data/xdg-data" XDG_CACHE_HOME="$data/xdg-cache" \
    XDG_CONFIG_HOME="$data/xdg-config" WEBKIT_DISABLE_DMABUF_RENDERER=1 NO_AT_BRIDGE=1 \
    DBUS_SESSION_BUS_ADDRESS=unix:path=/nonexistent/hearth-measure \
    setsid "${args[@]}" >"$log" 2>&1 &
  pid=$!
  while [ "$waited" -lt $((timeout * 20)) ]; do
    if [ -n "$ready_window" ]; then
      xdotool search --onlyvisible --name "$ready_window" >/dev/null 2>&1 && break
    else
      grep -qE "$ready" "$log" && break
    fi
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.05; waited=$((waited + 1))
  done
  if [ -z "$ready_window" ]; then
    grep -qE "$ready" "$log" || { echo "not ready after ${timeout} s: ${args[*]}" >&2; tail -5 "$log" >&2; }
    ms="$(grep -m1 'ui ready' "$log" | grep -o 'ms=[0-9]*' | cut -d= -f2 || true)"
  fi
  sleep "$idle"
  kb="$(pss_kb "$pid")"
  # The whole session, which Chromium's helpers may outlive for a moment.
  kill -TERM -- "-$pid" 2>/dev/null || true
  pkill -TERM -s "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  for _ in $(seq 1 100); do [ -n "$(ps -o pid= -s "$pid")" ] || break; sleep 0.05; done
  rm -rf "$data" "$log"
  echo "${ms:-0} $kb"
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
echo "${command[0]##*/}: start-up (main → first IPC): median ${ms_med} ms (min ${ms_min}, max ${ms_max}) over ${runs} runs"
echo "${command[0]##*/}: memory (PSS, all its processes, ${idle} s after ready): median $((kb_med / 1024)) MB (min $((kb_min / 1024)), max $((kb_max / 1024)))"
echo "result runs=${runs} startup_ms=${ms_med},${ms_min},${ms_max} pss_kb=${kb_med},${kb_min},${kb_max}"
