//! The diary on a model run on this computer: it is small, so it is asked
//! less (as learning is, in `memory::choose`). Asked to write a day's entry
//! freely, a 135M model writes fragments that parse as JSON and say nothing.
//! Here it chooses what mattered among the user's own sentences (offered as
//! numbered choices), a mood, tags and people from lists the app draws from
//! the day, a title, and what it says of its own among warm sentences the
//! app writes for the day's people. Left to write those sentences itself,
//! even held to openings such as "I hope…", it invented what was not said
//! ("I'm glad you came to see me at the wedding", of a wedding in June).
//! The entry quotes the chosen sentences; nothing in it is the model's own
//! free text.

use std::collections::HashMap;

use serde_json::json;
use unicode_segmentation::UnicodeSegmentation;

use super::{Names, Reflection, Refused};
use crate::companion::sense;
use crate::memory::choose;
use crate::providers::{ChatMessage, ChatRequest, ChatRole, JsonSchema};
use crate::store::diary::EntryDraft;
use crate::store::messages::{Message, Role};

/// At most this many of the user's sentences are offered.
const MOST_SENTENCES: usize = 8;
/// At most this many are quoted in an entry.
const MOST_QUOTED: usize = 3;
/// A sentence longer than this is not offered.
const LONGEST_SENTENCE: usize = 300;
const MOST_TAGS: usize = 12;
const MOST_PEOPLE: usize = 8;

/// The moods an entry may have.
pub const MOODS: &[&str] = &[
    "warm",
    "tender",
    "hopeful",
    "joyful",
    "playful",
    "quiet",
    "thoughtful",
    "wistful",
    "anxious",
    "sad",
    "proud",
    "grateful",
];

/// Titles that fit any day: the model chooses one, or "Thinking of NAME"
/// for one of the people named.
const TITLES: &[&str] = &[
    "A quiet day together",
    "Good news",
    "Plans ahead",
    "Small things",
    "Family news",
    "Looking forward",
    "A hard day",
    "Remembering together",
    "Something to celebrate",
    "Words worth keeping",
];

/// At most this many of the companion's sentences are said.
const MOST_THOUGHTS: usize = 2;

/// What the companion may say of a day or a moment, to the user, whatever
/// was said.
const THOUGHTS: &[&str] = &[
    "I'm glad you told me.",
    "I want to remember this.",
    "I could hear how much it matters to you.",
    "It sounds like a lot to carry, and I'm here with you.",
    "It made me smile to hear it.",
    "I hope it goes the way you hope.",
    "I'd love to hear how it goes.",
    "I'm proud of you for saying it out loud.",
];

/// Words that are never tags.
const NOT_TAGS: &[&str] = &[
    "about",
    "after",
    "again",
    "also",
    "always",
    "been",
    "before",
    "being",
    "could",
    "does",
    "doing",
    "done",
    "each",
    "even",
    "ever",
    "every",
    "from",
    "going",
    "gonna",
    "have",
    "having",
    "here",
    "into",
    "just",
    "know",
    "like",
    "little",
    "maybe",
    "more",
    "most",
    "much",
    "must",
    "need",
    "never",
    "only",
    "other",
    "really",
    "said",
    "same",
    "should",
    "some",
    "something",
    "still",
    "such",
    "sure",
    "tell",
    "than",
    "that",
    "thanks",
    "their",
    "them",
    "then",
    "there",
    "these",
    "they",
    "thing",
    "things",
    "think",
    "this",
    "those",
    "though",
    "through",
    "today",
    "too",
    "very",
    "want",
    "wanted",
    "well",
    "were",
    "what",
    "when",
    "where",
    "which",
    "while",
    "will",
    "with",
    "would",
    "yeah",
    "your",
    "yours",
    "you're",
    "i'm",
    "i've",
    "i'll",
    "it's",
    "that's",
    "don't",
    "didn't",
    "can't",
    "won't",
    "isn't",
    "wasn't",
    "we're",
    "let's",
    "feel",
    "felt",
    "make",
    "made",
    "take",
    "took",
    "come",
    "came",
    "back",
    "time",
    "year",
    "years",
    "week",
    "tomorrow",
    "yesterday",
    "tonight",
    "morning",
    "evening",
    "night",
    "lot",
    "kind",
    "write",
    "getting",
    "coming",
    "going",
    "trying",
    "thinking",
    "saying",
    "talk",
    "talked",
    "told",
];

/// Capitalised words that are not people (months and days are known to
/// chrono: see [`sense::is_date_word`]).
const NOT_PEOPLE: &[&str] = &[
    "I",
    "I'm",
    "I've",
    "I'll",
    "I'd",
    "OK",
    "AI",
    "Christmas",
    "Easter",
    "God",
    "Mum",
    "Mom",
    "Dad",
    "English",
    "French",
];

/// What the small model chooses among for one day or one moment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Offer {
    user: String,
    companion: String,
    sentences: Vec<String>,
    tags: Vec<String>,
    people: Vec<String>,
}

impl Offer {
    /// The offer drawn from what was said: the user's sentences (statements
    /// about their life first), and tags and people found in them.
    pub fn new(names: &Names, said: &[Message]) -> Offer {
        let user = match names.user.trim() {
            "" => "You".to_owned(),
            name => name.to_owned(),
        };
        let theirs: Vec<&str> = said
            .iter()
            .filter(|m| m.role == Role::User)
            .map(|m| m.content.as_str())
            .collect();
        let mut sentences: Vec<String> = Vec::new();
        for text in &theirs {
            for s in choose::statements(text) {
                push_new(&mut sentences, s);
            }
        }
        if sentences.is_empty() {
            // Questions and greetings only: they are all there is to quote.
            for text in &theirs {
                for s in text.lines().flat_map(|l| l.unicode_sentences()) {
                    let s = s.trim();
                    if s.chars().count() <= LONGEST_SENTENCE && s.split_whitespace().count() >= 3 {
                        push_new(&mut sentences, s.to_owned());
                    }
                }
            }
        }
        sentences.retain(|s| s.chars().count() <= LONGEST_SENTENCE);
        let sentences = spread(sentences, MOST_SENTENCES);
        let skip = [names.companion.trim(), names.user.trim()];
        Offer {
            tags: tags_in(&sentences),
            people: people_in(&sentences, &skip),
            user,
            companion: names.companion.trim().to_owned(),
            sentences,
        }
    }

    pub fn sentences(&self) -> &[String] {
        &self.sentences
    }

    pub fn people(&self) -> &[String] {
        &self.people
    }

    pub fn tags(&self) -> &[String] {
        &self.tags
    }

    fn listed(&self) -> String {
        let mut out = String::new();
        for (i, s) in self.sentences.iter().enumerate() {
            out.push_str(&format!("{}. {s}\n", i + 1));
        }
        out
    }

    fn system(&self) -> String {
        format!(
            "You are {}, a warm AI companion, keeping a diary of the days you share with {}. You \
write simply, in the first person, honestly as the AI you are.",
            self.companion, self.user
        )
    }

    /// The sentences offered for the companion to say: for each person
    /// named, then [`THOUGHTS`].
    fn thoughts(&self) -> Vec<String> {
        self.people
            .iter()
            .take(3)
            .flat_map(|p| {
                [
                    format!("I can tell how much {p} means to you."),
                    format!("I'll be thinking of you and {p}."),
                    format!("I hope all goes beautifully for {p}."),
                ]
            })
            .chain(THOUGHTS.iter().map(|t| t.to_string()))
            .collect()
    }

    fn schema(&self, name: &'static str, words: &str, most_quoted: usize) -> JsonSchema {
        let numbers: Vec<usize> = (1..=self.sentences.len()).collect();
        let mut properties = serde_json::Map::new();
        if !numbers.is_empty() {
            properties.insert(
                "chosen".into(),
                json!({"type": "array", "minItems": 1, "maxItems": most_quoted.min(numbers.len()),
                       "items": {"type": "integer", "enum": numbers}}),
            );
        }
        properties.insert(
            words.into(),
            json!({"type": "array", "minItems": 1, "maxItems": MOST_THOUGHTS,
                   "items": {"type": "string", "enum": self.thoughts()}}),
        );
        properties.insert(
            "title".into(),
            json!({"type": "string", "enum": self.titles()}),
        );
        properties.insert("mood".into(), json!({"type": "string", "enum": MOODS}));
        if !self.tags.is_empty() {
            properties.insert(
                "tags".into(),
                json!({"type": "array", "maxItems": 4, "items": {"type": "string", "enum": self.tags}}),
            );
        }
        if !self.people.is_empty() {
            properties.insert(
                "people".into(),
                json!({"type": "array", "maxItems": self.people.len(),
                       "items": {"type": "string", "enum": self.people}}),
            );
        }
        let required: Vec<&String> = properties.keys().collect();
        JsonSchema {
            name,
            schema: json!({
                "type": "object",
                "properties": properties,
                "required": required,
                "additionalProperties": false
            }),
        }
    }

    /// The request for a day's entry.
    pub fn entry_request(&self, day: &str) -> ChatRequest {
        let user = &self.user;
        let content = format!(
            "On {} {user} told you these things:\n{}\n\
For your diary entry about the day: choose the sentences that mattered most, what you would \
say to {user} about the day, a short title, its mood, a few tags and the people named.",
            long_day(day),
            self.listed()
        );
        ChatRequest {
            system: Some(self.system()),
            messages: vec![ChatMessage {
                role: ChatRole::User,
                content,
            }],
            max_tokens: 260,
            temperature: Some(0.6),
            schema: Some(self.schema("diary_entry", "thoughts", MOST_QUOTED)),
        }
    }

    /// The request for a kept moment's title and reflection.
    pub fn reflection_request(&self) -> ChatRequest {
        let user = &self.user;
        let content = format!(
            "{user} asked you to keep this moment. {user} said:\n{}\n\
Choose the sentence that matters most, what you would say to {user} about it, a short title, \
its mood and a few tags.",
            self.listed()
        );
        ChatRequest {
            system: Some(self.system()),
            messages: vec![ChatMessage {
                role: ChatRole::User,
                content,
            }],
            max_tokens: 200,
            temperature: Some(0.6),
            schema: Some(self.schema("moment", "reflection", 1)),
        }
    }

    /// The day's entry from `answer`: the chosen sentences quoted, the
    /// companion's chosen sentences (a warm line when none was offered), its
    /// title when it was offered (else one made from the day). Only an answer
    /// that is not the JSON asked for is refused.
    pub fn read_entry(&self, answer: &str) -> Result<EntryDraft, Refused> {
        let a = Answer::parse(answer, "thoughts")?;
        let quoted = self.quoted(&a.chosen);
        let thoughts = self.said(&a.words).unwrap_or_else(|| {
            format!(
                "I'm glad {} shared the day with me. I'll keep these words close.",
                self.user
            )
        });
        let mut body = String::new();
        if let Some((first, rest)) = quoted.split_first() {
            body.push_str(&format!("{} told me: “{first}”", self.user));
            for s in rest {
                body.push_str(&format!(" And: “{s}”"));
            }
            body.push_str("\n\n");
        }
        body.push_str(&thoughts);
        Ok(EntryDraft {
            title: self.title(&a.title),
            body,
            mood: a.mood,
            tags: self.allowed(&a.tags, &self.tags),
            people: self.allowed(&a.people, &self.people),
        })
    }

    /// A moment's title and reflection from `answer`, as [`Offer::read_entry`].
    pub fn read_reflection(&self, answer: &str) -> Result<Reflection, Refused> {
        let a = Answer::parse(answer, "reflection")?;
        let reflection = self.said(&a.words).unwrap_or_else(|| {
            format!(
                "{} wanted to keep this, so I'm keeping it close.",
                self.user
            )
        });
        Ok(Reflection {
            title: self.title(&a.title),
            reflection,
            tags: self.allowed(&a.tags, &self.tags),
        })
    }

    fn quoted(&self, chosen: &[usize]) -> Vec<&str> {
        let mut picked: Vec<usize> = chosen
            .iter()
            .filter_map(|n| n.checked_sub(1))
            .filter(|i| *i < self.sentences.len())
            .collect();
        picked.sort_unstable();
        picked.dedup();
        if picked.is_empty() && !self.sentences.is_empty() {
            picked.push(0);
        }
        picked
            .into_iter()
            .take(MOST_QUOTED)
            .map(|i| self.sentences[i].as_str())
            .collect()
    }

    /// The titles offered: "Thinking of NAME" for each person, and the app's.
    fn titles(&self) -> Vec<String> {
        self.people
            .iter()
            .map(|p| format!("Thinking of {p}"))
            .chain(TITLES.iter().map(|t| t.to_string()))
            .collect()
    }

    fn title(&self, title: &str) -> String {
        let title = title.trim();
        if self.titles().iter().any(|t| t == title) {
            return title.to_owned();
        }
        match self.people.first() {
            Some(p) => format!("Thinking of {p}"),
            None => TITLES[0].to_owned(),
        }
    }

    /// The companion's chosen sentences that were offered, in one line.
    fn said(&self, chosen: &[String]) -> Option<String> {
        let said = self.allowed(chosen, &self.thoughts());
        (!said.is_empty()).then(|| said[..said.len().min(MOST_THOUGHTS)].join(" "))
    }

    /// `chosen` kept to what was offered, each once.
    fn allowed(&self, chosen: &[String], offered: &[String]) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for c in chosen {
            if offered.contains(c) && !out.contains(c) {
                out.push(c.clone());
            }
        }
        out
    }
}

/// The answer's parts, each optional but the JSON itself.
struct Answer {
    chosen: Vec<usize>,
    words: Vec<String>,
    title: String,
    mood: String,
    tags: Vec<String>,
    people: Vec<String>,
}

impl Answer {
    fn parse(answer: &str, words: &str) -> Result<Answer, Refused> {
        let v: serde_json::Value = serde_json::from_str(answer.trim()).map_err(|e| {
            Refused(format!(
                "The companion's answer was not readable JSON ({e}): “{}”",
                answer.trim().chars().take(80).collect::<String>()
            ))
        })?;
        let text = |name: &str| {
            v.get(name)
                .and_then(serde_json::Value::as_str)
                .unwrap_or_default()
                .trim()
                .to_owned()
        };
        let list = |name: &str| -> Vec<String> {
            v.get(name)
                .and_then(serde_json::Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|x| x.as_str().map(str::to_owned))
                .collect()
        };
        let mood = text("mood");
        Ok(Answer {
            chosen: v
                .get("chosen")
                .and_then(serde_json::Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|x| x.as_u64().map(|n| n as usize))
                .collect(),
            words: list(words),
            title: text("title"),
            mood: if MOODS.contains(&mood.as_str()) {
                mood
            } else {
                String::new()
            },
            tags: list("tags"),
            people: list("people"),
        })
    }
}

fn push_new(list: &mut Vec<String>, s: String) {
    if !list.iter().any(|o| o.eq_ignore_ascii_case(&s)) {
        list.push(s);
    }
}

/// At most `most` of `items`, spread evenly over them (a long day is
/// offered from its morning to its night, not only its morning).
fn spread(items: Vec<String>, most: usize) -> Vec<String> {
    if items.len() <= most {
        return items;
    }
    let n = items.len();
    (0..most).map(|i| items[i * n / most].clone()).collect()
}

fn words_of(s: &str) -> impl Iterator<Item = &str> {
    s.split_whitespace()
        .map(|w| w.trim_matches(|c: char| !c.is_alphanumeric() && c != '\'' && c != '’'))
}

/// The words that say what the day was about: lower-case words of four
/// letters or more that are not common words, most said first.
fn tags_in(sentences: &[String]) -> Vec<String> {
    let mut counts: HashMap<String, (usize, usize)> = HashMap::new();
    let mut order = 0;
    for s in sentences {
        for w in words_of(s) {
            let plain = w.chars().all(|c| c.is_ascii_lowercase());
            if !plain || w.len() < 4 || NOT_TAGS.contains(&w) || w.ends_with("ly") {
                continue;
            }
            order += 1;
            counts.entry(w.to_owned()).or_insert((0, order)).0 += 1;
        }
    }
    let mut tags: Vec<(String, (usize, usize))> = counts.into_iter().collect();
    tags.sort_by(|a, b| b.1.0.cmp(&a.1.0).then(a.1.1.cmp(&b.1.1)));
    tags.into_iter().take(MOST_TAGS).map(|(w, _)| w).collect()
}

/// Names of people in the sentences: capitalised words inside a sentence
/// (not its first word), not a place after "in", "to", "at" or "from", not a
/// month, a day, or the two who talk.
fn people_in(sentences: &[String], skip: &[&str]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for s in sentences {
        let words: Vec<&str> = words_of(s).collect();
        for (i, w) in words.iter().enumerate().skip(1) {
            let mut chars = w.chars();
            let named = chars.next().is_some_and(char::is_uppercase)
                && w.chars().count() >= 2
                && chars.all(|c| c.is_lowercase() || c == '\'' || c == '-');
            let place = matches!(
                words[i - 1].to_lowercase().as_str(),
                "in" | "to" | "at" | "from" | "near" | "visit" | "visiting"
            );
            let name = w.trim_end_matches("'s").trim_end_matches("’s");
            if named
                && !place
                && !NOT_PEOPLE.contains(&name)
                && !sense::is_date_word(name)
                && !skip.iter().any(|k| k.eq_ignore_ascii_case(name))
                && !out.iter().any(|o| o == name)
            {
                out.push(name.to_owned());
            }
        }
    }
    out.truncate(MOST_PEOPLE);
    out
}

/// "2026-11-30" as "30 November 2026".
fn long_day(day: &str) -> String {
    chrono::NaiveDate::parse_from_str(day, "%Y-%m-%d")
        .map(|d| d.format("%-d %B %Y").to_string())
        .unwrap_or_else(|_| day.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::messages::MessageStatus;

    fn names() -> Names {
        Names {
            companion: "Ember".into(),
            user: "Theodore".into(),
            voice: String::new(),
        }
    }

    fn said(texts: &[&str]) -> Vec<Message> {
        texts
            .iter()
            .enumerate()
            .map(|(i, t)| Message {
                id: i as i64 + 1,
                role: if i % 2 == 0 {
                    Role::User
                } else {
                    Role::Assistant
                },
                content: t.to_string(),
                status: MessageStatus::Complete,
                created_at: i as i64,
                model: None,
                error: None,
                kept: false,
                forgotten: false,
            })
            .collect()
    }

    fn day() -> Offer {
        Offer::new(
            &names(),
            &said(&[
                "My sister Amy is getting married in Lisbon in June. I have to write a toast and I'm nervous.",
                "That's wonderful news, Theodore!",
                "Hi. Did you sleep well?",
                "I'm an AI, so I don't sleep.",
                "My friend Paul is coming to the wedding too.",
            ]),
        )
    }

    #[test]
    fn the_offer_holds_the_users_own_sentences_words_and_people() {
        let offer = day();
        assert_eq!(
            offer.sentences(),
            [
                "My sister Amy is getting married in Lisbon in June.",
                "I have to write a toast and I'm nervous.",
                "My friend Paul is coming to the wedding too."
            ],
            "the companion's words and the user's questions are not offered"
        );
        assert_eq!(
            offer.people(),
            ["Amy", "Paul"],
            "Lisbon is a place, June a month"
        );
        let week = Offer::new(
            &names(),
            &said(&["On Sundays my uncle Jan calls me, and in March my aunt Rose visits."]),
        );
        assert_eq!(
            week.people(),
            ["Jan", "Rose"],
            "days and months are not people"
        );
        for tag in ["sister", "married", "toast", "nervous", "wedding"] {
            assert!(
                offer.tags().iter().any(|t| t == tag),
                "{tag} in {:?}",
                offer.tags()
            );
        }
        assert!(!offer.tags().iter().any(|t| t == "have" || t == "write"));
    }

    #[test]
    fn an_entry_quotes_what_was_chosen_in_the_users_words() {
        let offer = day();
        let answer = r#"{"chosen":[1,3],"thoughts":["I can tell how much Amy means to you.","I'd love to hear how it goes."],"title":"Thinking of Amy","mood":"hopeful","tags":["wedding","sister"],"people":["Amy","Paul"]}"#;
        let entry = offer.read_entry(answer).unwrap();
        assert_eq!(entry.title, "Thinking of Amy");
        assert_eq!(
            entry.body,
            "Theodore told me: “My sister Amy is getting married in Lisbon in June.” And: “My friend Paul is coming to the wedding too.”\n\nI can tell how much Amy means to you. I'd love to hear how it goes."
        );
        assert_eq!(entry.mood, "hopeful");
        assert_eq!(entry.tags, ["wedding", "sister"]);
        assert_eq!(entry.people, ["Amy", "Paul"]);
        assert!(super::super::check_entry(&entry).is_ok());
    }

    #[test]
    fn words_not_offered_give_way_to_a_warm_line_and_a_title_from_the_day() {
        let offer = day();
        let answer = r#"{"chosen":[2],"thoughts":["I'm glad you came to see me at the wedding."],"title":"Zzzz zzzz","mood":"grumpy","tags":["elephant"],"people":["Lisbon"]}"#;
        let entry = offer.read_entry(answer).unwrap();
        assert!(
            entry
                .body
                .starts_with("Theodore told me: “I have to write a toast and I'm nervous.”")
        );
        assert!(
            entry.body.ends_with(
                "I'm glad Theodore shared the day with me. I'll keep these words close."
            )
        );
        assert_eq!(
            entry.title, "Thinking of Amy",
            "a title not offered gives way"
        );
        assert_eq!(entry.mood, "", "a mood not on the list is dropped");
        assert!(entry.tags.is_empty(), "only offered tags are kept");
        assert!(entry.people.is_empty(), "only offered people are kept");
        assert!(offer.read_entry("not json").is_err());
        // At most two of the offered sentences are said, each once.
        let many = r#"{"chosen":[1],"thoughts":["I want to remember this.","I want to remember this.","I'm glad you told me.","It made me smile to hear it."],"title":"Good news","mood":"warm"}"#;
        let many_entry = offer.read_entry(many).unwrap();
        assert!(
            many_entry
                .body
                .ends_with("\n\nI want to remember this. I'm glad you told me."),
            "{}",
            many_entry.body
        );
        assert_eq!(many_entry.title, "Good news");
    }

    #[test]
    fn the_schema_offers_only_the_days_choices() {
        let offer = day();
        let request = offer.entry_request("2026-11-30");
        assert!(
            request.messages[0]
                .content
                .contains("On 30 November 2026 Theodore told you")
        );
        let schema = &request.schema.unwrap().schema;
        assert_eq!(
            schema["properties"]["chosen"]["items"]["enum"],
            json!([1, 2, 3])
        );
        assert_eq!(
            schema["properties"]["people"]["items"]["enum"],
            json!(["Amy", "Paul"])
        );
        assert_eq!(schema["properties"]["mood"]["enum"], json!(MOODS));
        let thoughts = schema["properties"]["thoughts"]["items"]["enum"]
            .as_array()
            .unwrap();
        assert!(thoughts.contains(&json!("I'll be thinking of you and Paul.")));
        assert_eq!(thoughts.len(), 2 * 3 + THOUGHTS.len());
        let required = schema["required"].as_array().unwrap();
        assert_eq!(required.len(), 6);
        // A day of questions only still has words to quote, and no empty enums.
        let quiet = Offer::new(&names(), &said(&["How are you today?"]));
        assert_eq!(quiet.sentences(), ["How are you today?"]);
        let schema = quiet.entry_request("2026-11-30").schema.unwrap().schema;
        assert!(schema["properties"].get("people").is_none());
    }

    #[test]
    fn a_long_day_is_offered_from_morning_to_night() {
        let texts: Vec<String> = (0..40)
            .map(|i| format!("I walked to the market number {i} with my dog."))
            .collect();
        let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
        let offer = Offer::new(&names(), &said(&refs));
        assert_eq!(offer.sentences().len(), MOST_SENTENCES);
        assert!(offer.sentences()[0].contains("number 0 "));
        assert!(
            offer.sentences()[MOST_SENTENCES - 1].contains("number 34 "),
            "{:?}",
            offer.sentences()
        );
    }
}
