#!/usr/bin/env bash
# The engines against plain PyTorch on the same network, in one run (README "The engines"; bench/RESULTS.md
# "Engines against plain PyTorch").
#
# For each configuration (model, batch, threads) it runs `edgetrain bench engine --engine torch`, then
# `--engine dl4j`, then ../shared/ref/pytorch-bench/bench_train.py, and repeats that sequence REPEATS times, so
# that the three take turns under whatever else the machine is doing. It prints one line per configuration with
# each one's median images/s and the ratios torch/PyTorch and dl4j/PyTorch, and writes every run as JSON under OUT_DIR.
#
# usage: bench/engine-vs-pytorch.sh OUT_DIR [REPEATS [SECONDS [CONFIG ...]]]
#   CONFIG is MODEL:BATCH:THREADS, e.g. resnet32:64:2 (default: ResNet-8/20/32 x batch 32/64/128 x 1/2 threads).
#   PYTHON (default: $HOME/pytorch-ref/bin/python) is a Python with torch installed (set-up in the reference's README).
set -euo pipefail
out="$(mkdir -p "$1" && cd "$1" && pwd)"
repeats="${2:-1}"
seconds="${3:-10}"
shift $(( $# < 3 ? $# : 3 ))
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
python="${PYTHON:-$HOME/pytorch-ref/bin/python}"
reference="$here/../shared/ref/pytorch-bench/bench_train.py"
configs=("$@")
if [[ ${#configs[@]} -eq 0 ]]; then
  for model in resnet8 resnet20 resnet32; do
    for batch in 32 64 128; do
      for threads in 1 2; do configs+=("$model:$batch:$threads"); done
    done
  done
fi
[[ -x "$python" ]] || { echo "no Python with torch at $python: set PYTHON, or see $reference's README" >&2; exit 2; }

median() { sort -g | awk '{v[NR]=$1} END {print (NR%2 ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2)}'; }
value() { sed -n "s/.*\"$2\" *: *\([0-9.eE+-]*\).*/\1/p" "$1" | head -1; }

printf "%-9s %5s %7s %10s %10s %10s %14s %13s\n" model batch threads torch dl4j pytorch torch/pytorch dl4j/pytorch
for config in "${configs[@]}"; do
  IFS=: read -r model batch threads <<< "$config"
  depth="${model#resnet}"
  for r in $(seq 1 "$repeats"); do
    for engine in torch dl4j; do
      "$here/bin/edgetrain" bench engine --engine "$engine" --model "$model" --batch "$batch" --threads "$threads" \
        --seconds "$seconds" --json "$out/$config-$engine-$r.json" > "$out/$config-$engine-$r.log" 2>&1
    done
    "$python" "$reference" --depth "$depth" --batch "$batch" --threads "$threads" --seconds "$seconds" \
      --json "$out/$config-pytorch-$r.json" > "$out/$config-pytorch-$r.log" 2>&1
  done
  t=$(for f in "$out/$config"-torch-*.json; do value "$f" imagesPerSecond; done | median)
  d=$(for f in "$out/$config"-dl4j-*.json; do value "$f" imagesPerSecond; done | median)
  p=$(for f in "$out/$config"-pytorch-*.json; do value "$f" imagesPerSecond; done | median)
  awk -v m="$model" -v b="$batch" -v th="$threads" -v t="$t" -v d="$d" -v p="$p" \
    'BEGIN {printf "%-9s %5s %7s %10.1f %10.1f %10.1f %14.2f %13.2f\n", m, b, th, t, d, p, t/p, d/p}'
done
