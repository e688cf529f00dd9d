//! Counting tokens with a real tokenizer (OpenAI's cl100k_base via
//! tiktoken-rs). Other models' tokenizers differ by some percent; the prompt
//! keeps a margin for that.
//!
//! A run of text with no space in it (a pasted key, a held-down key, a long
//! URL) is counted in pieces of at most [`RUN_BYTES`]: the tokenizer's work
//! on one piece grows faster than its length, so a 200 KB word would cost
//! far more than 200 KB of prose. Cutting a run adds a few tokens per cut
//! (it only ever counts more, so a prompt stays within its budget); text
//! without such runs is counted exactly.

use std::cell::Cell;

use tiktoken_rs::CoreBPE;

/// The longest run of non-space text handed to the tokenizer at once, in bytes.
pub const RUN_BYTES: usize = 1_024;

thread_local! {
    static COUNTED: Cell<u64> = const { Cell::new(0) };
}

fn bpe() -> &'static CoreBPE {
    tiktoken_rs::cl100k_base_singleton()
}

/// Loads the tokenizer's tables (tens of milliseconds) ahead of the first prompt.
pub fn warm_up() {
    let _ = bpe();
}

pub fn count(text: &str) -> u32 {
    COUNTED.set(COUNTED.get().saturating_add(text.len() as u64));
    let mut total = 0usize;
    let mut rest = text;
    while !rest.is_empty() {
        let (piece, after) = rest.split_at(next_cut(rest));
        total += bpe().encode_ordinary(piece).len();
        rest = after;
    }
    u32::try_from(total).unwrap_or(u32::MAX)
}

/// Bytes of text this thread has counted so far: what a prompt costs to
/// measure (tests use it to see that stored counts are not counted again).
pub fn bytes_counted_on_this_thread() -> u64 {
    COUNTED.get()
}

/// Where to cut `text` before counting: before its first run of non-space
/// text longer than [`RUN_BYTES`], or inside such a run that starts it (at
/// a character boundary), or at its end.
fn next_cut(text: &str) -> usize {
    let mut run_start = None;
    for (i, c) in text.char_indices() {
        if c.is_whitespace() {
            run_start = None;
            continue;
        }
        let start = *run_start.get_or_insert(i);
        if i + c.len_utf8() - start > RUN_BYTES {
            if start > 0 {
                return start;
            }
            // The run starts the text: cut it before this character (a
            // character longer than the limit on its own is kept whole).
            return if i > 0 { i } else { c.len_utf8() };
        }
    }
    text.len()
}

/// Shortens `text` to at most `max` tokens, keeping its beginning and its end
/// (where people put what matters) and saying plainly that the middle is gone.
/// Returns the text unchanged when it fits.
pub fn truncate_middle(text: &str, max: u32) -> (String, bool) {
    let (text, _, cut) = fit(text, max, None);
    (text, cut)
}

/// [`truncate_middle`], given the text's count when it is already known, and
/// returning the count of what it returns.
pub fn fit(text: &str, max: u32, known: Option<u32>) -> (String, u32, bool) {
    const GAP: &str = "\n\n[… the middle of this message was too long to include …]\n\n";
    let total = known.unwrap_or_else(|| count(text));
    if total <= max {
        return (text.to_owned(), total, false);
    }
    let room = max.saturating_sub(count(GAP));
    if room == 0 {
        return (String::new(), 0, true);
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
        let n = count(&out);
        if n <= max || keep == 0 {
            return (out, n, true);
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

    #[test]
    fn a_long_unbroken_word_is_counted_in_pieces_close_to_whole() {
        // The worst case: the alphabet is one token, cut in two at every cut.
        let word: String = "abcdefghijklmnopqrstuvwxyz".repeat(2_000);
        let whole = bpe().encode_ordinary(&word).len() as f64;
        let pieces = f64::from(count(&word));
        assert!(
            pieces >= whole && pieces <= whole * 1.1,
            "pieces {pieces}, whole {whole}: never fewer, and close"
        );
        // Every character is counted once, whatever the script.
        for text in [
            "日本語".repeat(500),
            "é".repeat(1_000),
            format!("a {}", "😀".repeat(300)),
        ] {
            let n = count(&text);
            assert!(
                n > 0 && n as usize <= text.len(),
                "{n} for {} bytes",
                text.len()
            );
        }
    }

    #[test]
    fn runs_are_cut_only_when_longer_than_the_limit() {
        let short = format!("{} {}", "x".repeat(RUN_BYTES), "y".repeat(10));
        assert_eq!(next_cut(&short), short.len(), "no run is too long");
        let long = format!("hello {}", "x".repeat(RUN_BYTES + 1));
        assert_eq!(next_cut(&long), 6, "cut before the long run");
        assert_eq!(next_cut(&long[6..]), RUN_BYTES, "then inside it");
        let wide = "é".repeat(RUN_BYTES);
        let cut = next_cut(&wide);
        assert!(wide.is_char_boundary(cut) && cut <= RUN_BYTES && cut > 0);
    }
}
