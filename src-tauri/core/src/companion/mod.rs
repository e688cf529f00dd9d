//! The companion: its persona and first-run introduction ([`setup`]), the
//! prompt ([`prompt`], counted with [`tokens`]), and one turn of conversation
//! ([`turn`]): save the user's words, stream the reply into the journal as it
//! arrives, and keep whatever arrived if anything goes wrong.

pub mod prompt;
pub mod sense;
pub mod setup;
pub mod tokens;
pub mod turn;
