//! What the fake refuses before taking a step of its script, as the real
//! APIs do: a missing or wrong key, a malformed structured-answer field; and
//! the redirect it answers when told to.

use std::sync::{Arc, Mutex};

use axum::body::Body;
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::response::Response;
use serde_json::Value;

use crate::State;
use crate::wire::{Format, error_response, lock};

/// The key the request presents in its format's header.
fn presented_key(format: Format, headers: &HeaderMap) -> Option<String> {
    let value = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    match format {
        Format::Anthropic => value("x-api-key").map(str::to_owned),
        Format::OpenAi | Format::Ollama => value("authorization")
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::to_owned),
    }
}

/// 401 in the format's shape, or `None` when the key is right (or not required).
pub(crate) fn check_key(
    state: &Arc<Mutex<State>>,
    format: Format,
    headers: &HeaderMap,
) -> Option<Response> {
    let expected = lock(state).key.clone()?;
    if format == Format::Ollama
        || presented_key(format, headers).as_deref() == Some(expected.as_str())
    {
        return None;
    }
    let Some(given) = presented_key(format, headers) else {
        let message = match format {
            Format::Anthropic => "x-api-key header is required",
            _ => {
                "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY)."
            }
        };
        return Some(error_response(format, 401, message, None));
    };
    // OpenAI echoes a masked form of the wrong key: keep that, so clients are
    // tested for not passing provider text about keys through.
    let masked = format!(
        "{}****{}",
        given.chars().take(3).collect::<String>(),
        given
            .chars()
            .rev()
            .take(4)
            .collect::<String>()
            .chars()
            .rev()
            .collect::<String>()
    );
    Some(error_response(
        format,
        401,
        &format!("Incorrect API key provided: {masked}"),
        None,
    ))
}

/// A 307 to the same path under the redirect origin, when one is set.
pub(crate) fn redirected(state: &Arc<Mutex<State>>, uri: &Uri) -> Option<Response> {
    let origin = lock(state).redirect_to.clone()?;
    let path = uri.path_and_query().map_or("/", |p| p.as_str());
    Some(
        Response::builder()
            .status(StatusCode::TEMPORARY_REDIRECT)
            .header(header::LOCATION, format!("{origin}{path}"))
            .body(Body::empty())
            .unwrap(),
    )
}

/// Tool and schema names, as OpenAI and Anthropic accept them.
fn valid_name(name: &str) -> bool {
    (1..=64).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// What OpenAI's strict mode refuses in a schema: an object that does not
/// set `additionalProperties: false` or does not require every property.
fn strict_problem(schema: &Value, context: &mut Vec<String>) -> Option<String> {
    let at = |context: &[String]| {
        let parts: Vec<_> = context.iter().map(|c| format!("'{c}'")).collect();
        format!("In context=({})", parts.join(", "))
    };
    if let Some(properties) = schema["properties"].as_object() {
        if schema["additionalProperties"] != false {
            return Some(format!(
                "{}, 'additionalProperties' is required to be supplied and to be false.",
                at(context)
            ));
        }
        let required: Vec<&str> = schema["required"]
            .as_array()
            .map(|r| r.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        if let Some(missing) = properties.keys().find(|k| !required.contains(&k.as_str())) {
            return Some(format!(
                "{}, 'required' is required to be supplied and to be an array including every key in properties. Missing '{missing}'.",
                at(context)
            ));
        }
        for (key, property) in properties {
            context.extend(["properties".to_owned(), key.clone()]);
            let problem = strict_problem(property, context);
            context.truncate(context.len() - 2);
            if problem.is_some() {
                return problem;
            }
        }
    }
    if let Some(items) = schema.get("items") {
        context.push("items".to_owned());
        let problem = strict_problem(items, context);
        context.pop();
        return problem;
    }
    None
}

/// What the real API answers 400 to in a request's structured-answer
/// fields (and this server's refused `response_format` types).
pub(crate) fn check_request(
    state: &Arc<Mutex<State>>,
    format: Format,
    request: &Value,
) -> Option<Response> {
    let refuse = |message: String| Some(error_response(format, 400, &message, None));
    match format {
        Format::OpenAi => {
            let response_format = request.get("response_format")?;
            let kind = response_format["type"].as_str().unwrap_or_default();
            let refused = lock(state).refused_formats.clone();
            if refused.contains(&kind) {
                // As older llama.cpp servers word it.
                let allowed = match refused.contains(&"json_object") {
                    true => "\"text\"",
                    false => "one of \"text\" or \"json_object\"",
                };
                return refuse(format!(
                    "response_format type must be {allowed}, but got: {kind}"
                ));
            }
            match kind {
                "text" => None,
                "json_object" => {
                    let asks_for_json = request["messages"].as_array().is_some_and(|m| {
                        m.iter().any(|m| {
                            m["content"]
                                .as_str()
                                .is_some_and(|c| c.to_ascii_lowercase().contains("json"))
                        })
                    });
                    if asks_for_json {
                        None
                    } else {
                        refuse("'messages' must contain the word 'json' in some form, to use 'response_format' of type 'json_object'.".into())
                    }
                }
                "json_schema" => {
                    let spec = &response_format["json_schema"];
                    let name = spec["name"].as_str().unwrap_or_default();
                    if !valid_name(name) {
                        return refuse("Invalid 'response_format.json_schema.name': string does not match pattern. Expected a string that matches the pattern '^[a-zA-Z0-9_-]+$'.".into());
                    }
                    let schema = &spec["schema"];
                    if schema["type"] != "object" {
                        return refuse(format!(
                            "Invalid schema for response_format '{name}': schema must be a JSON Schema of 'type: \"object\"'."
                        ));
                    }
                    if spec["strict"] == true
                        && let Some(problem) = strict_problem(schema, &mut Vec::new())
                    {
                        return refuse(format!(
                            "Invalid schema for response_format '{name}': {problem}"
                        ));
                    }
                    None
                }
                other => refuse(format!(
                    "Invalid value: '{other}'. Supported values are: 'json_object', 'json_schema', and 'text'."
                )),
            }
        }
        Format::Anthropic => {
            let tools = request["tools"].as_array().map_or(&[][..], Vec::as_slice);
            for (i, tool) in tools.iter().enumerate() {
                if !valid_name(tool["name"].as_str().unwrap_or_default()) {
                    return refuse(format!(
                        "tools.{i}.custom.name: String should match pattern '^[a-zA-Z0-9_-]{{1,64}}$'"
                    ));
                }
                if tool["input_schema"]["type"] != "object" {
                    return refuse(format!(
                        "tools.{i}.custom.input_schema.type: Input should be 'object'"
                    ));
                }
            }
            let choice = request.get("tool_choice")?;
            if choice["type"] == "tool" {
                let name = choice["name"].as_str().unwrap_or_default();
                if !tools.iter().any(|t| t["name"] == name) {
                    return refuse(format!("Tool '{name}' not found in provided tools"));
                }
            }
            None
        }
        Format::Ollama => match request.get("format") {
            None | Some(Value::Object(_)) => None,
            Some(Value::String(s)) if s == "json" => None,
            Some(_) => refuse("invalid format: expected \"json\" or a valid JSON schema".into()),
        },
    }
}
