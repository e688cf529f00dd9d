//! What the companion remembers: durable facts learnt from the conversation
//! ([`extract`]), and recalling memories and past messages for a new message
//! ([`remember`], [`recall`]), by BM25 and, when vectors are stored, by
//! embeddings ([`semantic`]).

pub mod extract;
pub mod recall;
pub mod remember;
pub mod semantic;
