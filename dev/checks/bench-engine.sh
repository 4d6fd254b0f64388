#!/usr/bin/env bash
# Engine throughput table for bench/RESULTS.md: ResNet-8/20/32 at batch 32/64/128.
# Usage: dev/checks/bench-engine.sh [THREADS] [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/../.."
threads="${1:-1}"; seconds="${2:-15}"
mkdir -p bench/results
for model in resnet8 resnet20 resnet32; do
  for batch in 32 64 128; do
    "${EDGETRAIN:-bin/edgetrain}" bench engine --model "$model" --batch "$batch" --threads "$threads" --seconds "$seconds" \
      --json "bench/results/engine-$model-b$batch-t$threads.json" 2>/dev/null
  done
done
