use super::*;
use crate::store::memories::MemoryKind;

const DAY: i64 = 86_400_000;
/// 2026-11-25 14:40 UTC.
const NOW_MS: i64 = 1_795_617_600_000;

fn persona() -> Persona {
    Persona {
        companion_name: "Ember".into(),
        voice: "Gentle and wry.".into(),
        user_name: "Theodore".into(),
        address_style: "Plainly, no fuss.".into(),
        hopes: "Someone to talk to in the evenings.".into(),
    }
}

fn now() -> DateTime<FixedOffset> {
    DateTime::from_timestamp_millis(NOW_MS)
        .unwrap()
        .with_timezone(&FixedOffset::east_opt(3_600).unwrap())
}

fn message(id: i64, role: Role, content: &str, created_at: i64) -> Message {
    Message {
        id,
        role,
        content: content.into(),
        status: MessageStatus::Complete,
        created_at,
        model: None,
        error: None,
        kept: false,
        forgotten: false,
    }
}

fn memory(id: i64, text: &str) -> Memory {
    Memory {
        id,
        text: text.into(),
        kind: MemoryKind::Person,
        importance: 4,
        source_message_id: None,
        created_at: NOW_MS - 5 * DAY,
        updated_at: NOW_MS - 5 * DAY,
        last_recalled_at: None,
    }
}

/// A conversation of `n` alternating messages, a minute apart, ending with the user.
fn conversation(n: i64, words_each: usize) -> Vec<Message> {
    (0..n)
        .map(|i| {
            let role = if (n - 1 - i) % 2 == 0 {
                Role::User
            } else {
                Role::Assistant
            };
            let text = format!("turn {i}: {}", "lake house evening ".repeat(words_each / 3));
            message(100 + i, role, &text, NOW_MS - (n - i) * 60_000)
        })
        .collect()
}

fn total_tokens(p: &Prompt) -> u32 {
    let system = p.request.system.as_deref().map_or(0, tokens::count);
    system
        + p.request
            .messages
            .iter()
            .map(|m| tokens::count(&m.content) + PER_MESSAGE)
            .sum::<u32>()
}

fn input<'a>(
    persona: &'a Persona,
    memories: &'a [Memory],
    recalled: &'a [Message],
    recent: &'a [Message],
    context: u32,
) -> PromptInput<'a> {
    PromptInput {
        persona,
        now: now(),
        memories,
        recalled,
        recent,
        occasion: None,
        counts: &NO_COUNTS,
        budget: Budget::for_context(context),
    }
}

/// The user's words in a sent message, after the note of the turn's context.
fn said(message: &ChatMessage) -> &str {
    message
        .content
        .split_once(&format!("{NOTE_CLOSE}\n\n"))
        .unwrap_or_else(|| panic!("no note in {:?}", message.content))
        .1
}

/// The note of the turn's context at the head of a sent message.
fn note(message: &ChatMessage) -> &str {
    let text = message
        .content
        .strip_prefix(&format!("{NOTE_OPEN}\n"))
        .unwrap_or_else(|| panic!("no note in {:?}", message.content));
    &text[..text.find(NOTE_CLOSE).expect("the note is closed")]
}

static NO_COUNTS: std::sync::LazyLock<HashMap<i64, u32>> = std::sync::LazyLock::new(HashMap::new);

#[test]
fn the_persona_comes_first_then_the_conversation_then_the_turns_context_then_the_new_message() {
    let p = persona();
    let memories = [memory(1, "Theodore's sister Maya lives in Lisbon.")];
    let recalled = [message(
        7,
        Role::User,
        "We sailed on the lake in June.",
        NOW_MS - 160 * DAY,
    )];
    let recent = conversation(4, 6);
    let prompt = build(&input(&p, &memories, &recalled, &recent, 8_192));

    // The system text is the persona alone: the same on every turn.
    let system = prompt.request.system.clone().unwrap();
    let at = |needle: &str| {
        system
            .find(needle)
            .unwrap_or_else(|| panic!("{needle:?} missing from:\n{system}"))
    };
    assert!(at("You are Ember, Theodore's companion") < at("Gentle and wry."));
    assert!(at("Gentle and wry.") < at("Plainly, no fuss."));
    for changing in ["It is now", "Maya", "sailed", "Wednesday"] {
        assert!(!system.contains(changing), "{changing:?} in {system}");
    }

    // What changes from turn to turn heads the new message: the time, then
    // memories, then recalled moments.
    let last = prompt.request.messages.last().unwrap();
    assert_eq!(last.role, ChatRole::User);
    let context = note(last);
    let at = |needle: &str| {
        context
            .find(needle)
            .unwrap_or_else(|| panic!("{needle:?} missing from:\n{context}"))
    };
    assert_eq!(at("It is now Wednesday 25 November 2026, 15:40"), 0);
    assert!(at("It is now") < at("Maya lives in Lisbon"));
    assert!(at("Maya lives in Lisbon") < at("Theodore: We sailed on the lake in June."));
    assert!(
        context.contains("[Thu 18 Jun 2026] Theodore: We sailed"),
        "{context}"
    );
    assert_eq!(last.content, context_note(context.trim_end(), said(last)));
    assert_eq!(prompt.memory_ids, vec![1]);
    assert_eq!(prompt.recalled_ids, vec![7]);

    // The conversation follows in order and ends with the new message, whose
    // words arrive as written.
    let (new, history) = prompt.request.messages.split_last().unwrap();
    let mut sent: Vec<&str> = history.iter().map(|m| m.content.as_str()).collect();
    sent.push(said(new));
    let expected: Vec<&str> = recent.iter().skip(1).map(|m| m.content.as_str()).collect();
    assert_eq!(
        sent, expected,
        "a leading reply is dropped; the rest keeps its order"
    );
    assert!(!prompt.latest_truncated);
}

#[test]
fn the_next_turn_repeats_the_previous_prompt_up_to_its_context_note() {
    let p = persona();
    let mut recent = conversation(5, 6);
    let first = build(&input(
        &p,
        &[memory(1, "Theodore's sister Maya lives in Lisbon.")],
        &[],
        &recent,
        8_192,
    ));
    recent.push(message(200, Role::Assistant, "How was the lake?", NOW_MS));
    recent.push(message(201, Role::User, "Cold, but lovely.", NOW_MS));
    let swims = [memory(2, "Theodore swims in winter.")];
    let mut later = input(&p, &swims, &[], &recent, 8_192);
    later.now = now() + chrono::Duration::minutes(3);
    let second = build(&later);

    assert_eq!(second.request.system, first.request.system);
    let (asked, before) = first.request.messages.split_last().unwrap();
    assert_eq!(&second.request.messages[..before.len()], before);
    let next = &second.request.messages[before.len()];
    assert_eq!(next.role, ChatRole::User);
    assert_eq!(
        next.content,
        said(asked),
        "the earlier message, without its note"
    );
    let now = second.request.messages.last().unwrap();
    assert_eq!(said(now), "Cold, but lovely.");
    assert!(note(now).contains("15:43") && note(now).contains("swims in winter"));
    assert!(!note(now).contains("Maya"));
}

#[test]
fn the_prompt_never_exceeds_the_budget_and_drops_the_oldest_turns_first() {
    let p = persona();
    let memories: Vec<Memory> = (0..600)
        .map(|i| {
            memory(
                i,
                &format!("Memory number {i} about the lake house and Maya."),
            )
        })
        .collect();
    let recalled: Vec<Message> = (0..600)
        .map(|i| {
            message(
                i,
                Role::User,
                &format!("Old moment {i} at the lake."),
                NOW_MS - 90 * DAY,
            )
        })
        .collect();
    let recent = conversation(400, 60);
    for context in [1_024, 2_048, 8_192, 32_000] {
        let prompt = build(&input(&p, &memories, &recalled, &recent, context));
        let budget = Budget::for_context(context);
        assert!(
            total_tokens(&prompt) <= budget.prompt_tokens(),
            "{context}: {} > {}",
            total_tokens(&prompt),
            budget.prompt_tokens()
        );
        assert_eq!(
            prompt.tokens,
            total_tokens(&prompt),
            "the count it reports is the real one"
        );
        let included = prompt.recent_included;
        assert!(
            included >= 2 && included < recent.len(),
            "{context}: {included}"
        );
        // Exactly the newest `included` messages were kept.
        let first_kept = &recent[recent.len() - included].content;
        assert!(
            prompt.request.messages[0]
                .content
                .starts_with(first_kept.as_str()),
            "{context}"
        );
        assert!(!prompt.memory_ids.is_empty() && prompt.memory_ids.len() < 600);
        assert!(!prompt.recalled_ids.is_empty() && prompt.recalled_ids.len() < 600);
        assert_eq!(prompt.memory_ids[0], 0, "the best memory comes first");
    }
}

#[test]
fn a_200_kb_message_is_sent_shortened_in_the_middle_within_the_budget() {
    let p = persona();
    let huge = format!("Dear Maya, {} Love, Theo", "so much to say ".repeat(14_000));
    assert!(huge.len() > 200_000);
    let mut recent = conversation(4, 6);
    recent.pop();
    recent.push(message(999, Role::User, &huge, NOW_MS));
    let prompt = build(&input(&p, &[], &[], &recent, 16_000));
    assert!(prompt.latest_truncated);
    let last = said(prompt.request.messages.last().unwrap());
    assert!(last.starts_with("Dear Maya,") && last.ends_with("Love, Theo"));
    assert!(total_tokens(&prompt) <= Budget::for_context(16_000).prompt_tokens());
}

#[test]
fn recalled_messages_already_in_the_recent_turns_are_not_repeated() {
    let p = persona();
    let recent = conversation(4, 6);
    let recalled = [
        recent[1].clone(),
        message(3, Role::Assistant, "An older reply.", NOW_MS - 3 * DAY),
    ];
    let prompt = build(&input(&p, &[], &recalled, &recent, 8_192));
    assert_eq!(prompt.recalled_ids, vec![3]);
    let context = note(prompt.request.messages.last().unwrap());
    assert!(context.contains("you: An older reply."), "{context}");
    assert!(!context.contains(&recent[1].content), "{context}");
}

#[test]
fn turns_alternate_even_after_a_failed_or_empty_reply() {
    let p = persona();
    let mut recent = vec![
        message(1, Role::User, "first", NOW_MS - 4_000),
        message(2, Role::Assistant, "", NOW_MS - 3_000),
        message(3, Role::User, "second", NOW_MS - 2_000),
    ];
    recent[1].status = MessageStatus::Error;
    let prompt = build(&input(&p, &[], &[], &recent, 4_096));
    let roles: Vec<ChatRole> = prompt.request.messages.iter().map(|m| m.role).collect();
    assert_eq!(roles, vec![ChatRole::User]);
    assert_eq!(said(&prompt.request.messages[0]), "first\n\nsecond");
    assert_eq!(
        prompt.tokens,
        total_tokens(&prompt),
        "the merged turn is counted"
    );
}

#[test]
fn an_unnamed_user_is_called_the_user_and_empty_sections_are_left_out() {
    let mut p = persona();
    p.user_name = " ".into();
    p.voice.clear();
    let recent = [message(1, Role::User, "hi", NOW_MS)];
    let prompt = build(&input(&p, &[], &[], &recent, 4_096));
    let system = prompt.request.system.unwrap();
    assert!(
        system.starts_with("You are Ember, the user's companion"),
        "{system}"
    );
    assert!(!system.contains("Your voice"));
    let context = note(&prompt.request.messages[0]);
    assert!(context.starts_with("It is now"), "{context}");
    assert!(!context.contains("What you remember"));
    assert!(!context.contains("Earlier moments"));
    assert_eq!(said(&prompt.request.messages[0]), "hi");
}
