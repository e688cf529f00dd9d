//! The catalogue of recommended on-device models (`data/catalogue.toml`):
//! for each model its files (public address, exact size, SHA-256), licence,
//! memory and expected speed; and which of them suits this computer.
//!
//! An entry is *offered* (may be downloaded) only when every one of its files
//! has a SHA-256, a size and an https address; it is *runnable* when the
//! in-process runtime knows its architecture. Only offered, runnable models
//! are recommended.

use std::sync::LazyLock;

use serde::{Deserialize, Serialize};

use super::ModelKind;

/// The catalogue's source, embedded at compile time.
const CATALOGUE_TOML: &str = include_str!("../../data/catalogue.toml");

/// One downloadable file of a model.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct CatalogueFile {
    /// Its name once installed (the chat model's file; a file in the
    /// embedding model's folder).
    pub name: String,
    /// Its public address (a Hugging Face `resolve/main/…` URL).
    pub url: String,
    /// Its exact size in bytes.
    pub size: u64,
    /// Its SHA-256 in lower-case hex; empty when unknown (never offered).
    pub sha256: String,
}

/// One model of the catalogue.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct CatalogueModel {
    pub id: String,
    pub name: String,
    pub kind: ModelKind,
    /// The GGUF architecture (chat models).
    #[serde(default)]
    pub architecture: Option<String>,
    /// The folder it is installed in (embedding models).
    #[serde(default)]
    pub folder: Option<String>,
    /// Its number of parameters, as people write it ("1.7B").
    pub parameters: String,
    pub quantization: String,
    pub licence: String,
    /// About how much memory it takes when loaded, in MB.
    pub memory_mb: u32,
    /// Expected generation speed on two cores (an estimate; see the data file).
    #[serde(default)]
    pub tokens_per_second: Option<f32>,
    /// Quality order within the catalogue: higher is better.
    pub rank: u32,
    /// Whether Hearth ships it (the defaults placed at install).
    #[serde(default)]
    pub built_in: bool,
    pub summary: String,
    pub files: Vec<CatalogueFile>,
}

#[derive(Deserialize)]
struct CatalogueFileToml {
    model: Vec<CatalogueModel>,
}

impl CatalogueModel {
    /// The total size of its files in bytes.
    pub fn size(&self) -> u64 {
        self.files.iter().map(|f| f.size).sum()
    }

    /// The name it has in the models folder (as `models::list` gives it):
    /// the chat model's file, or the embedding model's folder.
    pub fn installed_name(&self) -> &str {
        match (&self.kind, &self.folder) {
            (ModelKind::Embedding, Some(folder)) => folder,
            _ => self.files.first().map_or(self.id.as_str(), |f| &f.name),
        }
    }

    /// Whether it may be downloaded: every file has a 64-hex SHA-256, a size
    /// and an https address.
    pub fn offered(&self) -> bool {
        !self.files.is_empty()
            && self
                .files
                .iter()
                .all(|f| is_sha256(&f.sha256) && f.size > 0 && f.url.starts_with("https://"))
    }

    /// Whether the in-process runtime can run it.
    pub fn runnable(&self) -> bool {
        match self.kind {
            ModelKind::Embedding => true,
            ModelKind::Chat => self
                .architecture
                .as_deref()
                .is_some_and(super::arch::is_supported),
        }
    }
}

/// Whether `s` is a SHA-256 in lower-case hex.
pub fn is_sha256(s: &str) -> bool {
    s.len() == 64
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// Parses a catalogue (the data file's format).
pub fn parse(toml_text: &str) -> Result<Vec<CatalogueModel>, String> {
    toml::from_str::<CatalogueFileToml>(toml_text)
        .map(|c| c.model)
        .map_err(|e| format!("The model catalogue can't be read: {e}"))
}

static CATALOGUE: LazyLock<Vec<CatalogueModel>> = LazyLock::new(|| {
    // Checked by a unit test, so this cannot fail in a build that passed.
    parse(CATALOGUE_TOML).unwrap_or_else(|e| {
        tracing::error!("{e}");
        Vec::new()
    })
});

/// Reads a catalogue from a file of the data file's format (tests give the
/// app one through `HEARTH_CATALOGUE`).
pub fn load(path: &std::path::Path) -> Result<Vec<CatalogueModel>, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("The model catalogue {} can't be read: {e}", path.display()))?;
    parse(&text)
}

/// Hearth's catalogue.
pub fn all() -> &'static [CatalogueModel] {
    &CATALOGUE
}

/// The catalogue entry `id`.
pub fn find(id: &str) -> Option<&'static CatalogueModel> {
    all().iter().find(|m| m.id == id)
}

/// What matters about this computer for choosing a model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct Machine {
    /// Memory installed, in MB.
    pub total_memory_mb: u32,
    /// Memory free for a new program now, in MB.
    pub available_memory_mb: u32,
    /// Logical cores.
    pub cores: u32,
}

impl Machine {
    /// This computer, as the operating system describes it now.
    pub fn this() -> Machine {
        use sysinfo::{MemoryRefreshKind, RefreshKind, System};
        let system = System::new_with_specifics(
            RefreshKind::nothing().with_memory(MemoryRefreshKind::nothing().with_ram()),
        );
        let mb = |bytes: u64| u32::try_from(bytes / (1024 * 1024)).unwrap_or(u32::MAX);
        Machine {
            total_memory_mb: mb(system.total_memory()),
            available_memory_mb: mb(system.available_memory()),
            cores: std::thread::available_parallelism()
                .map(|n| u32::try_from(n.get()).unwrap_or(u32::MAX))
                .unwrap_or(1),
        }
    }

    /// The memory a model may take: at most half of what is installed (the
    /// rest is for the system, the window and the user's other programs),
    /// and no more than what is free now less 512 MB.
    pub fn model_budget_mb(&self) -> u32 {
        (self.total_memory_mb / 2).min(self.available_memory_mb.saturating_sub(512))
    }

    /// The largest model (in billions of parameters) that still answers at a
    /// pace worth waiting for on this many cores: generation is bound by
    /// memory bandwidth, and a few cores rarely have much of it.
    pub fn largest_parameters_b(&self) -> f32 {
        match self.cores {
            0..=2 => 1.8,
            3..=4 => 3.2,
            _ => 4.5,
        }
    }
}

/// Parses "1.7B" / "270M" into billions of parameters.
fn billions(parameters: &str) -> Option<f32> {
    let p = parameters.trim();
    let (number, scale) = match p.chars().last()? {
        'B' | 'b' => (&p[..p.len() - 1], 1.0),
        'M' | 'm' => (&p[..p.len() - 1], 0.001),
        _ => return None,
    };
    number.trim().parse::<f32>().ok().map(|n| n * scale)
}

/// The best chat model of `catalogue` for `machine`: offered, runnable,
/// within its memory budget and core count, the highest ranked (then the
/// smallest). `None` when nothing beats the built-in model.
pub fn recommend<'a>(
    catalogue: &'a [CatalogueModel],
    machine: &Machine,
) -> Option<&'a CatalogueModel> {
    let budget = machine.model_budget_mb();
    let largest = machine.largest_parameters_b();
    let built_in_rank = catalogue
        .iter()
        .filter(|m| m.kind == ModelKind::Chat && m.built_in)
        .map(|m| m.rank)
        .max()
        .unwrap_or(0);
    catalogue
        .iter()
        .filter(|m| m.kind == ModelKind::Chat && !m.built_in && m.offered() && m.runnable())
        .filter(|m| {
            m.architecture
                .as_deref()
                .is_some_and(|a| super::arch::TESTED.contains(&a))
        })
        .filter(|m| m.memory_mb <= budget)
        .filter(|m| billions(&m.parameters).is_some_and(|b| b <= largest))
        .filter(|m| m.rank > built_in_rank)
        .max_by(|a, b| a.rank.cmp(&b.rank).then(b.size().cmp(&a.size())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_catalogue_parses_and_every_offered_entry_is_complete() {
        let catalogue = parse(CATALOGUE_TOML).expect("the data file parses");
        assert!(
            catalogue.len() >= 10,
            "chat and embedding models are listed"
        );
        let mut ids = std::collections::HashSet::new();
        for m in &catalogue {
            assert!(ids.insert(&m.id), "{} is listed once", m.id);
            assert!(billions(&m.parameters).is_some(), "{}: parameters", m.id);
            assert!(m.memory_mb > 0 && !m.licence.is_empty(), "{}", m.id);
            if m.offered() {
                for f in &m.files {
                    assert!(is_sha256(&f.sha256), "{}: {} has a SHA-256", m.id, f.name);
                    assert!(f.size > 0, "{}: {} has a size", m.id, f.name);
                    assert!(f.url.starts_with("https://"), "{}: {}", m.id, f.url);
                    assert!(
                        f.url.ends_with(&format!("/{}", f.name)),
                        "{}: {}",
                        m.id,
                        f.url
                    );
                }
            }
            match m.kind {
                ModelKind::Chat => {
                    assert!(m.architecture.is_some(), "{}: architecture", m.id);
                    assert!(
                        super::super::models::is_gguf_name(m.installed_name()),
                        "{}",
                        m.id
                    );
                }
                ModelKind::Embedding => assert!(m.folder.is_some(), "{}: folder", m.id),
            }
        }
        // The files Hearth ships are in it, under the names it installs.
        let names: Vec<&str> = catalogue.iter().map(|m| m.installed_name()).collect();
        assert!(names.contains(&super::super::DEFAULT_CHAT_MODEL));
        assert!(names.contains(&super::super::DEFAULT_EMBEDDING_MODEL));
        // An entry whose digest is unknown is never offered.
        let unconfirmed = catalogue
            .iter()
            .find(|m| m.id == "gemma-3-270m-it")
            .unwrap();
        assert!(!unconfirmed.offered());
        assert_eq!(all().len(), catalogue.len());
    }

    #[test]
    fn a_file_without_a_digest_or_over_plain_http_is_not_offered() {
        let text = r#"
[[model]]
id = "a"
name = "A"
kind = "chat"
architecture = "llama"
parameters = "1B"
quantization = "Q4_K_M"
licence = "MIT"
memoryMb = 1
rank = 1
summary = ""
[[model.files]]
name = "a.gguf"
url = "http://example.org/a.gguf"
size = 1
sha256 = "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53"
"#;
        let mut models = parse(text).unwrap();
        assert!(!models[0].offered(), "plain http is refused");
        models[0].files[0].url = "https://example.org/a.gguf".into();
        assert!(models[0].offered());
        models[0].files[0].sha256 =
            "B179C9523D0E6A0F98A330C7562B682750A6F8C8C15E5BC70EA373728110DB5".into();
        assert!(!models[0].offered(), "63 characters is not a digest");
        assert!(parse("[[model]]\nid = 1").is_err());
    }

    fn machine(total_gb: u32, available_gb: u32, cores: u32) -> Machine {
        Machine {
            total_memory_mb: total_gb * 1024,
            available_memory_mb: available_gb * 1024,
            cores,
        }
    }

    /// A catalogue where every architecture runs, to test the choice alone.
    fn all_runnable() -> Vec<CatalogueModel> {
        all()
            .iter()
            .cloned()
            .map(|mut m| {
                m.architecture = m.architecture.map(|_| "llama".to_owned());
                m
            })
            .collect()
    }

    fn chosen(catalogue: &[CatalogueModel], m: Machine) -> Option<String> {
        recommend(catalogue, &m).map(|m| m.id.clone())
    }

    #[test]
    fn the_recommendation_fits_the_memory_and_cores() {
        let every = all_runnable();
        // A 4 GB laptop with 2 GB free: room for a 1B model at most.
        let small = chosen(&every, machine(4, 2, 4)).unwrap();
        assert!(find(&small).unwrap().memory_mb <= 1536, "{small}");
        // 8 GB, 2 cores: memory for a 3B model, but two cores only carry ~1.7B.
        assert_eq!(
            chosen(&every, machine(8, 6, 2)).as_deref(),
            Some("qwen3-1.7b")
        );
        // 8 GB, 4 cores: a 3B model.
        assert_eq!(
            chosen(&every, machine(8, 6, 4)).as_deref(),
            Some("llama-3.2-3b")
        );
        // 16 GB, 8 cores: the strongest.
        assert_eq!(
            chosen(&every, machine(16, 12, 8)).as_deref(),
            Some("qwen3-4b")
        );
        // 16 GB installed but almost all in use: what fits in what is free.
        let busy = chosen(&every, machine(16, 1, 8));
        assert!(
            busy.is_none(),
            "512 MB free is too little for anything better: {busy:?}"
        );
        // 2 GB: nothing better than the built-in model fits.
        assert_eq!(chosen(&every, machine(2, 1, 8)), None);
    }

    #[test]
    fn only_models_the_runtime_can_run_are_recommended() {
        // Only families tried here on real files are recommended.
        let real = chosen(all(), machine(16, 12, 8)).unwrap();
        let m = find(&real).unwrap();
        assert!(m.runnable() && m.offered() && !m.built_in, "{real}");
        assert_eq!(
            chosen(all(), machine(8, 6, 2)).as_deref(),
            Some("llama-3.2-1b")
        );
    }

    #[test]
    fn parameter_counts_are_read_as_people_write_them() {
        assert_eq!(billions("1.7B"), Some(1.7));
        assert_eq!(billions("270M"), Some(0.27));
        assert_eq!(billions("4B"), Some(4.0));
        assert_eq!(billions("many"), None);
        assert_eq!(billions(""), None);
    }

    #[test]
    fn this_machine_is_described() {
        let m = Machine::this();
        assert!(m.total_memory_mb > 0 && m.cores > 0, "{m:?}");
        assert!(m.available_memory_mb <= m.total_memory_mb, "{m:?}");
    }
}
