//! Learning durable facts from an exchange: the request that asks the model
//! for them as JSON, a tolerant reader of what comes back, and the merge into
//! the journal (near-duplicates confirmed, contradicted facts superseded).

use std::collections::HashSet;

use rusqlite::Connection;
use serde::Deserialize;

use crate::providers::{ChatMessage, ChatRequest, ChatRole, JsonSchema};
use crate::store::memories::{self, Memory, MemoryDraft, MemoryKind};

/// A fact the model proposed, and the ids of known memories it replaces.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Learnt {
    pub draft: MemoryDraft,
    pub replaces: Vec<i64>,
}

/// Why a model's answer could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the model's list of memories was not readable JSON: {0}")]
pub struct Unreadable(pub String);

/// The request asking the model what to remember from one exchange.
/// `known` are the memories that may be related (the model may say that a new
/// fact replaces one of them).
pub fn request(
    user_name: &str,
    user_said: &str,
    companion_said: &str,
    today: &str,
    known: &[Memory],
) -> ChatRequest {
    let user = if user_name.trim().is_empty() {
        "the user"
    } else {
        user_name.trim()
    };
    let mut known_text = String::new();
    for m in known {
        known_text.push_str(&format!("\n{}: {}", m.id, m.text));
    }
    if known_text.is_empty() {
        known_text.push_str("\n(none)");
    }
    let system = format!(
        "You keep the long-term memory of a companion app. From the exchange below, list the \
durable facts about {user}'s life worth remembering for months: people and relationships, \
important dates, preferences, plans, events, and how {user} felt about them. Skip small talk, \
questions, and anything about the companion itself. Write each fact as one short sentence in \
the third person, naming {user}, and with absolute dates when the exchange implies one \
(today is {today}).\n\n\
Already remembered (id: text):{known_text}\n\n\
If a new fact updates or contradicts one of these, give its id in \"replaces\". Do not repeat \
facts already remembered.\n\n\
Answer with JSON only, no prose: {{\"memories\": [{{\"text\": \"...\", \"kind\": \
\"person|date|preference|plan|event|feeling|fact\", \"importance\": 1-5, \"replaces\": []}}]}}. \
Answer {{\"memories\": []}} when there is nothing durable."
    );
    ChatRequest {
        system: Some(system),
        messages: vec![ChatMessage {
            role: ChatRole::User,
            content: format!(
                "{user} said:\n{}\n\nThe companion answered:\n{}",
                clip(user_said, 6_000),
                clip(companion_said, 3_000)
            ),
        }],
        max_tokens: 600,
        temperature: Some(0.0),
        schema: Some(schema()),
    }
}

/// The shape of the answer asked for: a list of facts.
pub fn schema() -> JsonSchema {
    JsonSchema {
        name: "memories",
        schema: serde_json::json!({
            "type": "object",
            "properties": {
                "memories": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {
                            "text": {"type": "string"},
                            "kind": {"type": "string", "enum": [
                                "person", "date", "preference", "plan", "event", "feeling", "fact"
                            ]},
                            "importance": {"type": "integer", "enum": [1, 2, 3, 4, 5]},
                            "replaces": {"type": "array", "items": {"type": "integer"}}
                        },
                        "required": ["text", "kind", "importance", "replaces"],
                        "additionalProperties": false
                    }
                }
            },
            "required": ["memories"],
            "additionalProperties": false
        }),
    }
}

fn clip(text: &str, max_chars: usize) -> String {
    if text.chars().count() <= max_chars {
        return text.to_owned();
    }
    let mut s: String = text.chars().take(max_chars).collect();
    s.push('…');
    s
}

#[derive(Deserialize)]
#[serde(untagged)]
enum Answer {
    Wrapped { memories: Vec<serde_json::Value> },
    List(Vec<serde_json::Value>),
}

/// Reads the model's answer: JSON, possibly inside a code fence or after some
/// words. Items that are not usable facts are skipped; an answer with no JSON
/// at all is an error (and nothing is stored).
pub fn parse(answer: &str) -> Result<Vec<Learnt>, Unreadable> {
    let json = json_part(answer).ok_or_else(|| Unreadable(preview(answer)))?;
    let parsed: Answer =
        serde_json::from_str(json).map_err(|e| Unreadable(format!("{e} in {}", preview(json))))?;
    let items = match parsed {
        Answer::Wrapped { memories } | Answer::List(memories) => memories,
    };
    Ok(items.iter().filter_map(item).collect())
}

fn item(v: &serde_json::Value) -> Option<Learnt> {
    let (text, kind, importance, replaces) = match v {
        serde_json::Value::String(s) => (s.as_str(), None, None, None),
        serde_json::Value::Object(o) => (
            o.get("text")
                .or_else(|| o.get("fact"))
                .or_else(|| o.get("memory"))?
                .as_str()?,
            o.get("kind")
                .or_else(|| o.get("type"))
                .and_then(|k| k.as_str()),
            o.get("importance").and_then(|i| {
                i.as_f64()
                    .or_else(|| i.as_str().and_then(|s| s.trim().parse().ok()))
            }),
            o.get("replaces"),
        ),
        _ => return None,
    };
    let draft = memories::tidy(&MemoryDraft {
        text: text.to_owned(),
        kind: kind.map_or(MemoryKind::Fact, MemoryKind::parse),
        importance: importance.map_or(3, |i| i.round().clamp(1.0, 5.0) as u8),
    })?;
    let replaces = match replaces {
        Some(serde_json::Value::Array(ids)) => ids.iter().filter_map(id).collect(),
        Some(one) => id(one).into_iter().collect(),
        None => Vec::new(),
    };
    Some(Learnt { draft, replaces })
}

fn id(v: &serde_json::Value) -> Option<i64> {
    v.as_i64()
        .or_else(|| v.as_str().and_then(|s| s.trim().parse().ok()))
}

/// The outermost JSON object or array in the text.
pub(crate) fn json_part(text: &str) -> Option<&str> {
    let start = text.find(['{', '['])?;
    let close = if text[start..].starts_with('{') {
        '}'
    } else {
        ']'
    };
    let end = text.rfind(close)?;
    (end > start).then(|| &text[start..=end])
}

fn preview(text: &str) -> String {
    clip(text.trim(), 120)
}

/// What merging learnt facts did to the journal.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Merged {
    pub added: Vec<i64>,
    pub confirmed: Vec<i64>,
    pub superseded: Vec<i64>,
}

/// How alike two facts must be (shared content words over all) to count as
/// the same fact said again.
const SAME_FACT: f64 = 0.75;

/// Stores learnt facts. A fact nearly identical to a current memory confirms
/// it instead of adding another; a fact that replaces known memories
/// supersedes them. `known` bounds which ids the model may replace.
pub fn merge(
    conn: &Connection,
    learnt: &[Learnt],
    known: &[Memory],
    source_message_id: Option<i64>,
    at: i64,
) -> rusqlite::Result<Merged> {
    let tx = conn.unchecked_transaction()?;
    let known_ids: HashSet<i64> = known.iter().map(|m| m.id).collect();
    let mut merged = Merged::default();
    for fact in learnt {
        let words = super::recall::content_words(&fact.draft.text);
        let twin = memories::matching(&tx, &words, 5)?
            .into_iter()
            .map(|(m, _)| m)
            .find(|m| similarity(&m.text, &fact.draft.text) >= SAME_FACT);
        if let Some(twin) = twin {
            memories::confirm(&tx, twin.id, fact.draft.importance, at)?;
            merged.confirmed.push(twin.id);
            continue;
        }
        let new = memories::insert(&tx, &fact.draft, source_message_id, at)?;
        for old in fact.replaces.iter().filter(|id| known_ids.contains(id)) {
            if memories::supersede(&tx, *old, new.id)? {
                merged.superseded.push(*old);
            }
        }
        merged.added.push(new.id);
    }
    tx.commit()?;
    Ok(merged)
}

/// Overlap of the content words of two texts (Jaccard), 0 to 1.
pub fn similarity(a: &str, b: &str) -> f64 {
    let set = |t: &str| -> HashSet<String> {
        super::recall::content_words(t)
            .split_whitespace()
            .map(|w| w.to_lowercase().trim_end_matches('s').to_owned())
            .collect()
    };
    let (a, b) = (set(a), set(b));
    if a.is_empty() && b.is_empty() {
        return 1.0;
    }
    a.intersection(&b).count() as f64 / a.union(&b).count() as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_json_in_a_fence_after_some_words() {
        let answer = "Sure! Here you go:\n```json\n{\"memories\": [{\"text\": \"Theodore's sister Maya lives in Lisbon.\", \"kind\": \"person\", \"importance\": 4, \"replaces\": [3]}]}\n```";
        let learnt = parse(answer).unwrap();
        assert_eq!(learnt.len(), 1);
        assert_eq!(learnt[0].draft.kind, MemoryKind::Person);
        assert_eq!(learnt[0].draft.importance, 4);
        assert_eq!(learnt[0].replaces, vec![3]);
    }

    #[test]
    fn tolerates_loose_items_and_skips_unusable_ones() {
        let answer = r#"[
            "Theodore likes Lake Como.",
            {"fact": "Theodore's birthday is 3 March.", "type": "birthday", "importance": "9"},
            {"text": "   "},
            {"kind": "plan"},
            42,
            {"text": "Theodore plans to visit Maya.", "kind": "plans", "importance": 0.4, "replaces": "7"}
        ]"#;
        let learnt = parse(answer).unwrap();
        let texts: Vec<(&str, MemoryKind, u8, &[i64])> = learnt
            .iter()
            .map(|l| {
                (
                    l.draft.text.as_str(),
                    l.draft.kind,
                    l.draft.importance,
                    l.replaces.as_slice(),
                )
            })
            .collect();
        assert_eq!(
            texts,
            vec![
                ("Theodore likes Lake Como.", MemoryKind::Fact, 3, &[][..]),
                (
                    "Theodore's birthday is 3 March.",
                    MemoryKind::Date,
                    5,
                    &[][..]
                ),
                (
                    "Theodore plans to visit Maya.",
                    MemoryKind::Plan,
                    1,
                    &[7][..]
                ),
            ]
        );
    }

    #[test]
    fn malformed_answers_are_errors_not_memories() {
        for bad in [
            "",
            "I don't think there's anything to remember.",
            "{\"memories\": [{\"text\": \"unterminated",
            "{\"memories\": 3}",
        ] {
            assert!(parse(bad).is_err(), "{bad:?}");
        }
        assert_eq!(parse("{\"memories\": []}").unwrap(), vec![]);
    }

    #[test]
    fn similarity_sees_the_same_fact_said_again() {
        assert!(
            similarity(
                "Theodore's sister Maya lives in Lisbon.",
                "Theodore's sister Maya lives in Lisbon now"
            ) >= SAME_FACT
        );
        assert!(similarity("Maya lives in Lisbon.", "Maya moved to Porto.") < SAME_FACT);
    }
}
