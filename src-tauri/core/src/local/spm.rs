//! The SentencePiece tokenizer a GGUF file describes (`tokenizer.ggml.model`
//! = `llama`: Gemma, Phi-3, Llama 2), built as a `tokenizers` BPE model.
//!
//! The file holds pieces and scores but no merge list. SentencePiece joins,
//! again and again, the adjacent pair whose joined piece scores highest; a
//! BPE whose merges are ranked by the score of the piece they make does the
//! same, so the merges are derived from the vocabulary: every way of cutting
//! a piece into two pieces of the vocabulary. Spaces are written `▁`; a
//! character outside the vocabulary is spelt as byte pieces (`<0xE2>`).

use std::collections::HashMap;

use candle_core::quantized::gguf_file::{self, Value};
use tokenizers::decoders::byte_fallback::ByteFallback;
use tokenizers::decoders::fuse::Fuse;
use tokenizers::decoders::sequence::Sequence as DecoderSequence;
use tokenizers::decoders::strip::Strip;
use tokenizers::models::bpe::{BPE, Vocab};
use tokenizers::normalizers::{Prepend, Replace, Sequence as NormalizerSequence};
use tokenizers::{AddedToken, DecoderWrapper, NormalizerWrapper, Tokenizer};

/// SentencePiece's token types (`tokenizer.ggml.token_type`).
const NORMAL: i32 = 1;
const CONTROL: i32 = 3;
const USER_DEFINED: i32 = 4;

/// The most pieces a vocabulary may hold (Gemma's has 262,144).
const MAX_PIECES: usize = 1 << 20;

fn array<'a>(content: &'a gguf_file::Content, key: &str) -> Result<&'a [Value], String> {
    match content.metadata.get(key) {
        Some(Value::Array(values)) if values.len() <= MAX_PIECES => Ok(values),
        Some(Value::Array(_)) => Err(format!("its {key} is too long")),
        _ => Err(format!("it has no {key}")),
    }
}

/// Builds the tokenizer of a SentencePiece GGUF file.
pub(super) fn from_gguf(content: &gguf_file::Content) -> Result<Tokenizer, String> {
    let pieces: Vec<&str> = array(content, "tokenizer.ggml.tokens")?
        .iter()
        .map(|v| v.to_string().map(String::as_str))
        .collect::<Result<_, _>>()
        .map_err(|_| "its pieces are not text".to_owned())?;
    let count = pieces.len();
    let scores: Vec<f32> = array(content, "tokenizer.ggml.scores")
        .map(|v| v.iter().map(|s| s.to_f32().unwrap_or(0.0)).collect())
        .unwrap_or_else(|_| vec![0.0; count]);
    let types: Vec<i32> = array(content, "tokenizer.ggml.token_type")
        .map(|v| v.iter().map(|t| t.to_i32().unwrap_or(NORMAL)).collect())
        .unwrap_or_else(|_| vec![NORMAL; count]);
    if scores.len() != count || types.len() != count {
        return Err("its pieces, scores and types differ in number".into());
    }
    let flag = |key: &str| content.metadata.get(key).and_then(|v| v.to_bool().ok());
    let id = |key: &str| content.metadata.get(key).and_then(|v| v.to_u32().ok());

    let index: HashMap<&str, u32> = pieces
        .iter()
        .enumerate()
        .map(|(i, p)| (*p, i as u32))
        .collect();
    let mut merges: Vec<(f32, u32, u32, &str, &str)> = Vec::new();
    for (i, piece) in pieces.iter().enumerate() {
        if types[i] != NORMAL {
            continue;
        }
        for (cut, _) in piece.char_indices().skip(1) {
            let (left, right) = piece.split_at(cut);
            if let (Some(&l), Some(&r)) = (index.get(left), index.get(right))
                && types[l as usize] == NORMAL
                && types[r as usize] == NORMAL
            {
                merges.push((scores[i], l, r, left, right));
            }
        }
    }
    // Highest score first; ties by the pieces' order in the vocabulary.
    merges.sort_by(|a, b| b.0.total_cmp(&a.0).then((a.1, a.2).cmp(&(b.1, b.2))));
    let merges: Vec<(String, String)> = merges
        .into_iter()
        .map(|(_, _, _, l, r)| (l.to_owned(), r.to_owned()))
        .collect();
    let vocab: Vocab = index.iter().map(|(p, i)| ((*p).to_owned(), *i)).collect();
    let unk = id("tokenizer.ggml.unknown_token_id")
        .and_then(|i| pieces.get(i as usize))
        .map(|p| (*p).to_owned());
    let mut bpe = BPE::builder()
        .vocab_and_merges(vocab, merges)
        .byte_fallback(true)
        .fuse_unk(true);
    if let Some(unk) = unk {
        bpe = bpe.unk_token(unk);
    }
    let bpe = bpe.build().map_err(|e| e.to_string())?;

    let mut tokenizer = Tokenizer::new(bpe);
    let space_prefix = flag("tokenizer.ggml.add_space_prefix").unwrap_or(true);
    let replace = Replace::new(" ", "▁").map_err(|e| e.to_string())?;
    let mut normalizers: Vec<NormalizerWrapper> = Vec::new();
    if space_prefix {
        normalizers.push(Prepend::new("▁".into()).into());
    }
    normalizers.push(replace.into());
    tokenizer
        .with_normalizer(Some(NormalizerSequence::new(normalizers)))
        .map_err(|e| e.to_string())?;
    let mut decoders: Vec<DecoderWrapper> = vec![
        Replace::new("▁", " ").map_err(|e| e.to_string())?.into(),
        ByteFallback::new().into(),
        Fuse::new().into(),
    ];
    if space_prefix {
        decoders.push(Strip::new(' ', 1, 0).into());
    }
    tokenizer.with_decoder(Some(DecoderSequence::new(decoders)));
    // Control pieces (`<bos>`, `<end_of_turn>`) are special: matched whole in
    // a prompt, left out of replies. User-defined ones are matched whole too.
    let added: Vec<AddedToken> = pieces
        .iter()
        .zip(&types)
        .filter(|(_, t)| matches!(**t, CONTROL | USER_DEFINED))
        .map(|(p, t)| AddedToken::from(*p, *t == CONTROL).normalized(*t != CONTROL))
        .collect();
    tokenizer.add_tokens(added).map_err(|e| e.to_string())?;
    Ok(tokenizer)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn content(pieces: &[(String, f32, i32)], space_prefix: bool) -> gguf_file::Content {
        let list =
            |f: &dyn Fn(&(String, f32, i32)) -> Value| Value::Array(pieces.iter().map(f).collect());
        let metadata = HashMap::from([
            (
                "tokenizer.ggml.model".to_owned(),
                Value::String("llama".into()),
            ),
            (
                "tokenizer.ggml.tokens".to_owned(),
                list(&|p| Value::String(p.0.clone())),
            ),
            (
                "tokenizer.ggml.scores".to_owned(),
                list(&|p| Value::F32(p.1)),
            ),
            (
                "tokenizer.ggml.token_type".to_owned(),
                list(&|p| Value::I32(p.2)),
            ),
            ("tokenizer.ggml.unknown_token_id".to_owned(), Value::U32(0)),
            (
                "tokenizer.ggml.add_space_prefix".to_owned(),
                Value::Bool(space_prefix),
            ),
        ]);
        gguf_file::Content {
            magic: gguf_file::VersionedMagic::GgufV3,
            metadata,
            tensor_infos: HashMap::new(),
            tensor_data_offset: 0,
        }
    }

    fn pieces() -> Vec<(String, f32, i32)> {
        let named = [
            ("<unk>", 0.0, 2),
            ("<bos>", 0.0, CONTROL),
            ("<end_of_turn>", 0.0, CONTROL),
            ("\n", 0.0, USER_DEFINED),
            ("▁", -1.0, NORMAL),
            ("h", -2.0, NORMAL),
            ("e", -2.0, NORMAL),
            ("l", -2.0, NORMAL),
            ("o", -2.0, NORMAL),
            ("he", -3.0, NORMAL),
            ("ll", -4.0, NORMAL),
            ("llo", -5.0, NORMAL),
            ("hello", -6.0, NORMAL),
            ("▁hello", -7.0, NORMAL),
        ];
        let named = named.iter().map(|(p, s, t)| ((*p).to_owned(), *s, *t));
        // Byte pieces for byte fallback.
        let bytes = (0..=255u8).map(|b| (format!("<0x{b:02X}>"), 0.0, 6));
        named.chain(bytes).collect()
    }

    #[test]
    fn pieces_join_by_score_and_unknown_characters_fall_back_to_bytes() {
        let tokenizer = from_gguf(&content(&pieces(), false)).unwrap();
        let ids = |text: &str| tokenizer.encode(text, false).unwrap().get_ids().to_vec();
        let id = |piece: &str| tokenizer.token_to_id(piece).unwrap();
        assert_eq!(ids("hello hello"), vec![id("hello"), id("▁hello")]);
        assert_eq!(
            ids("<bos>hello<end_of_turn>\n"),
            vec![id("<bos>"), id("hello"), id("<end_of_turn>"), id("\n")]
        );
        // "é" is not a piece: its two UTF-8 bytes are.
        assert_eq!(ids("é"), vec![id("<0xC3>"), id("<0xA9>")]);
        let all = ids("<bos>hello é\n<end_of_turn>");
        assert_eq!(tokenizer.decode(&all, true).unwrap(), "hello é\n");
    }

    #[test]
    fn a_space_prefix_is_added_and_removed_when_the_file_asks() {
        let tokenizer = from_gguf(&content(&pieces(), true)).unwrap();
        let ids = tokenizer.encode("hello", false).unwrap().get_ids().to_vec();
        assert_eq!(ids, vec![tokenizer.token_to_id("▁hello").unwrap()]);
        assert_eq!(tokenizer.decode(&ids, true).unwrap(), "hello");
    }

    #[test]
    fn a_vocabulary_without_pieces_is_refused() {
        let mut c = content(&pieces(), false);
        c.metadata.remove("tokenizer.ggml.tokens");
        assert_eq!(
            from_gguf(&c).unwrap_err(),
            "it has no tokenizer.ggml.tokens"
        );
    }
}
