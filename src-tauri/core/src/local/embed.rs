//! Sentence embeddings on the device: all-MiniLM-L6-v2 (a 6-layer BERT) run
//! with candle, its tokenizer from `tokenizer.json`, mean pooling over the
//! tokens and L2 normalisation, so the cosine of two vectors is their dot
//! product. Texts are cut to [`MAX_TOKENS`] tokens (the model was trained on
//! 256).

use std::path::Path;
use std::sync::Arc;

use candle_core::{DType, Device, Tensor};
use candle_nn::VarBuilder;
use candle_transformers::models::bert::{BertModel, Config};
use tokenizers::{PaddingParams, PaddingStrategy, Tokenizer, TruncationParams};

use super::{LocalError, run_blocking};

/// The length of MiniLM's vectors.
pub const EMBEDDING_DIM: usize = 384;
/// Tokens read from each text; the rest is ignored.
pub const MAX_TOKENS: usize = 256;
/// Texts run through the model together. Texts are sorted by length first so
/// each batch pads little.
const BATCH: usize = 32;

/// A loaded embedding model. Blocking calls: run them on a worker thread
/// ([`embed_blocking`] does).
pub struct Embedder {
    model: BertModel,
    tokenizer: Tokenizer,
    name: String,
    dim: usize,
}

impl std::fmt::Debug for Embedder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Embedder")
            .field("name", &self.name)
            .field("dim", &self.dim)
            .finish()
    }
}

impl Embedder {
    /// Loads the model in the folder `dir` (`model.safetensors`,
    /// `config.json`, `tokenizer.json`). Blocking.
    pub fn load(dir: &Path) -> Result<Self, LocalError> {
        for file in super::models::EMBEDDING_FILES {
            if !dir.join(file).is_file() {
                return Err(LocalError::Missing(format!(
                    "The embedding model in {} is missing {file}.",
                    dir.display()
                )));
            }
        }
        let config = std::fs::read(dir.join("config.json"))
            .map_err(|e| LocalError::io(&dir.join("config.json"), &e))?;
        let config: Config = serde_json::from_slice(&config).map_err(|e| {
            LocalError::Invalid(format!(
                "The embedding model's config.json can't be read: {e}"
            ))
        })?;
        let weights = std::fs::read(dir.join("model.safetensors"))
            .map_err(|e| LocalError::io(&dir.join("model.safetensors"), &e))?;
        let vb = VarBuilder::from_buffered_safetensors(weights, DType::F32, &Device::Cpu)
            .map_err(|e| LocalError::model("to load the embedding model", e))?;
        let model = BertModel::load(vb, &config)
            .map_err(|e| LocalError::model("to load the embedding model", e))?;
        let mut tokenizer = Tokenizer::from_file(dir.join("tokenizer.json")).map_err(|e| {
            LocalError::Invalid(format!(
                "The embedding model's tokenizer.json can't be read: {e}"
            ))
        })?;
        tokenizer
            .with_truncation(Some(TruncationParams {
                max_length: MAX_TOKENS.min(config.max_position_embeddings),
                ..TruncationParams::default()
            }))
            .map_err(|e| LocalError::model("to set up the tokenizer", e))?;
        let pad_id = config.pad_token_id as u32;
        let pad_token = tokenizer
            .id_to_token(pad_id)
            .unwrap_or_else(|| "[PAD]".to_owned());
        tokenizer.with_padding(Some(PaddingParams {
            strategy: PaddingStrategy::BatchLongest,
            pad_id,
            pad_token,
            ..PaddingParams::default()
        }));
        let name = dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        Ok(Embedder {
            model,
            tokenizer,
            name,
            dim: config.hidden_size,
        })
    }

    /// The model's name (its folder), stored beside each vector.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The length of the vectors.
    pub fn dim(&self) -> usize {
        self.dim
    }

    /// One unit-length vector per text, in order. Blocking.
    pub fn embed(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>, LocalError> {
        let mut order: Vec<usize> = (0..texts.len()).collect();
        order.sort_by_key(|&i| texts[i].len());
        let mut out = vec![Vec::new(); texts.len()];
        for chunk in order.chunks(BATCH) {
            let batch: Vec<&str> = chunk.iter().map(|&i| texts[i]).collect();
            for (i, v) in chunk.iter().zip(self.embed_batch(&batch)?) {
                out[*i] = v;
            }
        }
        Ok(out)
    }

    fn embed_batch(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>, LocalError> {
        let fail = |e: candle_core::Error| LocalError::model("to embed", e);
        let encodings = self
            .tokenizer
            .encode_batch(texts.to_vec(), true)
            .map_err(|e| LocalError::model("to read the text", e))?;
        let rows = encodings.len();
        let len = encodings.first().map_or(0, |e| e.get_ids().len());
        let flat = |f: &dyn Fn(&tokenizers::Encoding) -> &[u32]| -> Vec<u32> {
            encodings.iter().flat_map(|e| f(e).to_vec()).collect()
        };
        let ids =
            Tensor::from_vec(flat(&|e| e.get_ids()), (rows, len), &Device::Cpu).map_err(fail)?;
        let types = Tensor::from_vec(flat(&|e| e.get_type_ids()), (rows, len), &Device::Cpu)
            .map_err(fail)?;
        let mask = Tensor::from_vec(flat(&|e| e.get_attention_mask()), (rows, len), &Device::Cpu)
            .map_err(fail)?;
        let hidden = self
            .model
            .forward(&ids, &types, Some(&mask))
            .map_err(fail)?;
        // Mean over the real tokens (padding excluded), then unit length.
        let mask = mask
            .to_dtype(DType::F32)
            .and_then(|m| m.unsqueeze(2))
            .map_err(fail)?;
        let summed = hidden
            .broadcast_mul(&mask)
            .and_then(|h| h.sum(1))
            .map_err(fail)?;
        let counts = mask
            .sum(1)
            .and_then(|c| c.clamp(1e-9, f64::MAX))
            .map_err(fail)?;
        let mean = summed.broadcast_div(&counts).map_err(fail)?;
        let norm = mean
            .sqr()
            .and_then(|s| s.sum_keepdim(1))
            .and_then(|s| s.sqrt())
            .and_then(|n| n.clamp(1e-12, f64::MAX))
            .map_err(fail)?;
        mean.broadcast_div(&norm)
            .and_then(|v| v.to_vec2::<f32>())
            .map_err(fail)
    }
}

/// The cosine similarity of two vectors (their dot product when both are
/// unit length, as [`Embedder::embed`] makes them).
pub fn cosine(a: &[f32], b: &[f32]) -> f32 {
    let (mut dot, mut na, mut nb) = (0f32, 0f32, 0f32);
    for (x, y) in a.iter().zip(b) {
        dot += x * y;
        na += x * x;
        nb += y * y;
    }
    if na == 0.0 || nb == 0.0 {
        0.0
    } else {
        dot / (na.sqrt() * nb.sqrt())
    }
}

/// Embeds `texts` on a worker thread.
pub async fn embed_blocking(
    embedder: Arc<Embedder>,
    texts: Vec<String>,
) -> Result<Vec<Vec<f32>>, LocalError> {
    run_blocking("hearth-embed", move || {
        let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
        embedder.embed(&refs)
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cosine_of_parallel_orthogonal_and_empty_vectors() {
        assert!((cosine(&[1.0, 2.0], &[2.0, 4.0]) - 1.0).abs() < 1e-6);
        assert_eq!(cosine(&[1.0, 0.0], &[0.0, 1.0]), 0.0);
        assert_eq!(cosine(&[0.0, 0.0], &[1.0, 1.0]), 0.0);
    }
}
