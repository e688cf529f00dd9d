//! The companion's persona: one row, created on first run, editable in Settings.

use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};

/// Who the companion is, and what it learnt of the user while being set up.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct Persona {
    /// The name the companion goes by.
    pub companion_name: String,
    /// How the companion speaks, in its own words.
    pub voice: String,
    /// The user's name.
    pub user_name: String,
    /// How the user likes to be spoken to.
    pub address_style: String,
    /// What the user hopes for from a companion.
    pub hopes: String,
}

pub fn get(conn: &Connection) -> rusqlite::Result<Option<Persona>> {
    conn.query_row(
        "SELECT companion_name, voice, user_name, address_style, hopes FROM persona WHERE id = 1",
        [],
        |r| {
            Ok(Persona {
                companion_name: r.get(0)?,
                voice: r.get(1)?,
                user_name: r.get(2)?,
                address_style: r.get(3)?,
                hopes: r.get(4)?,
            })
        },
    )
    .optional()
}

/// Creates or replaces the persona. The name must not be blank.
pub fn save(conn: &Connection, persona: &Persona) -> rusqlite::Result<()> {
    let now = super::now_ms();
    conn.execute(
        "INSERT INTO persona (id, companion_name, voice, user_name, address_style, hopes, created_at, updated_at)
         VALUES (1, ?1, ?2, ?3, ?4, ?5, ?6, ?6)
         ON CONFLICT (id) DO UPDATE SET companion_name = excluded.companion_name, voice = excluded.voice,
           user_name = excluded.user_name, address_style = excluded.address_style,
           hopes = excluded.hopes, updated_at = excluded.updated_at",
        params![
            persona.companion_name.trim(),
            persona.voice,
            persona.user_name.trim(),
            persona.address_style,
            persona.hopes,
            now
        ],
    )?;
    Ok(())
}
