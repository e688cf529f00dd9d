//! A chat model's weights as candle runs them fast: tensors stored in a
//! format candle has no SIMD kernel for are re-quantised to Q8_0 once, and the
//! converted weights are kept beside the models for later loads.

use std::fs::File;
use std::io::{BufReader, Read, Seek};
use std::path::Path;

use candle_core::Device;
use candle_core::quantized::{GgmlDType, QTensor, gguf_file};

use super::LocalError;
use super::arch::Weights;

/// The quantisations candle multiplies with SIMD on the CPU (AVX2 on x86,
/// NEON on ARM). Other block formats (Q4_1, Q5_0, Q5_1…) fall back to scalar
/// code, several times slower.
const FAST_DTYPES: &[GgmlDType] = &[
    GgmlDType::F32,
    GgmlDType::F16,
    GgmlDType::BF16,
    GgmlDType::Q4_0,
    GgmlDType::Q8_0,
    GgmlDType::Q2K,
    GgmlDType::Q3K,
    GgmlDType::Q4K,
    GgmlDType::Q5K,
    GgmlDType::Q6K,
    GgmlDType::Q8K,
];

/// Reads the weights of the model at `path`, re-quantising tensors stored in a
/// format candle has no SIMD kernel for to Q8_0 (near-lossless from any 4- or
/// 5-bit format; SmolLM2's Q4_1 reads its prompt about 6× faster this way).
/// The converted weights are kept beside the models
/// ([`super::models::converted_path`]), so the conversion happens once and
/// later loads read them instead ([`ChatModel::load`]); without a writable
/// folder they are converted in memory each time.
pub(super) fn load_weights<R: Read + Seek>(
    arch: &str,
    content: gguf_file::Content,
    reader: &mut R,
    path: &Path,
    context: usize,
) -> Result<Weights, LocalError> {
    let fail = |e| LocalError::model("to load", e);
    let slow = content
        .tensor_infos
        .values()
        .any(|t| !FAST_DTYPES.contains(&t.ggml_dtype));
    if !slow {
        return Weights::from_gguf(arch, content, reader, context).map_err(fail);
    }
    let cache = super::models::converted_path(path);
    let tensors = requantised(&content, reader)?;
    let metadata: Vec<(&str, &gguf_file::Value)> = content
        .metadata
        .iter()
        .map(|(k, v)| (k.as_str(), v))
        .collect();
    let refs: Vec<(&str, &QTensor)> = tensors.iter().map(|(n, t)| (n.as_str(), t)).collect();
    if let Some(cache) = cache.as_deref() {
        if let (Some(dir), Some(file)) = (path.parent(), path.file_name().and_then(|n| n.to_str()))
        {
            // Conversions of an earlier version of this file.
            super::models::remove_converted(dir, file);
        }
        match write_weights(cache, &metadata, &refs) {
            Ok(()) => {
                drop(refs);
                drop(tensors);
                let file = File::open(cache).map_err(|e| LocalError::io(cache, &e))?;
                return weights_from(arch, &mut BufReader::with_capacity(1 << 20, file), context);
            }
            Err(e) => tracing::warn!(cache = %cache.display(), "converted weights not kept: {e}"),
        }
    }
    let mut file = std::io::Cursor::new(Vec::new());
    gguf_file::write(&mut file, &metadata, &refs).map_err(fail)?;
    drop(refs);
    drop(tensors);
    file.set_position(0);
    weights_from(arch, &mut file, context)
}

/// Every tensor of the file, those without a SIMD kernel re-quantised to Q8_0.
fn requantised<R: Read + Seek>(
    content: &gguf_file::Content,
    reader: &mut R,
) -> Result<Vec<(String, QTensor)>, LocalError> {
    let fail = |e| LocalError::model("to load", e);
    let mut names: Vec<&String> = content.tensor_infos.keys().collect();
    names.sort_by_key(|n| content.tensor_infos[*n].offset);
    let block = GgmlDType::Q8_0.block_size();
    let mut tensors = Vec::with_capacity(names.len());
    for name in names {
        let tensor = content.tensor(reader, name, &Device::Cpu).map_err(fail)?;
        let tensor = if FAST_DTYPES.contains(&tensor.dtype())
            || tensor.shape().dims().last().is_none_or(|k| k % block != 0)
        {
            tensor
        } else {
            let values = tensor.dequantize(&Device::Cpu).map_err(fail)?;
            QTensor::quantize(&values, GgmlDType::Q8_0).map_err(fail)?
        };
        tensors.push((name.clone(), tensor));
    }
    Ok(tensors)
}

/// Writes converted weights to `cache` (whole or not at all).
fn write_weights(
    cache: &Path,
    metadata: &[(&str, &gguf_file::Value)],
    tensors: &[(&str, &QTensor)],
) -> Result<(), LocalError> {
    let dir = cache.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(|e| LocalError::io(dir, &e))?;
    let partial = cache.with_extension("partial");
    let written = (|| {
        let mut out = std::io::BufWriter::new(
            File::create(&partial).map_err(|e| LocalError::io(&partial, &e))?,
        );
        gguf_file::write(&mut out, metadata, tensors)
            .map_err(|e| LocalError::model("to keep the converted weights", e))?;
        let file = out
            .into_inner()
            .map_err(|e| LocalError::io(&partial, e.error()))?;
        file.sync_all().map_err(|e| LocalError::io(&partial, &e))?;
        crate::store::private::narrow(&partial).map_err(|e| LocalError::io(&partial, &e))?;
        std::fs::rename(&partial, cache).map_err(|e| LocalError::io(cache, &e))
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&partial);
    }
    written
}

/// Loads the weights of converted GGUF bytes (which need no conversion).
fn weights_from<R: Read + Seek>(
    arch: &str,
    reader: &mut R,
    context: usize,
) -> Result<Weights, LocalError> {
    let fail = |e| LocalError::model("to load", e);
    let content = gguf_file::Content::read(reader).map_err(fail)?;
    Weights::from_gguf(arch, content, reader, context).map_err(fail)
}
