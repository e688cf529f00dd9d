//! The journal against real SQLite files in a temporary folder.

use std::path::Path;

use rusqlite_migration::M;

use super::messages::{self, MessageStatus, Role};
use super::*;
use crate::preferences::{self, Theme};

fn file_bytes(path: &Path) -> Vec<u8> {
    std::fs::read(path).expect("read database file")
}

fn fresh() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let (store, report) = Store::open(dir.path().join(DATABASE_FILE)).unwrap();
    assert_eq!(report.found_version, 0);
    (dir, store)
}

#[test]
fn a_new_file_is_migrated_to_the_latest_schema_with_wal_and_foreign_keys() {
    let (_dir, store) = fresh();
    assert_eq!(store.schema_version().unwrap(), SCHEMA_VERSION);
    let (mode, fk, busy): (String, bool, i64) = store
        .with(|c| {
            Ok((
                c.pragma_query_value(None, "journal_mode", |r| r.get(0))?,
                c.pragma_query_value(None, "foreign_keys", |r| r.get(0))?,
                c.pragma_query_value(None, "busy_timeout", |r| r.get(0))?,
            ))
        })
        .unwrap();
    assert_eq!(mode, "wal");
    assert!(fk, "foreign keys must be enforced");
    assert!(
        busy >= 1000,
        "a busy timeout keeps a second reader from failing at once"
    );
}

#[test]
fn reopening_keeps_the_data_and_takes_no_backup() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(DATABASE_FILE);
    {
        let (store, _) = Store::open(&path).unwrap();
        store
            .with(|c| messages::insert(c, Role::User, "hello", MessageStatus::Complete, None))
            .unwrap();
    }
    let (store, report) = Store::open(&path).unwrap();
    assert_eq!(report.found_version, SCHEMA_VERSION);
    assert_eq!(report.backup, None, "an up-to-date file needs no backup");
    let page = store.with(|c| messages::page(c, None, 10)).unwrap();
    assert_eq!(page.len(), 1);
    assert_eq!(page[0].content, "hello");
}

#[test]
fn a_database_from_a_newer_version_is_refused_and_left_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(DATABASE_FILE);
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch("CREATE TABLE future (x); INSERT INTO future VALUES (42);")
            .unwrap();
        conn.pragma_update(None, "user_version", SCHEMA_VERSION + 7)
            .unwrap();
    }
    let before = file_bytes(&path);
    let err = Store::open(&path).unwrap_err();
    assert!(
        matches!(err, StoreError::TooNew { found, supported, .. } if found == SCHEMA_VERSION + 7 && supported == SCHEMA_VERSION),
        "got {err:?}"
    );
    assert!(err.to_string().contains("newer version of Hearth"), "{err}");
    assert_eq!(
        file_bytes(&path),
        before,
        "the newer file must not be modified"
    );
    assert!(
        !dir.path().join("hearth.db-wal").exists(),
        "not even switched to WAL"
    );
}

#[test]
fn a_file_that_is_not_a_database_is_refused_and_never_overwritten() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(DATABASE_FILE);
    let garbage: Vec<u8> = (0..16384u32)
        .map(|i| (i.wrapping_mul(2654435761) >> 13) as u8)
        .collect();
    std::fs::write(&path, &garbage).unwrap();
    let err = Store::open(&path).unwrap_err();
    assert!(matches!(err, StoreError::Corrupt { .. }), "got {err:?}");
    assert!(err.to_string().contains("left untouched"), "{err}");
    assert_eq!(file_bytes(&path), garbage);
}

#[test]
fn a_database_with_a_damaged_schema_page_is_refused_and_never_overwritten() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(DATABASE_FILE);
    drop(Store::open(&path).unwrap());
    // Fold the WAL back in, then scribble over page 1 after the 100-byte header.
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.pragma_update(None, "journal_mode", "DELETE").unwrap();
    }
    let mut bytes = file_bytes(&path);
    for b in &mut bytes[100..4096] {
        *b = 0xA5;
    }
    std::fs::write(&path, &bytes).unwrap();
    let err = Store::open(&path).unwrap_err();
    assert!(matches!(err, StoreError::Corrupt { .. }), "got {err:?}");
    assert_eq!(file_bytes(&path), bytes);
}

#[test]
fn an_older_database_is_backed_up_before_it_is_migrated() {
    static V1: &[M<'static>] = &[M::up("CREATE TABLE notes (body TEXT NOT NULL);")];
    static V2: &[M<'static>] = &[
        M::up("CREATE TABLE notes (body TEXT NOT NULL);"),
        M::up("ALTER TABLE notes ADD COLUMN pinned INTEGER NOT NULL DEFAULT 0;"),
    ];
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(DATABASE_FILE);
    {
        let (store, _) = Store::open_with(&path, V1).unwrap();
        store
            .with(|c| c.execute("INSERT INTO notes (body) VALUES ('the lake house')", []))
            .unwrap();
    }
    let (store, report) = Store::open_with(&path, V2).unwrap();
    assert_eq!(report.found_version, 1);
    assert_eq!(store.schema_version().unwrap(), 2);
    let backup = report.backup.expect("a backup before migrating");
    assert!(backup.starts_with(dir.path().join(BACKUP_DIR)));

    let copy = rusqlite::Connection::open(&backup).unwrap();
    let (version, body): (u32, String) = (
        copy.pragma_query_value(None, "user_version", |r| r.get(0))
            .unwrap(),
        copy.query_row("SELECT body FROM notes", [], |r| r.get(0))
            .unwrap(),
    );
    assert_eq!(
        (version, body.as_str()),
        (1, "the lake house"),
        "the backup is the pre-migration file"
    );
}

#[test]
fn search_treats_operators_and_quotes_as_plain_words() {
    let (_dir, store) = fresh();
    store
        .with(|c| {
            messages::insert(
                c,
                Role::User,
                "We walked to the lake house AND swam",
                MessageStatus::Complete,
                None,
            )?;
            messages::insert(
                c,
                Role::Assistant,
                "A letter for Catherine",
                MessageStatus::Complete,
                None,
            )
        })
        .unwrap();
    for text in [
        r#"lake "house"#,
        "lake AND",
        "NEAR(lake",
        "content:lake*",
        "\"\"\"",
        "-lake",
        "^lake",
    ] {
        let hits = store.with(|c| messages::search(c, text, 10));
        assert!(
            hits.is_ok(),
            "search for {text:?} must not be an FTS5 syntax error: {hits:?}"
        );
    }
    let hits = store
        .with(|c| messages::search(c, "LAKE houses", 10))
        .unwrap();
    assert_eq!(hits.len(), 1, "case-insensitive, stemmed match");
    assert!(
        hits[0].excerpt.contains("\u{2}lake\u{3}"),
        "{:?}",
        hits[0].excerpt
    );
    assert!(
        store
            .with(|c| messages::search(c, "lake catherine", 10))
            .unwrap()
            .is_empty(),
        "all words must match"
    );
}

#[test]
fn any_unicode_round_trips_byte_exact() {
    let (_dir, store) = fresh();
    let samples = [
        "emoji 👩🏽‍❤️‍💋‍👨🏻 and flags 🇳🇴",
        "עברית מימין לשמאל עם English",
        "combining: e\u{301} a\u{30a} \u{1e9b}\u{323}",
        "controls: \u{1}\u{7}\t\r\n\u{1b}[0m\u{7f}",
        "zero width: a\u{200b}b\u{200d}c\u{feff}",
    ];
    for s in samples {
        let m = store
            .with(|c| messages::insert(c, Role::User, s, MessageStatus::Complete, None))
            .unwrap();
        let back: String = store
            .with(|c| {
                c.query_row("SELECT content FROM messages WHERE id = ?1", [m.id], |r| {
                    r.get(0)
                })
            })
            .unwrap();
        assert_eq!(back.as_bytes(), s.as_bytes());
    }
}

#[test]
fn history_pages_backwards_in_order() {
    let (_dir, store) = fresh();
    store
        .with(|c| {
            for i in 0..25 {
                messages::insert_at(
                    c,
                    Role::User,
                    &format!("m{i}"),
                    MessageStatus::Complete,
                    None,
                    1_000 + i,
                )?;
            }
            Ok(())
        })
        .unwrap();
    let newest = store.with(|c| messages::page(c, None, 10)).unwrap();
    let texts: Vec<_> = newest.iter().map(|m| m.content.as_str()).collect();
    assert_eq!(texts.first(), Some(&"m15"));
    assert_eq!(texts.last(), Some(&"m24"));
    let older = store
        .with(|c| messages::page(c, Some(newest[0].id), 10))
        .unwrap();
    assert_eq!(
        older.last().unwrap().content,
        "m14",
        "the next page ends right before the first one"
    );
    let oldest = store
        .with(|c| messages::page(c, Some(older[0].id), 10))
        .unwrap();
    assert_eq!(oldest.len(), 5);
}

#[test]
fn a_reply_left_streaming_by_a_crash_is_kept_and_marked_partial() {
    let (_dir, store) = fresh();
    let reply = store
        .with(|c| {
            messages::insert(
                c,
                Role::Assistant,
                "Half a thou",
                MessageStatus::Streaming,
                Some("m"),
            )
        })
        .unwrap();
    assert_eq!(store.with(|c| messages::mark_interrupted(c)).unwrap(), 1);
    let page = store.with(|c| messages::page(c, None, 5)).unwrap();
    assert_eq!(page[0].id, reply.id);
    assert_eq!(page[0].status, MessageStatus::Partial);
    assert_eq!(page[0].content, "Half a thou");
}

#[test]
fn a_reply_cut_before_its_first_word_is_not_kept() {
    let (_dir, store) = fresh();
    store
        .with(|c| {
            messages::insert(
                c,
                Role::User,
                "Are you there?",
                MessageStatus::Complete,
                None,
            )?;
            messages::insert(c, Role::Assistant, "", MessageStatus::Streaming, Some("m"))
        })
        .unwrap();
    assert_eq!(store.with(|c| messages::mark_interrupted(c)).unwrap(), 0);
    let page = store.with(|c| messages::page(c, None, 5)).unwrap();
    assert_eq!(
        page.iter().map(|m| m.content.as_str()).collect::<Vec<_>>(),
        ["Are you there?"]
    );
}

#[test]
fn edited_text_is_what_search_finds() {
    let (_dir, store) = fresh();
    let m = store
        .with(|c| messages::insert(c, Role::Assistant, "draft", MessageStatus::Streaming, None))
        .unwrap();
    store
        .with(|c| {
            messages::update(
                c,
                m.id,
                "the finished reply about autumn",
                MessageStatus::Complete,
            )
        })
        .unwrap();
    assert!(
        store
            .with(|c| messages::search(c, "draft", 5))
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        store
            .with(|c| messages::search(c, "autumn", 5))
            .unwrap()
            .len(),
        1
    );
}

#[test]
fn preferences_default_to_the_system_theme_and_persist() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(DATABASE_FILE);
    {
        let (store, _) = Store::open(&path).unwrap();
        assert_eq!(
            store.with(|c| preferences::load(c)).unwrap().theme,
            Theme::System
        );
        store
            .with(|c| preferences::set_theme(c, Theme::Dark))
            .unwrap();
    }
    let (store, _) = Store::open(&path).unwrap();
    assert_eq!(
        store.with(|c| preferences::load(c)).unwrap().theme,
        Theme::Dark
    );
}

#[test]
fn the_persona_is_saved_once_and_updated_in_place() {
    let (_dir, store) = fresh();
    assert_eq!(store.with(|c| persona::get(c)).unwrap(), None);
    let mut p = persona::Persona {
        companion_name: " Samantha ".into(),
        voice: "warm, curious".into(),
        user_name: "Theodore".into(),
        address_style: "gently, with humour".into(),
        hopes: "someone to talk to at night".into(),
    };
    store.with(|c| persona::save(c, &p)).unwrap();
    p.companion_name = "Sam".into();
    store.with(|c| persona::save(c, &p)).unwrap();
    let back = store.with(|c| persona::get(c)).unwrap().unwrap();
    assert_eq!(back.companion_name, "Sam");
    assert_eq!(back.user_name, "Theodore");
    let rows: i64 = store
        .with(|c| c.query_row("SELECT count(*) FROM persona", [], |r| r.get(0)))
        .unwrap();
    assert_eq!(rows, 1);
    p.companion_name = "   ".into();
    assert!(
        store.with(|c| persona::save(c, &p)).is_err(),
        "a blank name is refused"
    );
}

#[test]
fn a_daily_copy_is_taken_once_a_day_and_only_the_last_seven_are_kept() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join(DATABASE_FILE);
    let backups = dir.path().join(BACKUP_DIR);
    let (store, _) = Store::open(&db).unwrap();
    store
        .with(|c| {
            messages::insert(
                c,
                Role::User,
                "the day at the beach",
                MessageStatus::Complete,
                None,
            )
        })
        .unwrap();
    std::fs::create_dir_all(&backups).unwrap();

    let first = daily_backup(&db, &backups, "2026-11-01")
        .unwrap()
        .expect("a copy for the day");
    assert_eq!(
        daily_backup(&db, &backups, "2026-11-01").unwrap(),
        None,
        "one copy a day"
    );
    let copy = rusqlite::Connection::open(&first).unwrap();
    let text: String = copy
        .query_row("SELECT content FROM messages", [], |r| r.get(0))
        .unwrap();
    assert_eq!(
        text, "the day at the beach",
        "the copy holds the journal, WAL included"
    );

    for day in 2..=10 {
        daily_backup(&db, &backups, &format!("2026-11-{day:02}")).unwrap();
    }
    let mut kept: Vec<String> = std::fs::read_dir(&backups)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    kept.sort();
    assert_eq!(kept.len(), DAILY_KEPT);
    assert_eq!(
        kept.first().unwrap(),
        "hearth-daily-2026-11-04.db",
        "the oldest go first"
    );
    assert_eq!(kept.last().unwrap(), "hearth-daily-2026-11-10.db");
    drop(store);
}

#[test]
fn vectors_of_schema_3_give_way_to_compact_ones_and_their_texts_are_embedded_again() {
    use crate::store::vectors::{self, OwnerKind};
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(DATABASE_FILE);
    {
        let (store, _) = Store::open_with(&path, &migrations::ALL[..3]).unwrap();
        store
            .with(|c| {
                c.execute(
                    "INSERT INTO messages (id, role, content, created_at) VALUES (1, 'user', 'the lake house', 0)",
                    [],
                )?;
                // A schema 3 vector: two float32 values.
                let old: Vec<u8> = [0.6f32, 0.8].iter().flat_map(|x| x.to_le_bytes()).collect();
                c.execute(
                    "INSERT INTO embeddings (owner_kind, owner_id, model, dim, vector, created_at)
                     VALUES ('message', 1, 'm', 2, ?1, 0)",
                    [old],
                )
            })
            .unwrap();
    }
    let (store, report) = Store::open(&path).unwrap();
    assert_eq!(report.found_version, 3);
    store
        .with(|c| {
            assert_eq!(
                vectors::pending(c, OwnerKind::Message, "m", 10)?,
                vec![(1, "the lake house".to_owned())],
                "the message is kept and waits for a new vector"
            );
            vectors::save(c, OwnerKind::Message, 1, "m", &[0.6, 0.8])?;
            let stored: i64 =
                c.query_row("SELECT length(vector) FROM embeddings", [], |r| r.get(0))?;
            assert_eq!(stored, 4 + 2);
            c.execute("UPDATE messages SET content = 'the lake' WHERE id = 1", [])?;
            assert_eq!(
                vectors::load(c, OwnerKind::Message, 1)?,
                None,
                "an edit still drops the vector"
            );
            Ok(())
        })
        .unwrap();
}

#[test]
fn search_indexes_made_anew_with_prefixes_keep_old_words_and_delete_securely() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(DATABASE_FILE);
    {
        let (store, _) = Store::open_with(&path, &migrations::ALL[..8]).unwrap();
        store
            .with(|c| {
                c.execute_batch(
                    "INSERT INTO messages (role, content, status, created_at)
                     VALUES ('user', 'The lake house in June', 'complete', 0);
                     INSERT INTO letters (recipient, body, created_at, updated_at)
                     VALUES ('Mum', 'The lake in June', 0, 0);",
                )
            })
            .unwrap();
    }
    let (store, report) = Store::open(&path).unwrap();
    assert_eq!(report.found_version, 8);
    let found = store.with(|c| search::everything(c, "lak", 20, 0)).unwrap();
    let kinds: Vec<_> = found.iter().map(|g| g.kind).collect();
    assert_eq!(
        kinds,
        [search::FoundKind::Letter, search::FoundKind::Message],
        "what was written before is in the new indexes"
    );
    store
        .with(|c| {
            let tables: Vec<String> = c
                .prepare(
                    "SELECT name FROM sqlite_schema
                     WHERE sql LIKE 'CREATE VIRTUAL TABLE%USING fts5%'",
                )?
                .query_map([], |r| r.get(0))?
                .collect::<Result<_, _>>()?;
            assert_eq!(tables.len(), 5, "{tables:?}");
            for t in tables {
                let secure: i64 = c.query_row(
                    &format!("SELECT v FROM \"{t}_config\" WHERE k = 'secure-delete'"),
                    [],
                    |r| r.get(0),
                )?;
                assert_eq!(secure, 1, "{t} must delete securely");
            }
            Ok(())
        })
        .unwrap();
}

#[test]
fn a_stored_token_count_lasts_until_the_words_change() {
    let (_dir, store) = fresh();
    store
        .with(|c| {
            let a = messages::insert(c, Role::User, "one two", MessageStatus::Complete, None)?;
            let b = messages::insert(c, Role::Assistant, "", MessageStatus::Streaming, None)?;
            messages::set_token_count(c, a.id, 2)?;
            messages::set_token_count(c, b.id, 0)?;
            let both = messages::token_counts(c, &[a.id, b.id, 999])?;
            assert_eq!(both.len(), 2, "{both:?}");
            // A status change keeps the count; new words clear it, however written.
            c.execute("UPDATE messages SET status = 'error' WHERE id = ?1", [a.id])?;
            messages::update(c, b.id, "words at last", MessageStatus::Streaming)?;
            let left = messages::token_counts(c, &[a.id, b.id])?;
            assert_eq!(left.into_iter().collect::<Vec<_>>(), [(a.id, 2)]);
            messages::update(c, a.id, "one two three", MessageStatus::Complete)?;
            assert!(messages::token_counts(c, &[a.id])?.is_empty());
            Ok(())
        })
        .unwrap();
}
