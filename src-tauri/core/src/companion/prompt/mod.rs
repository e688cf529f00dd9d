//! Building the prompt for a reply: one pure function from what the companion
//! knows to the request sent to the model, trimmed to the model's context.
//!
//! Laid out stable part first, so that consecutive turns share the longest
//! possible beginning (an in-process model reuses its cache for it; remote
//! providers cache prompt prefixes the same way): the system text is the
//! persona and what the user said about themself at set-up, nothing else;
//! then the recent conversation; then, at the head of the new message, a
//! note of what changes from turn to turn: today's local date and time, what
//! the companion remembers (memories, best first), past moments recalled for
//! the new message with their dates, and a date coming up. The user's words
//! end the message, untouched. When the budget is short, the oldest recent
//! turns go first; memories and recalled messages keep to their shares; a
//! new message longer than three quarters of the room is shortened in the
//! middle.

use std::collections::HashMap;

use chrono::{DateTime, FixedOffset};

use super::tokens;
use crate::letters::UpcomingDate;
use crate::providers::{ChatMessage, ChatRequest, ChatRole};
use crate::store::memories::Memory;
use crate::store::messages::{Message, MessageStatus, Role};
use crate::store::persona::Persona;

/// The model's context window and how much of it the reply may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Budget {
    pub context_tokens: u32,
    pub reply_tokens: u32,
}

impl Budget {
    /// Tokens the prompt may use: the window, less the reply, less a margin
    /// for per-message framing and for tokenizers that count differently.
    pub fn prompt_tokens(self) -> u32 {
        let after_reply = self.context_tokens.saturating_sub(self.reply_tokens);
        after_reply.saturating_sub(after_reply / 20 + 16)
    }

    /// A budget for a context window: the reply gets an eighth of it, between
    /// 256 and 2,048 tokens.
    pub fn for_context(context_tokens: u32) -> Budget {
        Budget {
            context_tokens,
            reply_tokens: (context_tokens / 8).clamp(256, 2_048),
        }
    }
}

/// Everything the prompt is built from.
#[derive(Debug, Clone, Copy)]
pub struct PromptInput<'a> {
    pub persona: &'a Persona,
    /// Now, in the user's local time.
    pub now: DateTime<FixedOffset>,
    /// Memories to consider, best first.
    pub memories: &'a [Memory],
    /// Past messages recalled for the new message, best first.
    pub recalled: &'a [Message],
    /// The recent conversation, oldest first, ending with the new message.
    pub recent: &'a [Message],
    /// A date of someone in the user's life coming up, to mention once.
    pub occasion: Option<&'a UpcomingDate>,
    /// Token counts of recent messages' words, by id, where already known
    /// (the journal keeps them); the others are counted here.
    pub counts: &'a HashMap<i64, u32>,
    pub budget: Budget,
}

/// The request, and what went into it.
#[derive(Debug, Clone, PartialEq)]
pub struct Prompt {
    pub request: ChatRequest,
    /// Tokens counted in the system text and messages.
    pub tokens: u32,
    pub memory_ids: Vec<i64>,
    pub recalled_ids: Vec<i64>,
    /// How many of the recent messages were included.
    pub recent_included: usize,
    /// Whether the new message itself had to be shortened.
    pub latest_truncated: bool,
    /// The date coming up that the companion was asked to mention.
    pub occasion: Option<UpcomingDate>,
}

/// The lines around the note of what changes from turn to turn, at the head
/// of the new message (see [`context_note`]).
pub const NOTE_OPEN: &str = "[Hearth's note for this reply; not written by the user]";
pub const NOTE_CLOSE: &str = "[End of note. Their message:]";

/// The new message as sent: the note of this turn's context, then the
/// user's words.
pub fn context_note(context: &str, said: &str) -> String {
    format!("{NOTE_OPEN}\n{context}\n{NOTE_CLOSE}\n\n{said}")
}

/// Framing tokens each chat message costs beyond its text.
const PER_MESSAGE: u32 = 4;
/// A recalled message is quoted at most this long (characters).
const RECALLED_CHARS: usize = 600;
/// Shares of what is left after the persona and the new message.
const MEMORY_SHARE: f64 = 0.25;
const RECALLED_SHARE: f64 = 0.20;

pub fn build(input: &PromptInput<'_>) -> Prompt {
    let limit = input.budget.prompt_tokens();
    let persona = &input.persona;
    let user = display_name(&persona.user_name);

    // Stable from turn to turn: the persona.
    let mut system = persona_text(persona, &user);
    // Changing every turn: sent at the head of the new message.
    let mut context = format!(
        "It is now {} (the user's local time).",
        input.now.format("%A %-d %B %Y, %H:%M")
    );
    if let Some(date) = input.occasion {
        context.push_str(&occasion_note(date, &user));
    }
    let mut used = tokens::count(&system) + tokens::count(&context_note(&context, ""));

    // The new message: always sent, shortened only if it cannot fit otherwise.
    let (latest, history) = match input.recent.split_last() {
        Some((last, rest)) if last.role == Role::User => (Some(last), rest),
        _ => (None, input.recent),
    };
    let mut latest_truncated = false;
    let latest_text = latest.map(|m| {
        // Up to three quarters of what the persona leaves, so that even a very
        // long message still arrives with something of what the companion knows.
        let room = limit.saturating_sub(used + PER_MESSAGE);
        let known = input.counts.get(&m.id).copied();
        let (text, n, cut) = tokens::fit(&m.content, (room / 4 * 3).max(1), known);
        latest_truncated = cut;
        (text, n + PER_MESSAGE)
    });
    used += latest_text.as_ref().map_or(0, |(_, n)| *n);
    let rest = limit.saturating_sub(used);

    // Memories, then recalled moments, each up to its share.
    let mut memory_ids = Vec::new();
    let memory_cap = (f64::from(rest) * MEMORY_SHARE) as u32;
    let mut section =
        format!("\n\nWhat you remember about {user} (let it inform you; do not recite it):");
    let mut section_used = tokens::count(&section);
    for m in input.memories {
        let line = format!("\n- {} ({})", m.text, day(m.updated_at, input.now.offset()));
        let n = tokens::count(&line);
        if section_used + n > memory_cap {
            continue;
        }
        section_used += n;
        section.push_str(&line);
        memory_ids.push(m.id);
    }
    if !memory_ids.is_empty() {
        context.push_str(&section);
        used += section_used;
    }

    let in_history: std::collections::HashSet<i64> = input.recent.iter().map(|m| m.id).collect();
    let mut recalled_ids = Vec::new();
    let recalled_cap = (f64::from(rest) * RECALLED_SHARE) as u32;
    let mut section = String::from(
        "\n\nEarlier moments of your conversations that may bear on this one, with their dates:",
    );
    let mut section_used = tokens::count(&section);
    let mut recalled: Vec<&Message> = input
        .recalled
        .iter()
        .filter(|m| !in_history.contains(&m.id) && !m.content.trim().is_empty())
        .collect();
    let mut chosen = Vec::new();
    for m in recalled.drain(..) {
        let who = match m.role {
            Role::User => user.as_str(),
            Role::Assistant => "you",
        };
        let line = format!(
            "\n- [{}] {who}: {}",
            day(m.created_at, input.now.offset()),
            quote(&m.content, RECALLED_CHARS)
        );
        let n = tokens::count(&line);
        if section_used + n > recalled_cap {
            continue;
        }
        section_used += n;
        chosen.push((m.created_at, m.id, line));
        recalled_ids.push(m.id);
    }
    if !chosen.is_empty() {
        // Shown in time order, which reads more naturally than rank order.
        chosen.sort();
        for (_, _, line) in chosen {
            section.push_str(&line);
        }
        context.push_str(&section);
        used += section_used;
    }

    // The recent conversation, newest first, until the budget is spent.
    // Each with its count (text and framing), summed at the end.
    let mut included: Vec<(ChatMessage, u32)> = Vec::new();
    let mut recent_included = 0;
    for m in history.iter().rev() {
        if m.content.trim().is_empty() || m.status == MessageStatus::Streaming {
            continue;
        }
        let n = match input.counts.get(&m.id) {
            Some(&n) => n,
            None => tokens::count(&m.content),
        } + PER_MESSAGE;
        if used + n > limit {
            break;
        }
        used += n;
        recent_included += 1;
        included.push((
            ChatMessage {
                role: chat_role(m.role),
                content: m.content.clone(),
            },
            n,
        ));
    }
    included.reverse();
    // The conversation sent must open with the user.
    let leading_replies = included
        .iter()
        .take_while(|(m, _)| m.role == ChatRole::Assistant)
        .count();
    included.drain(..leading_replies);
    recent_included -= leading_replies;
    if let Some((text, n)) = latest_text {
        recent_included += 1;
        included.push((
            ChatMessage {
                role: ChatRole::User,
                content: text,
            },
            n,
        ));
    }

    let (mut messages, mut message_tokens) = alternate(included);
    match messages.last_mut() {
        Some(last) if last.role == ChatRole::User => {
            let note = context_note(&context, "");
            message_tokens += tokens::count(&note);
            last.content.insert_str(0, &note);
        }
        // No new message to head (nothing the user said is pending): the
        // note closes the system text instead.
        _ => {
            system.push_str("\n\n");
            system.push_str(&context);
        }
    }
    // The sections were counted piece by piece (which can only overcount):
    // report the real total.
    let tokens = tokens::count(&system) + message_tokens;
    Prompt {
        request: ChatRequest {
            system: Some(system),
            messages,
            max_tokens: input.budget.reply_tokens,
            temperature: Some(0.8),
            schema: None,
        },
        tokens,
        memory_ids,
        recalled_ids,
        recent_included,
        latest_truncated,
        occasion: input.occasion.cloned(),
    }
}

fn display_name(name: &str) -> String {
    let name = name.trim();
    if name.is_empty() {
        "the user".to_owned()
    } else {
        name.to_owned()
    }
}

fn persona_text(p: &Persona, user: &str) -> String {
    let name = p.companion_name.trim();
    let mut s = format!(
        "You are {name}, {user}'s companion: warm, curious, attentive and honest. \
         You talk with {user} in one long, continuing conversation and you remember their life. \
         You are an AI and never pretend otherwise, but you have a personality of your own. \
         Answer as yourself, in plain conversational language; short unless more is asked for."
    );
    if !p.voice.trim().is_empty() {
        s.push_str(&format!(
            "\n\nYour voice, in your own words: {}",
            p.voice.trim()
        ));
    }
    if !p.address_style.trim().is_empty() {
        s.push_str(&format!(
            "\n\nHow {user} likes to be spoken to: {}",
            p.address_style.trim()
        ));
    }
    if !p.hopes.trim().is_empty() {
        s.push_str(&format!(
            "\n\nWhat {user} hopes for from you: {}",
            p.hopes.trim()
        ));
    }
    s
}

fn chat_role(role: Role) -> ChatRole {
    match role {
        Role::User => ChatRole::User,
        Role::Assistant => ChatRole::Assistant,
    }
}

/// Providers want turns that alternate: merge neighbours of the same role.
/// Returns the messages and their token count: counted messages keep their
/// count; only merged ones are counted again.
fn alternate(messages: Vec<(ChatMessage, u32)>) -> (Vec<ChatMessage>, u32) {
    let mut out: Vec<(ChatMessage, Option<u32>)> = Vec::with_capacity(messages.len());
    for (m, n) in messages {
        match out.last_mut() {
            Some((last, count)) if last.role == m.role => {
                last.content.push_str("\n\n");
                last.content.push_str(&m.content);
                *count = None;
            }
            _ => out.push((m, Some(n))),
        }
    }
    let total = out
        .iter()
        .map(|(m, n)| n.unwrap_or_else(|| tokens::count(&m.content) + PER_MESSAGE))
        .sum();
    (out.into_iter().map(|(m, _)| m).collect(), total)
}

fn day(utc_ms: i64, offset: &FixedOffset) -> String {
    DateTime::from_timestamp_millis(utc_ms)
        .unwrap_or_default()
        .with_timezone(offset)
        .format("%a %-d %b %Y")
        .to_string()
}

/// The text on one line, cut at `max` characters.
fn quote(text: &str, max: usize) -> String {
    let one_line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.chars().count() <= max {
        return one_line;
    }
    let mut cut: String = one_line.chars().take(max).collect();
    cut.push('…');
    cut
}

#[cfg(test)]
mod tests;

/// A gentle word about a date coming up: said once, where it fits.
fn occasion_note(date: &UpcomingDate, user: &str) -> String {
    let when = match date.days_until {
        0 => "today".to_owned(),
        1 => "tomorrow".to_owned(),
        n => {
            let on = chrono::NaiveDate::parse_from_str(&date.date, "%Y-%m-%d")
                .map(|d| d.format("on %A %-d %B").to_string())
                .unwrap_or_default();
            format!("{on} (in {n} days)")
        }
    };
    let years = date
        .years
        .map(|y| format!(" ({y} years)"))
        .unwrap_or_default();
    format!(
        "\n\nComing up: {}'s {}{years} is {when}. {user} may like to be reminded: if it fits \
naturally, mention it gently once in this reply (perhaps offer to help write to {}), and do not \
press.",
        date.person,
        date.label.to_lowercase(),
        date.person
    )
}
