//! API keys: in the OS keyring (Secret Service on Linux, Keychain on macOS,
//! Credential Manager on Windows), one entry per provider. Keys never go to
//! SQLite, logs or the UI: the UI only learns whether a key is set and its
//! last four characters.
//!
//! Where the desktop offers no keyring (a bare Linux session without a
//! Secret Service), keys are kept in memory for this session only, and the
//! UI says so: nothing is ever written to disk in the clear.

use std::collections::HashMap;
use std::sync::Mutex;

use serde::Serialize;

use crate::providers::ProviderKind;

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
    pub set: bool,
    /// The key's last four characters, to recognise it by.
    pub last_four: Option<String>,
}

#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct SecretError(String);

enum Backend {
    Keyring { service: String },
    Memory(Mutex<HashMap<ProviderKind, String>>),
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

    /// The key for `provider`, if one is set.
    pub fn get(&self, provider: ProviderKind) -> Result<Option<String>, SecretError> {
        match &self.backend {
            Backend::Keyring { service } => match entry(service, provider)?.get_password() {
                Ok(key) => Ok(Some(key)),
                Err(keyring::Error::NoEntry) => Ok(None),
                Err(e) => Err(failure("read", e)),
            },
            Backend::Memory(map) => Ok(lock(map).get(&provider).cloned()),
        }
    }

    /// Stores (or replaces) the key for `provider`. Surrounding spaces, which
    /// come with copy and paste, are dropped; an empty key is refused.
    pub fn set(&self, provider: ProviderKind, key: &str) -> Result<KeyStatus, SecretError> {
        let key = key.trim();
        if key.is_empty() {
            return Err(SecretError("The key is empty.".into()));
        }
        if key.chars().any(char::is_control) {
            return Err(SecretError(
                "The key contains characters that cannot be part of a key.".into(),
            ));
        }
        match &self.backend {
            Backend::Keyring { service } => entry(service, provider)?
                .set_password(key)
                .map_err(|e| failure("save", e))?,
            Backend::Memory(map) => {
                lock(map).insert(provider, key.to_owned());
            }
        }
        Ok(status_of(provider, Some(key)))
    }

    /// Forgets the key for `provider`. Removing a key that is not there is fine.
    pub fn remove(&self, provider: ProviderKind) -> Result<KeyStatus, SecretError> {
        match &self.backend {
            Backend::Keyring { service } => match entry(service, provider)?.delete_credential() {
                Ok(()) | Err(keyring::Error::NoEntry) => {}
                Err(e) => return Err(failure("remove", e)),
            },
            Backend::Memory(map) => {
                lock(map).remove(&provider);
            }
        }
        Ok(status_of(provider, None))
    }

    /// What the UI may see about the key for `provider`.
    pub fn key_status(&self, provider: ProviderKind) -> Result<KeyStatus, SecretError> {
        Ok(status_of(provider, self.get(provider)?.as_deref()))
    }
}

fn status_of(provider: ProviderKind, key: Option<&str>) -> KeyStatus {
    KeyStatus {
        provider,
        set: key.is_some(),
        last_four: key.map(|k| {
            let chars: Vec<char> = k.chars().collect();
            chars[chars.len().saturating_sub(4)..].iter().collect()
        }),
    }
}

fn lock(
    map: &Mutex<HashMap<ProviderKind, String>>,
) -> std::sync::MutexGuard<'_, HashMap<ProviderKind, String>> {
    map.lock().unwrap_or_else(|p| p.into_inner())
}

fn entry(service: &str, provider: ProviderKind) -> Result<keyring::Entry, SecretError> {
    keyring::Entry::new(service, provider.id()).map_err(|e| failure("open", e))
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

    #[test]
    fn session_only_keys_show_only_their_last_four() {
        let s = Secrets::session_only(None);
        assert_eq!(s.status().kind, KeyStoreKind::SessionOnly);
        let status = s
            .set(ProviderKind::Anthropic, "  sk-ant-abcdefgh1234\n")
            .unwrap();
        assert_eq!(status.last_four.as_deref(), Some("1234"));
        assert_eq!(
            s.get(ProviderKind::Anthropic).unwrap().as_deref(),
            Some("sk-ant-abcdefgh1234")
        );
        assert_eq!(
            s.get(ProviderKind::OpenaiCompatible).unwrap(),
            None,
            "one entry per provider"
        );
        let shown = serde_json::to_string(&s.key_status(ProviderKind::Anthropic).unwrap()).unwrap();
        assert!(!shown.contains("abcdefgh"), "{shown}");
        assert!(!format!("{s:?}").contains("abcdefgh"));
        assert!(!s.remove(ProviderKind::Anthropic).unwrap().set);
        assert_eq!(s.get(ProviderKind::Anthropic).unwrap(), None);
    }

    #[test]
    fn empty_or_control_character_keys_are_refused() {
        let s = Secrets::session_only(None);
        assert!(s.set(ProviderKind::Anthropic, "   ").is_err());
        assert!(s.set(ProviderKind::Anthropic, "sk-a\u{7}b").is_err());
    }
}
