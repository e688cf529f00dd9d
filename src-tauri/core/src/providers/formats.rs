//! The three wire formats: how a request is written and how each piece of a
//! streamed answer is read. Pieces are decoded into small borrowed structs
//! (no intermediate JSON tree) to keep the per-token cost low.

use std::borrow::Cow;

use serde::Deserialize;
use serde_json::json;

use super::error::ProviderErrorKind;
use super::{ChatRequest, ModelInfo, ProviderConfig, ProviderError, ProviderKind, Usage};

pub(crate) const ANTHROPIC_VERSION: &str = "2023-06-01";

/// How a format frames its stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Framing {
    /// Server-sent events (`event:` / `data:` lines).
    Sse,
    /// One JSON object per line.
    Ndjson,
}

/// What one piece of a stream means.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Piece<'a> {
    Text(Cow<'a, str>),
    Stop(String),
    /// The stream is complete.
    End,
}

pub(crate) fn framing(kind: ProviderKind) -> Framing {
    match kind {
        ProviderKind::Ollama => Framing::Ndjson,
        _ => Framing::Sse,
    }
}

pub(crate) fn base(config: &ProviderConfig) -> &str {
    config.base_url.trim().trim_end_matches('/')
}

pub(crate) fn chat_url(config: &ProviderConfig) -> String {
    let base = base(config);
    match config.kind {
        ProviderKind::OpenaiCompatible => format!("{base}/chat/completions"),
        ProviderKind::Anthropic => format!("{base}/v1/messages"),
        ProviderKind::Ollama => format!("{base}/api/chat"),
        // Runs in-process (crate::local): never requested.
        ProviderKind::Local => base.to_owned(),
    }
}

pub(crate) fn models_url(config: &ProviderConfig) -> String {
    let base = base(config);
    match config.kind {
        ProviderKind::OpenaiCompatible => format!("{base}/models"),
        ProviderKind::Anthropic => format!("{base}/v1/models?limit=1000"),
        ProviderKind::Ollama => format!("{base}/api/tags"),
        ProviderKind::Local => base.to_owned(),
    }
}

/// Adds the format's authentication and version headers.
pub(crate) fn authorise(
    kind: ProviderKind,
    request: reqwest::RequestBuilder,
    key: Option<&str>,
) -> reqwest::RequestBuilder {
    match (kind, key) {
        (ProviderKind::Anthropic, key) => {
            let request = request.header("anthropic-version", ANTHROPIC_VERSION);
            match key {
                Some(k) => request.header("x-api-key", k),
                None => request,
            }
        }
        (_, Some(k)) => request.bearer_auth(k),
        (_, None) => request,
    }
}

pub(crate) fn chat_body(config: &ProviderConfig, req: &ChatRequest) -> serde_json::Value {
    let messages: Vec<_> = req
        .messages
        .iter()
        .map(|m| json!({"role": m.role, "content": m.content}))
        .collect();
    match config.kind {
        ProviderKind::OpenaiCompatible => {
            let mut all = Vec::with_capacity(messages.len() + 1);
            if let Some(system) = &req.system {
                all.push(json!({"role": "system", "content": system}));
            }
            all.extend(messages);
            let mut body = json!({
                "model": config.model, "messages": all, "stream": true,
                "stream_options": {"include_usage": true}, "max_tokens": req.max_tokens,
            });
            if let Some(t) = req.temperature {
                body["temperature"] = json!(t);
            }
            if let Some(s) = &req.schema {
                body["response_format"] = json!({"type": "json_schema", "json_schema": {
                    "name": s.name, "schema": s.schema, "strict": true,
                }});
            }
            body
        }
        ProviderKind::Anthropic => {
            let mut body = json!({
                "model": config.model, "messages": messages, "stream": true, "max_tokens": req.max_tokens,
            });
            if let Some(system) = &req.system {
                body["system"] = json!(system);
            }
            if let Some(t) = req.temperature {
                body["temperature"] = json!(t);
            }
            // Anthropic's way for any model: one tool whose input is the
            // answer, and the model made to call it.
            if let Some(s) = &req.schema {
                body["tools"] = json!([{
                    "name": s.name,
                    "description": "Give the answer in this shape.",
                    "input_schema": s.schema,
                }]);
                body["tool_choice"] = json!({"type": "tool", "name": s.name});
            }
            body
        }
        ProviderKind::Ollama => {
            let mut all = Vec::with_capacity(messages.len() + 1);
            if let Some(system) = &req.system {
                all.push(json!({"role": "system", "content": system}));
            }
            all.extend(messages);
            let mut options = json!({"num_predict": req.max_tokens});
            if let Some(n) = config.context_length {
                options["num_ctx"] = json!(n);
            }
            if let Some(t) = req.temperature {
                options["temperature"] = json!(t);
            }
            let mut body =
                json!({"model": config.model, "messages": all, "stream": true, "options": options});
            if let Some(s) = &req.schema {
                body["format"] = s.schema.clone();
            }
            body
        }
        // Runs in-process (crate::local): there is no request body.
        ProviderKind::Local => serde_json::Value::Null,
    }
}

/// The same request asking less of the server, after it refused the body
/// (400 or 422): an OpenAI-compatible `response_format` json_schema becomes
/// json_object, and json_object goes. `None` when there is nothing to drop.
pub(crate) fn fallback(kind: ProviderKind, body: &serde_json::Value) -> Option<serde_json::Value> {
    if kind != ProviderKind::OpenaiCompatible {
        return None;
    }
    let mut body = body.clone();
    let object = body.as_object_mut()?;
    match object.get("response_format")?["type"].as_str() {
        Some("json_schema") => {
            object.insert("response_format".into(), json!({"type": "json_object"}));
        }
        _ => {
            object.remove("response_format");
        }
    }
    Some(body)
}

// --- OpenAI-compatible chat completions -------------------------------------

#[derive(Deserialize)]
struct OaChunk<'a> {
    #[serde(default, borrow)]
    choices: Vec<OaChoice<'a>>,
    #[serde(default)]
    usage: Option<OaUsage>,
    #[serde(default)]
    error: Option<OaError>,
}

#[derive(Deserialize)]
struct OaChoice<'a> {
    #[serde(default, borrow)]
    delta: Option<OaDelta<'a>>,
    #[serde(default)]
    finish_reason: Option<String>,
}

#[derive(Deserialize)]
struct OaDelta<'a> {
    #[serde(default, borrow)]
    content: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
struct OaUsage {
    prompt_tokens: Option<u32>,
    completion_tokens: Option<u32>,
}

#[derive(Deserialize)]
struct OaError {
    #[serde(default)]
    message: String,
    #[serde(default, rename = "type")]
    kind: Option<String>,
}

fn openai<'a>(
    data: &'a str,
    usage: &mut Usage,
    out: &mut Vec<Piece<'a>>,
) -> Result<(), ProviderError> {
    if data.trim() == "[DONE]" {
        out.push(Piece::End);
        return Ok(());
    }
    let chunk: OaChunk<'a> = serde_json::from_str(data)
        .map_err(|_| ProviderError::malformed("a chunk that is not JSON"))?;
    if let Some(error) = chunk.error {
        let kind = match error.kind.as_deref() {
            Some(t) if t.contains("rate_limit") => ProviderErrorKind::RateLimited,
            Some(t) if t.contains("overloaded") => ProviderErrorKind::Overloaded,
            _ => ProviderErrorKind::ServerError,
        };
        return Err(in_stream_error(kind, &error.message));
    }
    if let Some(u) = chunk.usage {
        usage.input_tokens = u.prompt_tokens.or(usage.input_tokens);
        usage.output_tokens = u.completion_tokens.or(usage.output_tokens);
    }
    for choice in chunk.choices {
        if let Some(text) = choice
            .delta
            .and_then(|d| d.content)
            .filter(|t| !t.is_empty())
        {
            out.push(Piece::Text(text));
        }
        if let Some(reason) = choice.finish_reason {
            out.push(Piece::Stop(reason));
        }
    }
    Ok(())
}

// --- Anthropic Messages ------------------------------------------------------

#[derive(Deserialize)]
struct AnStart {
    message: AnMessage,
}

#[derive(Deserialize)]
struct AnMessage {
    #[serde(default)]
    usage: Option<AnUsage>,
}

#[derive(Deserialize)]
struct AnUsage {
    input_tokens: Option<u32>,
    output_tokens: Option<u32>,
}

#[derive(Deserialize)]
struct AnBlockDelta<'a> {
    #[serde(borrow)]
    delta: AnDelta<'a>,
}

#[derive(Deserialize)]
struct AnDelta<'a> {
    #[serde(rename = "type")]
    kind: Cow<'a, str>,
    #[serde(default, borrow)]
    text: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    partial_json: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
struct AnMessageDelta {
    delta: AnStop,
    #[serde(default)]
    usage: Option<AnUsage>,
}

#[derive(Deserialize)]
struct AnStop {
    #[serde(default)]
    stop_reason: Option<String>,
}

#[derive(Deserialize)]
struct AnErrorEvent {
    error: OaError,
}

fn anthropic<'a>(
    event: &str,
    data: &'a str,
    usage: &mut Usage,
    out: &mut Vec<Piece<'a>>,
) -> Result<(), ProviderError> {
    let bad = |_| ProviderError::malformed("an event that is not JSON");
    match event {
        "content_block_delta" => {
            let d: AnBlockDelta<'a> = serde_json::from_str(data).map_err(bad)?;
            // Tools are only sent for a schema, so a tool's input is the
            // answer: its JSON text is the reply's text.
            let text = match &*d.delta.kind {
                "text_delta" => d.delta.text,
                "input_json_delta" => d.delta.partial_json,
                _ => None,
            };
            if let Some(text) = text.filter(|t| !t.is_empty()) {
                out.push(Piece::Text(text));
            }
        }
        "message_start" => {
            let s: AnStart = serde_json::from_str(data).map_err(bad)?;
            if let Some(u) = s.message.usage {
                usage.input_tokens = u.input_tokens;
                usage.output_tokens = u.output_tokens;
            }
        }
        "message_delta" => {
            let d: AnMessageDelta = serde_json::from_str(data).map_err(bad)?;
            if let Some(u) = d.usage {
                usage.output_tokens = u.output_tokens.or(usage.output_tokens);
                usage.input_tokens = u.input_tokens.or(usage.input_tokens);
            }
            if let Some(reason) = d.delta.stop_reason {
                out.push(Piece::Stop(reason));
            }
        }
        "message_stop" => out.push(Piece::End),
        "error" => {
            let e: AnErrorEvent = serde_json::from_str(data).map_err(bad)?;
            let kind = match e.error.kind.as_deref() {
                Some("overloaded_error") => ProviderErrorKind::Overloaded,
                Some("rate_limit_error") => ProviderErrorKind::RateLimited,
                Some("authentication_error" | "permission_error") => ProviderErrorKind::BadKey,
                _ => ProviderErrorKind::ServerError,
            };
            return Err(in_stream_error(kind, &e.error.message));
        }
        // ping, content_block_start/stop, and event types added later.
        _ => {}
    }
    Ok(())
}

// --- Ollama ------------------------------------------------------------------

#[derive(Deserialize)]
struct OlLine<'a> {
    #[serde(default, borrow)]
    message: Option<OlMessage<'a>>,
    #[serde(default)]
    done: bool,
    #[serde(default)]
    done_reason: Option<String>,
    #[serde(default)]
    prompt_eval_count: Option<u32>,
    #[serde(default)]
    eval_count: Option<u32>,
    #[serde(default)]
    error: Option<String>,
}

#[derive(Deserialize)]
struct OlMessage<'a> {
    #[serde(default, borrow)]
    content: Option<Cow<'a, str>>,
}

fn ollama<'a>(
    line: &'a str,
    usage: &mut Usage,
    out: &mut Vec<Piece<'a>>,
) -> Result<(), ProviderError> {
    if line.trim().is_empty() {
        return Ok(());
    }
    let l: OlLine<'a> = serde_json::from_str(line)
        .map_err(|_| ProviderError::malformed("a line that is not JSON"))?;
    if let Some(error) = l.error {
        return Err(in_stream_error(ProviderErrorKind::ServerError, &error));
    }
    if let Some(text) = l.message.and_then(|m| m.content).filter(|t| !t.is_empty()) {
        out.push(Piece::Text(text));
    }
    if l.done {
        usage.input_tokens = l.prompt_eval_count.or(usage.input_tokens);
        usage.output_tokens = l.eval_count.or(usage.output_tokens);
        out.push(Piece::Stop(l.done_reason.unwrap_or_else(|| "stop".into())));
        out.push(Piece::End);
    }
    Ok(())
}

fn in_stream_error(kind: ProviderErrorKind, provider_text: &str) -> ProviderError {
    let mut e = match kind {
        ProviderErrorKind::Overloaded => ProviderError::for_status(529, None, None),
        ProviderErrorKind::RateLimited => ProviderError::for_status(429, None, None),
        ProviderErrorKind::BadKey => ProviderError::for_status(401, None, None),
        _ => ProviderError::new(
            kind,
            "The provider reported an error in the middle of the reply.",
        ),
    };
    if kind == ProviderErrorKind::ServerError && !provider_text.trim().is_empty() {
        e.message = format!(
            "The provider reported an error in the middle of the reply: “{}”",
            provider_text.trim().chars().take(200).collect::<String>()
        );
    }
    e
}

/// Decodes one framed piece (`event` is empty for NDJSON) into `out`.
pub(crate) fn decode<'a>(
    kind: ProviderKind,
    event: &str,
    data: &'a str,
    usage: &mut Usage,
    out: &mut Vec<Piece<'a>>,
) -> Result<(), ProviderError> {
    match kind {
        ProviderKind::OpenaiCompatible => openai(data, usage, out),
        ProviderKind::Anthropic => anthropic(event, data, usage, out),
        ProviderKind::Ollama => ollama(data, usage, out),
        ProviderKind::Local => Err(ProviderError::malformed(
            "a stream from the local model, which has no wire format",
        )),
    }
}

/// Reads a model list in the format's shape.
pub(crate) fn parse_models(
    kind: ProviderKind,
    body: &serde_json::Value,
) -> Result<Vec<ModelInfo>, ProviderError> {
    let (list, field) = match kind {
        ProviderKind::Ollama => (&body["models"], "name"),
        _ => (&body["data"], "id"),
    };
    let list = list
        .as_array()
        .ok_or_else(|| ProviderError::malformed("a model list without models"))?;
    let mut models: Vec<ModelInfo> = list
        .iter()
        .filter_map(|m| m[field].as_str())
        .map(|id| ModelInfo {
            id: id.to_owned(),
            context_length: known_context_length(id),
        })
        .collect();
    models.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(models)
}

/// Context windows of well-known model families, in tokens; `None` when
/// unknown (the user can set it in Settings).
pub fn known_context_length(model: &str) -> Option<u32> {
    let m = model.to_ascii_lowercase();
    let m = m.rsplit('/').next().unwrap_or(&m);
    const TABLE: &[(&str, u32)] = &[
        ("gpt-4.1", 1_047_576),
        ("gpt-4o", 128_000),
        ("gpt-4-turbo", 128_000),
        ("gpt-5", 400_000),
        ("o1", 200_000),
        ("o3", 200_000),
        ("o4", 200_000),
        ("gpt-3.5-turbo", 16_385),
        ("claude", 200_000),
        ("llama-3.1", 131_072),
        ("llama-3.2", 131_072),
        ("llama-3.3", 131_072),
        ("llama3.1", 131_072),
        ("llama3.2", 131_072),
        ("mistral-large", 131_072),
        ("gemma", 8_192),
        ("qwen2.5", 32_768),
        ("qwen3", 40_960),
    ];
    TABLE
        .iter()
        .find(|(prefix, _)| m.starts_with(prefix))
        .map(|(_, n)| *n)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pieces(kind: ProviderKind, event: &str, data: &str) -> (Vec<String>, Usage) {
        let mut usage = Usage::default();
        let mut out = Vec::new();
        decode(kind, event, data, &mut usage, &mut out).unwrap();
        let texts = out
            .iter()
            .map(|p| match p {
                Piece::Text(t) => format!("text:{t}"),
                Piece::Stop(r) => format!("stop:{r}"),
                Piece::End => "end".into(),
            })
            .collect();
        (texts, usage)
    }

    #[test]
    fn openai_deltas_usage_and_done() {
        let (p, _) = pieces(
            ProviderKind::OpenaiCompatible,
            "",
            r#"{"choices":[{"index":0,"delta":{"content":"Hi \"there\"\n"},"finish_reason":null}]}"#,
        );
        assert_eq!(p, ["text:Hi \"there\"\n"]);
        let (p, u) = pieces(
            ProviderKind::OpenaiCompatible,
            "",
            r#"{"choices":[],"usage":{"prompt_tokens":12,"completion_tokens":3,"total_tokens":15}}"#,
        );
        assert!(p.is_empty());
        assert_eq!((u.input_tokens, u.output_tokens), (Some(12), Some(3)));
        assert_eq!(
            pieces(ProviderKind::OpenaiCompatible, "", "[DONE]").0,
            ["end"]
        );
    }

    #[test]
    fn anthropic_events() {
        let (p, _) = pieces(
            ProviderKind::Anthropic,
            "content_block_delta",
            r#"{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hello"}}"#,
        );
        assert_eq!(p, ["text:Hello"]);
        let (p, _) = pieces(
            ProviderKind::Anthropic,
            "content_block_delta",
            r#"{"type":"content_block_delta","index":0,"delta":{"type":"input_json_delta","partial_json":"{\"mood\": "}}"#,
        );
        assert_eq!(
            p,
            [r#"text:{"mood": "#],
            "a forced tool's input is the answer"
        );
        let (p, _) = pieces(
            ProviderKind::Anthropic,
            "content_block_delta",
            r#"{"type":"content_block_delta","index":0,"delta":{"type":"input_json_delta","partial_json":""}}"#,
        );
        assert!(p.is_empty());
        let (p, u) = pieces(
            ProviderKind::Anthropic,
            "message_delta",
            r#"{"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"output_tokens":15}}"#,
        );
        assert_eq!(p, ["stop:end_turn"]);
        assert_eq!(u.output_tokens, Some(15));
        assert!(
            pieces(ProviderKind::Anthropic, "ping", r#"{"type":"ping"}"#)
                .0
                .is_empty()
        );
    }

    #[test]
    fn anthropic_error_event_is_an_error_with_its_kind() {
        let mut out = Vec::new();
        let err = decode(
            ProviderKind::Anthropic,
            "error",
            r#"{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}"#,
            &mut Usage::default(),
            &mut out,
        )
        .unwrap_err();
        assert_eq!(err.kind, ProviderErrorKind::Overloaded);
    }

    #[test]
    fn ollama_lines() {
        let (p, _) = pieces(
            ProviderKind::Ollama,
            "",
            r#"{"model":"m","message":{"role":"assistant","content":"Hey"},"done":false}"#,
        );
        assert_eq!(p, ["text:Hey"]);
        let (p, u) = pieces(
            ProviderKind::Ollama,
            "",
            r#"{"model":"m","message":{"role":"assistant","content":""},"done":true,"done_reason":"stop","prompt_eval_count":26,"eval_count":290}"#,
        );
        assert_eq!(p, ["stop:stop", "end"]);
        assert_eq!((u.input_tokens, u.output_tokens), (Some(26), Some(290)));
    }

    #[test]
    fn garbage_is_malformed_not_a_panic() {
        for kind in ProviderKind::ALL {
            for data in ["{", "not json", "\u{0}", "{\"choices\":5}"] {
                let r = decode(
                    kind,
                    "content_block_delta",
                    data,
                    &mut Usage::default(),
                    &mut Vec::new(),
                );
                if let Err(e) = r {
                    assert_eq!(e.kind, ProviderErrorKind::Malformed, "{kind:?} {data:?}");
                }
            }
        }
    }

    #[test]
    fn a_refused_response_format_falls_back_to_json_object_then_to_none() {
        let body =
            json!({"model": "m", "response_format": {"type": "json_schema", "json_schema": {}}});
        let second = fallback(ProviderKind::OpenaiCompatible, &body).unwrap();
        assert_eq!(second["response_format"], json!({"type": "json_object"}));
        let third = fallback(ProviderKind::OpenaiCompatible, &second).unwrap();
        assert_eq!(third, json!({"model": "m"}));
        assert_eq!(fallback(ProviderKind::OpenaiCompatible, &third), None);
        assert_eq!(fallback(ProviderKind::Ollama, &body), None);
    }

    #[test]
    fn context_lengths_of_known_families() {
        assert_eq!(known_context_length("claude-sonnet-4-5"), Some(200_000));
        assert_eq!(known_context_length("openai/gpt-4o-mini"), Some(128_000));
        assert_eq!(known_context_length("some-new-model"), None);
    }
}
