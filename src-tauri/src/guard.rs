//! The window stays Hearth's: it shows only the app's own pages. A link in
//! the companion's words (or anywhere else) cannot navigate it, whether
//! clicked, opened from WebKit's context menu ("Open Link") or set by a
//! script; it cannot open a second window either. Links the user chooses to
//! follow, after the window has shown their address, open in the system's
//! browser ([`open_link`]).

use tauri::Url;

/// Whether the window may show `url`: the app's own pages only
/// (`tauri://localhost` on Linux and macOS, `http(s)://tauri.localhost` on
/// Windows).
pub fn is_own_page(url: &Url) -> bool {
    match url.scheme() {
        "tauri" => url.host_str() == Some("localhost"),
        "http" | "https" => url.host_str() == Some("tauri.localhost") && url.port().is_none(),
        _ => false,
    }
}

/// The navigation handler: the app's pages pass; anything else is refused.
pub fn allow_navigation(url: &Url) -> bool {
    let own = is_own_page(url);
    if !own {
        // The address may be personal (the model's words): debug only.
        tracing::debug!(%url, "navigation away from Hearth refused");
    }
    own
}

/// The addresses a user may open in the system's browser: web pages and
/// mail, nothing that runs or reads local files.
pub fn openable(address: &str) -> Option<Url> {
    let url = Url::parse(address.trim()).ok()?;
    match url.scheme() {
        "http" | "https" if url.host_str().is_some() => Some(url),
        "mailto" => Some(url),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_apps_own_pages_are_shown() {
        for own in [
            "tauri://localhost/index.html",
            "http://tauri.localhost/",
            "https://tauri.localhost/#/diary",
        ] {
            assert!(allow_navigation(&Url::parse(own).unwrap()), "{own}");
        }
        for away in [
            "https://example.com/",
            "http://tauri.localhost.evil.com/",
            "http://tauri.localhost:8080/",
            "tauri://elsewhere/",
            "file:///etc/passwd",
            "data:text/html,<script>alert(1)</script>",
            "javascript:alert(1)",
            "about:blank",
        ] {
            assert!(!allow_navigation(&Url::parse(away).unwrap()), "{away}");
        }
    }

    #[test]
    fn only_web_and_mail_addresses_open_in_the_browser() {
        assert!(openable("https://en.wikipedia.org/wiki/Her_(film)").is_some());
        assert!(openable(" mailto:amy@example.com ").is_some());
        for refused in [
            "file:///home",
            "javascript:alert(1)",
            "tauri://localhost/",
            "smb://host/share",
            "http://",
            "not a url",
        ] {
            assert!(openable(refused).is_none(), "{refused}");
        }
    }
}
