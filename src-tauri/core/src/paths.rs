//! Where Hearth keeps its data.
//!
//! In order: `--data-dir PATH` on the command line, the `HEARTH_DATA_DIR`
//! environment variable, a `hearth-data` folder beside the executable (portable
//! mode: carry the app and its data on a stick), and finally the OS app-data
//! folder, which the shell resolves.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use serde::Serialize;

pub const DATA_DIR_ENV: &str = "HEARTH_DATA_DIR";
pub const DATA_DIR_ARG: &str = "--data-dir";
pub const PORTABLE_DIR: &str = "hearth-data";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub enum DataDirSource {
    Argument,
    Environment,
    Portable,
    System,
}

/// The data folder the user chose, if any: `args` are the process arguments
/// after the program name. `None` means the OS app-data folder, which only the
/// shell knows.
pub fn data_dir_override(
    args: impl IntoIterator<Item = OsString>,
    env: Option<OsString>,
    exe_dir: Option<&Path>,
) -> Option<(PathBuf, DataDirSource)> {
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        if arg == DATA_DIR_ARG {
            if let Some(value) = args.next() {
                return Some((PathBuf::from(value), DataDirSource::Argument));
            }
        } else if let Some(value) = arg
            .to_str()
            .and_then(|a| a.strip_prefix(DATA_DIR_ARG)?.strip_prefix('='))
        {
            return Some((PathBuf::from(value), DataDirSource::Argument));
        }
    }
    if let Some(value) = env.filter(|v| !v.is_empty()) {
        return Some((PathBuf::from(value), DataDirSource::Environment));
    }
    exe_dir
        .map(|d| d.join(PORTABLE_DIR))
        .filter(|p| p.is_dir())
        .map(|p| (p, DataDirSource::Portable))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn os(v: &[&str]) -> Vec<OsString> {
        v.iter().map(OsString::from).collect()
    }

    #[test]
    fn argument_beats_environment_beats_system() {
        assert_eq!(
            data_dir_override(os(&["--data-dir", "/a"]), Some("/e".into()), None),
            Some((PathBuf::from("/a"), DataDirSource::Argument))
        );
        assert_eq!(
            data_dir_override(os(&["--other", "--data-dir=/b"]), None, None),
            Some((PathBuf::from("/b"), DataDirSource::Argument))
        );
        assert_eq!(
            data_dir_override(os(&[]), Some("/e".into()), None),
            Some((PathBuf::from("/e"), DataDirSource::Environment))
        );
        assert_eq!(
            data_dir_override(os(&[]), Some("".into()), None),
            None,
            "an empty variable must not put the data in the working directory"
        );
    }

    #[test]
    fn a_hearth_data_folder_beside_the_executable_means_portable() {
        let exe = tempfile::tempdir().unwrap();
        assert_eq!(data_dir_override(os(&[]), None, Some(exe.path())), None);
        std::fs::create_dir(exe.path().join(PORTABLE_DIR)).unwrap();
        assert_eq!(
            data_dir_override(os(&[]), None, Some(exe.path())),
            Some((exe.path().join(PORTABLE_DIR), DataDirSource::Portable))
        );
    }
}
