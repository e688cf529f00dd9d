//! Letters: the people the user writes to and the dates that come back each
//! year, the companion's questions and drafts (the words stay the user's: the
//! companion helps say them and never sends anything), a readable word-level
//! diff between versions, and the letter on paper ([`paper`]).

pub mod paper;

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::error::AppError;
use crate::providers::{ChatMessage, ChatRequest, ChatRole, JsonSchema};
use crate::store::letters::{Letter, LetterLength, Person, PersonDate, PersonDraft};
use crate::store::memories::Memory;
use crate::store::persona::Persona;

/// The longest letter kept, in bytes (a long letter is a few tens of KB).
pub const MAX_LETTER_BYTES: usize = 1_000_000;

// ---- people and dates -----------------------------------------------------

/// Checks a person as the user wrote them: a name, and dates that exist (29
/// February is allowed: it comes back in leap years).
pub fn check_person(draft: &PersonDraft) -> Result<PersonDraft, AppError> {
    let name = draft.name.trim();
    if name.is_empty() {
        return Err(AppError::invalid("Who is this? Give them a name first."));
    }
    let mut dates = Vec::with_capacity(draft.dates.len());
    for d in &draft.dates {
        let label = d.label.trim();
        let label = if label.is_empty() {
            "A day to remember"
        } else {
            label
        };
        let year = d.year.unwrap_or(2000);
        if NaiveDate::from_ymd_opt(year, d.month.into(), d.day.into()).is_none()
            && !(d.month == 2 && d.day == 29 && d.year.is_none())
        {
            return Err(AppError::invalid(format!(
                "{} {} is not a date on the calendar; check the day and month of “{label}”.",
                d.day,
                month_name(d.month)
            )));
        }
        dates.push(PersonDate {
            label: label.to_owned(),
            month: d.month,
            day: d.day,
            year: d.year,
        });
    }
    Ok(PersonDraft {
        name: name.to_owned(),
        relationship: draft.relationship.trim().to_owned(),
        notes: draft.notes.trim().to_owned(),
        dates,
    })
}

fn month_name(month: u8) -> &'static str {
    chrono::Month::try_from(month).map_or("(no such month)", |m| m.name())
}

/// A date of someone's coming up.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct UpcomingDate {
    pub person_id: i64,
    pub person: String,
    pub label: String,
    /// The day it falls on next, `YYYY-MM-DD`.
    pub date: String,
    /// 0 is today.
    pub days_until: u32,
    /// The years it marks, when the first year is known.
    pub years: Option<i32>,
}

/// The next time a yearly date falls on or after `today` (29 February falls
/// on 28 February in other years).
fn next_occurrence(today: NaiveDate, month: u8, day: u8) -> Option<NaiveDate> {
    let on = |year: i32| {
        NaiveDate::from_ymd_opt(year, month.into(), day.into()).or_else(|| {
            (month == 2 && day == 29)
                .then(|| NaiveDate::from_ymd_opt(year, 2, 28))
                .flatten()
        })
    };
    let this_year = on(today.year())?;
    if this_year >= today {
        Some(this_year)
    } else {
        on(today.year() + 1)
    }
}

/// The dates of `people` falling within `days` days from `today` (today
/// included), soonest first.
pub fn upcoming_dates(people: &[Person], today: NaiveDate, days: u32) -> Vec<UpcomingDate> {
    let mut out: Vec<UpcomingDate> = people
        .iter()
        .flat_map(|p| p.dates.iter().map(move |d| (p, d)))
        .filter_map(|(p, d)| {
            let next = next_occurrence(today, d.month, d.day)?;
            let until = (next - today).num_days();
            (0..=i64::from(days))
                .contains(&until)
                .then(|| UpcomingDate {
                    person_id: p.id,
                    person: p.name.clone(),
                    label: d.label.clone(),
                    date: next.format("%Y-%m-%d").to_string(),
                    days_until: until as u32,
                    years: d.year.map(|y| next.year() - y).filter(|&y| y > 0),
                })
        })
        .collect();
    out.sort_by(|a, b| {
        a.days_until
            .cmp(&b.days_until)
            .then(a.person.cmp(&b.person))
    });
    out
}

/// The diary's moment for a finished letter: its title, and words that say
/// what was finished, with the letter's opening.
pub fn finished_moment(user: &str, letter: &Letter) -> (String, String) {
    let recipient = letter.brief.recipient.trim();
    let title = format!("A letter to {recipient}");
    let occasion = match letter.brief.occasion.trim() {
        "" => String::new(),
        o => format!(" ({o})"),
    };
    let words: Vec<&str> = letter.body.split_whitespace().collect();
    let mut opening = words[..words.len().min(40)].join(" ");
    if words.len() > 40 {
        opening.push('…');
    }
    (
        title,
        format!("{user} finished a letter to {recipient}{occasion}.\n\n“{opening}”"),
    )
}

/// Someone the companion has heard of, not yet among the people.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct PersonSuggestion {
    /// A name read from the memory (the user corrects it if it is wrong).
    pub name: String,
    /// The memory it comes from, as notes.
    pub notes: String,
    pub memory_id: i64,
    /// A date read from the memory ("born on 12 March"), if any.
    pub dates: Vec<PersonDate>,
}

/// Suggests people from memories of people and dates: a memory naming
/// someone (a capitalised word that does not open the sentence) who is not
/// among `people` yet.
pub fn suggest_people(memories: &[Memory], people: &[Person]) -> Vec<PersonSuggestion> {
    use crate::store::memories::MemoryKind;
    let known: Vec<String> = people.iter().map(|p| p.name.to_lowercase()).collect();
    let mut out: Vec<PersonSuggestion> = Vec::new();
    for m in memories
        .iter()
        .filter(|m| matches!(m.kind, MemoryKind::Person | MemoryKind::Date))
    {
        let Some(name) = name_in(&m.text) else {
            continue;
        };
        let lower = name.to_lowercase();
        if known
            .iter()
            .any(|k| k.split_whitespace().any(|w| w == lower))
            || out.iter().any(|s| s.name.to_lowercase() == lower)
        {
            continue;
        }
        out.push(PersonSuggestion {
            dates: date_in(&m.text).into_iter().collect(),
            name,
            notes: m.text.clone(),
            memory_id: m.id,
        });
    }
    out
}

/// Words that begin with a capital without being names.
const NOT_NAMES: &[&str] = &[
    "I",
    "I'm",
    "I've",
    "I'd",
    "I'll",
    "The",
    "A",
    "An",
    "My",
    "He",
    "She",
    "They",
    "We",
    "It",
    "His",
    "Her",
    "Their",
    "Our",
    "User",
    "The user",
    "Christmas",
    "Easter",
];

fn name_in(text: &str) -> Option<String> {
    let words: Vec<&str> = text.split_whitespace().collect();
    words.iter().enumerate().find_map(|(i, w)| {
        let word = w.trim_matches(|c: char| !c.is_alphanumeric());
        let word = word
            .strip_suffix("'s")
            .or_else(|| word.strip_suffix("’s"))
            .unwrap_or(word);
        let sentence_start = i == 0 || words[i - 1].ends_with(['.', '!', '?']);
        let capital = word.chars().next().is_some_and(char::is_uppercase);
        (capital
            && !sentence_start
            && word.chars().count() > 1
            && !NOT_NAMES.contains(&word)
            && !crate::companion::sense::is_date_word(word))
        .then(|| word.to_owned())
    })
}

/// "12 March", "March 12" or "12th of March", with a year after it when one is there.
fn date_in(text: &str) -> Option<PersonDate> {
    let words: Vec<String> = text
        .split_whitespace()
        .map(|w| {
            w.trim_matches(|c: char| !c.is_alphanumeric())
                .to_lowercase()
        })
        .collect();
    let month_of = |w: &str| {
        (1..=12u8).find(|&m| {
            let name = month_name(m).to_lowercase();
            w == name
                || (w.len() >= 3 && name.starts_with(w) && w != "mar" && w != "may")
                || (w == "mar" && m == 3)
        })
    };
    let day_of = |w: &str| {
        let digits: String = w.chars().take_while(char::is_ascii_digit).collect();
        digits.parse::<u8>().ok().filter(|d| (1..=31).contains(d))
    };
    for (i, w) in words.iter().enumerate() {
        let Some(month) = month_of(w) else { continue };
        let before = i.checked_sub(1).and_then(|j| {
            day_of(&words[j]).or_else(|| {
                (words[j] == "of")
                    .then(|| j.checked_sub(1).and_then(|k| day_of(&words[k])))
                    .flatten()
            })
        });
        let day = before.or_else(|| words.get(i + 1).and_then(|n| day_of(n)))?;
        let year = words[i + 1..]
            .iter()
            .take(2)
            .find_map(|w| w.parse::<i32>().ok().filter(|y| (1900..=2100).contains(y)));
        let lower = text.to_lowercase();
        let label = if lower.contains("anniversar") || lower.contains("married") {
            "Anniversary"
        } else {
            "Birthday"
        };
        return Some(PersonDate {
            label: label.into(),
            month,
            day,
            year,
        });
    }
    None
}

// ---- the companion's part -------------------------------------------------

fn length_words(length: LetterLength) -> &'static str {
    match length {
        LetterLength::Short => "about 120 words",
        LetterLength::Medium => "about 250 words",
        LetterLength::Long => "about 450 words",
    }
}

fn max_tokens(length: LetterLength) -> u32 {
    match length {
        LetterLength::Short => 500,
        LetterLength::Medium => 900,
        LetterLength::Long => 1_500,
    }
}

fn system(persona: Option<&Persona>) -> String {
    let (companion, user) = persona.map_or(("the companion", "the user"), |p| {
        (p.companion_name.as_str(), p.user_name.as_str())
    });
    format!(
        "You are {companion}, helping {user} write a letter in {user}'s own voice. The letter \
is theirs: you help them find the words, plainly and warmly, never grand or generic, with \
real details from what they tell you. You never send anything."
    )
}

/// What the letter is for, as the model reads it.
fn brief_text(letter: &Letter, person: Option<&Person>) -> String {
    let b = &letter.brief;
    let mut s = format!("The letter is to {}.", b.recipient.trim());
    if let Some(p) = person {
        if !p.relationship.is_empty() {
            s += &format!(" They are the writer's {}.", p.relationship);
        }
        if !p.notes.is_empty() {
            s += &format!(" About them: {}", p.notes);
        }
    }
    let mut line = |label: &str, value: &str| {
        if !value.trim().is_empty() {
            s += &format!("\n{label}: {}", value.trim());
        }
    };
    line("Occasion", &b.occasion);
    line("What it must carry", &b.carry);
    line("Tone", &b.tone);
    for memory in &b.weave {
        line("A memory to weave in", memory);
    }
    for qa in &letter.answers {
        if !qa.answer.trim().is_empty() {
            s += &format!(
                "\nAsked “{}”, the writer said: {}",
                qa.question.trim(),
                qa.answer.trim()
            );
        }
    }
    s
}

/// Asks for one or two questions that draw out the writer's own words.
pub fn questions_request(
    letter: &Letter,
    person: Option<&Person>,
    persona: Option<&Persona>,
) -> ChatRequest {
    let content = format!(
        "{}\n\nBefore drafting, ask the writer one or two short, gentle questions that draw out \
their own words: what they remember, what they want {} to feel. Answer with JSON only: \
{{\"questions\": [\"...\", \"...\"]}}",
        brief_text(letter, person),
        letter.brief.recipient.trim()
    );
    ChatRequest {
        system: Some(system(persona)),
        messages: vec![ChatMessage {
            role: ChatRole::User,
            content,
        }],
        max_tokens: 300,
        temperature: Some(0.7),
        schema: Some(JsonSchema {
            name: "letter_questions",
            schema: serde_json::json!({
                "type": "object",
                "properties": {
                    "questions": {"type": "array", "items": {"type": "string"}}
                },
                "required": ["questions"],
                "additionalProperties": false
            }),
        }),
    }
}

#[derive(Deserialize)]
struct Questions {
    #[serde(default)]
    questions: Vec<String>,
}

/// The questions asked (at most two); when the model's answer holds none, two
/// plain ones of our own.
pub fn parse_questions(answer: &str, recipient: &str) -> Vec<String> {
    let trimmed = answer.trim();
    let asked: Vec<String> = trimmed
        .find('{')
        .zip(trimmed.rfind('}'))
        .filter(|(a, b)| a < b)
        .and_then(|(a, b)| serde_json::from_str::<Questions>(&trimmed[a..=b]).ok())
        .map(|q| q.questions)
        .unwrap_or_default()
        .into_iter()
        .map(|q| q.trim().to_owned())
        .filter(|q| !q.is_empty() && q.len() < 400)
        .take(2)
        .collect();
    if asked.is_empty() {
        default_questions(recipient)
    } else {
        asked
    }
}

pub fn default_questions(recipient: &str) -> Vec<String> {
    let who = recipient.trim();
    let who = if who.is_empty() { "them" } else { who };
    vec![
        format!("What do you remember most about {who}, in your own words?"),
        format!("When {who} reads this, what do you want them to feel?"),
    ]
}

/// Asks for the first draft.
pub fn draft_request(
    letter: &Letter,
    person: Option<&Person>,
    persona: Option<&Persona>,
) -> ChatRequest {
    let content = format!(
        "{}\n\nWrite the letter: {}, in the writer's voice, using their own words where they \
gave them. Begin with the greeting (\"Dear …,\"). Do not sign it (the writer signs it \
themselves) and write nothing but the letter: no title, no notes.",
        brief_text(letter, person),
        length_words(letter.brief.length)
    );
    ChatRequest {
        system: Some(system(persona)),
        messages: vec![ChatMessage {
            role: ChatRole::User,
            content,
        }],
        max_tokens: max_tokens(letter.brief.length),
        temperature: Some(0.8),
        schema: None,
    }
}

/// Asks for a revision of `current` as the writer asked, in plain words.
pub fn revision_request(
    letter: &Letter,
    person: Option<&Person>,
    persona: Option<&Persona>,
    current: &str,
    asked: &str,
) -> ChatRequest {
    let content = format!(
        "{}\n\nThe letter now reads:\n\n{}\n\nThe writer asks: {}\n\nWrite the whole letter \
again with that change, keeping everything else that still fits. Write nothing but the \
letter.",
        brief_text(letter, person),
        current.trim(),
        asked.trim()
    );
    let tokens = max_tokens(letter.brief.length).max((current.len() / 3) as u32 + 200);
    ChatRequest {
        system: Some(system(persona)),
        messages: vec![ChatMessage {
            role: ChatRole::User,
            content,
        }],
        max_tokens: tokens,
        temperature: Some(0.7),
        schema: None,
    }
}

// ---- versions ---------------------------------------------------------------

/// One piece of a diff between two versions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct DiffPart {
    pub change: Change,
    pub text: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub enum Change {
    Same,
    Added,
    Removed,
}

/// A word-level diff from `old` to `new`, neighbouring pieces of one kind
/// joined, cleaned up for reading (a word changed inside a run of changes
/// shows as one removal and one addition).
pub fn diff(old: &str, new: &str) -> Vec<DiffPart> {
    let diff = similar::TextDiff::configure()
        .algorithm(similar::Algorithm::Patience)
        .diff_words(old, new);
    let mut parts: Vec<DiffPart> = Vec::new();
    for change in diff.iter_all_changes() {
        let kind = match change.tag() {
            similar::ChangeTag::Equal => Change::Same,
            similar::ChangeTag::Insert => Change::Added,
            similar::ChangeTag::Delete => Change::Removed,
        };
        let text = change.value();
        match parts.last_mut() {
            Some(last) if last.change == kind => last.text.push_str(text),
            _ => parts.push(DiffPart {
                change: kind,
                text: text.to_owned(),
            }),
        }
    }
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn a_leap_day_falls_on_the_28th_in_other_years() {
        assert_eq!(
            next_occurrence(day(2027, 2, 1), 2, 29),
            Some(day(2027, 2, 28))
        );
        assert_eq!(
            next_occurrence(day(2028, 2, 1), 2, 29),
            Some(day(2028, 2, 29))
        );
        assert_eq!(
            next_occurrence(day(2027, 12, 31), 1, 1),
            Some(day(2028, 1, 1))
        );
    }

    #[test]
    fn reads_names_and_dates_from_memories() {
        assert_eq!(
            name_in("The user's sister Amy lives in Leeds."),
            Some("Amy".into())
        );
        assert_eq!(name_in("User loves tea."), None);
        let d = date_in("Amy's birthday is on 12 March 1990.").unwrap();
        assert_eq!((d.month, d.day, d.year), (3, 12, Some(1990)));
        let d = date_in("They married on June 3rd.").unwrap();
        assert_eq!((d.label.as_str(), d.month, d.day), ("Anniversary", 6, 3));
    }

    #[test]
    fn a_diff_marks_the_words_changed() {
        let parts = diff("I miss the lake.", "I miss the summer lake.");
        let added: String = parts
            .iter()
            .filter(|p| p.change == Change::Added)
            .map(|p| p.text.as_str())
            .collect();
        assert_eq!(added.trim(), "summer");
        assert!(parts.iter().all(|p| p.change != Change::Removed));
    }
}
