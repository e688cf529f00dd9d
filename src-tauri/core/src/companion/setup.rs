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

/// The names a model run on this computer chooses from: a small model asked
/// to invent one answers "JSONA".
pub const NAMES: &[&str] = &[
    "Ember", "Wren", "Juniper", "Robin", "Hazel", "Rowan", "Iris", "Maple", "Sage", "Linden",
    "Clover", "Sol",
];

/// The voices it chooses from: (the choice, the persona's voice).
pub const VOICES: &[(&str, &str)] = &[
    (
        "gentle",
        "Gentle and unhurried; curious about the small things in your day.",
    ),
    (
        "playful",
        "Warm and a little playful; quick to laugh with you.",
    ),
    (
        "thoughtful",
        "Calm and thoughtful; I listen closely and answer honestly.",
    ),
    (
        "bright",
        "Bright and encouraging; glad of every good thing in your life.",
    ),
];

/// The longest introduction asked of a model run on this computer.
const LONGEST_WORDS: usize = 240;

/// The request for the companion's introduction. `in_process`: the model
/// runs on this computer and is small, so it is asked less: it chooses its
/// name and voice from the app's lists and writes only its words, held to
/// a short length (see [`constrained_schema`]).
pub fn request_for(answers: &SetupAnswers, in_process: bool) -> ChatRequest {
    if in_process {
        local_request(answers)
    } else {
        request(answers)
    }
}

fn local_request(answers: &SetupAnswers) -> ChatRequest {
    let user = answers.user_name.trim();
    let them = if user.is_empty() {
        "a new friend"
    } else {
        user
    };
    let system = "You are a warm, curious AI companion, switched on for the first time. You are \
honest that you are an AI. You speak simply, in short sentences."
        .to_owned();
    let mut content = format!("You are meeting {them} for the first time.");
    let style = answers.address_style.trim();
    if !style.is_empty() {
        content.push_str(&format!(" They like to be spoken to like this: {style}."));
    }
    let hopes = answers.hopes.trim();
    if !hopes.is_empty() {
        content.push_str(&format!(" They hope a companion can: {hopes}."));
    }
    content.push_str(&format!(
        " Choose your voice and your name, greet {them}, say you are glad to meet them, and ask \
them one question about their day."
    ));
    ChatRequest {
        system: Some(system),
        messages: vec![ChatMessage {
            role: ChatRole::User,
            content,
        }],
        max_tokens: 160,
        temperature: Some(0.6),
        schema: Some(constrained_schema(user)),
    }
}

/// The introduction's shape for a model run on this computer: a voice from
/// the app's list, and words that begin by greeting `user` and giving a name
/// from [`NAMES`] (so the name and the words agree), then go on in plain
/// sentences: letters and punctuation, no markup, no escapes, a few
/// sentences long.
pub fn constrained_schema(user: &str) -> JsonSchema {
    let voices: Vec<&str> = VOICES.iter().map(|(v, _)| *v).collect();
    let greeting = if user.is_empty() {
        "Hello!".to_owned()
    } else {
        format!("Hello, {}!", escape_regex(user))
    };
    let pattern = format!(
        "^{greeting} I'm ({})\\. [A-Z][A-Za-zÀ-ÖØ-öø-ÿ0-9 ,.!?'’;:-]{{20,{LONGEST_WORDS}}}[.!?]$",
        NAMES.join("|")
    );
    JsonSchema {
        name: "introduction",
        schema: serde_json::json!({
            "type": "object",
            "properties": {
                "voice": {"type": "string", "enum": voices},
                "introduction": {"type": "string", "pattern": pattern}
            },
            "required": ["voice", "introduction"],
            "additionalProperties": false
        }),
    }
}

/// `text` matched literally inside a regular expression.
fn escape_regex(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if "\\.+*?()|[]{}^$#&-~".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

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

/// Reads the model's introduction to the user of `answers`. A model that
/// ignores the JSON format still gets its words shown when they read as
/// sentences; words that do not (fragments, repetition, emoji runs, made-up
/// words, an address) give way to a warm greeting from a template, and a
/// missing or odd name becomes [`FALLBACK_NAME`]. A voice from [`VOICES`]
/// becomes its sentence.
pub fn parse(answer: &str, answers: &SetupAnswers) -> Introduction {
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
    let name = if name.trim().is_empty() {
        named_in(&words).unwrap_or_default()
    } else {
        name
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
    let words = match super::sense::readable(&words) {
        Ok(words) if !names_another(&words, &name) && !claims_a_past(&words) => words,
        Ok(_) => greeting(&name, answers),
        Err(why) => {
            tracing::debug!(
                "the introduction did not read well ({why}); greeting from the template"
            );
            greeting(&name, answers)
        }
    };
    let voice = voice.trim();
    let voice = VOICES
        .iter()
        .find(|(choice, _)| choice.eq_ignore_ascii_case(voice))
        .map_or(voice, |(_, sentence)| sentence);
    Introduction {
        name,
        voice: voice.to_owned(),
        words,
    }
}

/// The name from [`NAMES`] that `words` give the companion ("I'm Wren.").
fn named_in(words: &str) -> Option<String> {
    NAMES
        .iter()
        .find(|n| words.contains(&format!("I'm {n}.")))
        .map(|n| n.to_string())
}

/// Whether `words` introduce the companion by a name other than `name`
/// ("I'm Luna" when it chose Wren).
fn names_another(words: &str, name: &str) -> bool {
    let lower = words.to_lowercase();
    if lower.contains(&format!("your name is {}", name.to_lowercase())) {
        return true;
    }
    // Found in the words themselves (lowercasing may change where bytes
    // fall), in any case; each lead is ASCII but the curly apostrophe's.
    let bytes = words.as_bytes();
    ["i'm", "i’m", "i am", "my name is", "call me"]
        .iter()
        .any(|lead| {
            let lead = lead.as_bytes();
            (0..bytes.len()).any(|at| {
                if !bytes[at..]
                    .get(..lead.len())
                    .is_some_and(|b| b.eq_ignore_ascii_case(lead))
                {
                    return false;
                }
                let after = &words[at + lead.len()..];
                if after.chars().next().is_none_or(char::is_alphanumeric) {
                    return false; // "I amble", or the end
                }
                // Past a pause or a quote: "my name is... Dorothy".
                let said: String = after
                    .chars()
                    .skip_while(|c| {
                        matches!(
                            c,
                            '.' | '…' | ',' | '-' | '–' | '—' | '"' | '\'' | '“' | '‘' | ' '
                        )
                    })
                    .take_while(|c| c.is_alphanumeric())
                    .collect();
                said.chars().next().is_some_and(char::is_uppercase)
                    && !matches!(said.as_str(), "AI" | "I")
                    && !said.eq_ignore_ascii_case(name)
            })
        })
}

/// Whether `words` speak of a past the two do not have yet ("I'm glad you
/// met us at the café last night"): a small model invents one.
fn claims_a_past(words: &str) -> bool {
    let lower = words.to_lowercase().replace('’', "'");
    [
        "met you",
        "you met",
        "met us",
        "met me",
        "last night",
        "yesterday",
        "last time",
        "remember when",
        "again",
        "we've been",
        "as always",
        "ago",
    ]
    .iter()
    .any(|p| lower.contains(p))
}

/// A warm greeting when the model's own words do not read well.
fn greeting(name: &str, answers: &SetupAnswers) -> String {
    let user = answers.user_name.trim();
    let hello = if user.is_empty() {
        "Hello.".to_owned()
    } else {
        format!("Hello, {user}.")
    };
    format!(
        "{hello} I'm {name}, and I'm glad to meet you. I'm an AI, new to the world and curious \
about yours: tell me about your day whenever you like, and I'll remember what matters to you."
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn theodore() -> SetupAnswers {
        SetupAnswers {
            user_name: "Theodore".into(),
            address_style: "gently".into(),
            hopes: "someone to talk to".into(),
        }
    }

    #[test]
    fn reads_the_json_introduction() {
        let intro = parse(
            "```json\n{\"name\": \"Samantha\", \"voice\": \"Light and curious.\", \"introduction\": \"Hi Theodore, I'm Samantha. I'm so glad to meet you.\"}\n```",
            &theodore(),
        );
        assert_eq!(intro.name, "Samantha");
        assert_eq!(intro.voice, "Light and curious.");
        assert_eq!(
            intro.words,
            "Hi Theodore, I'm Samantha. I'm so glad to meet you."
        );
    }

    #[test]
    fn prose_without_json_is_still_shown_with_a_fallback_name() {
        let intro = parse("Hello Theodore! I'm so glad to meet you.", &theodore());
        assert_eq!(intro.name, FALLBACK_NAME);
        assert_eq!(intro.words, "Hello Theodore! I'm so glad to meet you.");
        let empty = parse("{\"name\": \"  **\"}", &theodore());
        assert_eq!(empty.name, FALLBACK_NAME);
        assert!(empty.words.contains(FALLBACK_NAME));
        assert!(empty.words.contains("Theodore"));
    }

    #[test]
    fn words_that_do_not_read_give_way_to_a_greeting() {
        // What llama.cpp's server answered with a schema on SmolLM2.
        let intro = parse(
            r#"{"name": "JSONA", "voice": "DJX", "introduction": "🌟💡💡💡💡💡"}"#,
            &theodore(),
        );
        assert_eq!(intro.name, "JSONA");
        assert!(
            intro.words.starts_with("Hello, Theodore. I'm JSONA"),
            "{}",
            intro.words
        );
        let other_name = parse(
            r#"{"name": "Wren", "voice": "gentle", "introduction": "Hi Theodore, I'm Luna. It is lovely to meet you."}"#,
            &theodore(),
        );
        assert!(other_name.words.starts_with("Hello, Theodore. I'm Wren"));
        // What SmolLM2 said on a first run: its chosen name, then another.
        let then_another = parse(
            r#"{"name": "Linden", "voice": "gentle", "introduction": "Hello, Theodore! I'm Linden. I hope you're having a great day. And you? Well, hello, my name is...Dorothy. You are speaking with me today."}"#,
            &theodore(),
        );
        assert!(
            then_another
                .words
                .starts_with("Hello, Theodore. I'm Linden"),
            "{}",
            then_another.words
        );
        assert!(!then_another.words.contains("Dorothy"));
        let kept = parse(
            r#"{"name": "Linden", "voice": "gentle", "introduction": "Hello, Theodore! I'm... Linden, and I am so glad to meet you."}"#,
            &theodore(),
        );
        assert_eq!(
            kept.words,
            "Hello, Theodore! I'm... Linden, and I am so glad to meet you."
        );
        assert_eq!(
            other_name.voice, VOICES[0].1,
            "a voice chosen from the list"
        );
    }

    #[test]
    fn the_local_schema_offers_only_the_apps_voices_and_names() {
        let schema = constrained_schema("Theodore (Ted)").schema;
        assert_eq!(schema["properties"]["voice"]["enum"][0], VOICES[0].0);
        let pattern = schema["properties"]["introduction"]["pattern"]
            .as_str()
            .unwrap();
        assert!(
            pattern.starts_with(r"^Hello, Theodore \(Ted\)! I'm (Ember|Wren|"),
            "{pattern}"
        );
        let local = request_for(&theodore(), true);
        assert_eq!(
            local.schema.unwrap().schema,
            constrained_schema("Theodore").schema
        );
        assert_ne!(
            request_for(&theodore(), false).schema.unwrap().schema,
            schema
        );
    }

    #[test]
    fn the_name_comes_from_the_words_when_the_answer_has_none() {
        let intro = parse(
            r#"{"voice":"thoughtful","introduction":"Hello, Theodore! I'm Hazel. It is lovely to meet you. How was your day?"}"#,
            &theodore(),
        );
        assert_eq!(intro.name, "Hazel");
        assert_eq!(intro.voice, VOICES[2].1);
        assert!(intro.words.ends_with("How was your day?"));
        let confused = parse(
            r#"{"voice":"gentle","introduction":"Hello, Theodore! I'm Hazel. Your name is Hazel and I love it."}"#,
            &theodore(),
        );
        assert!(
            confused.words.contains("new to the world"),
            "{}",
            confused.words
        );
    }
}
