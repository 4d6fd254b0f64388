#!/usr/bin/env bash
# Every figure of bench/RESULTS.md, in one run on a quiet machine (about 30 minutes on 2 cores).
set -euo pipefail
cd "$(dirname "$0")/../.."
cifar="${1:-../shared/datasets/cifar-10-binary.tar.gz}"
r=bench/results
mkdir -p "$r"
# Run from an installed copy (docker/build-steps.sh), so rebuilding the work tree cannot pull classes from under
# a running benchmark.
install="${EDGETRAIN_INSTALL:-/tmp/edgetrain-bench-install}"
docker/build-steps.sh "$install"
export EDGETRAIN="$install/bin/edgetrain"
export EDGETRAIN_HEAP=3g OMP_NUM_THREADS=2
dev/checks/bench-engine.sh 2 15
dev/checks/bench-engine.sh 1 15
"$EDGETRAIN" train-local --cifar "$cifar" --model resnet8 --epochs 1 --json "$r/train-local-resnet8-1ep.json"
"$EDGETRAIN" demo --cifar "$cifar" --dir runs/demo-bench --json "$r/demo-resnet8-1ep.json"
"$EDGETRAIN" bench fleet --devices pc,pc,pc --model resnet20 --rounds 8 --cifar "$cifar" --json "$r/fleet-pc3-resnet20.json"
"$EDGETRAIN" bench hetero --preset smoke --cifar "$cifar" --out runs/bench-hetero --json "$r/hetero-smoke.json"
cp runs/bench-hetero/hetero.csv runs/bench-hetero/hetero.png "$r/"
