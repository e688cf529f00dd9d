//! IPC commands, one file per area. Each parses its arguments, calls one core
//! function and maps the error; nothing else.

pub mod app;
pub mod companion;
pub mod diary;
pub mod letters;
pub mod local;
pub mod memories;
pub mod providers;
