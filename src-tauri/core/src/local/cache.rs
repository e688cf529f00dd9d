//! Pieces the model families written here share: the key/value cache of one
//! conversation, kept between turns and cut back to the part of a new prompt
//! that did not change; the rows of a quantised embedding table; rotary
//! position tables.

use candle_core::quantized::{GgmlDType, QTensor};
use candle_core::{DType, Device, Result, Tensor, bail};

/// The cache grows by this many positions at a time (so its memory follows
/// the conversation, not the window).
const GROW: usize = 256;

/// Keys and values of the positions `start..start + len` of one layer, shape
/// (1, kv heads, capacity, head dim), written in place: appending a token
/// copies only that token (concatenating would copy the whole cache on every
/// token). Grows in steps of [`GROW`] up to `max` positions.
///
/// A clone shares the storage: clone only an empty cache.
#[derive(Debug, Clone)]
pub(super) struct KvCache {
    kv: Option<(Tensor, Tensor)>,
    start: usize,
    len: usize,
    max: usize,
}

impl KvCache {
    pub fn new(max: usize) -> Self {
        KvCache {
            kv: None,
            start: 0,
            len: 0,
            max: max.max(1),
        }
    }

    /// The first position held.
    pub fn start(&self) -> usize {
        self.start
    }

    /// The position after the last one held.
    pub fn end(&self) -> usize {
        self.start + self.len
    }

    /// Forgets the positions from `end` on.
    pub fn truncate(&mut self, end: usize) {
        if end <= self.start {
            self.start = 0;
            self.len = 0;
        } else {
            self.len = self.len.min(end - self.start);
        }
    }

    /// Adds `k` and `v` (shape (1, kv heads, tokens, head dim)) for the
    /// positions from `pos`, which must follow those held (or be 0), and
    /// returns the keys and values of all positions held, as views.
    pub fn append(&mut self, k: &Tensor, v: &Tensor, pos: usize) -> Result<(Tensor, Tensor)> {
        let (_, heads, n, dim) = k.dims4()?;
        if pos == 0 || self.len == 0 {
            self.start = pos;
            self.len = 0;
        } else if pos != self.end() {
            bail!("the cache holds up to {} but was given {pos}", self.end());
        }
        let needed = self.len + n;
        if needed > self.max {
            bail!("the context window is full");
        }
        let capacity = self.kv.as_ref().map_or(0, |(k, _)| k.dim(2).unwrap_or(0));
        if needed > capacity {
            let grown = needed.div_ceil(GROW).saturating_mul(GROW).min(self.max);
            let fresh = || Tensor::zeros((1, heads, grown, dim), k.dtype(), k.device());
            let (nk, nv) = (fresh()?, fresh()?);
            if let Some((ok, ov)) = &self.kv
                && self.len > 0
            {
                nk.slice_set(&ok.narrow(2, 0, self.len)?.contiguous()?, 2, 0)?;
                nv.slice_set(&ov.narrow(2, 0, self.len)?.contiguous()?, 2, 0)?;
            }
            self.kv = Some((nk, nv));
        }
        let (ck, cv) = self.kv.as_ref().expect("allocated above");
        ck.slice_set(&k.contiguous()?, 2, self.len)?;
        cv.slice_set(&v.contiguous()?, 2, self.len)?;
        self.len = needed;
        Ok((ck.narrow(2, 0, self.len)?, cv.narrow(2, 0, self.len)?))
    }

    /// Keeps only the last `keep` positions (a sliding-window layer's).
    pub fn keep_last(&mut self, keep: usize) -> Result<()> {
        if self.len <= keep {
            return Ok(());
        }
        let drop = self.len - keep;
        if let Some((k, v)) = &self.kv {
            let tail_k = k.narrow(2, drop, keep)?.contiguous()?;
            let tail_v = v.narrow(2, drop, keep)?.contiguous()?;
            k.slice_set(&tail_k, 2, 0)?;
            v.slice_set(&tail_v, 2, 0)?;
        }
        self.start += drop;
        self.len = keep;
        Ok(())
    }
}

/// The f32 rows of a quantised embedding table for `tokens`, shape
/// (tokens, hidden): only the rows read are dequantised.
pub(super) fn embed(table: &QTensor, tokens: &[u32]) -> Result<Tensor> {
    let (rows, cols) = table.shape().dims2()?;
    let dtype: GgmlDType = table.dtype();
    if cols % dtype.block_size() != 0 {
        bail!("the embedding rows are not whole blocks");
    }
    let row_bytes = cols / dtype.block_size() * dtype.type_size();
    let data = table.data()?;
    let mut raw = Vec::with_capacity(row_bytes * tokens.len());
    for &t in tokens {
        let t = t as usize;
        if t >= rows {
            bail!("token {t} is outside the vocabulary");
        }
        raw.extend_from_slice(&data[t * row_bytes..(t + 1) * row_bytes]);
    }
    let picked = candle_core::quantized::ggml_file::qtensor_from_ggml(
        dtype,
        &raw,
        vec![tokens.len(), cols],
        &Device::Cpu,
    )?;
    picked.dequantize(&Device::Cpu)
}

/// Rotary position tables for `positions` positions.
#[derive(Debug, Clone)]
pub(super) struct Rope {
    cos: Tensor,
    sin: Tensor,
    /// Pairs (2i, 2i+1) rotate together (llama's layout in GGUF files);
    /// otherwise (i, i + dim/2) (NeoX's, Gemma's).
    interleaved: bool,
}

impl Rope {
    pub fn new(
        head_dim: usize,
        base: f32,
        scale: f32,
        positions: usize,
        interleaved: bool,
    ) -> Result<Self> {
        let inv: Vec<f32> = (0..head_dim)
            .step_by(2)
            .map(|i| 1.0 / base.powf(i as f32 / head_dim as f32) / scale)
            .collect();
        let inv = Tensor::from_vec(inv, (1, head_dim / 2), &Device::Cpu)?;
        let pos = Tensor::arange(0u32, positions as u32, &Device::Cpu)?
            .to_dtype(DType::F32)?
            .reshape((positions, 1))?;
        let angles = pos.matmul(&inv)?;
        Ok(Rope {
            cos: angles.cos()?,
            sin: angles.sin()?,
            interleaved,
        })
    }

    /// `x` (shape (1, heads, tokens, head dim)) rotated for positions `pos..`.
    pub fn apply(&self, x: &Tensor, pos: usize) -> Result<Tensor> {
        let len = x.dim(2)?;
        let cos = self.cos.narrow(0, pos, len)?;
        let sin = self.sin.narrow(0, pos, len)?;
        if self.interleaved {
            candle_nn::rotary_emb::rope_i(&x.contiguous()?, &cos, &sin)
        } else {
            candle_nn::rotary_emb::rope(&x.contiguous()?, &cos, &sin)
        }
    }
}

/// Grouped-query attention of `q` (1, heads, tokens, head dim) at positions
/// `pos..` over the cached `k`, `v` (1, kv heads, total, head dim) at
/// positions `start..`; `window`: each query sees only the last `window`
/// positions. Returns (1, tokens, heads × head dim).
pub(super) fn attend(
    q: &Tensor,
    k: &Tensor,
    v: &Tensor,
    pos: usize,
    start: usize,
    window: Option<usize>,
) -> Result<Tensor> {
    let (_, heads, len, head_dim) = q.dims4()?;
    let (_, kv_heads, total, _) = k.dims4()?;
    let rep = heads / kv_heads;
    // The query heads sharing a key head side by side: (1, kv heads, rep ×
    // tokens, head dim); no copy of the keys and values per query head.
    let q = q.reshape((1, kv_heads, rep * len, head_dim))?;
    let mut scores = (q.matmul(&k.t()?)? / (head_dim as f64).sqrt())?;
    let needs_mask = len > 1 || window.is_some_and(|w| total > w);
    if needs_mask {
        let window = window.unwrap_or(usize::MAX);
        let row = |i: usize| {
            let qp = pos + i;
            (0..total).map(move |j| {
                let kp = start + j;
                if kp <= qp && qp - kp < window {
                    0.0
                } else {
                    f32::NEG_INFINITY
                }
            })
        };
        let cells: Vec<f32> = (0..rep).flat_map(|_| (0..len).flat_map(row)).collect();
        let mask = Tensor::from_vec(cells, (rep * len, total), &Device::Cpu)?;
        scores = scores.broadcast_add(&mask)?;
    }
    let weights = candle_nn::ops::softmax_last_dim(&scores)?;
    weights
        .matmul(v)?
        .reshape((1, heads, len, head_dim))?
        .transpose(1, 2)?
        .reshape((1, len, heads * head_dim))
}
