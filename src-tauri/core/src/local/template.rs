//! The model's own chat template: the Jinja text in the GGUF metadata key
//! `tokenizer.chat_template`, rendered with minijinja (with Python string
//! methods such as `.strip()`, which Hugging Face templates use). A file with
//! no template, or one minijinja can't render, falls back to ChatML, the form
//! SmolLM2's own template produces.

use std::collections::BTreeMap;

use minijinja::{Environment, Error, ErrorKind, Value};

use crate::providers::{ChatRequest, ChatRole};

const NAME: &str = "chat";

/// Gemma's turn format, for files that carry no template (Gemma has no
/// system turn: the system prompt opens the first user turn).
const GEMMA: &str = concat!(
    "{{ bos_token }}",
    "{% set has_system = messages and messages[0]['role'] == 'system' %}",
    "{% for m in (messages[1:] if has_system else messages) %}",
    "<start_of_turn>{{ 'model' if m['role'] == 'assistant' else 'user' }}{{ '\\n' }}",
    "{% if loop.first and has_system %}{{ messages[0]['content'] | trim }}{{ '\\n\\n' }}{% endif %}",
    "{{ m['content'] | trim }}<end_of_turn>{{ '\\n' }}",
    "{% endfor %}",
    "{% if add_generation_prompt %}<start_of_turn>model{{ '\\n' }}{% endif %}",
);

/// The template Hearth uses for a file of architecture `arch` that carries
/// none (`None`: ChatML).
pub(crate) fn builtin(arch: &str) -> Option<String> {
    arch.starts_with("gemma").then(|| GEMMA.to_owned())
}

pub(crate) struct ChatTemplate {
    env: Option<Environment<'static>>,
    bos: String,
    eos: String,
}

impl std::fmt::Debug for ChatTemplate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChatTemplate")
            .field("jinja", &self.env.is_some())
            .finish()
    }
}

impl ChatTemplate {
    /// A template from the model's Jinja source (`None`: ChatML).
    pub(crate) fn new(source: Option<String>, bos: String, eos: String) -> Self {
        let env = source.and_then(|source| {
            let mut env = Environment::new();
            env.set_unknown_method_callback(minijinja_contrib::pycompat::unknown_method_callback);
            env.add_function("raise_exception", |message: String| -> Result<Value, Error> {
                Err(Error::new(ErrorKind::InvalidOperation, message))
            });
            match env.add_template_owned(NAME, source) {
                Ok(()) => Some(env),
                Err(e) => {
                    tracing::warn!(error = %e, "the model's chat template doesn't parse; using ChatML");
                    None
                }
            }
        });
        ChatTemplate { env, bos, eos }
    }

    /// The prompt text for `request`, ending where the assistant's reply begins.
    pub(crate) fn render(&self, request: &ChatRequest) -> String {
        let messages = messages(request);
        if let Some(env) = &self.env {
            let ctx = BTreeMap::from([
                (
                    "messages",
                    Value::from(messages.iter().map(message_value).collect::<Vec<_>>()),
                ),
                ("add_generation_prompt", Value::from(true)),
                ("bos_token", Value::from(self.bos.clone())),
                ("eos_token", Value::from(self.eos.clone())),
            ]);
            match env
                .get_template(NAME)
                .and_then(|t| t.render(Value::from(ctx)))
            {
                Ok(text) => return text,
                Err(e) => {
                    tracing::warn!(error = %e, "the model's chat template failed; using ChatML")
                }
            }
        }
        chatml(&messages)
    }
}

fn messages(request: &ChatRequest) -> Vec<(&'static str, &str)> {
    let system = request
        .system
        .as_deref()
        .filter(|s| !s.trim().is_empty())
        .map(|s| ("system", s));
    system
        .into_iter()
        .chain(request.messages.iter().map(|m| {
            let role = match m.role {
                ChatRole::User => "user",
                ChatRole::Assistant => "assistant",
            };
            (role, m.content.as_str())
        }))
        .collect()
}

fn message_value((role, content): &(&'static str, &str)) -> Value {
    Value::from(BTreeMap::from([
        ("role", Value::from(*role)),
        ("content", Value::from(*content)),
    ]))
}

/// `<|im_start|>role\ncontent<|im_end|>\n` per message, then the assistant's
/// opening.
pub(crate) fn chatml(messages: &[(&str, &str)]) -> String {
    let mut out = String::new();
    for (role, content) in messages {
        out.push_str("<|im_start|>");
        out.push_str(role);
        out.push('\n');
        out.push_str(content);
        out.push_str("<|im_end|>\n");
    }
    out.push_str("<|im_start|>assistant\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::ChatMessage;

    // SmolLM2-Instruct's template, as its GGUF carries it.
    const SMOLLM2: &str = "{% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}{{ '<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n' }}{% endif %}{{'<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}";

    fn request(system: Option<&str>) -> ChatRequest {
        ChatRequest {
            system: system.map(str::to_owned),
            messages: vec![
                ChatMessage {
                    role: ChatRole::User,
                    content: "Hi".into(),
                },
                ChatMessage {
                    role: ChatRole::Assistant,
                    content: "Hello!".into(),
                },
                ChatMessage {
                    role: ChatRole::User,
                    content: "How are you?".into(),
                },
            ],
            max_tokens: 10,
            temperature: None,
            schema: None,
        }
    }

    #[test]
    fn the_models_own_template_is_rendered() {
        let t = ChatTemplate::new(
            Some(SMOLLM2.into()),
            "<|im_start|>".into(),
            "<|im_end|>".into(),
        );
        let with_system = t.render(&request(Some("Be warm.")));
        assert_eq!(
            with_system,
            "<|im_start|>system\nBe warm.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\nHello!<|im_end|>\n<|im_start|>user\nHow are you?<|im_end|>\n<|im_start|>assistant\n"
        );
        let without = t.render(&request(None));
        assert!(
            without.starts_with("<|im_start|>system\nYou are a helpful AI assistant named SmolLM"),
            "the template's own default system prompt applies: {without}"
        );
    }

    #[test]
    fn chatml_is_the_fallback_for_missing_or_broken_templates() {
        let expected = chatml(&messages(&request(Some("Be warm."))));
        for source in [None, Some("{% for %}".to_owned())] {
            let t = ChatTemplate::new(source, String::new(), String::new());
            assert_eq!(t.render(&request(Some("Be warm."))), expected);
        }
        let raising = ChatTemplate::new(
            Some("{{ raise_exception('no') }}".into()),
            String::new(),
            String::new(),
        );
        assert_eq!(raising.render(&request(Some("Be warm."))), expected);
    }

    #[test]
    fn gemma_files_without_a_template_get_gemmas_turns() {
        let t = ChatTemplate::new(builtin("gemma3"), "<bos>".into(), "<eos>".into());
        assert_eq!(
            t.render(&request(Some("Be warm."))),
            "<bos><start_of_turn>user\nBe warm.\n\nHi<end_of_turn>\n<start_of_turn>model\nHello!<end_of_turn>\n<start_of_turn>user\nHow are you?<end_of_turn>\n<start_of_turn>model\n"
        );
        assert!(
            t.render(&request(None))
                .starts_with("<bos><start_of_turn>user\nHi<end_of_turn>\n")
        );
        assert_eq!(builtin("llama"), None);
    }

    #[test]
    fn python_string_methods_work() {
        let t = ChatTemplate::new(
            Some("{% for m in messages %}[{{ m['content'].strip() }}]{% endfor %}".into()),
            String::new(),
            String::new(),
        );
        let mut r = request(None);
        r.messages[0].content = "  padded  ".into();
        assert!(t.render(&r).starts_with("[padded]"));
    }
}
