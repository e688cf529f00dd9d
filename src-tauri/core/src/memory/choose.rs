//! Learning on a model run on this computer: it is small, so it is asked
//! less. Instead of writing facts of its own (a 135M model invents them, or
//! writes no readable JSON at all), it chooses among the user's own
//! statements, offered as numbered choices in the schema, and gives each a
//! kind and an importance from the app's lists. What is stored is the user's
//! sentence itself, said on a day.

use std::collections::HashSet;

use unicode_segmentation::UnicodeSegmentation;

use super::extract::{Learnt, Unreadable};
use crate::providers::{ChatMessage, ChatRequest, ChatRole, JsonSchema};
use crate::store::memories::{self, MemoryDraft, MemoryKind};

/// At most this many statements are offered in one request.
const MOST_CHOICES: usize = 8;
/// A statement longer than this is not offered (a pasted text, not a fact).
const LONGEST_STATEMENT: usize = 400;

const KINDS: &[&str] = &[
    "person",
    "event",
    "plan",
    "date",
    "preference",
    "feeling",
    "fact",
];

/// Words that make a sentence a statement about the speaker's life.
const FIRST_PERSON: &[&str] = &[
    "i", "i'm", "im", "i've", "i'll", "i'd", "me", "my", "mine", "myself", "we", "we're", "we've",
    "we'll", "our", "ours", "us",
];

/// The statements of one message the model chooses among.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Choices {
    user: String,
    day: String,
    statements: Vec<String>,
}

impl Choices {
    /// The statements of `user_said` worth offering, or `None` when there is
    /// none (a question, a greeting): then nothing needs asking.
    pub fn new(user_name: &str, user_said: &str, today: &str) -> Option<Choices> {
        let statements = statements(user_said);
        if statements.is_empty() {
            return None;
        }
        let user = match user_name.trim() {
            "" => "The user".to_owned(),
            name => name.to_owned(),
        };
        let day = chrono::NaiveDate::parse_from_str(today, "%Y-%m-%d")
            .map(|d| d.format("%-d %B %Y").to_string())
            .unwrap_or_else(|_| today.to_owned());
        Some(Choices {
            user,
            day,
            statements,
        })
    }

    pub fn statements(&self) -> &[String] {
        &self.statements
    }

    /// The request: the numbered statements, and a schema that allows only
    /// their numbers, the kinds and the importances.
    pub fn request(&self) -> ChatRequest {
        let user = &self.user;
        let system = format!(
            "You keep the long-term memory of a companion app. Below are sentences {user} wrote. \
Choose every sentence that states a lasting fact about {user}'s life: family, friends and other \
people, places, dates, plans, events, likes and dislikes, and how {user} feels about them. Skip \
greetings, questions and small talk. For each chosen sentence give its number, a kind, and an \
importance from 1 (a detail) to 5 (life-changing)."
        );
        let mut content = String::new();
        for (i, s) in self.statements.iter().enumerate() {
            content.push_str(&format!("{}. {s}\n", i + 1));
        }
        ChatRequest {
            system: Some(system),
            messages: vec![ChatMessage {
                role: ChatRole::User,
                content,
            }],
            max_tokens: 40 * self.statements.len() as u32 + 20,
            temperature: Some(0.0),
            schema: Some(self.schema()),
        }
    }

    fn schema(&self) -> JsonSchema {
        let numbers: Vec<usize> = (1..=self.statements.len()).collect();
        JsonSchema {
            name: "memories",
            schema: serde_json::json!({
                "type": "object",
                "properties": {
                    "memories": {
                        "type": "array",
                        "maxItems": self.statements.len(),
                        "items": {
                            "type": "object",
                            "properties": {
                                "sentence": {"type": "integer", "enum": numbers},
                                "kind": {"type": "string", "enum": KINDS},
                                "importance": {"type": "integer", "enum": [1, 2, 3, 4, 5]}
                            },
                            "required": ["sentence", "kind", "importance"],
                            "additionalProperties": false
                        }
                    }
                },
                "required": ["memories"],
                "additionalProperties": false
            }),
        }
    }

    /// The facts chosen in `answer`: each chosen statement once, in the
    /// user's words, said on the day.
    pub fn read(&self, answer: &str) -> Result<Vec<Learnt>, Unreadable> {
        #[derive(serde::Deserialize)]
        struct Answer {
            memories: Vec<Choice>,
        }
        #[derive(serde::Deserialize)]
        struct Choice {
            sentence: usize,
            kind: String,
            importance: u8,
        }
        let preview = || answer.chars().take(120).collect::<String>();
        let parsed: Answer = serde_json::from_str(answer.trim())
            .map_err(|e| Unreadable(format!("{e} in {}", preview())))?;
        let mut seen = HashSet::new();
        Ok(parsed
            .memories
            .into_iter()
            .filter(|c| seen.insert(c.sentence))
            .filter_map(|c| {
                let statement = self.statements.get(c.sentence.checked_sub(1)?)?;
                memories::tidy(&MemoryDraft {
                    text: format!("{} said on {}: “{statement}”", self.user, self.day),
                    kind: MemoryKind::parse(&c.kind),
                    importance: c.importance.clamp(1, 5),
                })
            })
            .map(|draft| Learnt {
                draft,
                replaces: Vec::new(),
            })
            .collect())
    }
}

/// The sentences of `text` that say something about the speaker's life:
/// statements, not questions, in the first person, of a few words or more.
pub fn statements(text: &str) -> Vec<String> {
    text.lines()
        .flat_map(|line| line.unicode_sentences())
        .map(str::trim)
        .filter(|s| s.chars().count() <= LONGEST_STATEMENT && !s.ends_with('?'))
        .filter(|s| {
            let words: Vec<String> = s
                .split_whitespace()
                .map(|w| {
                    w.trim_matches(|c: char| !c.is_alphanumeric() && c != '\'' && c != '’')
                        .replace('’', "'")
                        .to_lowercase()
                })
                .collect();
            words.len() >= 4 && words.iter().any(|w| FIRST_PERSON.contains(&w.as_str()))
        })
        .take(MOST_CHOICES)
        .map(str::to_owned)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOAST: &str = "Hi there! My sister Amy is getting married in Lisbon in June and I have \
to write a toast. I'm nervous. Can you help me?";

    #[test]
    fn offers_the_statements_not_the_greeting_or_the_question() {
        assert_eq!(
            statements(TOAST),
            vec!["My sister Amy is getting married in Lisbon in June and I have to write a toast."]
        );
        assert_eq!(
            statements("We moved to Porto last spring.\nMy cat is called Miso."),
            vec!["We moved to Porto last spring.", "My cat is called Miso."]
        );
        assert!(statements("How are you today?").is_empty());
        assert!(Choices::new("Theodore", "Good morning!", "2026-11-30").is_none());
    }

    #[test]
    fn the_schema_allows_only_the_offered_numbers() {
        let choices = Choices::new("Theodore", TOAST, "2026-11-30").unwrap();
        let request = choices.request();
        let schema = request.schema.unwrap().schema;
        let item = &schema["properties"]["memories"]["items"]["properties"];
        assert_eq!(item["sentence"]["enum"], serde_json::json!([1]));
        assert!(request.messages[0].content.starts_with("1. My sister Amy"));
    }

    #[test]
    fn a_choice_keeps_the_users_own_words_with_the_day() {
        let choices = Choices::new("Theodore", TOAST, "2026-11-30").unwrap();
        let learnt = choices
            .read(r#"{"memories":[{"sentence":1,"kind":"event","importance":4},{"sentence":1,"kind":"fact","importance":2},{"sentence":7,"kind":"fact","importance":2}]}"#)
            .unwrap();
        assert_eq!(
            learnt.len(),
            1,
            "each statement once; unknown numbers skipped"
        );
        assert_eq!(
            learnt[0].draft.text,
            "Theodore said on 30 November 2026: “My sister Amy is getting married in Lisbon in \
June and I have to write a toast.”"
        );
        assert_eq!(learnt[0].draft.kind, MemoryKind::Event);
        assert_eq!(learnt[0].draft.importance, 4);
        assert!(choices.read("not json").is_err());
    }
}
