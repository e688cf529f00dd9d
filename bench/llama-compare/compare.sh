#!/bin/bash
# Times Hearth's runtime (the turn_reuse example) and bare llama.cpp (the
# llama_compare example) on the same GGUF files and prompt text, in interleaved rounds so that both
# see the same load on a shared machine. Prints each run and the load average.
#
#   bench/llama-compare/compare.sh THREADS [ROUNDS]
#
# Needs both built first (`cargo build --release -p hearth-core --example
# turn_reuse --example llama_compare`) and HEARTH_MODELS_DIR pointing at the
# models; HEARTH_BIN and LLAMA_BIN override where the binaries are.
set -euo pipefail
threads=${1:?THREADS}
rounds=${2:-3}
models=${HEARTH_MODELS_DIR:?set HEARTH_MODELS_DIR}
target=${CARGO_TARGET_DIR:-$(dirname "$0")/../../target}
hearth=${HEARTH_BIN:-$target/release/examples/turn_reuse}
llama=${LLAMA_BIN:-$target/release/examples/llama_compare}
prompts=$(mktemp -d)
trap 'rm -rf "$prompts"' EXIT
# The exact prompts Hearth renders (chat template included), for llama.cpp.
RAYON_NUM_THREADS=$threads CANDLE_NUM_THREADS=$threads "$hearth" 1 --dump "$prompts" >/dev/null
for round in $(seq 1 "$rounds"); do
    echo "## round $round, Hearth, load $(cut -d' ' -f1-3 /proc/loadavg)"
    RAYON_NUM_THREADS=$threads CANDLE_NUM_THREADS=$threads "$hearth" 1 | grep -E '^==|short:|long:'
    for file in SmolLM2-135M-Instruct.Q4_1.gguf gemma-3-270m-q4_k_m.gguf; do
        echo "## round $round, llama.cpp, $file, load $(cut -d' ' -f1-3 /proc/loadavg)"
        "$llama" "$models/$file" "$threads" 64 "$prompts/$file.short.txt" "$prompts/$file.long.txt" | tail -n 2
    done
done
