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
                name: catalogue_name(&file).unwrap_or(&file).to_owned(),
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

/// The name Hearth's catalogue gives the model installed as `file`: the
/// files' own metadata often names a training run ("Smollm2 135M 8k Lc100K
/// Mix1 Ep2"), not the model people chose.
fn catalogue_name(file: &str) -> Option<&'static str> {
    super::catalogue::all()
        .iter()
        .find(|m| m.installed_name() == file)
        .map(|m| m.name.as_str())
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
    let name = catalogue_name(&file)
        .map(str::to_owned)
        .or_else(|| summary.as_ref().and_then(|s| s.name.clone()))
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
    // Opening a pipe would wait for a writer; a folder or device is no model.
    let meta = fs::metadata(path).map_err(|e| open_error(path, &e))?;
    if !meta.is_file() {
        return Err(LocalError::Invalid(format!(
            "{} is not a model file (it is a folder, pipe or device).",
            display_name(path)
        )));
    }
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
    let damaged = |e: &dyn std::fmt::Display| {
        LocalError::Invalid(format!(
            "{} starts like a GGUF model but its header can't be read ({e}); it may be truncated or damaged.",
            display_name(path)
        ))
    };
    let start = reader
        .stream_position()
        .map_err(|e| LocalError::io(path, &e))?;
    header::check(reader).map_err(|e| damaged(&e))?;
    reader
        .seek(std::io::SeekFrom::Start(start))
        .map_err(|e| LocalError::io(path, &e))?;
    let content = gguf_file::Content::read(reader).map_err(|e| damaged(&e))?;
    let len = reader
        .seek(std::io::SeekFrom::End(0))
        .map_err(|e| LocalError::io(path, &e))?;
    let needed = content
        .tensor_infos
        .values()
        .map(|t| {
            let bytes = t.shape.elem_count() / t.ggml_dtype.block_size() * t.ggml_dtype.type_size();
            t.offset.saturating_add(bytes as u64)
        })
        .max()
        .map_or(0, |end| end.saturating_add(content.tensor_data_offset));
    if needed > len {
        return Err(LocalError::Invalid(format!(
            "{} is incomplete: it holds {len} of the {needed} bytes its header describes, so it was probably cut short (truncated) while copying or downloading.",
            display_name(path)
        )));
    }
    Ok(content)
}

/// A first pass over a GGUF header that bounds what reading it costs, before
/// candle reads it into memory: counts, lengths and nesting are capped well
/// above what real models use (Gemma's 262,144-piece vocabulary is the
/// largest array we know), and the data alignment must be a power of two
/// (candle divides by it).
mod header {
    use std::io::{Read, Seek};

    /// Entries in one array.
    pub const MAX_ARRAY: u64 = 1 << 21;
    /// Metadata entries and tensors.
    pub const MAX_ENTRIES: u64 = 1 << 16;
    /// Bytes in one string (a chat template is some kilobytes).
    pub const MAX_STRING: u64 = 1 << 20;
    /// Bytes of header in all.
    pub const MAX_HEADER: u64 = 64 << 20;
    /// Elements in one tensor (the largest models' embeddings hold some
    /// billions); a product of dimensions past this would overflow later sums.
    pub const MAX_ELEMENTS: u64 = 1 << 40;
    const MAX_DEPTH: u32 = 2;

    struct Walk<'a, R> {
        reader: &'a mut R,
        read: u64,
    }

    impl<R: Read + Seek> Walk<'_, R> {
        fn bytes<const N: usize>(&mut self) -> Result<[u8; N], String> {
            let mut b = [0u8; N];
            self.reader
                .read_exact(&mut b)
                .map_err(|_| "the file ends inside its header".to_owned())?;
            self.count(N as u64)?;
            Ok(b)
        }

        fn count(&mut self, n: u64) -> Result<(), String> {
            self.read = self.read.saturating_add(n);
            if self.read > MAX_HEADER {
                return Err("its header is larger than any model's".into());
            }
            Ok(())
        }

        fn u32(&mut self) -> Result<u32, String> {
            Ok(u32::from_le_bytes(self.bytes()?))
        }

        fn u64(&mut self) -> Result<u64, String> {
            Ok(u64::from_le_bytes(self.bytes()?))
        }

        /// Reads past `n` bytes. Read, not seeked: a seek would make a
        /// buffered reader drop its buffer, once per string.
        fn skip(&mut self, n: u64) -> Result<(), String> {
            self.count(n)?;
            let copied = std::io::copy(&mut (&mut *self.reader).take(n), &mut std::io::sink())
                .map_err(|e| e.to_string())?;
            if copied < n {
                return Err("the file ends inside its header".into());
            }
            Ok(())
        }

        /// Skips a string, or returns it when it is short (keys).
        fn string(&mut self, keep: bool) -> Result<Option<String>, String> {
            let len = self.u64()?;
            if len > MAX_STRING {
                return Err(format!("a text of {len} bytes"));
            }
            if keep && len <= 256 {
                let mut b = vec![0u8; len as usize];
                self.reader
                    .read_exact(&mut b)
                    .map_err(|_| "the file ends inside its header".to_owned())?;
                self.count(len)?;
                return Ok(Some(String::from_utf8_lossy(&b).into_owned()));
            }
            self.skip(len)?;
            Ok(None)
        }

        /// Skips a value of type `kind`; returns it when it is an integer.
        fn value(&mut self, kind: u32, depth: u32) -> Result<Option<u64>, String> {
            Ok(match kind {
                0 | 1 | 7 => Some(u64::from(self.bytes::<1>()?[0])),
                2 | 3 => Some(u64::from(u16::from_le_bytes(self.bytes()?))),
                4..=6 => Some(u64::from(self.u32()?)),
                10..=12 => Some(self.u64()?),
                8 => {
                    self.string(false)?;
                    None
                }
                9 => {
                    if depth >= MAX_DEPTH {
                        return Err("arrays nested too deep".into());
                    }
                    let inner = self.u32()?;
                    let len = self.u64()?;
                    if len > MAX_ARRAY {
                        return Err(format!("a list of {len} entries"));
                    }
                    let fixed = match inner {
                        0 | 1 | 7 => Some(1),
                        2 | 3 => Some(2),
                        4..=6 => Some(4),
                        10..=12 => Some(8),
                        _ => None,
                    };
                    match fixed {
                        Some(size) => self.skip(len * size)?,
                        None => {
                            for _ in 0..len {
                                self.value(inner, depth + 1)?;
                            }
                        }
                    }
                    None
                }
                other => return Err(format!("an unknown value type {other}")),
            })
        }
    }

    pub fn check<R: Read + Seek>(reader: &mut R) -> Result<(), String> {
        let mut w = Walk { reader, read: 0 };
        let _magic = w.bytes::<4>()?;
        let version = w.u32()?;
        if !(2..=3).contains(&version) {
            return Err(format!("GGUF version {version}, which Hearth doesn't read"));
        }
        let tensors = w.u64()?;
        let entries = w.u64()?;
        if tensors > MAX_ENTRIES || entries > MAX_ENTRIES {
            return Err(format!("{tensors} tensors and {entries} entries"));
        }
        for _ in 0..entries {
            let key = w.string(true)?;
            let kind = w.u32()?;
            let value = w.value(kind, 0)?;
            if key.as_deref() == Some("general.alignment")
                && !value.is_some_and(|a| a.is_power_of_two())
            {
                return Err("an alignment that is not a power of two".into());
            }
        }
        for _ in 0..tensors {
            w.string(false)?;
            let dims = w.u32()?;
            if dims > 4 {
                return Err(format!("a tensor of {dims} dimensions"));
            }
            // Zero dimensions count as one: candle multiplies them in any
            // order, so no partial product may overflow either.
            let mut elements: u64 = 1;
            for _ in 0..dims {
                elements = elements
                    .checked_mul(w.u64()?.max(1))
                    .filter(|n| *n <= MAX_ELEMENTS)
                    .ok_or("a tensor larger than any model's")?;
            }
            w.skip(4 + 8)?;
        }
        Ok(())
    }
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
        .map(|n| {
            format!(
                "“{}”",
                super::arch::printable(&n.to_string_lossy()).collect::<String>()
            )
        })
        .unwrap_or_else(|| path.display().to_string())
}

/// Copies the GGUF file at `source` into `dir` (created if needed) and
/// describes it. Refuses a file that is not GGUF, a model of an architecture
/// Hearth can't run, and a name already in the folder. The copy is written
/// beside its final name and renamed, so a failed import leaves nothing.
pub fn import(dir: &Path, source: &Path) -> Result<LocalModel, LocalError> {
    let summary = read_summary(source)?;
    let arch = summary.architecture.as_deref().unwrap_or_default();
    if !super::arch::is_supported(arch) {
        return Err(LocalError::Invalid(format!(
            "{} can't be imported. {}",
            display_name(source),
            super::arch::unsupported(arch)
        )));
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

/// The folder where earlier versions of Hearth kept weights converted for
/// candle's speed, inside the models folder; llama.cpp reads the files as they
/// are.
const CONVERTED_DIR: &str = ".converted";

/// Deletes the weights earlier versions converted in `dir`, if any: hundreds
/// of megabytes nothing reads any more.
pub(crate) fn forget_conversions(dir: &Path) {
    let old = dir.join(CONVERTED_DIR);
    if old.is_dir()
        && let Err(e) = fs::remove_dir_all(&old)
    {
        tracing::debug!(error = %e, "could not remove old converted weights");
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
    fn a_catalogue_model_is_named_as_the_catalogue_names_it_not_by_its_training_run() {
        let dir = tempfile::tempdir().unwrap();
        let file = super::super::DEFAULT_CHAT_MODEL;
        write_header(&dir.path().join(file), "Smollm2 135M 8k Lc100K Mix1 Ep2");
        let listed = list(dir.path()).unwrap();
        assert_eq!(listed[0].name, "SmolLM2 135M Instruct");
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
