//! The real OS keyring (Secret Service on Linux). The test command runs this
//! under its own D-Bus session with gnome-keyring-daemon and sets
//! HEARTH_REQUIRE_KEYRING=1, so a missing keyring fails instead of skipping.

use hearth_core::providers::ProviderKind;
use hearth_core::secrets::{Endpoint, KeyStoreKind, Secrets};

#[test]
fn keys_round_trip_through_the_os_keyring_one_entry_per_connection() {
    let service = format!("app.hearth.desktop.test-{}", std::process::id());
    let secrets = Secrets::open(&service);
    if secrets.status().kind != KeyStoreKind::Keyring {
        assert!(
            std::env::var_os("HEARTH_REQUIRE_KEYRING").is_none(),
            "a keyring was required but none answered: {:?}",
            secrets.status()
        );
        eprintln!(
            "skipped: no keyring on this machine ({:?})",
            secrets.status().detail
        );
        return;
    }
    let a = &Endpoint::new(ProviderKind::Anthropic, "");
    let o = &Endpoint::new(ProviderKind::OpenaiCompatible, "");
    let here = &Endpoint::new(ProviderKind::OpenaiCompatible, "http://127.0.0.1:8080/v1");
    assert_eq!(secrets.get(a).unwrap(), None);
    assert_eq!(
        secrets
            .set(a, "sk-ant-first-key-0001")
            .unwrap()
            .last_four
            .as_deref(),
        Some("0001")
    );
    secrets.set(o, "sk-openai-other-9999").unwrap();
    secrets.set(a, "sk-ant-second-key-0002").unwrap();

    // A fresh handle reads what is stored in the keyring, not in memory.
    let again = Secrets::open(&service);
    assert_eq!(
        again.get(a).unwrap().as_deref(),
        Some("sk-ant-second-key-0002"),
        "replaced, not added"
    );
    assert_eq!(
        again.get(o).unwrap().as_deref(),
        Some("sk-openai-other-9999")
    );
    assert_eq!(again.get(here).unwrap(), None, "another address has no key");
    assert!(!again.remove(a).unwrap().set);
    assert_eq!(Secrets::open(&service).get(a).unwrap(), None);
    again.remove(o).unwrap();
}
