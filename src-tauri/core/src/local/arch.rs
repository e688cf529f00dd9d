//! The model families the in-process runtime runs, chosen by a GGUF file's
//! `general.architecture`: one forward pass per family behind one type.

use std::io::{Read, Seek};

use candle_core::quantized::gguf_file;
use candle_core::{Device, Result, Tensor};
use candle_transformers::models::{quantized_llama, quantized_phi3, quantized_qwen3};

use super::gemma3::Gemma3;
use super::llama::Llama;

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
/// rotary tables and the cache are sized to it.
pub const MAX_CONTEXT: usize = quantized_llama::MAX_SEQ_LEN;

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

/// A model's weights, and the cache of one conversation. Clones share the
/// weights (and, for the families written here, the cache's storage): clone
/// only weights whose cache is empty.
#[derive(Debug, Clone)]
pub enum Weights {
    Llama(Llama),
    Gemma3(Gemma3),
    Qwen3(quantized_qwen3::ModelWeights),
    Phi3(quantized_phi3::ModelWeights),
}

impl Weights {
    /// Loads the weights of an `arch` model from a GGUF file's header and
    /// reader, for a context of `context` tokens.
    pub fn from_gguf<R: Read + Seek>(
        arch: &str,
        content: gguf_file::Content,
        reader: &mut R,
        context: usize,
    ) -> Result<Self> {
        let cpu = &Device::Cpu;
        Ok(match arch {
            "llama" => Weights::Llama(Llama::from_gguf(content, reader, context)?),
            "gemma3" => Weights::Gemma3(Gemma3::from_gguf(content, reader, context)?),
            "qwen3" => Weights::Qwen3(quantized_qwen3::ModelWeights::from_gguf(
                content, reader, cpu,
            )?),
            "phi3" => Weights::Phi3(quantized_phi3::ModelWeights::from_gguf(
                false, content, reader, cpu,
            )?),
            other => candle_core::bail!("{}", unsupported(other)),
        })
    }

    /// Cuts the cache back to the positions before `end`, for a prompt that
    /// repeats the cached tokens up to there; returns how many positions are
    /// kept (the next forward pass starts there). Families whose cache can't
    /// be cut start over (0).
    pub fn truncate(&mut self, end: usize) -> usize {
        match self {
            Weights::Llama(w) => w.truncate(end),
            Weights::Gemma3(w) => w.truncate(end),
            Weights::Qwen3(_) | Weights::Phi3(_) => 0,
        }
    }

    /// The logits of the token after `input` (shape (1, tokens)), whose first
    /// token is at position `pos`; shape (1, vocabulary).
    pub fn forward(&mut self, input: &Tensor, pos: usize) -> Result<Tensor> {
        match self {
            Weights::Llama(w) => w.forward(input, pos),
            Weights::Gemma3(w) => w.forward(input, pos),
            Weights::Qwen3(w) => w.forward(input, pos),
            Weights::Phi3(w) => w.forward(input, pos),
        }
    }
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
