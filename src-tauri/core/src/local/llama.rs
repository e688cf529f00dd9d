//! Llama-architecture models (GGUF architecture `llama`: SmolLM2, Llama 3.x)
//! on candle's quantized kernels.
//!
//! Our own forward pass rather than candle-transformers' `quantized_llama`,
//! whose key/value cache is private and can only start over: here the cache
//! of a conversation is kept between turns and cut back to the part of the
//! next prompt that did not change ([`Llama::truncate`]), so a turn reads only
//! what is new. Also: the cache is written in place rather than concatenated
//! on every token, the embedding table stays quantised (only the rows of the
//! tokens read are dequantised), and grouped-query attention does not copy the
//! keys and values for each query head.
//!
//! The layout is the published one: RMS norm, attention with rotary positions
//! (pairs interleaved, as GGUF files store llama's queries and keys), RMS
//! norm, a SiLU-gated feed-forward; the output projection tied to the
//! embeddings when the file has none of its own.

use std::sync::Arc;

use candle_core::quantized::{QMatMul, QTensor, gguf_file};
use candle_core::{Device, Module, Result, Tensor, bail};
use candle_transformers::quantized_nn::RmsNorm;

use super::cache::{KvCache, Rope, attend, embed};

#[derive(Debug, Clone)]
struct Layer {
    attn_norm: RmsNorm,
    q: QMatMul,
    k: QMatMul,
    v: QMatMul,
    o: QMatMul,
    ffn_norm: RmsNorm,
    gate: QMatMul,
    up: QMatMul,
    down: QMatMul,
    cache: KvCache,
}

/// The weights of a llama model and the cache of one conversation. Clone it
/// only with an empty cache (clones share the cache's storage).
#[derive(Debug, Clone)]
pub struct Llama {
    embeddings: Arc<QTensor>,
    output: QMatMul,
    norm: RmsNorm,
    layers: Vec<Layer>,
    rope: Arc<Rope>,
    heads: usize,
    kv_heads: usize,
    head_dim: usize,
    max_positions: usize,
}

impl Llama {
    /// Loads the model from a GGUF file's header and reader, for a context of
    /// `max_positions` tokens.
    pub fn from_gguf<R: std::io::Read + std::io::Seek>(
        content: gguf_file::Content,
        reader: &mut R,
        max_positions: usize,
    ) -> Result<Self> {
        let device = Device::Cpu;
        let meta = |key: &str| {
            content
                .metadata
                .get(&format!("llama.{key}"))
                .ok_or_else(|| candle_core::Error::Msg(format!("the file has no llama.{key}")))
        };
        if meta("expert_count").and_then(|v| v.to_u32()).unwrap_or(0) > 1 {
            bail!("mixture-of-experts llama models are not run here");
        }
        let heads = meta("attention.head_count")?.to_u32()? as usize;
        let kv_heads = meta("attention.head_count_kv")?.to_u32()? as usize;
        let layers_n = meta("block_count")?.to_u32()? as usize;
        let hidden = meta("embedding_length")?.to_u32()? as usize;
        let eps = meta("attention.layer_norm_rms_epsilon")?.to_f32()? as f64;
        let base = meta("rope.freq_base")
            .and_then(|v| v.to_f32())
            .unwrap_or(10_000.0);
        if heads == 0
            || kv_heads == 0
            || !heads.is_multiple_of(kv_heads)
            || !hidden.is_multiple_of(heads)
            || layers_n == 0
            || layers_n > 1024
        {
            bail!("the file's attention shape is not one a llama model has");
        }
        let head_dim = hidden / heads;
        let rope_dim = meta("rope.dimension_count")
            .and_then(|v| v.to_u32())
            .map_or(head_dim, |d| d as usize);
        if rope_dim != head_dim || !head_dim.is_multiple_of(2) {
            bail!("partial rotary embeddings are not run here");
        }
        let rope = Arc::new(Rope::new(head_dim, base, 1.0, max_positions, true)?);

        let mut tensor = |name: &str| content.tensor(reader, name, &device);
        let embeddings = Arc::new(tensor("token_embd.weight")?);
        let output = match tensor("output.weight") {
            Ok(t) => QMatMul::from_qtensor(t)?,
            Err(_) => QMatMul::from_arc(embeddings.clone())?,
        };
        let norm = RmsNorm::from_qtensor(tensor("output_norm.weight")?, eps)?;
        let mut layers = Vec::with_capacity(layers_n);
        for i in 0..layers_n {
            let mut t = |name: &str| tensor(&format!("blk.{i}.{name}.weight"));
            let attn_norm = RmsNorm::from_qtensor(t("attn_norm")?, eps)?;
            let ffn_norm = RmsNorm::from_qtensor(t("ffn_norm")?, eps)?;
            let mut m = |name: &str| QMatMul::from_qtensor(t(name)?);
            layers.push(Layer {
                attn_norm,
                ffn_norm,
                q: m("attn_q")?,
                k: m("attn_k")?,
                v: m("attn_v")?,
                o: m("attn_output")?,
                gate: m("ffn_gate")?,
                up: m("ffn_up")?,
                down: m("ffn_down")?,
                cache: KvCache::new(max_positions),
            });
        }
        Ok(Llama {
            embeddings,
            output,
            norm,
            layers,
            rope,
            heads,
            kv_heads,
            head_dim,
            max_positions,
        })
    }

    /// The positions the cache holds: `0..cached()`.
    pub fn cached(&self) -> usize {
        self.layers.first().map_or(0, |l| l.cache.end())
    }

    /// Forgets the cached positions from `end` on; returns how many are kept.
    pub fn truncate(&mut self, end: usize) -> usize {
        for layer in &mut self.layers {
            layer.cache.truncate(end);
        }
        self.cached()
    }

    /// The logits of the next token after `input` (shape (1, tokens)), whose
    /// first token is at position `pos`; the cache must hold the positions
    /// before `pos`. Shape (1, vocabulary).
    pub fn forward(&mut self, input: &Tensor, pos: usize) -> Result<Tensor> {
        let (batch, len) = input.dims2()?;
        if batch != 1 {
            bail!("one sequence at a time");
        }
        if pos + len > self.max_positions {
            bail!("the context window is full");
        }
        let tokens = input.squeeze(0)?.to_vec1::<u32>()?;
        let mut x = embed(&self.embeddings, &tokens)?.unsqueeze(0)?;
        let (heads, kv_heads, head_dim) = (self.heads, self.kv_heads, self.head_dim);
        for layer in &mut self.layers {
            let h = layer.attn_norm.forward(&x)?;
            let split = |t: Tensor, n: usize| t.reshape((1, len, n, head_dim))?.transpose(1, 2);
            let q = self.rope.apply(&split(layer.q.forward(&h)?, heads)?, pos)?;
            let k = self
                .rope
                .apply(&split(layer.k.forward(&h)?, kv_heads)?, pos)?;
            let v = split(layer.v.forward(&h)?, kv_heads)?;
            let (k, v) = layer.cache.append(&k, &v, pos)?;
            let attended = attend(&q, &k, &v, pos, 0, None)?;
            x = (layer.o.forward(&attended)? + x)?;
            let h = layer.ffn_norm.forward(&x)?;
            let gated =
                (candle_nn::ops::silu(&layer.gate.forward(&h)?)? * layer.up.forward(&h)?)?;
            x = (layer.down.forward(&gated)? + x)?;
        }
        let last = x.narrow(1, len - 1, 1)?;
        self.output.forward(&self.norm.forward(&last)?)?.squeeze(1)
    }
}
