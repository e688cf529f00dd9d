//! Search and recall read words by one rule (`store::fts::words`): a word
//! that finds a memory or a message in a search box also brings it back when
//! it is said to the companion, whatever its script, accents (composed or
//! decomposed), apostrophes, hyphens, digits or the emoji stuck to it.

use hearth_core::memory::recall;
use hearth_core::store::Store;
use hearth_core::store::memories::{self, MemoryDraft, MemoryKind};
use hearth_core::store::messages::{self, MessageStatus, Role};

/// What the person wrote, and words of it they might search for or say.
/// Some are written differently from the text (another apostrophe, the
/// accents decomposed as some keyboards and macOS write them): the index
/// reads them alike.
const CASES: &[(&str, &[&str])] = &[
    (
        "Zoë’s birthday is on the 3rd of May",
        &["Zoë’s", "Zoë's", "Zoe", "3rd", "birthday"],
    ),
    (
        "Theodore's sister moved to Montréal in 2025",
        &["Theodore's", "Theodore", "Montréal", "Montreal", "2025"],
    ),
    (
        "Her mother-in-law makes crème brûlée at Christmas",
        &[
            "mother-in-law",
            "crème",
            "cre\u{300}me",
            "bru\u{302}le\u{301}e",
            "brûlée",
        ],
    ),
    (
        "Ran ten kilometres🎉then celebrated with l'été playlist",
        &["kilometres", "🎉celebrated", "l'été", "e\u{301}te\u{301}"],
    ),
    (
        "Decomposed: the cafe\u{301} by the lake, nai\u{308}ve plans",
        &["café", "cafe\u{301}", "naïve", "nai\u{308}ve"],
    ),
    ("Learns Hindi: हिन्दी every Sunday", &["हिन्दी", "Sunday"]),
    ("Visited Straße 7 in İstanbul", &["Straße", "İstanbul"]),
];

#[test]
fn a_word_found_by_search_is_found_by_recall_and_the_other_way_round() {
    let dir = tempfile::tempdir().unwrap();
    let (store, _) = Store::open(dir.path().join("journal.db")).unwrap();
    let mut failures = Vec::new();
    store
        .with(|c| {
            let ids: Vec<(i64, i64)> = CASES
                .iter()
                .map(|(text, _)| {
                    let draft = MemoryDraft {
                        text: (*text).to_owned(),
                        kind: MemoryKind::Fact,
                        importance: 3,
                    };
                    let memory = memories::insert(c, &draft, None, 1).unwrap();
                    let message =
                        messages::insert(c, Role::User, text, MessageStatus::Complete, None)
                            .unwrap();
                    (memory.id, message.id)
                })
                .collect();
            for ((text, probes), (memory, message)) in CASES.iter().zip(ids) {
                for probe in *probes {
                    let searched = memories::list(c, Some(probe), 100)?
                        .iter()
                        .any(|m| m.id == memory);
                    let recalled = memories::matching(c, &recall::content_words(probe), 100)?
                        .iter()
                        .any(|(m, _)| m.id == memory);
                    let searched_message = messages::search(c, probe, 100)?
                        .iter()
                        .any(|h| h.message.id == message);
                    let recalled_message = recall::messages(c, probe, 100, None)?
                        .iter()
                        .any(|r| r.message_id == message);
                    let found = [searched, recalled, searched_message, recalled_message];
                    if found != [true; 4] {
                        failures.push(format!(
                            "{probe:?} in {text:?}: memory search {searched}, memory recall \
                             {recalled}, message search {searched_message}, message recall \
                             {recalled_message}"
                        ));
                    }
                }
            }
            Ok(())
        })
        .unwrap();
    assert!(
        failures.is_empty(),
        "each word must be found by search and by recall:\n{}",
        failures.join("\n")
    );
}

#[test]
fn recall_reads_the_words_search_reads_less_the_function_words() {
    assert_eq!(
        recall::content_words(
            "I don't think Zoë’s mother-in-law likes cre\u{300}me brûlée🎉 in 2025"
        ),
        "think zoë mother law likes cre\u{300}me brûlée 2025"
    );
}
