//! Turning what a person typed into words, and words into a safe FTS5 query.
//!
//! One rule splits text into words for both search (this module's queries)
//! and recall (`memory::recall`, which drops function words on top): see
//! [`words`]. So a word that finds a memory in the search box also brings it
//! back when said to the companion.
//!
//! User text never reaches `MATCH` raw: quotes, `AND`/`OR`/`NOT`/`NEAR`, column
//! filters, `*` and parentheses would be read as query syntax. Each word becomes
//! a quoted phrase instead, so the text is only ever matched as words; inside
//! the quotes the index's own tokenizer (unicode61, diacritics removed) reads
//! the word exactly as it read the stored text.

/// How the words of a query combine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Combine {
    /// Every word must appear (search boxes).
    All,
    /// Any word may appear; BM25 ranks rows with more of them higher (recall).
    Any,
}

/// Builds an FTS5 query from free text, or `None` when it holds no words.
pub fn query(text: &str, combine: Combine) -> Option<String> {
    join(quoted_words(text).collect(), combine)
}

/// Like [`query`], but every word also matches as a prefix, for search boxes
/// that answer while the user types ("lak" finds "lake").
pub fn prefix_query(text: &str, combine: Combine) -> Option<String> {
    join(quoted_words(text).map(|w| w + "*").collect(), combine)
}

/// The words of `text`, in order: the one splitter for search and recall.
///
/// A word is a run of letters and digits in any script. A combining accent
/// continues the word it follows, so a decomposed "é" (e + U+0301, as some
/// keyboards and macOS file names write it) stays inside its word, as the
/// index keeps it. An apostrophe (' or ’) between two letters joins them:
/// "Theodore's", "l'été" and "Zoë’s" are one word each, searched as the
/// phrase the index holds ("theodore" then "s"). Anything else separates
/// words: spaces, punctuation, hyphens ("mother-in-law" is three words),
/// emoji and other symbols.
pub fn words(text: &str) -> impl Iterator<Item = &str> + '_ {
    let mut rest = text;
    std::iter::from_fn(move || {
        let start = rest.find(char::is_alphanumeric)?;
        rest = &rest[start..];
        let mut end = 0;
        let mut chars = rest.char_indices().peekable();
        while let Some((at, c)) = chars.next() {
            if c.is_alphanumeric() || is_combining_accent(c) {
                end = at + c.len_utf8();
            } else if !(is_apostrophe(c) && chars.peek().is_some_and(|&(_, n)| n.is_alphanumeric()))
            {
                break;
            }
        }
        let (word, after) = rest.split_at(end);
        rest = after;
        Some(word)
    })
}

/// The words of `text` split at their apostrophes, as the index stores them
/// ("Caroline's" is "Caroline" and "s"): what recall weighs one by one, so
/// that a function word inside a word ("s", "t") can be dropped.
pub fn tokens(text: &str) -> impl Iterator<Item = &str> + '_ {
    words(text).flat_map(|w| w.split(is_apostrophe))
}

fn is_apostrophe(c: char) -> bool {
    matches!(c, '\'' | '\u{2019}')
}

/// Combining accents (the Unicode blocks of combining diacritical marks),
/// which the index folds away inside a word.
fn is_combining_accent(c: char) -> bool {
    matches!(
        c,
        '\u{0300}'..='\u{036F}'
            | '\u{1AB0}'..='\u{1AFF}'
            | '\u{1DC0}'..='\u{1DFF}'
            | '\u{20D0}'..='\u{20FF}'
            | '\u{FE20}'..='\u{FE2F}'
    )
}

fn quoted_words(text: &str) -> impl Iterator<Item = String> + '_ {
    words(text).map(|w| format!("\"{}\"", w.replace('"', "\"\"")))
}

fn join(words: Vec<String>, combine: Combine) -> Option<String> {
    if words.is_empty() {
        return None;
    }
    let joiner = match combine {
        Combine::All => " ",
        Combine::Any => " OR ",
    };
    Some(words.join(joiner))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operators_and_quotes_become_plain_words() {
        assert_eq!(
            query(r#"lake AND "house" OR NOT col:x* (NEAR"#, Combine::All).as_deref(),
            Some(r#""lake" "AND" "house" "OR" "NOT" "col" "x" "NEAR""#),
            "syntax characters must be dropped and keywords quoted so FTS5 treats them as words"
        );
    }

    #[test]
    fn apostrophes_inside_words_survive() {
        assert_eq!(
            query("Theodore's letter", Combine::Any).as_deref(),
            Some(r#""Theodore's" OR "letter""#)
        );
    }

    #[test]
    fn prefix_queries_quote_then_star_each_word() {
        assert_eq!(
            prefix_query("lak ho\"use", Combine::All).as_deref(),
            Some(r#""lak"* "ho"* "use"*"#)
        );
    }

    #[test]
    fn text_without_words_gives_no_query() {
        assert_eq!(query("  \"* () :: ''  ", Combine::All), None);
        assert_eq!(query("", Combine::Any), None);
    }

    #[test]
    fn one_rule_splits_words_for_search_and_recall() {
        let said = "Zoë’s mother-in-law (I'd say) makes crème brûlée—'twice' in 2025! 🎉party 3rd";
        assert_eq!(
            words(said).collect::<Vec<_>>(),
            [
                "Zoë’s", "mother", "in", "law", "I'd", "say", "makes", "crème", "brûlée", "twice",
                "in", "2025", "party", "3rd"
            ]
        );
        assert_eq!(
            tokens("Zoë’s l'été, rock'n'roll").collect::<Vec<_>>(),
            ["Zoë", "s", "l", "été", "rock", "n", "roll"]
        );
    }

    #[test]
    fn decomposed_accents_stay_inside_their_word() {
        let decomposed = "cre\u{300}me bru\u{302}le\u{301}e \u{301}alone";
        assert_eq!(
            words(decomposed).collect::<Vec<_>>(),
            ["cre\u{300}me", "bru\u{302}le\u{301}e", "alone"]
        );
    }

    #[test]
    fn apostrophes_join_only_between_letters() {
        assert_eq!(
            words("'quoted' ’tis o' ' x''y").collect::<Vec<_>>(),
            ["quoted", "tis", "o", "x", "y"]
        );
        assert_eq!(
            query("Zoë’s", Combine::All).as_deref(),
            Some("\"Zoë’s\""),
            "one phrase, as the index holds it"
        );
    }

    #[test]
    fn non_latin_words_are_kept() {
        assert_eq!(
            query("שלום 世界 café", Combine::All).as_deref(),
            Some(r#""שלום" "世界" "café""#)
        );
    }
}
