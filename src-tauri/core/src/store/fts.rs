//! Turning what a person typed into a safe FTS5 query.
//!
//! User text never reaches `MATCH` raw: quotes, `AND`/`OR`/`NOT`/`NEAR`, column
//! filters, `*` and parentheses would be read as query syntax. Each word becomes
//! a quoted phrase instead, so the text is only ever matched as words.

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

fn quoted_words(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !(c.is_alphanumeric() || c == '\''))
        .map(|w| w.trim_matches('\''))
        .filter(|w| !w.is_empty())
        .map(|w| format!("\"{}\"", w.replace('"', "\"\"")))
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
    fn non_latin_words_are_kept() {
        assert_eq!(
            query("שלום 世界 café", Combine::All).as_deref(),
            Some(r#""שלום" "世界" "café""#)
        );
    }
}
