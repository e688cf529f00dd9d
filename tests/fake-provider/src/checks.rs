//! What the fake refuses before taking a step of its script, as the real
//! APIs do; and the redirect it answers when told to.

use std::sync::{Arc, Mutex};

use axum::body::Body;
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::response::Response;

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
