//! A local model's file name may be written in any script: the settings
//! accept exactly the names ending in `.gguf`, and no name makes them panic
//! (a name was once sliced five bytes from its end, inside a character).

use hearth_core::ErrorCode;
use hearth_core::connection::{local_config, normalise};

#[test]
fn local_model_names_in_any_script_are_accepted_or_refused_in_a_sentence() {
    for good in [
        "Modèle-été-😀.gguf",
        "x😀.gguf",
        "é.gguf",
        "😀.GGUF",
        "  Ünïcödé.gguf ",
    ] {
        let config = normalise(local_config(good))
            .unwrap_or_else(|e| panic!("{good:?} names a model file: {}", e.message));
        assert_eq!(config.model, good.trim());
    }
    for bad in [
        "ab😀gguf",
        "xégguf",
        "é",
        "😀",
        "Modèle-été-😀.txt",
        "été/😀.gguf",
    ] {
        let e = normalise(local_config(bad)).expect_err(bad);
        assert_eq!(e.code, ErrorCode::InvalidInput, "{bad:?}");
        assert_eq!(
            e.message,
            format!(
                "“{bad}” is not a model file in the models folder; its name should end in “.gguf”."
            )
        );
    }
}
