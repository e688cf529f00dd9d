//! The floor's one command gets a permission, granted by capabilities/main.json.

fn main() {
    let manifest = tauri_build::AppManifest::new().commands(&["ping"]);
    tauri_build::try_build(tauri_build::Attributes::new().app_manifest(manifest))
        .expect("tauri-build failed");
}
