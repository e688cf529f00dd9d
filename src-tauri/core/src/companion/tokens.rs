//! Counting tokens with a real tokenizer (OpenAI's cl100k_base via
//! tiktoken-rs). Other models' tokenizers differ by some percent; the prompt
//! keeps a margin for that.

use tiktoken_rs::CoreBPE;

fn bpe() -> &'static CoreBPE {
    tiktoken_rs::cl100k_base_singleton()
}

/// Loads the tokenizer's tables (tens of milliseconds) ahead of the first prompt.
pub fn warm_up() {
    let _ = bpe();
}

pub fn count(text: &str) -> u32 {
    u32::try_from(bpe().encode_ordinary(text).len()).unwrap_or(u32::MAX)
}

/// Shortens `text` to at most `max` tokens, keeping its beginning and its end
/// (where people put what matters) and saying plainly that the middle is gone.
/// Returns the text unchanged when it fits.
pub fn truncate_middle(text: &str, max: u32) -> (String, bool) {
    const GAP: &str = "\n\n[… the middle of this message was too long to include …]\n\n";
    let total = count(text);
    if total <= max {
        return (text.to_owned(), false);
    }
    let room = max.saturating_sub(count(GAP));
    if room == 0 {
        return (String::new(), true);
    }
    let chars: Vec<char> = text.chars().collect();
    // Start from the average characters per token and shrink until it fits.
    let mut keep = (chars.len() as f64 * f64::from(room) / f64::from(total)) as usize;
    loop {
        let head = keep * 2 / 3;
        let tail = keep - head;
        let mut out: String = chars[..head].iter().collect();
        out.push_str(GAP);
        out.extend(&chars[chars.len() - tail..]);
        if count(&out) <= max || keep == 0 {
            return (out, true);
        }
        keep = keep * 9 / 10;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_like_the_real_tokenizer() {
        assert_eq!(count(""), 0);
        assert_eq!(count("hello world"), 2);
    }

    #[test]
    fn long_text_keeps_its_beginning_and_end() {
        let text = format!("START {} END", "word ".repeat(5_000));
        let (out, cut) = truncate_middle(&text, 300);
        assert!(cut);
        assert!(count(&out) <= 300, "{}", count(&out));
        assert!(out.starts_with("START") && out.ends_with("END"), "{out}");
        assert!(out.contains("too long to include"));
        assert_eq!(truncate_middle("short", 10), ("short".to_owned(), false));
    }
}
