//! API keys: in the OS keyring (Secret Service on Linux, Keychain on macOS,
//! Credential Manager on Windows), one entry per connection: a kind of
//! provider at one address ([`Endpoint`]). A key is only ever read for the
//! address it was saved for, so it is never sent anywhere else. Keys never go
//! to SQLite, logs or the UI: the UI only learns whether a key is set and its
//! last four characters.
//!
//! Where the desktop offers no keyring (a bare Linux session without a
//! Secret Service), keys are kept in memory for this session only, and the
//! UI says so: nothing is ever written to disk in the clear.

use std::collections::HashMap;
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

use crate::providers::ProviderKind;

/// What a key belongs to: one kind of provider at one address.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct Endpoint {
    pub kind: ProviderKind,
    /// The address, as saved (trimmed, no trailing slash; empty means the
    /// kind's default).
    pub base_url: String,
}

impl Endpoint {
    pub fn new(kind: ProviderKind, base_url: &str) -> Endpoint {
        let url = base_url.trim().trim_end_matches('/');
        let url = if url.is_empty() {
            kind.default_base_url()
        } else {
            url
        };
        Endpoint {
            kind,
            base_url: url.to_owned(),
        }
    }

    /// The keyring entry's name.
    fn account(&self) -> String {
        format!("{}@{}", self.kind.id(), self.base_url)
    }
}

/// Where keys are kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub enum KeyStoreKind {
    /// The operating system's keyring.
    Keyring,
    /// Memory only, until Hearth closes (no keyring on this desktop).
    SessionOnly,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct KeyStoreStatus {
    pub kind: KeyStoreKind,
    /// Why the keyring is not used, when it is not.
    pub detail: Option<String>,
}

/// What the UI may know about a provider's key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct KeyStatus {
    pub provider: ProviderKind,
    /// The address the key is for.
    pub base_url: String,
    pub set: bool,
    /// The key's last four characters, to recognise it by.
    pub last_four: Option<String>,
}

#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct SecretError(String);

enum Backend {
    Keyring { service: String },
    Memory(Mutex<HashMap<String, String>>),
}

/// The key store Hearth uses.
pub struct Secrets {
    backend: Backend,
    status: KeyStoreStatus,
}

impl std::fmt::Debug for Secrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Secrets")
            .field("status", &self.status)
            .finish_non_exhaustive()
    }
}

impl Secrets {
    /// Uses the OS keyring under `service` if one answers; otherwise memory.
    pub fn open(service: &str) -> Secrets {
        match probe(service) {
            Ok(()) => Secrets {
                backend: Backend::Keyring {
                    service: service.to_owned(),
                },
                status: KeyStoreStatus {
                    kind: KeyStoreKind::Keyring,
                    detail: None,
                },
            },
            Err(why) => {
                tracing::warn!(
                    "no usable keyring ({why}); API keys will be kept for this session only"
                );
                Secrets::session_only(Some(why))
            }
        }
    }

    /// Keys in memory only.
    pub fn session_only(detail: Option<String>) -> Secrets {
        Secrets {
            backend: Backend::Memory(Mutex::new(HashMap::new())),
            status: KeyStoreStatus {
                kind: KeyStoreKind::SessionOnly,
                detail: Some(
                    detail.unwrap_or_else(|| "This desktop has no keyring service.".into()),
                ),
            },
        }
    }

    pub fn status(&self) -> KeyStoreStatus {
        self.status.clone()
    }

    /// The key saved for `endpoint`, if one is.
    pub fn get(&self, endpoint: &Endpoint) -> Result<Option<String>, SecretError> {
        self.read(&endpoint.account())
    }

    fn read(&self, account: &str) -> Result<Option<String>, SecretError> {
        match &self.backend {
            Backend::Keyring { service } => match entry(service, account)?.get_password() {
                Ok(key) => Ok(Some(key)),
                Err(keyring::Error::NoEntry) => Ok(None),
                Err(e) => Err(failure("read", e)),
            },
            Backend::Memory(map) => Ok(lock(map).get(account).cloned()),
        }
    }

    /// Stores (or replaces) the key for `endpoint`. Surrounding spaces, which
    /// come with copy and paste, are dropped; an empty key is refused.
    pub fn set(&self, endpoint: &Endpoint, key: &str) -> Result<KeyStatus, SecretError> {
        let key = key.trim();
        if key.is_empty() {
            return Err(SecretError("The key is empty.".into()));
        }
        if key.chars().any(char::is_control) {
            return Err(SecretError(
                "The key contains characters that cannot be part of a key.".into(),
            ));
        }
        self.write(&endpoint.account(), key)?;
        Ok(status_of(endpoint, Some(key)))
    }

    fn write(&self, account: &str, key: &str) -> Result<(), SecretError> {
        match &self.backend {
            Backend::Keyring { service } => entry(service, account)?
                .set_password(key)
                .map_err(|e| failure("save", e)),
            Backend::Memory(map) => {
                lock(map).insert(account.to_owned(), key.to_owned());
                Ok(())
            }
        }
    }

    /// Forgets the key for `endpoint`. Removing a key that is not there is fine.
    pub fn remove(&self, endpoint: &Endpoint) -> Result<KeyStatus, SecretError> {
        self.delete(&endpoint.account())?;
        Ok(status_of(endpoint, None))
    }

    fn delete(&self, account: &str) -> Result<(), SecretError> {
        match &self.backend {
            Backend::Keyring { service } => match entry(service, account)?.delete_credential() {
                Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
                Err(e) => Err(failure("remove", e)),
            },
            Backend::Memory(map) => {
                lock(map).remove(account);
                Ok(())
            }
        }
    }

    /// What the UI may see about the key for `endpoint`.
    pub fn key_status(&self, endpoint: &Endpoint) -> Result<KeyStatus, SecretError> {
        Ok(status_of(endpoint, self.get(endpoint)?.as_deref()))
    }

    /// Moves a key saved by an older Hearth, one per kind of provider, to
    /// `endpoint` (the address it was used with), unless one is set there.
    /// Returns whether a key moved.
    pub fn adopt_legacy(&self, endpoint: &Endpoint) -> Result<bool, SecretError> {
        let legacy = endpoint.kind.id();
        let Some(key) = self.read(legacy)? else {
            return Ok(false);
        };
        if self.get(endpoint)?.is_none() {
            self.write(&endpoint.account(), &key)?;
        }
        self.delete(legacy)?;
        Ok(true)
    }
}

fn status_of(endpoint: &Endpoint, key: Option<&str>) -> KeyStatus {
    KeyStatus {
        provider: endpoint.kind,
        base_url: endpoint.base_url.clone(),
        set: key.is_some(),
        last_four: key.map(|k| {
            let chars: Vec<char> = k.chars().collect();
            chars[chars.len().saturating_sub(4)..].iter().collect()
        }),
    }
}

fn lock(
    map: &Mutex<HashMap<String, String>>,
) -> std::sync::MutexGuard<'_, HashMap<String, String>> {
    map.lock().unwrap_or_else(|p| p.into_inner())
}

fn entry(service: &str, account: &str) -> Result<keyring::Entry, SecretError> {
    keyring::Entry::new(service, account).map_err(|e| failure("open", e))
}

/// A keyring error, described without anything from the credential itself.
fn failure(action: &str, e: keyring::Error) -> SecretError {
    let why = match e {
        keyring::Error::NoStorageAccess(_) => "the keyring is locked or refused access".to_owned(),
        keyring::Error::PlatformFailure(inner) => format!("the keyring failed: {inner}"),
        other => other.to_string(),
    };
    SecretError(format!(
        "Could not {action} the key in the system keyring: {why}."
    ))
}

/// Whether a keyring answers: reading an entry that does not exist must say
/// "no entry", not fail.
fn probe(service: &str) -> Result<(), String> {
    let entry = keyring::Entry::new(service, "hearth-probe").map_err(|e| e.to_string())?;
    match entry.get_password() {
        Ok(_) | Err(keyring::Error::NoEntry) => Ok(()),
        Err(keyring::Error::NoStorageAccess(_)) => {
            Err("the system keyring is locked or refused access".into())
        }
        Err(e) => Err(format!("no system keyring service answered ({e})")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn anthropic() -> Endpoint {
        Endpoint::new(ProviderKind::Anthropic, "")
    }

    #[test]
    fn session_only_keys_show_only_their_last_four() {
        let s = Secrets::session_only(None);
        assert_eq!(s.status().kind, KeyStoreKind::SessionOnly);
        let status = s.set(&anthropic(), "  sk-ant-abcdefgh1234\n").unwrap();
        assert_eq!(status.last_four.as_deref(), Some("1234"));
        assert_eq!(status.base_url, "https://api.anthropic.com");
        assert_eq!(
            s.get(&anthropic()).unwrap().as_deref(),
            Some("sk-ant-abcdefgh1234")
        );
        let shown = serde_json::to_string(&s.key_status(&anthropic()).unwrap()).unwrap();
        assert!(!shown.contains("abcdefgh"), "{shown}");
        assert!(!format!("{s:?}").contains("abcdefgh"));
        assert!(!s.remove(&anthropic()).unwrap().set);
        assert_eq!(s.get(&anthropic()).unwrap(), None);
    }

    #[test]
    fn a_key_belongs_to_one_address() {
        let s = Secrets::session_only(None);
        let here = Endpoint::new(ProviderKind::OpenaiCompatible, "http://127.0.0.1:8080/v1/");
        s.set(&here, "sk-local-1111").unwrap();
        assert_eq!(
            s.get(&Endpoint::new(
                ProviderKind::OpenaiCompatible,
                " http://127.0.0.1:8080/v1"
            ))
            .unwrap()
            .as_deref(),
            Some("sk-local-1111"),
            "the same address, written differently"
        );
        for other in ["http://127.0.0.1:8081/v1", "https://api.openai.com/v1", ""] {
            assert_eq!(
                s.get(&Endpoint::new(ProviderKind::OpenaiCompatible, other))
                    .unwrap(),
                None,
                "{other:?} gets no key saved for another address"
            );
        }
        assert_eq!(
            s.get(&Endpoint::new(
                ProviderKind::Ollama,
                "http://127.0.0.1:8080/v1"
            ))
            .unwrap(),
            None
        );
    }

    #[test]
    fn a_key_saved_per_kind_by_an_older_hearth_moves_to_its_address() {
        let s = Secrets::session_only(None);
        s.write("anthropic", "sk-ant-old-9999").unwrap();
        assert!(s.adopt_legacy(&anthropic()).unwrap());
        assert_eq!(
            s.get(&anthropic()).unwrap().as_deref(),
            Some("sk-ant-old-9999")
        );
        assert_eq!(s.read("anthropic").unwrap(), None, "the old entry is gone");
        assert!(!s.adopt_legacy(&anthropic()).unwrap(), "once");
    }

    #[test]
    fn empty_or_control_character_keys_are_refused() {
        let s = Secrets::session_only(None);
        assert!(s.set(&anthropic(), "   ").is_err());
        assert!(s.set(&anthropic(), "sk-a\u{7}b").is_err());
    }
}
