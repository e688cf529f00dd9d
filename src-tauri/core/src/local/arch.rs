//! The model families the in-process runtime runs, named by a GGUF file's
//! `general.architecture` (llama.cpp runs them all, see [`super::engine`]).

/// The GGUF architectures Hearth runs, and how it names their family.
pub const SUPPORTED: &[(&str, &str)] = &[
    ("llama", "Llama"),
    ("gemma3", "Gemma 3"),
    ("qwen3", "Qwen3"),
    ("phi3", "Phi-3"),
];

/// The families run here on real model files in the test suite: only these
/// are recommended for download (Qwen3 and Phi-3 run, but no file of theirs
/// has been tried yet).
pub const TESTED: &[&str] = &["llama", "gemma3"];

/// The longest context Hearth gives a model (its own window if shorter):
/// each cache is sized to it.
pub const MAX_CONTEXT: usize = 4096;

/// Whether Hearth runs models of GGUF architecture `arch`.
pub fn is_supported(arch: &str) -> bool {
    SUPPORTED.iter().any(|(a, _)| *a == arch)
}

/// A sentence for a model of an architecture Hearth does not run. `arch`
/// comes from the file: it is quoted, cut short, and stripped of control
/// characters.
pub fn unsupported(arch: &str) -> String {
    let shown: String = printable(arch).take(40).collect();
    let shown = if shown.is_empty() {
        "unnamed".to_owned()
    } else {
        shown
    };
    let families: Vec<&str> = SUPPORTED.iter().map(|(_, f)| *f).collect();
    format!(
        "This is a “{shown}” model, which Hearth can't run; it runs {} and {} models.",
        families[..families.len() - 1].join(", "),
        families[families.len() - 1]
    )
}

/// The characters of `text` that print as themselves: control characters and
/// those that reorder the text around them (and could make a sentence read
/// differently from what it says) are left out. Any script is kept.
pub(crate) fn printable(text: &str) -> impl Iterator<Item = char> + '_ {
    text.chars()
        .filter(|c| !c.is_control() && !is_bidi_control(*c))
}

/// Characters that reorder the text around them (and could make a sentence
/// read differently from what it says).
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unknown_architecture_gets_a_sentence_naming_what_runs() {
        assert!(is_supported("gemma3") && is_supported("llama"));
        assert!(!is_supported("mamba"));
        assert_eq!(
            unsupported("mamba"),
            "This is a “mamba” model, which Hearth can't run; it runs Llama, Gemma 3, Qwen3 and Phi-3 models."
        );
        // A name in any script is kept; control characters and length are not.
        let hostile = format!("模型\u{202e}\u{0}{}", "x".repeat(10_000));
        let sentence = unsupported(&hostile);
        assert!(sentence.starts_with("This is a “模型xxx"), "{sentence}");
        assert!(!sentence.contains('\u{0}') && !sentence.contains('\u{202e}'));
        assert!(sentence.chars().count() < 200);
    }
}
