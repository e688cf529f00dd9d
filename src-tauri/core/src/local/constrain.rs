//! Answers held to a JSON schema, token by token.
//!
//! A small model asked for JSON in words writes fragments, prose and fences.
//! Here the schema is compiled into a grammar (llguidance), and before each
//! token the tokens that could not continue a valid answer are masked out of
//! the model's choice, so what comes back always parses and fits the schema:
//! enums hold one of their values, `maxLength` and `maxItems` are kept, and
//! the answer ends when the JSON does.

use std::sync::Arc;

use llguidance::api::TopLevelGrammar;
use llguidance::toktrie::{ApproximateTokEnv, TokRxInfo, TokTrie};
use llguidance::{Matcher, ParserFactory};
use tokenizers::Tokenizer;

use super::LocalError;

/// What a model's tokens are, compiled once per loaded model: building it
/// reads every token of the vocabulary (tens of milliseconds).
pub struct Grammars {
    factory: Arc<ParserFactory>,
}

impl std::fmt::Debug for Grammars {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Grammars").finish_non_exhaustive()
    }
}

impl Grammars {
    /// The token table of `tokenizer`, whose turn ends with `eos`; the `stop`
    /// tokens are never part of an answer's text.
    pub fn new(tokenizer: &Tokenizer, eos: u32, stop: &[u32]) -> Result<Self, LocalError> {
        let unusable = |e: &dyn std::fmt::Display| {
            LocalError::Model(format!(
                "The model's tokens can't be read for structured answers: {e}"
            ))
        };
        let json: serde_json::Value =
            serde_json::from_str(&tokenizer.to_string(false).map_err(|e| unusable(&e))?)
                .map_err(|e| unusable(&e))?;
        // The reader asserts on odd vocabularies; a model file is untrusted.
        let mut words =
            std::panic::catch_unwind(|| llguidance::token_bytes_from_tokenizer_json(&json))
                .map_err(|_| unusable(&"an unreadable vocabulary"))?
                .map_err(|e| unusable(&e))?;
        let vocab_size = tokenizer.get_vocab_size(true).max(words.len());
        words.resize(vocab_size, Vec::new());
        // The turn's end tokens are special: never spelled inside a string.
        for &id in stop.iter().chain([&eos]) {
            if let Some(word) = words.get_mut(id as usize)
                && word.first() != Some(&TokTrie::SPECIAL_TOKEN_MARKER)
            {
                word.insert(0, TokTrie::SPECIAL_TOKEN_MARKER);
            }
        }
        let info = TokRxInfo {
            vocab_size: vocab_size as u32,
            tok_eos: eos,
            tok_bos: None,
            tok_pad: None,
            tok_unk: None,
            tok_end_of_turn: None,
        };
        let env = Arc::new(ApproximateTokEnv::new(TokTrie::from(&info, &words)));
        let mut factory = ParserFactory::new_simple(&(env as llguidance::toktrie::TokEnv))
            .map_err(|e| unusable(&e))?;
        // Quiet: grammar warnings would go to stderr.
        factory.set_stderr_log_level(0);
        Ok(Grammars {
            factory: Arc::new(factory),
        })
    }

    /// A fresh constraint for one answer to `schema`. The JSON is written
    /// compactly: a small model given the choice pads it with blank lines.
    pub fn constraint(&self, schema: &serde_json::Value) -> Result<Constraint, LocalError> {
        let mut schema = schema.clone();
        if let Some(object) = schema.as_object_mut() {
            object.insert(
                "x-guidance".into(),
                serde_json::json!({"whitespace_flexible": false}),
            );
        }
        let parser = self
            .factory
            .create_parser(TopLevelGrammar::from_json_schema(schema))
            .map_err(|e| LocalError::Model(format!("The answer's shape can't be compiled: {e}")))?;
        Ok(Constraint {
            matcher: Matcher::new(Ok(parser)),
        })
    }
}

/// The grammar of one answer as it is written.
pub struct Constraint {
    matcher: Matcher,
}

impl Constraint {
    /// Masks out of `logits` every token that cannot continue the answer.
    pub fn mask(&mut self, logits: &mut [f32]) -> Result<(), LocalError> {
        let allowed = self
            .matcher
            .compute_mask()
            .map_err(|e| LocalError::Model(format!("The answer's shape was lost: {e}")))?;
        let known = allowed.len();
        for (id, logit) in logits.iter_mut().enumerate() {
            if id >= known || !allowed.is_allowed(id as u32) {
                *logit = f32::NEG_INFINITY;
            }
        }
        Ok(())
    }

    /// Records the token written.
    pub fn accept(&mut self, token: u32) -> Result<(), LocalError> {
        self.matcher
            .consume_token(token)
            .map_err(|e| LocalError::Model(format!("The answer's shape was lost: {e}")))
    }

    /// Whether the answer is complete: nothing more may follow.
    pub fn is_done(&self) -> bool {
        self.matcher.is_stopped()
    }
}
