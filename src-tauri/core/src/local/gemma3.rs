//! Gemma 3 (GGUF architecture `gemma3`) on candle's quantized kernels.
//!
//! Our own forward pass rather than candle-transformers' `quantized_gemma3`,
//! which (in 0.11) builds rotary tables for 131,072 positions in every layer
//! (about 2.4 GB for the 270M model), keeps the 262,144-token embedding table
//! as f32 (670 MB), uses SiLU where Gemma uses GELU, and masks a prompt read
//! in several blocks wrongly. Here:
//!
//! - the embedding table stays quantised and is shared with the output
//!   projection (the weights are tied); only the rows of the tokens read are
//!   dequantised;
//! - rotary tables cover the context window actually used, one table per
//!   rope base (local and global layers), shared by the layers;
//! - the key/value cache grows with the conversation and is kept between
//!   turns, cut back to the part of the next prompt that did not change
//!   ([`Gemma3::truncate`]); a sliding-window layer keeps the last
//!   `sliding_window` positions it can still see and [`KEEP_BEHIND`] more, so
//!   that a turn that changes its last few hundred tokens can still reuse it.
//!
//! The layout follows the published architecture: RMS norms before and after
//! both attention and feed-forward, RMS-normalised queries and keys, grouped
//! query attention, a GELU(tanh)-gated feed-forward, every sixth layer global
//! (rope base from the file) and the others local (rope base 10,000, window
//! from the file), embeddings scaled by √hidden.

use std::sync::Arc;

use candle_core::quantized::{QMatMul, QTensor, gguf_file};
use candle_core::{Device, Module, Result, Tensor, bail};
use candle_transformers::quantized_nn::RmsNorm;

use super::cache::{KvCache, Rope, attend, embed};

/// Every `GLOBAL_EVERY`-th layer attends to the whole context.
const GLOBAL_EVERY: usize = 6;
/// The rope base of local (sliding-window) layers.
const LOCAL_ROPE_BASE: f32 = 10_000.0;

/// Positions a sliding-window layer keeps beyond its window, so that the
/// cache can be cut back that far for the next turn.
const KEEP_BEHIND: usize = 1024;

#[derive(Debug, Clone)]
struct Layer {
    q: QMatMul,
    k: QMatMul,
    v: QMatMul,
    o: QMatMul,
    q_norm: RmsNorm,
    k_norm: RmsNorm,
    attn_norm: RmsNorm,
    post_attn_norm: RmsNorm,
    ffn_norm: RmsNorm,
    post_ffn_norm: RmsNorm,
    gate: QMatMul,
    up: QMatMul,
    down: QMatMul,
    rope: Arc<Rope>,
    /// `Some(n)`: this layer sees only the last `n` positions.
    window: Option<usize>,
    cache: KvCache,
}

/// The weights of a Gemma 3 model, and the cache of one conversation. Clone
/// it only with an empty cache (clones share the cache's storage).
#[derive(Debug, Clone)]
pub struct Gemma3 {
    /// The token embeddings, quantised: rows are looked up one by one.
    embeddings: Arc<QTensor>,
    output: QMatMul,
    norm: RmsNorm,
    layers: Vec<Layer>,
    hidden: usize,
    heads: usize,
    kv_heads: usize,
    head_dim: usize,
    max_positions: usize,
}

impl Gemma3 {
    /// Loads the model from a GGUF file's header and reader, with rotary
    /// tables for `max_positions` positions (the context window used).
    pub fn from_gguf<R: std::io::Read + std::io::Seek>(
        content: gguf_file::Content,
        reader: &mut R,
        max_positions: usize,
    ) -> Result<Self> {
        let device = Device::Cpu;
        let meta = |key: &str| {
            content
                .metadata
                .get(&format!("gemma3.{key}"))
                .ok_or_else(|| candle_core::Error::Msg(format!("the file has no gemma3.{key}")))
        };
        let heads = meta("attention.head_count")?.to_u32()? as usize;
        let kv_heads = meta("attention.head_count_kv")?.to_u32()? as usize;
        let layers_n = meta("block_count")?.to_u32()? as usize;
        let hidden = meta("embedding_length")?.to_u32()? as usize;
        let head_dim = meta("attention.key_length")?.to_u32()? as usize;
        let eps = meta("attention.layer_norm_rms_epsilon")?.to_f32()? as f64;
        let window = meta("attention.sliding_window")?.to_u32()? as usize;
        let base = meta("rope.freq_base")
            .and_then(|v| v.to_f32())
            .unwrap_or(1e6);
        let scale = meta("rope.scaling.factor")
            .and_then(|v| v.to_f32())
            .unwrap_or(1.0)
            .max(1.0);
        if heads == 0
            || kv_heads == 0
            || !heads.is_multiple_of(kv_heads)
            || head_dim == 0
            || !head_dim.is_multiple_of(2)
            || layers_n == 0
            || layers_n > 1024
        {
            bail!("the file's attention shape is not one Gemma 3 has");
        }
        let global = Arc::new(Rope::new(head_dim, base, scale, max_positions, false)?);
        let local = Arc::new(Rope::new(
            head_dim,
            LOCAL_ROPE_BASE,
            1.0,
            max_positions,
            false,
        )?);

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
            let mut norm = |name: &str| RmsNorm::from_qtensor(t(name)?, eps);
            let (q_norm, k_norm) = (norm("attn_q_norm")?, norm("attn_k_norm")?);
            let (attn_norm, post_attn_norm) = (norm("attn_norm")?, norm("post_attention_norm")?);
            let (ffn_norm, post_ffn_norm) = (norm("ffn_norm")?, norm("post_ffw_norm")?);
            let mut t =
                |name: &str| QMatMul::from_qtensor(tensor(&format!("blk.{i}.{name}.weight"))?);
            let is_global = (i + 1) % GLOBAL_EVERY == 0;
            layers.push(Layer {
                q: t("attn_q")?,
                k: t("attn_k")?,
                v: t("attn_v")?,
                o: t("attn_output")?,
                gate: t("ffn_gate")?,
                up: t("ffn_up")?,
                down: t("ffn_down")?,
                q_norm,
                k_norm,
                attn_norm,
                post_attn_norm,
                ffn_norm,
                post_ffn_norm,
                rope: if is_global {
                    global.clone()
                } else {
                    local.clone()
                },
                window: (!is_global).then_some(window.max(1)),
                cache: KvCache::new(max_positions),
            });
        }
        Ok(Gemma3 {
            embeddings,
            output,
            norm,
            layers,
            hidden,
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

    /// Forgets the cached positions from `end` on; returns how many are kept:
    /// `end` (at most what is cached), or 0 when a sliding-window layer no
    /// longer holds the positions the next token would see.
    pub fn truncate(&mut self, end: usize) -> usize {
        let end = end.min(self.cached());
        let whole = self.layers.iter().all(|l| match l.window {
            Some(w) if l.cache.start() > 0 => end + 1 >= l.cache.start() + w,
            _ => true,
        });
        let end = if whole { end } else { 0 };
        for layer in &mut self.layers {
            layer.cache.truncate(end);
        }
        end
    }

    /// The logits of the next token after `tokens`, which sit at positions
    /// `pos..`; the cache must hold the positions before `pos`.
    pub fn forward(&mut self, input: &Tensor, pos: usize) -> Result<Tensor> {
        let (batch, len) = input.dims2()?;
        if batch != 1 {
            bail!("one sequence at a time");
        }
        if pos + len > self.max_positions {
            bail!("the context window is full");
        }
        let tokens = input.squeeze(0)?.to_vec1::<u32>()?;
        let mut x =
            (embed(&self.embeddings, &tokens)? * (self.hidden as f64).sqrt())?.unsqueeze(0)?;
        let (heads, kv_heads, head_dim) = (self.heads, self.kv_heads, self.head_dim);
        for layer in &mut self.layers {
            let attended = layer.attend(
                &layer.attn_norm.forward(&x)?,
                pos,
                heads,
                kv_heads,
                head_dim,
            )?;
            x = (layer.post_attn_norm.forward(&attended)? + x)?;
            let h = layer.ffn_norm.forward(&x)?;
            let fed = layer
                .down
                .forward(&(layer.gate.forward(&h)?.gelu()? * layer.up.forward(&h)?)?)?;
            x = (layer.post_ffn_norm.forward(&fed)? + x)?;
        }
        let last = x.narrow(1, len - 1, 1)?;
        self.output.forward(&self.norm.forward(&last)?)?.squeeze(1)
    }
}

impl Layer {
    fn attend(
        &mut self,
        x: &Tensor,
        pos: usize,
        heads: usize,
        kv_heads: usize,
        head_dim: usize,
    ) -> Result<Tensor> {
        let (_, len, _) = x.dims3()?;
        let split = |t: Tensor, n: usize| t.reshape((1, len, n, head_dim))?.transpose(1, 2);
        let q = self
            .q_norm
            .forward(&split(self.q.forward(x)?, heads)?.contiguous()?)?;
        let k = self
            .k_norm
            .forward(&split(self.k.forward(x)?, kv_heads)?.contiguous()?)?;
        let v = split(self.v.forward(x)?, kv_heads)?.contiguous()?;
        let q = self.rope.apply(&q, pos)?;
        let k = self.rope.apply(&k, pos)?;
        let (k, v) = self.cache.append(&k, &v, pos)?;
        let out = attend(&q, &k, &v, pos, self.cache.start(), self.window)?;
        // Keep what later positions can still see, and some more for the
        // next turn: trimmed now and then, not on every token.
        if let Some(w) = self.window
            && self.cache.end() - self.cache.start() > w + 2 * KEEP_BEHIND
        {
            self.cache.keep_last(w + KEEP_BEHIND)?;
        }
        self.o.forward(&out)
    }
}
