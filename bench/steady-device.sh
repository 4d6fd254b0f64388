#!/usr/bin/env bash
# A device's training rate and where its CPU goes, over minutes (issue 20, bench/RESULTS.md "smoke again"): a
# one-device fleet of CLASS at the smoke preset's CPU quota (--cpu-scale 0.75, cgroup) trains ResNet-8 in 6-s rounds
# for SECONDS; every 10 s the device's CPU ticks in all, in its JIT compilers and in its trainer thread (jit.txt),
# then each round's images/s (rounds.txt).
# Usage: bench/steady-device.sh OUTDIR [SECONDS] [CLASS] [CIFAR]; LD_PRELOAD= before it runs the device on glibc's
# allocator instead of jemalloc.
set -u
D=$1; SECONDS_WATCHED=${2:-240}; CLASS=${3:-rpi4}
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CIFAR=${4:-$ROOT/../shared/datasets/cifar-10-binary.tar.gz}
mkdir -p "$D"; D="$(cd "$D" && pwd)"; cd "$ROOT"
bin/edgetrain cluster up --devices "$CLASS" --cpu-scale 0.75 --dir "$D/fleet" > "$D/up.log" 2>&1 || { echo "cluster up failed: $D/up.log"; exit 1; }
stop() { echo "$1"; bin/edgetrain cluster down --dir "$D/fleet" > "$D/down.log" 2>&1; exit 1; }
bin/edgetrain dataset load --cifar "$CIFAR" > "$D/load.log" 2>&1 || stop "dataset load failed: $D/load.log"
bin/edgetrain train --model resnet8 --epochs 1 --round-seconds 6 --detach > "$D/train.log" 2>&1 || stop "train failed: $D/train.log"
pid=$(pgrep -f "edgetrain.device=$CLASS-1( |$)")
ticks() { awk '{print $14 + $15}' "$1" 2>/dev/null; }
end=$(( $(date +%s) + SECONDS_WATCHED ))
while (( $(date +%s) < end )) && [[ -r /proc/$pid/stat ]]; do
  jit=0; trainer=0
  for t in /proc/"$pid"/task/*; do
    v=$(ticks "$t/stat"); [[ -z $v ]] && continue
    case "$(cat "$t/comm" 2>/dev/null)" in C1*|C2*) jit=$((jit + v));; edgetrain-train*) trainer=$((trainer + v));; esac
  done
  echo "$(date +%T) all=$(ticks "/proc/$pid/stat") jit=$jit trainer=$trainer" >> "$D/jit.txt"
  sleep 10
done
bin/edgetrain sql "SELECT ROUND_NO, DEVICE, SAMPLES, SECONDS, IMAGES_PER_SECOND FROM DEVICE_ROUNDS ORDER BY ROUND_NO" > "$D/rounds.txt" 2>&1
bin/edgetrain cluster down --dir "$D/fleet" > "$D/down.log" 2>&1
echo "done: $D"
