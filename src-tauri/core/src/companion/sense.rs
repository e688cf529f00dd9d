//! Whether a small model's words read as sentences a person would write.
//!
//! A model run on this computer is small: asked for a few sentences it may
//! write fragments of JSON, an invented web address, a run of emoji, a word
//! said over and over, or letters that are not words. Text shown to the user
//! as the companion's own words, where a template could stand in, is checked
//! here first.

/// Punctuation that may sit among words without making them nonsense.
const PUNCTUATION: &str = ".,;:!?'\"’‘“”()-–—…/&%";

/// Short all-capital words that are words.
const CAPITALS: &[&str] = &["AI", "OK", "TV", "UK", "US", "USA", "EU", "PM", "AM"];

/// `text` tidied to its last whole sentence, or why it does not read as
/// sentences.
pub fn readable(text: &str) -> Result<String, &'static str> {
    let text = text.trim();
    if text.contains(['{', '}', '<', '>', '`', '[', ']', '\\', '*', '#', '_']) {
        return Err("markup or JSON among the words");
    }
    let lower = text.to_lowercase();
    if ["http", "www.", ".com", ".org", ".net", ".io", "@"]
        .iter()
        .any(|a| lower.contains(a))
    {
        return Err("an address among the words");
    }
    prose(text)
}

/// Like [`readable`], for longer writing that may hold an address or a
/// little Markdown (a diary entry): sentences of words, no emoji runs, no
/// loops.
pub fn prose(text: &str) -> Result<String, &'static str> {
    let text = text.trim();
    if text.is_empty() {
        return Err("nothing was written");
    }
    let symbols = text.chars().filter(|c| is_symbol(*c)).count();
    let symbol_run = text
        .chars()
        .collect::<Vec<_>>()
        .windows(2)
        .any(|w| is_symbol(w[0]) && is_symbol(w[1]));
    if symbol_run || symbols > 2 {
        return Err("a run of emoji or symbols");
    }
    // Cut a sentence the length limit broke off.
    let mut end = text
        .char_indices()
        .rfind(|(_, c)| matches!(c, '.' | '!' | '?' | '…'))
        .map(|(i, c)| i + c.len_utf8())
        .ok_or("no whole sentence")?;
    if let Some(quote) = text[end..]
        .chars()
        .next()
        .filter(|c| matches!(c, '"' | '”' | '’'))
    {
        end += quote.len_utf8();
    }
    let tidy = text[..end].trim_end();
    let words: Vec<&str> = tidy
        .split_whitespace()
        .map(|w| w.trim_matches(|c: char| PUNCTUATION.contains(c) || is_symbol(c)))
        .filter(|w| !w.is_empty())
        .collect();
    if words.len() < 4 {
        return Err("too few words");
    }
    let odd = words.iter().filter(|w| !is_word(w)).count();
    if odd * 10 > words.len() {
        return Err("letters that are not words");
    }
    let lowered: Vec<String> = words.iter().map(|w| w.to_lowercase()).collect();
    if lowered.windows(3).any(|w| w[0] == w[1] && w[1] == w[2]) {
        return Err("a word said over and over");
    }
    if lowered.len() >= 12 {
        let distinct: std::collections::HashSet<&String> = lowered.iter().collect();
        if distinct.len() * 5 < lowered.len() * 2 {
            return Err("the same words over and over");
        }
        let mut seen = std::collections::HashMap::new();
        for three in lowered.windows(3) {
            let n = seen.entry(three).or_insert(0);
            *n += 1;
            if *n >= 3 {
                return Err("the same words over and over");
            }
        }
    }
    Ok(tidy.to_owned())
}

/// An emoji or other symbol: neither a letter, a digit, a space nor common
/// punctuation.
fn is_symbol(c: char) -> bool {
    !(c.is_alphanumeric() || c.is_whitespace() || PUNCTUATION.contains(c))
}

/// Whether every word of a short label (a tag, a name) looks like a word.
pub fn is_label(text: &str) -> bool {
    let words: Vec<&str> = text
        .split_whitespace()
        .map(|w| w.trim_matches(|c: char| PUNCTUATION.contains(c)))
        .filter(|w| !w.is_empty())
        .collect();
    !words.is_empty() && words.iter().all(|w| is_word(w))
}

/// Whether `word` (punctuation trimmed) looks like a word: letters, with an
/// apostrophe or hyphen inside; a number; not a run of capitals nor of
/// consonants nor very long.
fn is_word(word: &str) -> bool {
    if word
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, ',' | '.' | ':'))
    {
        return true;
    }
    if !word
        .chars()
        .all(|c| c.is_alphabetic() || matches!(c, '\'' | '’' | '-'))
    {
        return false;
    }
    let letters = word.chars().filter(|c| c.is_alphabetic()).count();
    if letters > 20 {
        return false;
    }
    if !word.is_ascii() {
        // Other scripts: letters are enough.
        return true;
    }
    if letters >= 3 && word.chars().all(|c| !c.is_ascii_lowercase()) && !CAPITALS.contains(&word) {
        return false;
    }
    let lower = word.to_ascii_lowercase();
    let vowels = |c: char| "aeiouy".contains(c);
    if letters >= 4 && !lower.chars().any(vowels) {
        return false;
    }
    // Five consonants in a row ("strengths" has four).
    let mut run = 0;
    for c in lower.chars() {
        run = if c.is_ascii_alphabetic() && !vowels(c) {
            run + 1
        } else {
            0
        };
        if run >= 5 {
            return false;
        }
    }
    true
}

/// A month or a day of the week written whole, or days of it ("Sundays");
/// not an abbreviation, which may be a name ("Jan").
pub fn is_date_word(word: &str) -> bool {
    let day = |w: &str| w.len() >= 6 && w.parse::<chrono::Weekday>().is_ok();
    word.parse::<chrono::Month>()
        .is_ok_and(|m| m.name() == word)
        || day(word)
        || word.strip_suffix('s').is_some_and(day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_warm_sentences_read() {
        let text = "Hello Theodore, I'm Wren. I'm so glad to meet you, and I'd love to hear \
about your day.";
        assert_eq!(readable(text).unwrap(), text);
        assert!(readable("Hi Amy! It's 9:30 and I'm here. Shall we talk?").is_ok());
        assert!(readable("Bonjour Amélie, je suis Wren. Ravie de te rencontrer.").is_ok());
    }

    #[test]
    fn a_sentence_broken_off_by_the_length_limit_is_cut() {
        assert_eq!(
            readable("I'm Wren, and I'm glad to meet you. I hope that we can").unwrap(),
            "I'm Wren, and I'm glad to meet you."
        );
    }

    #[test]
    fn nonsense_does_not_read() {
        for (text, why) in [
            ("🌟💡💡💡💡💡", "a run of emoji or symbols"),
            (
                "Hi! 🌟 I'm Sol 💡 and 🎉 I'm here.",
                "a run of emoji or symbols",
            ),
            (
                "{\"name\": \"JSONA\", \"voice\": \"DJX\"}",
                "markup or JSON among the words",
            ),
            (
                "Visit me at www.samantha-os.com for more. See you.",
                "an address among the words",
            ),
            (
                "Hello there DJX JSONA XQZT friend.",
                "letters that are not words",
            ),
            ("I am here here here for you.", "a word said over and over"),
            ("I'm glad", "no whole sentence"),
            ("Yes. No.", "too few words"),
            ("", "nothing was written"),
        ] {
            assert_eq!(readable(text), Err(why), "{text}");
        }
        let looped = "I love you and I love you and I love you and I love you so much.";
        assert_eq!(readable(looped), Err("the same words over and over"));
    }
}
