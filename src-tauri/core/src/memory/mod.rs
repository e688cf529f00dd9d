//! What the companion remembers: durable facts learnt from the conversation
//! ([`extract`]; a model run on this computer chooses among the user's own
//! statements instead: [`choose`]), and recalling memories and past messages for a new message
//! ([`remember`], [`recall`]), by BM25 and, when vectors are stored, by
//! embeddings ([`semantic`]).

pub mod choose;
pub mod extract;
pub mod recall;
pub mod remember;
pub mod semantic;
