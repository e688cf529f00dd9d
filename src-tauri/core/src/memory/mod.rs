//! What the companion remembers. This first part recalls past messages that
//! bear on a new one; extracted memories, recency, importance and embeddings
//! join the ranking as they arrive.

pub mod recall;
