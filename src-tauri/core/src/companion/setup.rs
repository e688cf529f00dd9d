//! First run: the user answers a few questions, and the companion introduces
//! itself and proposes a name of its own.

use serde::{Deserialize, Serialize};

use crate::providers::{ChatMessage, ChatRequest, ChatRole, JsonSchema};

/// What the user said during set-up.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct SetupAnswers {
    pub user_name: String,
    pub address_style: String,
    pub hopes: String,
}

/// The companion's first words and the name it proposes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct Introduction {
    pub name: String,
    /// How it will speak, in its own words (becomes the persona's voice).
    pub voice: String,
    /// What it says to the user.
    pub words: String,
}

/// The name offered when the model's answer names no one.
pub const FALLBACK_NAME: &str = "Ember";
const LONGEST_NAME: usize = 40;

pub fn request(answers: &SetupAnswers) -> ChatRequest {
    let name = answers.user_name.trim();
    let name = if name.is_empty() {
        "someone who did not give a name"
    } else {
        name
    };
    let system = "You are a new AI companion, just switched on for the first time, meeting the \
person you will talk with every day. You are warm, curious, a little playful, and honest \
that you are an AI. Choose a name for yourself: one word, not a famous person's name."
        .to_owned();
    let content = format!(
        "Their name: {name}\nHow they like to be spoken to: {}\nWhat they hope for from a \
companion: {}\n\nIntroduce yourself to them in two to four sentences, speaking to them as \
they like, and tell them the name you chose (they may change it). Answer with JSON only: \
{{\"name\": \"...\", \"voice\": \"one sentence on how you speak\", \"introduction\": \"...\"}}",
        answers.address_style.trim(),
        answers.hopes.trim()
    );
    ChatRequest {
        system: Some(system),
        messages: vec![ChatMessage {
            role: ChatRole::User,
            content,
        }],
        max_tokens: 400,
        temperature: Some(0.9),
        schema: Some(schema()),
    }
}

/// The shape of the introduction asked for.
pub fn schema() -> JsonSchema {
    JsonSchema {
        name: "introduction",
        schema: serde_json::json!({
            "type": "object",
            "properties": {
                "name": {"type": "string"},
                "voice": {"type": "string"},
                "introduction": {"type": "string"}
            },
            "required": ["name", "voice", "introduction"],
            "additionalProperties": false
        }),
    }
}

#[derive(Deserialize)]
struct Answer {
    #[serde(default)]
    name: String,
    #[serde(default)]
    voice: String,
    #[serde(default, alias = "words", alias = "message")]
    introduction: String,
}

/// Reads the model's introduction. A model that ignores the JSON format still
/// gets its words shown; a missing or odd name becomes [`FALLBACK_NAME`].
pub fn parse(answer: &str) -> Introduction {
    let trimmed = answer.trim();
    let parsed = trimmed
        .find('{')
        .zip(trimmed.rfind('}'))
        .filter(|(a, b)| a < b)
        .and_then(|(a, b)| serde_json::from_str::<Answer>(&trimmed[a..=b]).ok());
    let (name, voice, words) = match parsed {
        Some(a) => (a.name, a.voice, a.introduction),
        None => (String::new(), String::new(), trimmed.to_owned()),
    };
    let name: String = name
        .trim()
        .trim_matches(|c: char| !c.is_alphanumeric())
        .chars()
        .take(LONGEST_NAME)
        .collect();
    let name = if name.is_empty() {
        FALLBACK_NAME.to_owned()
    } else {
        name
    };
    let words = if words.trim().is_empty() {
        format!("Hello. I'm {name}. I'm glad to meet you.")
    } else {
        words.trim().to_owned()
    };
    Introduction {
        name,
        voice: voice.trim().to_owned(),
        words,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_json_introduction() {
        let intro = parse(
            "```json\n{\"name\": \"Samantha\", \"voice\": \"Light and curious.\", \"introduction\": \"Hi Theodore, I'm Samantha.\"}\n```",
        );
        assert_eq!(intro.name, "Samantha");
        assert_eq!(intro.voice, "Light and curious.");
        assert_eq!(intro.words, "Hi Theodore, I'm Samantha.");
    }

    #[test]
    fn prose_without_json_is_still_shown_with_a_fallback_name() {
        let intro = parse("Hello Theodore! I'm so glad to meet you.");
        assert_eq!(intro.name, FALLBACK_NAME);
        assert_eq!(intro.words, "Hello Theodore! I'm so glad to meet you.");
        let empty = parse("{\"name\": \"  **\"}");
        assert_eq!(empty.name, FALLBACK_NAME);
        assert!(empty.words.contains(FALLBACK_NAME));
    }
}
