//! The models folder: what is in it, importing a GGUF file, removing a model.
//! Pure functions over a path; the shell exposes them to Settings.
//!
//! A chat model is one `.gguf` file. An embedding model is a folder holding
//! `model.safetensors`, `config.json` and `tokenizer.json`.

use std::fs;
use std::io::{Read, Seek};
use std::path::{Path, PathBuf};

use candle_core::quantized::gguf_file;
use serde::{Deserialize, Serialize};

use super::{DEFAULT_CHAT_MODEL, DEFAULT_EMBEDDING_MODEL, LocalError};

/// The files an embedding model folder holds.
pub const EMBEDDING_FILES: [&str; 3] = ["model.safetensors", "config.json", "tokenizer.json"];

/// The four bytes every GGUF file starts with.
pub const GGUF_MAGIC: &[u8; 4] = b"GGUF";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "lowercase")]
pub enum ModelKind {
    Chat,
    Embedding,
}

/// One model in the folder.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct LocalModel {
    /// A readable name (from the file's metadata when it has one).
    pub name: String,
    /// The file (chat) or folder (embedding) name inside the models folder;
    /// what a provider's `model` setting names.
    pub file: String,
    pub size_bytes: u64,
    pub kind: ModelKind,
    /// An SPDX identifier when known, else "unknown".
    pub licence: String,
    /// The context window in tokens, for chat models that declare it.
    pub context_length: Option<u32>,
}

/// What a GGUF file's header says about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GgufSummary {
    pub architecture: Option<String>,
    pub name: Option<String>,
    pub licence: Option<String>,
    pub context_length: Option<u32>,
}

/// The models in `dir`, chat models first, then by file name. A folder that
/// does not exist holds no models.
pub fn list(dir: &Path) -> Result<Vec<LocalModel>, LocalError> {
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(LocalError::io(dir, &e)),
    };
    let mut models = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| LocalError::io(dir, &e))?;
        let path = entry.path();
        let Some(file) = path.file_name().and_then(|n| n.to_str()).map(str::to_owned) else {
            continue;
        };
        if file.starts_with('.') {
            continue;
        }
        if path.is_file() && is_gguf_name(&file) {
            models.push(describe_gguf(&path, file));
        } else if path.is_dir() && EMBEDDING_FILES.iter().all(|f| path.join(f).is_file()) {
            let size_bytes = EMBEDDING_FILES
                .iter()
                .filter_map(|f| fs::metadata(path.join(f)).ok())
                .map(|m| m.len())
                .sum();
            models.push(LocalModel {
                name: file.clone(),
                licence: known_licence(&file).unwrap_or("unknown").to_owned(),
                file,
                size_bytes,
                kind: ModelKind::Embedding,
                context_length: None,
            });
        }
    }
    models.sort_by(|a, b| {
        (a.kind != ModelKind::Chat, &a.file).cmp(&(b.kind != ModelKind::Chat, &b.file))
    });
    Ok(models)
}

/// The chat models (GGUF files) in `dir`.
pub fn chat_models(dir: &Path) -> Result<Vec<LocalModel>, LocalError> {
    Ok(list(dir)?
        .into_iter()
        .filter(|m| m.kind == ModelKind::Chat)
        .collect())
}

fn describe_gguf(path: &Path, file: String) -> LocalModel {
    let size_bytes = fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    // A damaged file is still listed (so it can be removed), with what we know.
    let summary = read_summary(path).ok();
    let licence = summary
        .as_ref()
        .and_then(|s| s.licence.as_deref().map(spdx))
        .or_else(|| known_licence(&file).map(str::to_owned))
        .unwrap_or_else(|| "unknown".to_owned());
    let name = summary
        .as_ref()
        .and_then(|s| s.name.clone())
        .unwrap_or_else(|| gguf_stem(&file).unwrap_or(&file).to_owned());
    LocalModel {
        name,
        licence,
        size_bytes,
        kind: ModelKind::Chat,
        context_length: summary.and_then(|s| s.context_length),
        file,
    }
}

/// The SPDX spelling of common licences (GGUF files often write them in
/// lower case); others as written.
fn spdx(licence: &str) -> String {
    const KNOWN: &[&str] = &[
        "Apache-2.0",
        "MIT",
        "BSD-2-Clause",
        "BSD-3-Clause",
        "CC-BY-4.0",
        "CC-BY-SA-4.0",
        "CC-BY-NC-4.0",
        "CC-BY-NC-SA-4.0",
        "GPL-2.0",
        "GPL-3.0",
        "LGPL-3.0",
        "AGPL-3.0",
        "MPL-2.0",
        "Unlicense",
        "OpenRAIL",
    ];
    KNOWN
        .iter()
        .find(|k| k.eq_ignore_ascii_case(licence))
        .map_or_else(|| licence.to_owned(), |k| (*k).to_owned())
}

fn known_licence(file: &str) -> Option<&'static str> {
    (file == DEFAULT_CHAT_MODEL || file == DEFAULT_EMBEDDING_MODEL).then_some("Apache-2.0")
}

/// Whether `file` names a GGUF file: something before a `.gguf` ending, in
/// any case ("Modèle-été.GGUF" is one). Safe on any name: the ending is
/// compared as bytes, never sliced out of the middle of a character.
pub fn is_gguf_name(file: &str) -> bool {
    gguf_stem(file).is_some_and(|stem| !stem.is_empty())
}

/// `file` without its `.gguf` ending (in any case), or `None` when it has none.
fn gguf_stem(file: &str) -> Option<&str> {
    const ENDING: &[u8] = b".gguf";
    let cut = file.len().checked_sub(ENDING.len())?;
    if !file.as_bytes()[cut..].eq_ignore_ascii_case(ENDING) {
        return None;
    }
    // The last five bytes are ASCII, so `cut` starts a character.
    file.get(..cut)
}

/// Reads a GGUF file's header (metadata only; tensors are not read).
pub fn read_summary(path: &Path) -> Result<GgufSummary, LocalError> {
    let mut reader = std::io::BufReader::new(open_gguf(path)?);
    Ok(summarise(&read_header(&mut reader, path)?))
}

/// Opens the GGUF file at `path`, at its start, once it is known to be one.
pub(crate) fn open_gguf(path: &Path) -> Result<fs::File, LocalError> {
    let mut f = fs::File::open(path).map_err(|e| open_error(path, &e))?;
    check_magic(&mut f, path)?;
    f.rewind().map_err(|e| LocalError::io(path, &e))?;
    Ok(f)
}

/// Reads the header (metadata and tensor list) of the GGUF file at `path`
/// from `reader`, which is at its start.
pub(crate) fn read_header<R: Read + Seek>(
    reader: &mut R,
    path: &Path,
) -> Result<gguf_file::Content, LocalError> {
    gguf_file::Content::read(reader).map_err(|e| {
        LocalError::Invalid(format!(
            "{} starts like a GGUF model but its header can't be read ({e}); it may be truncated.",
            display_name(path)
        ))
    })
}

pub(crate) fn summarise(content: &gguf_file::Content) -> GgufSummary {
    let text = |key: &str| {
        content
            .metadata
            .get(key)
            .and_then(|v| v.to_string().ok())
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
    };
    let architecture = text("general.architecture");
    let context_length = architecture.as_ref().and_then(|a| {
        content
            .metadata
            .get(&format!("{a}.context_length"))
            .and_then(|v| v.to_u64().ok())
            .and_then(|n| u32::try_from(n).ok())
    });
    GgufSummary {
        name: text("general.name"),
        licence: text("general.license"),
        architecture,
        context_length,
    }
}

fn check_magic(f: &mut fs::File, path: &Path) -> Result<(), LocalError> {
    let mut magic = [0u8; 4];
    match f.read_exact(&mut magic) {
        Ok(()) if &magic == GGUF_MAGIC => Ok(()),
        Ok(()) => Err(LocalError::Invalid(format!(
            "{} is not a GGUF model file (it doesn't start with “GGUF”).",
            display_name(path)
        ))),
        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => {
            Err(LocalError::Invalid(format!(
                "{} is too short to be a GGUF model file.",
                display_name(path)
            )))
        }
        Err(e) => Err(LocalError::io(path, &e)),
    }
}

fn open_error(path: &Path, e: &std::io::Error) -> LocalError {
    if e.kind() == std::io::ErrorKind::NotFound {
        LocalError::Missing(format!("There is no file at {}.", path.display()))
    } else {
        LocalError::io(path, e)
    }
}

fn display_name(path: &Path) -> String {
    path.file_name()
        .map(|n| format!("“{}”", n.to_string_lossy()))
        .unwrap_or_else(|| path.display().to_string())
}

/// Copies the GGUF file at `source` into `dir` (created if needed) and
/// describes it. Refuses a file that is not GGUF, a model of an architecture
/// Hearth can't run, and a name already in the folder. The copy is written
/// beside its final name and renamed, so a failed import leaves nothing.
pub fn import(dir: &Path, source: &Path) -> Result<LocalModel, LocalError> {
    let summary = read_summary(source)?;
    match summary.architecture.as_deref() {
        Some(chat_arch) if super::SUPPORTED_ARCHITECTURES.contains(&chat_arch) => {}
        other => {
            return Err(LocalError::Invalid(format!(
                "{} is a “{}” model; Hearth runs llama-family models (Llama, SmolLM, TinyLlama, Mistral).",
                display_name(source),
                other.unwrap_or("unknown")
            )));
        }
    }
    let file = source
        .file_name()
        .and_then(|n| n.to_str())
        .filter(|n| is_gguf_name(n) && !n.starts_with('.'))
        .map(str::to_owned)
        .ok_or_else(|| {
            LocalError::Invalid(format!(
                "{} should be named like “model.gguf”.",
                display_name(source)
            ))
        })?;
    fs::create_dir_all(dir).map_err(|e| LocalError::io(dir, &e))?;
    let target = dir.join(&file);
    if target.exists() {
        return Err(LocalError::Invalid(format!(
            "A model named “{file}” is already in the models folder. Remove it first."
        )));
    }
    let partial = dir.join(format!(".{file}.partial"));
    // Owner-only, like everything in the data folder.
    let copied = fs::copy(source, &partial)
        .and_then(|_| crate::store::private::narrow(&partial))
        .and_then(|_| fs::rename(&partial, &target));
    if let Err(e) = copied {
        let _ = fs::remove_file(&partial);
        return Err(LocalError::Io(format!(
            "Couldn't copy {} into the models folder: {e}",
            display_name(source)
        )));
    }
    Ok(describe_gguf(&target, file))
}

/// Removes the model named `file` (as [`list`] gives it) from `dir`.
pub fn remove(dir: &Path, file: &str) -> Result<(), LocalError> {
    let path = model_path(dir, file)?;
    remove_converted(dir, file);
    let removed = if path.is_dir() {
        fs::remove_dir_all(&path)
    } else {
        fs::remove_file(&path)
    };
    removed.map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            LocalError::Missing(format!("There is no model named “{file}” to remove."))
        } else {
            LocalError::io(&path, &e)
        }
    })
}

/// Where the weights of the GGUF model at `model`, converted for speed (see
/// `chat::load_weights`), are kept: `.converted/` in its folder (hidden from
/// [`list`]), named after the file, its size and its modification time, so a
/// replaced file is converted anew. `None` when the file can't be read.
pub fn converted_path(model: &Path) -> Option<PathBuf> {
    let meta = fs::metadata(model).ok()?;
    let modified = meta
        .modified()
        .ok()?
        .duration_since(std::time::UNIX_EPOCH)
        .ok()?
        .as_secs();
    let name = model.file_name()?.to_str()?;
    Some(
        model
            .parent()?
            .join(CONVERTED_DIR)
            .join(format!("{name}.{}-{modified}.q8_0.gguf", meta.len())),
    )
}

/// The folder of converted weights, inside the models folder.
const CONVERTED_DIR: &str = ".converted";

/// Deletes the converted weights of the model `file` in `dir`, if any.
pub(crate) fn remove_converted(dir: &Path, file: &str) {
    let Ok(entries) = fs::read_dir(dir.join(CONVERTED_DIR)) else {
        return;
    };
    let prefix = format!("{file}.");
    for entry in entries.flatten() {
        if entry
            .file_name()
            .to_str()
            .is_some_and(|n| n.starts_with(&prefix))
        {
            let _ = fs::remove_file(entry.path());
        }
    }
}

/// The path of the model named `file` in `dir`, refusing names that would
/// leave the folder.
pub fn model_path(dir: &Path, file: &str) -> Result<PathBuf, LocalError> {
    let plain = !file.is_empty()
        && file != "."
        && file != ".."
        && !file.contains(['/', '\\'])
        && Path::new(file).components().count() == 1;
    if !plain {
        return Err(LocalError::Invalid(format!(
            "“{file}” is not the name of a model in the models folder."
        )));
    }
    Ok(dir.join(file))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn licences_are_spelt_as_spdx() {
        assert_eq!(spdx("apache-2.0"), "Apache-2.0");
        assert_eq!(spdx("mit"), "MIT");
        assert_eq!(spdx("llama3"), "llama3");
    }

    #[test]
    fn model_names_cannot_leave_the_folder() {
        let dir = Path::new("/models");
        for bad in [
            "",
            ".",
            "..",
            "../x.gguf",
            "a/b.gguf",
            "a\\b.gguf",
            "/etc/passwd",
        ] {
            assert!(model_path(dir, bad).is_err(), "{bad:?} must be refused");
        }
        assert_eq!(
            model_path(dir, "m.gguf").unwrap(),
            PathBuf::from("/models/m.gguf")
        );
    }

    /// A GGUF file holding only a header: a name, a licence, no tensors.
    fn write_header(path: &Path, name: &str) {
        use gguf_file::Value;
        let mut f = fs::File::create(path).unwrap();
        let metadata = [
            ("general.architecture", &Value::String("llama".into())),
            ("general.name", &Value::String(name.into())),
            ("general.license", &Value::String("apache-2.0".into())),
            ("llama.context_length", &Value::U32(2048)),
        ];
        gguf_file::write(&mut f, &metadata, &[]).unwrap();
    }

    #[test]
    fn models_with_names_in_any_script_are_listed() {
        let dir = tempfile::tempdir().unwrap();
        write_header(&dir.path().join("Modèle-été-😀.gguf"), "Modèle d’été 😀");
        // Damaged files are listed too, named after the file.
        for file in ["x😀.gguf", "é.gguf", "Ünïcödé.GGUF"] {
            fs::write(dir.path().join(file), b"GGUF").unwrap();
        }
        // Not models: a byte five from the end falls inside a character.
        for file in ["ab😀gguf", "xégguf", "😀", "é", ".gguf", "notes.txt"] {
            fs::write(dir.path().join(file), b"GGUF").unwrap();
        }

        let listed = list(dir.path()).expect("the folder lists");
        let files: Vec<&str> = listed.iter().map(|m| m.file.as_str()).collect();
        assert_eq!(
            files,
            ["Modèle-été-😀.gguf", "x😀.gguf", "Ünïcödé.GGUF", "é.gguf"],
            "every GGUF file and only those, in file-name order"
        );
        let named = |file: &str| {
            let m = listed.iter().find(|m| m.file == file).unwrap();
            (m.name.as_str(), m.licence.as_str(), m.context_length)
        };
        assert_eq!(
            named("Modèle-été-😀.gguf"),
            ("Modèle d’été 😀", "Apache-2.0", Some(2048)),
            "the header is read"
        );
        assert_eq!(named("x😀.gguf"), ("x😀", "unknown", None));
        assert_eq!(named("é.gguf"), ("é", "unknown", None));
        assert_eq!(named("Ünïcödé.GGUF"), ("Ünïcödé", "unknown", None));
        assert_eq!(chat_models(dir.path()).unwrap().len(), 4);
    }

    #[test]
    fn gguf_names_are_recognised_whatever_the_characters() {
        for yes in [
            "Modèle-été-😀.gguf",
            "x😀.gguf",
            "é.gguf",
            "a.GgUf",
            "😀.gguf",
        ] {
            assert!(is_gguf_name(yes), "{yes:?} names a GGUF file");
        }
        for no in [
            "",
            ".gguf",
            "gguf",
            "ab😀gguf",
            "xégguf",
            "😀😀",
            "é",
            "model.gguf.txt",
        ] {
            assert!(!is_gguf_name(no), "{no:?} does not name a GGUF file");
        }
    }

    #[test]
    fn an_imported_model_may_have_a_name_in_any_script() {
        let dir = tempfile::tempdir().unwrap();
        let source = dir.path().join("Modèle-été-😀.gguf");
        write_header(&source, "Modèle d’été");
        let models = dir.path().join("models");
        let imported = import(&models, &source).expect("imported");
        assert_eq!(
            (imported.file.as_str(), imported.name.as_str()),
            ("Modèle-été-😀.gguf", "Modèle d’été")
        );
        assert_eq!(list(&models).unwrap(), vec![imported]);
        remove(&models, "Modèle-été-😀.gguf").unwrap();
        assert_eq!(list(&models).unwrap(), vec![]);
    }

    #[cfg(unix)]
    #[test]
    fn an_imported_model_is_readable_by_its_owner_only() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let source = dir.path().join("shared.gguf");
        write_header(&source, "Shared");
        fs::set_permissions(&source, fs::Permissions::from_mode(0o644)).unwrap();
        let models = dir.path().join("models");
        import(&models, &source).unwrap();
        let mode = fs::metadata(models.join("shared.gguf"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    #[test]
    fn a_missing_folder_holds_no_models() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(list(&dir.path().join("absent")).unwrap(), vec![]);
    }

    #[test]
    fn files_that_are_not_gguf_are_refused_with_a_reason() {
        let dir = tempfile::tempdir().unwrap();
        let text = dir.path().join("notes.gguf");
        fs::write(&text, "hello, not a model").unwrap();
        let err = import(&dir.path().join("models"), &text).unwrap_err();
        assert!(
            matches!(&err, LocalError::Invalid(m) if m.contains("not a GGUF")),
            "{err:?}"
        );
        let short = dir.path().join("short.gguf");
        fs::write(&short, "GG").unwrap();
        let err = import(&dir.path().join("models"), &short).unwrap_err();
        assert!(
            matches!(&err, LocalError::Invalid(m) if m.contains("too short")),
            "{err:?}"
        );
        let truncated = dir.path().join("truncated.gguf");
        fs::write(&truncated, b"GGUF\x03\x00").unwrap();
        let err = import(&dir.path().join("models"), &truncated).unwrap_err();
        assert!(
            matches!(&err, LocalError::Invalid(m) if m.contains("truncated")),
            "{err:?}"
        );
        assert!(
            !dir.path().join("models").join("notes.gguf").exists(),
            "nothing is copied when the import is refused"
        );
    }
}
