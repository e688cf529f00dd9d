//! The user's interface preferences, stored as non-secret settings.

use rusqlite::Connection;
use serde::{Deserialize, Serialize};

use crate::store::settings;

const THEME_KEY: &str = "ui.theme";

/// Light, dark, or whatever the operating system uses.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "lowercase")]
pub enum Theme {
    #[default]
    System,
    Light,
    Dark,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct Preferences {
    pub theme: Theme,
}

pub fn load(conn: &Connection) -> rusqlite::Result<Preferences> {
    Ok(Preferences {
        theme: settings::get(conn, THEME_KEY)?.unwrap_or_default(),
    })
}

pub fn set_theme(conn: &Connection, theme: Theme) -> rusqlite::Result<Preferences> {
    settings::set(conn, THEME_KEY, &theme)?;
    load(conn)
}
