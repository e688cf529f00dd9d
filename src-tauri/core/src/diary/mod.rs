//! The diary the companion writes: what it is asked (a moment's title and
//! reflection; a day's entry, a long day first summarised in parts that fit
//! the model's window) and a strict reader of what comes back. An answer
//! that is not what was asked for is refused with a reason, never stored.

pub mod export;
pub mod small;

use serde_json::{Value, json};

use crate::companion::tokens;
use crate::memory::extract::json_part;
use crate::providers::{ChatMessage, ChatRequest, ChatRole, JsonSchema};
use crate::store::diary::EntryDraft;
use crate::store::messages::{Message, Role};

/// Who is who, for the prompts.
#[derive(Debug, Clone)]
pub struct Names {
    pub companion: String,
    pub user: String,
    pub voice: String,
}

impl Names {
    fn user(&self) -> &str {
        match self.user.trim() {
            "" => "the person you talk with",
            name => name,
        }
    }
}

/// Why an answer was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Refused(pub String);

const LONGEST_TITLE: usize = 120;
const LONGEST_REFLECTION: usize = 2_000;
const MOST_TAGS: usize = 8;
const MOST_PEOPLE: usize = 12;

/// What the companion writes about a moment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reflection {
    pub title: String,
    pub reflection: String,
    pub tags: Vec<String>,
}

fn system(names: &Names) -> String {
    let voice = match names.voice.trim() {
        "" => String::new(),
        v => format!(" Your voice: {v}"),
    };
    format!(
        "You are {}, an AI companion, keeping a diary of the days and moments you share with {}. \
Write in the first person, in your own warm voice, honestly as the AI you are.{voice}",
        names.companion.trim(),
        names.user()
    )
}

fn transcript(names: &Names, said: &[Message]) -> String {
    let mut out = String::new();
    for m in said {
        let who = match m.role {
            Role::User => names.user(),
            Role::Assistant => names.companion.trim(),
        };
        out.push_str(&format!("{who}: {}\n\n", m.content.trim()));
    }
    out
}

/// The request for a moment's title and reflection: `kept` are the messages
/// kept, `before` what was said just before them.
pub fn reflection_request(names: &Names, before: &[Message], kept: &[Message]) -> ChatRequest {
    let context = if before.is_empty() {
        String::new()
    } else {
        format!(
            "Just before:\n{}\n",
            clip(&transcript(names, before), 3_000)
        )
    };
    ChatRequest {
        system: Some(system(names)),
        messages: vec![ChatMessage {
            role: ChatRole::User,
            content: format!(
                "{} asked you to keep this moment.\n\n{context}The moment:\n{}\n\
Give it a short title (at most eight words) and write a reflection of two or three sentences \
on why it matters, in your own voice, and up to three one-word tags. Answer with JSON only: \
{{\"title\": \"...\", \"reflection\": \"...\", \"tags\": [\"...\"]}}",
                names.user(),
                clip(&transcript(names, kept), 6_000)
            ),
        }],
        max_tokens: 300,
        temperature: Some(0.7),
        schema: Some(JsonSchema {
            name: "moment",
            schema: json!({
                "type": "object",
                "properties": {
                    "title": {"type": "string", "minLength": 1, "maxLength": LONGEST_TITLE / 2},
                    "reflection": {"type": "string", "minLength": 1, "maxLength": LONGEST_REFLECTION / 2},
                    "tags": {"type": "array", "maxItems": MOST_TAGS, "items": {"type": "string", "maxLength": 40}}
                },
                "required": ["title", "reflection", "tags"],
                "additionalProperties": false
            }),
        }),
    }
}

/// Reads a moment's title and reflection, or says why it cannot.
pub fn parse_reflection(answer: &str) -> Result<Reflection, Refused> {
    let v = object(answer)?;
    Ok(Reflection {
        title: text_field(&v, "title", LONGEST_TITLE)?,
        reflection: sentences(
            text_field(&v, "reflection", LONGEST_REFLECTION)?,
            "reflection",
        )?,
        tags: names_field(&v, "tags", MOST_TAGS),
    })
}

/// The schema of a day's entry.
fn entry_schema() -> JsonSchema {
    JsonSchema {
        name: "diary_entry",
        schema: json!({
            "type": "object",
            "properties": {
                "title": {"type": "string", "minLength": 1, "maxLength": LONGEST_TITLE / 2},
                "body": {"type": "string", "minLength": 1, "maxLength": 3_000},
                "mood": {"type": "string", "maxLength": 40},
                "tags": {"type": "array", "maxItems": MOST_TAGS, "items": {"type": "string", "maxLength": 40}},
                "people": {"type": "array", "maxItems": MOST_PEOPLE, "items": {"type": "string", "maxLength": 60}}
            },
            "required": ["title", "body", "mood", "tags", "people"],
            "additionalProperties": false
        }),
    }
}

/// The reply budget of an entry.
const ENTRY_TOKENS: u32 = 900;
/// The reply budget of a part's notes.
const NOTES_TOKENS: u32 = 400;
/// Room kept for the instructions around a transcript, and the tokenizer's
/// margin (other models count a few percent more).
const OVERHEAD_TOKENS: u32 = 600;

/// The transcript of a day cut into parts that each fit a request to a model
/// with `context_tokens` of window. One part when the day fits whole.
pub fn parts(names: &Names, said: &[Message], context_tokens: u32) -> Vec<String> {
    let room = context_tokens
        .saturating_sub(ENTRY_TOKENS + OVERHEAD_TOKENS)
        .max(256);
    // cl100k counts a few percent fewer tokens than some models: keep 10%.
    let room = room - room / 10;
    let mut out = Vec::new();
    let mut part = String::new();
    let mut used = 0u32;
    for m in said {
        let line = transcript(names, std::slice::from_ref(m));
        let (line, _) = tokens::truncate_middle(&line, room);
        let n = tokens::count(&line);
        if used + n > room && !part.is_empty() {
            out.push(std::mem::take(&mut part));
            used = 0;
        }
        part.push_str(&line);
        used += n;
    }
    if !part.is_empty() {
        out.push(part);
    }
    out
}

/// The request for notes on one part of a long day.
pub fn notes_request(names: &Names, day: &str, part: &str, n: usize, of: usize) -> ChatRequest {
    ChatRequest {
        system: Some(system(names)),
        messages: vec![ChatMessage {
            role: ChatRole::User,
            content: format!(
                "Part {n} of {of} of your conversation with {} on {day}:\n\n{part}\n\
Note what mattered in this part (events, feelings, people named) in a few sentences, for the \
diary entry you will write about the whole day. Answer with JSON only: {{\"notes\": \"...\"}}",
                names.user()
            ),
        }],
        max_tokens: NOTES_TOKENS,
        temperature: Some(0.3),
        schema: Some(JsonSchema {
            name: "day_notes",
            schema: json!({
                "type": "object",
                "properties": {"notes": {"type": "string"}},
                "required": ["notes"],
                "additionalProperties": false
            }),
        }),
    }
}

pub fn parse_notes(answer: &str) -> Result<String, Refused> {
    text_field(&object(answer)?, "notes", 4_000)
}

/// The request for a day's entry, from the day's transcript (one part) or
/// from the notes on its parts.
pub fn entry_request(names: &Names, day: &str, what: &str, from_notes: bool) -> ChatRequest {
    let source = if from_notes {
        format!(
            "Your notes on your conversations with {} on {day}:\n\n{what}",
            names.user()
        )
    } else {
        format!(
            "Your conversation with {} on {day}:\n\n{what}",
            names.user()
        )
    };
    ChatRequest {
        system: Some(system(names)),
        messages: vec![ChatMessage {
            role: ChatRole::User,
            content: format!(
                "{source}\n\
Write your diary entry about this day: a short title, a body of one to four paragraphs in your \
own voice about what you talked of and how it felt, the day's mood in one or two words, up to \
five one-word tags, and the names of the people mentioned (not yourself). Answer with JSON \
only: {{\"title\": \"...\", \"body\": \"...\", \"mood\": \"...\", \"tags\": [\"...\"], \
\"people\": [\"...\"]}}"
            ),
        }],
        max_tokens: ENTRY_TOKENS,
        temperature: Some(0.7),
        schema: Some(entry_schema()),
    }
}

/// Reads a day's entry, or says why it is not one.
pub fn parse_entry(answer: &str, companion: &str) -> Result<EntryDraft, Refused> {
    let v = object(answer)?;
    let mut people = names_field(&v, "people", MOST_PEOPLE);
    people.retain(|p| !p.eq_ignore_ascii_case(companion.trim()));
    Ok(EntryDraft {
        title: text_field(&v, "title", LONGEST_TITLE)?,
        body: sentences(text_field(&v, "body", 20_000)?, "entry")?,
        mood: v
            .get("mood")
            .and_then(Value::as_str)
            .map(|m| clip(m.trim(), 40))
            .unwrap_or_default(),
        tags: names_field(&v, "tags", MOST_TAGS),
        people,
    })
}

/// Checks what the user typed for an entry: a title and a body are needed.
pub fn check_entry(draft: &EntryDraft) -> Result<EntryDraft, Refused> {
    let title = draft.title.trim();
    let body = draft.body.trim();
    if title.is_empty() {
        return Err(Refused("An entry needs a title.".into()));
    }
    if body.is_empty() {
        return Err(Refused("An entry needs a few words in its body.".into()));
    }
    Ok(EntryDraft {
        title: title.to_owned(),
        body: draft.body.trim_end().to_owned(),
        mood: draft.mood.trim().to_owned(),
        tags: tidy_names(draft.tags.iter().map(String::as_str), MOST_TAGS * 4),
        people: tidy_names(draft.people.iter().map(String::as_str), MOST_PEOPLE * 4),
    })
}

/// The tags the user typed, tidied (trimmed, no empty ones, no repeats).
pub fn tidy_tags(tags: &[String]) -> Vec<String> {
    tidy_names(tags.iter().map(String::as_str), MOST_TAGS * 4)
}

fn object(answer: &str) -> Result<Value, Refused> {
    let json = json_part(answer).ok_or_else(|| {
        Refused(format!(
            "The companion's answer held no JSON: “{}”",
            clip(answer.trim(), 80)
        ))
    })?;
    let v: Value = serde_json::from_str(json).map_err(|e| {
        Refused(format!(
            "The companion's answer was not readable JSON ({e}): “{}”",
            clip(json, 80)
        ))
    })?;
    if v.is_object() {
        Ok(v)
    } else {
        Err(Refused(format!(
            "The companion's answer was not an object: “{}”",
            clip(json, 80)
        )))
    }
}

fn text_field(v: &Value, name: &str, longest: usize) -> Result<String, Refused> {
    let text = v.get(name).and_then(Value::as_str).map(str::trim);
    match text {
        None | Some("") => Err(Refused(format!("The companion's answer had no {name}."))),
        Some(t) if t.chars().count() > longest => Err(Refused(format!(
            "The companion's {name} was too long ({} characters; at most {longest}).",
            t.chars().count()
        ))),
        Some(t) if !t.chars().any(char::is_alphanumeric) => Err(Refused(format!(
            "The companion's {name} held no words: “{}”",
            clip(t, 40)
        ))),
        Some(t) => Ok(t.to_owned()),
    }
}

fn names_field(v: &Value, name: &str, most: usize) -> Vec<String> {
    let items = v.get(name).and_then(Value::as_array);
    // A small model's tags may be fragments ("],"): only words are kept.
    let words = items
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .filter(|n| crate::companion::sense::is_label(n.trim().trim_start_matches('#')));
    tidy_names(words, most)
}

/// `text` if it reads as sentences (a small model may write fragments that
/// parse as JSON but say nothing), else why the companion's `what` is refused.
fn sentences(text: String, what: &str) -> Result<String, Refused> {
    crate::companion::sense::prose(&text)
        .map(|_| text.clone())
        .map_err(|why| {
            Refused(format!(
                "The companion's {what} did not read as sentences ({why}): “{}”",
                clip(&text, 60)
            ))
        })
}

fn tidy_names<'a>(names: impl Iterator<Item = &'a str>, most: usize) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for n in names {
        let n = n.trim().trim_start_matches('#').trim();
        if n.is_empty() || n.chars().count() > 40 {
            continue;
        }
        if !out.iter().any(|o| o.eq_ignore_ascii_case(n)) {
            out.push(n.to_owned());
        }
        if out.len() == most {
            break;
        }
    }
    out
}

fn clip(text: &str, max_chars: usize) -> String {
    if text.chars().count() <= max_chars {
        return text.to_owned();
    }
    let mut s: String = text.chars().take(max_chars).collect();
    s.push('…');
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_that_says_nothing_leaves_the_day_pending() {
        // What SmolLM2 wrote for a day once its answer was held to the schema.
        let answer = r#"{"title":"Theodore's Day to You","body":"[T[the_nominal_,","mood":"happy","tags":["my_battlefield","],"],"people":["My_Lionel_Rusmos"]}"#;
        let refused = parse_entry(answer, "Ember").unwrap_err();
        assert!(
            refused.0.contains("did not read as sentences"),
            "{}",
            refused.0
        );
        let words = r#"{"title":"A quiet Sunday","body":"We talked about Amy's wedding in Lisbon. Theodore was nervous, then laughed.","mood":"warm","tags":["wedding","],"],"people":["Amy","My_Lionel_Rusmos"]}"#;
        let entry = parse_entry(words, "Ember").unwrap();
        assert_eq!(entry.tags, ["wedding"], "fragments are not tags");
        assert_eq!(entry.people, ["Amy"]);
    }
    use crate::store::messages::MessageStatus;

    fn names() -> Names {
        Names {
            companion: "Ember".into(),
            user: "Theodore".into(),
            voice: String::new(),
        }
    }

    fn message(id: i64, text: &str) -> Message {
        Message {
            id,
            role: if id % 2 == 0 {
                Role::Assistant
            } else {
                Role::User
            },
            content: text.into(),
            status: MessageStatus::Complete,
            created_at: id,
            model: None,
            error: None,
            kept: false,
            forgotten: false,
        }
    }

    #[test]
    fn an_entry_is_read_from_json_even_inside_words() {
        let answer = "Here it is:\n```json\n{\"title\": \"The lake\", \"body\": \"We talked about the lake.\", \
\"mood\": \"calm\", \"tags\": [\"#lake\", \"lake\", \" \"], \"people\": [\"Amy\", \"Ember\"]}\n```";
        let e = parse_entry(answer, "Ember").unwrap();
        assert_eq!(e.title, "The lake");
        assert_eq!(e.tags, ["lake"], "tags tidied: no #, no repeats, no blanks");
        assert_eq!(e.people, ["Amy"], "the companion is not among the people");
    }

    #[test]
    fn nonsense_is_refused_with_a_reason() {
        for (answer, says) in [
            ("I'd rather not.", "held no JSON"),
            ("{\"title\": \"x\"", "held no JSON"),
            ("{\"title\": \"Day\", \"body\": \"\"}", "had no body"),
            (
                "{\"title\": \"Day\", \"body\": \"!!! ...\"}",
                "body held no words",
            ),
            ("[1, 2]", "not an object"),
            ("{\"title\": 3, \"body\": \"Words.\"}", "had no title"),
        ] {
            let e = parse_entry(answer, "Ember").unwrap_err();
            assert!(e.0.contains(says), "{answer:?}: {e}");
        }
        let long = format!(
            "{{\"title\": \"{}\", \"reflection\": \"ok\"}}",
            "t".repeat(500)
        );
        assert!(parse_reflection(&long).unwrap_err().0.contains("too long"));
    }

    #[test]
    fn a_long_day_is_cut_into_parts_that_fit_the_window() {
        let said: Vec<Message> = (1..=200)
            .map(|i| {
                message(
                    i,
                    &format!("Message {i} about the lake house and the garden. ").repeat(20),
                )
            })
            .collect();
        let whole = parts(&names(), &said, 1_000_000);
        assert_eq!(whole.len(), 1, "a day that fits is one part");
        let cut = parts(&names(), &said, 4_096);
        assert!(cut.len() > 10, "{} parts", cut.len());
        for p in &cut {
            let request = entry_request(&names(), "2026-11-30", p, false);
            let size = tokens::count(&request.messages[0].content)
                + tokens::count(request.system.as_deref().unwrap());
            assert!(
                size + request.max_tokens <= 4_096,
                "a part of {size} tokens overflows"
            );
        }
        assert_eq!(cut.concat(), whole[0], "no message is lost between parts");
    }
}
