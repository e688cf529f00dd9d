#!/usr/bin/env bash
# Builds the release app and its packages with the Tauri bundler, and prints
# the path of the Debian package (.deb) on its last line (the performance
# report and scripts/test.sh read it from there).
#
#   scripts/package.sh                 # the .deb
#   scripts/package.sh deb,appimage    # the bundles named (Tauri's names)
#
# Only the .deb can be made on a machine that reaches nothing but the package
# registries: the AppImage bundler downloads linuxdeploy and its plugins from
# GitHub (see README, "Installing Hearth"). Windows' .msi/.exe and macOS'
# .dmg are made on those systems: `npx tauri build` there, from src-tauri/.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

BUNDLES="${1:-deb}"

# Cargo resolves a relative CARGO_TARGET_DIR against the folder it runs in;
# the bundler runs in src-tauri/, so make it absolute from where we are.
if [ -n "${CARGO_TARGET_DIR:-}" ]; then
  mkdir -p "$CARGO_TARGET_DIR"
  CARGO_TARGET_DIR="$(cd "$CARGO_TARGET_DIR" && pwd)"
  export CARGO_TARGET_DIR
fi
TARGET="${CARGO_TARGET_DIR:-$ROOT/target}"

ensure_build_tools
build_ui

say "building the release app and its packages ($BUNDLES)"
# The Tauri CLI from the UI's npm packages, run from the crate's folder (where
# tauri.conf.json is found). It builds `cargo build --release` of the hearth
# package alone: no test-only canary command. --ci: no prompt.
version="$(node -p 'require(process.argv[1]).version' "$ROOT/tauri.conf.json")"
deb="$TARGET/release/bundle/deb/Hearth_${version}_$(dpkg --print-architecture).deb"
rm -f "$deb"
started=$SECONDS
(cd "$ROOT/src-tauri" && npx --prefix ../ui tauri build --ci --bundles "$BUNDLES" -- --locked) >&2
say "built in $((SECONDS - started)) s"

if [[ ",$BUNDLES," == *",deb,"* ]]; then
  [ -f "$deb" ] || { echo "the bundler made no $deb" >&2; exit 1; }
  say "$(du -h "$deb" | cut -f1) package; the app inside: $(du -h "$TARGET/release/hearth" | cut -f1) (stripped)"
  echo "$deb"
fi
