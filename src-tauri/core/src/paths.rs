//! Where Hearth keeps its data.
//!
//! In order: `--data-dir PATH` on the command line, the `HEARTH_DATA_DIR`
//! environment variable, a `hearth-data` folder beside the executable (portable
//! mode: carry the app and its data on a stick), and finally the OS app-data
//! folder the shell passes in.

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

/// Picks the data folder. `args` are the process arguments after the program name.
pub fn resolve_data_dir(
    args: impl IntoIterator<Item = OsString>,
    env: Option<OsString>,
    exe_dir: Option<&Path>,
    system_default: PathBuf,
) -> (PathBuf, DataDirSource) {
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        if arg == DATA_DIR_ARG {
            if let Some(value) = args.next() {
                return (PathBuf::from(value), DataDirSource::Argument);
            }
        } else if let Some(value) = arg
            .to_str()
            .and_then(|a| a.strip_prefix(DATA_DIR_ARG)?.strip_prefix('='))
        {
            return (PathBuf::from(value), DataDirSource::Argument);
        }
    }
    if let Some(value) = env.filter(|v| !v.is_empty()) {
        return (PathBuf::from(value), DataDirSource::Environment);
    }
    if let Some(portable) = exe_dir.map(|d| d.join(PORTABLE_DIR)).filter(|p| p.is_dir()) {
        return (portable, DataDirSource::Portable);
    }
    (system_default, DataDirSource::System)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn os(v: &[&str]) -> Vec<OsString> {
        v.iter().map(OsString::from).collect()
    }

    #[test]
    fn argument_beats_environment_beats_system() {
        let sys = PathBuf::from("/sys-default");
        assert_eq!(
            resolve_data_dir(os(&["--data-dir", "/a"]), Some("/e".into()), None, sys.clone()),
            (PathBuf::from("/a"), DataDirSource::Argument)
        );
        assert_eq!(
            resolve_data_dir(os(&["--data-dir=/b"]), None, None, sys.clone()),
            (PathBuf::from("/b"), DataDirSource::Argument)
        );
        assert_eq!(
            resolve_data_dir(os(&[]), Some("/e".into()), None, sys.clone()),
            (PathBuf::from("/e"), DataDirSource::Environment)
        );
        assert_eq!(
            resolve_data_dir(os(&[]), Some("".into()), None, sys.clone()),
            (sys, DataDirSource::System),
            "an empty variable must not put the data in the working directory"
        );
    }

    #[test]
    fn a_hearth_data_folder_beside_the_executable_means_portable() {
        let exe = tempfile::tempdir().unwrap();
        let sys = PathBuf::from("/sys-default");
        assert_eq!(
            resolve_data_dir(os(&[]), None, Some(exe.path()), sys.clone()).1,
            DataDirSource::System
        );
        std::fs::create_dir(exe.path().join(PORTABLE_DIR)).unwrap();
        assert_eq!(
            resolve_data_dir(os(&[]), None, Some(exe.path()), sys),
            (exe.path().join(PORTABLE_DIR), DataDirSource::Portable)
        );
    }
}
