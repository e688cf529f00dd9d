//! llama.cpp's own speed on a GGUF file and a prompt, on a given number of
//! threads, with nothing of Hearth's around it: prompt tokens per second and
//! generation tokens per second (greedy), one line per run. The prompt is the
//! exact text Hearth feeds its runtime (`turn_reuse 1 --dump DIR` writes
//! them), so Hearth's generation (its tokenizer, sampler and engine thread
//! around the same llama.cpp) is measured against the bare library
//! (`bench/llama-compare/compare.sh`).
//!
//! Usage: llama_compare MODEL.gguf THREADS GEN_TOKENS PROMPT.txt...

use std::io::Write;
use std::num::NonZeroU32;
use std::time::Instant;

use llama_cpp_2::context::params::LlamaContextParams;
use llama_cpp_2::llama_backend::LlamaBackend;
use llama_cpp_2::llama_batch::LlamaBatch;
use llama_cpp_2::model::LlamaModel;
use llama_cpp_2::model::params::LlamaModelParams;
use llama_cpp_2::token::LlamaToken;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.len() < 4 {
        eprintln!("usage: llama_compare MODEL.gguf THREADS GEN_TOKENS PROMPT.txt...");
        std::process::exit(2);
    }
    let threads: i32 = args[1].parse().expect("THREADS is a number");
    let gen_tokens: usize = args[2].parse().expect("GEN_TOKENS is a number");
    let mut backend = LlamaBackend::init().expect("llama.cpp starts");
    backend.void_logs();
    let model = LlamaModel::load_from_file(&backend, &args[0], &LlamaModelParams::default())
        .expect("the model loads");
    let params = LlamaContextParams::default()
        .with_n_ctx(NonZeroU32::new(4096))
        .with_n_batch(512)
        .with_n_ubatch(512)
        .with_n_threads(threads)
        .with_n_threads_batch(threads);
    let mut ctx = model.new_context(&backend, params).expect("a context");
    let vocab = model.vocab();
    println!("file\tprompt_tokens\tprompt_tok_s\tgen_tokens\tgen_tok_s");
    for path in &args[3..] {
        let text = std::fs::read_to_string(path).expect("the prompt file reads");
        let prompt = vocab.tokenize(text.as_bytes(), false, true);
        ctx.clear_kv_cache();
        let started = Instant::now();
        let mut batch = LlamaBatch::new(512, 1);
        let mut logits_at = 0;
        for (c, chunk) in prompt.chunks(512).enumerate() {
            batch.clear();
            for (i, &t) in chunk.iter().enumerate() {
                let last = c * 512 + i == prompt.len() - 1;
                batch
                    .add(t, (c * 512 + i) as i32, &[0], last)
                    .expect("batch room");
            }
            ctx.decode(&mut batch).expect("the prompt decodes");
            logits_at = batch.n_tokens() - 1;
        }
        let prompt_time = started.elapsed();
        let started = Instant::now();
        let start = prompt.len() as i32;
        // Greedy, and past an end of turn too: the point is the speed of
        // writing `gen_tokens` tokens.
        for pos in (start..).take(gen_tokens) {
            let logits = ctx.get_logits_ith(logits_at);
            let next = logits
                .iter()
                .enumerate()
                .max_by(|a, b| a.1.total_cmp(b.1))
                .map(|(i, _)| LlamaToken(i as i32))
                .expect("logits");
            batch.clear();
            batch.add(next, pos, &[0], true).expect("batch room");
            ctx.decode(&mut batch).expect("a token decodes");
            logits_at = 0;
        }
        let written = gen_tokens;
        let gen_time = started.elapsed();
        println!(
            "{path}\t{}\t{:.1}\t{written}\t{:.1}",
            prompt.len(),
            prompt.len() as f64 / prompt_time.as_secs_f64(),
            written as f64 / gen_time.as_secs_f64(),
        );
        std::io::stdout().flush().ok();
    }
}
