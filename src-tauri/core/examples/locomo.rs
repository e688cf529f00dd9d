//! Memory-recall quality on LoCoMo-format conversations, through the app's own
//! recall code path (`memory::recall::messages` over the real journal).
//!
//! Each file's two speakers become the user and the companion (named in the
//! persona, as the app's first run does); every turn is stored as a dated
//! message. For each question of categories 1–4, recall
//! returns the top 20 messages; a hit at K is any evidence turn among the top K.
//!
//! cargo run --release -p hearth-core --example locomo -- ../shared/data/locomo/*.json

use std::collections::HashMap;

use chrono::NaiveDateTime;
use hearth_core::memory::recall;
use hearth_core::store::messages::{self, MessageStatus, Role};
use hearth_core::store::{Store, persona};
use serde_json::Value;

const KS: [usize; 4] = [1, 5, 10, 20];

fn main() {
    let files: Vec<String> = std::env::args().skip(1).collect();
    assert!(!files.is_empty(), "usage: locomo FILE.json...");
    let mut hits = [0usize; KS.len()];
    let mut asked = 0usize;
    let tuning = tuning();
    // RECALL_MISSES=1 prints each question whose evidence is not in the top 5.
    let show_misses = std::env::var_os("RECALL_MISSES").is_some();
    for file in &files {
        let data: Value =
            serde_json::from_str(&std::fs::read_to_string(file).expect("read file")).expect("JSON");
        let dir = tempfile::tempdir().unwrap();
        let (store, _) = Store::open(dir.path().join("locomo.db")).unwrap();
        let ids = load(&store, &data);
        for qa in data["qa"].as_array().expect("qa") {
            if !matches!(qa["category"].as_u64(), Some(1..=4)) {
                continue;
            }
            let evidence: Vec<i64> = qa["evidence"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|e| e.as_str())
                .filter_map(|d| ids.get(d.trim()).copied())
                .collect();
            let question = qa["question"].as_str().unwrap_or_default();
            let found = store
                .with(|c| recall::messages_with(c, question, 20, None, &tuning))
                .unwrap();
            asked += 1;
            if show_misses
                && !found
                    .iter()
                    .take(5)
                    .any(|r| evidence.contains(&r.message_id))
            {
                let text = |id: i64| {
                    store
                        .with(|c| {
                            c.query_row(
                                "SELECT role || ': ' || content FROM messages WHERE id = ?1",
                                [id],
                                |r| r.get::<_, String>(0),
                            )
                        })
                        .unwrap_or_default()
                };
                eprintln!("MISS [{}] {question}", qa["category"]);
                for e in &evidence {
                    eprintln!("  want {e}: {}", text(*e));
                }
                for r in found.iter().take(5) {
                    eprintln!(
                        "  got  {} ({:.2}): {}",
                        r.message_id,
                        r.score,
                        text(r.message_id)
                    );
                }
            }
            for (i, k) in KS.iter().enumerate() {
                if found
                    .iter()
                    .take(*k)
                    .any(|r| evidence.contains(&r.message_id))
                {
                    hits[i] += 1;
                }
            }
        }
    }
    for (i, k) in KS.iter().enumerate() {
        println!("recall@{k} {:.3}", hits[i] as f64 / asked.max(1) as f64);
    }
    eprintln!(
        "({asked} questions of categories 1-4 in {} files)",
        files.len()
    );
}

/// The app's tuning, with `RECALL_<KNOB>` environment overrides for experiments.
fn tuning() -> recall::Tuning {
    let mut t = recall::Tuning::default();
    let var = |k: &str| std::env::var(format!("RECALL_{k}")).ok();
    let f = |k: &str, d: f64| var(k).and_then(|v| v.parse().ok()).unwrap_or(d);
    t.pool = f("POOL", t.pool as f64) as u32;
    t.neighbour_share = f("NEIGHBOUR_SHARE", t.neighbour_share);
    t.far_share = f("FAR_SHARE", t.far_share);
    t.speaker_factor = f("SPEAKER_FACTOR", t.speaker_factor);
    t.feedback_docs = f("FEEDBACK_DOCS", t.feedback_docs as f64) as usize;
    t.feedback_terms = f("FEEDBACK_TERMS", t.feedback_terms as f64) as usize;
    t.feedback_weight = f("FEEDBACK_WEIGHT", t.feedback_weight);
    if t != recall::Tuning::default() {
        eprintln!("tuning: {t:?}");
    }
    t
}

/// Stores every turn as a message dated by its session; returns dia_id → message id.
fn load(store: &Store, data: &Value) -> HashMap<String, i64> {
    let speaker_a = data["speaker_a"].as_str().unwrap_or_default().to_owned();
    let speaker_b = data["speaker_b"].as_str().unwrap_or_default().to_owned();
    let mut ids = HashMap::new();
    store
        .with(|c| {
            let tx = c.transaction()?;
            // Speaker A is the user, speaker B the companion, as in the app.
            persona::save(
                &tx,
                &persona::Persona {
                    companion_name: speaker_b.clone(),
                    voice: String::new(),
                    user_name: speaker_a.clone(),
                    address_style: String::new(),
                    hopes: String::new(),
                },
            )?;
            for n in 1.. {
                let Some(turns) = data[format!("session_{n}")].as_array() else {
                    break;
                };
                let when = data[format!("session_{n}_date_time")]
                    .as_str()
                    .and_then(|s| NaiveDateTime::parse_from_str(s, "%I:%M %p on %d %B, %Y").ok())
                    .map(|t| t.and_utc().timestamp_millis())
                    .unwrap_or(n as i64 * 86_400_000);
                for (i, turn) in turns.iter().enumerate() {
                    let role = if turn["speaker"].as_str() == Some(speaker_a.as_str()) {
                        Role::User
                    } else {
                        Role::Assistant
                    };
                    let text = turn["text"].as_str().unwrap_or_default();
                    let m = messages::insert_at(
                        &tx,
                        role,
                        text,
                        MessageStatus::Complete,
                        None,
                        when + i as i64 * 1000,
                    )?;
                    if let Some(dia) = turn["dia_id"].as_str() {
                        ids.insert(dia.to_owned(), m.id);
                    }
                }
            }
            tx.commit()
        })
        .unwrap();
    ids
}
