//! What the companion remembers: durable facts learnt from the conversation
//! ([`extract`]), and recalling memories and past messages for a new message
//! ([`remember`], [`recall`]).

pub mod extract;
pub mod recall;
pub mod remember;
