#!/usr/bin/env bash
# Installs what is missing, builds the UI and the app (release), and opens Hearth.
# Arguments are passed to the app, e.g. `scripts/run.sh --data-dir /tmp/hearth`.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

ensure_build_tools
build_ui
say "building Hearth (release)"
cargo build --release --locked -p hearth --manifest-path "$ROOT/Cargo.toml"

app="$ROOT/target/release/hearth"
if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
  say "no desktop session found: opening Hearth on a virtual display (Xvfb)"
  ensure_packages xvfb xauth
  exec xvfb-run -a -s "-screen 0 1280x860x24" env WEBKIT_DISABLE_DMABUF_RENDERER=1 "$app" "$@"
fi
say "opening Hearth"
exec "$app" "$@"
