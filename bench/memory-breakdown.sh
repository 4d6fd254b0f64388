#!/usr/bin/env bash
# Where a device's memory goes (issue 20, bench/RESULTS.md "Memory"): a 3-device fleet (pc, jetson-nano, rpi4) trains
# MODEL for one epoch; every 15 s each device's resident memory (smaps_rollup), and at the end its peak (VmHWM), its
# NMT summary, its largest mappings and each device's peak RESIDENT_MB of DEVICE_ROUNDS.
# Usage: bench/memory-breakdown.sh OUTDIR [MODEL] [CIFAR]; UPARGS="--memory-limit class" adds cluster up options.
set -u
D=$1; MODEL=${2:-resnet8}
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CIFAR=${3:-$ROOT/../shared/datasets/cifar-10-binary.tar.gz}
mkdir -p "$D"; D="$(cd "$D" && pwd)"; cd "$ROOT"
export EDGETRAIN_DEVICE_JAVA_OPTS="-XX:NativeMemoryTracking=${NMT:-summary} ${XOPTS:-}"
# shellcheck disable=SC2086
bin/edgetrain cluster up --devices pc,jetson-nano,rpi4 --dir "$D/fleet" ${UPARGS:-} > "$D/up.log" 2>&1 || { echo "cluster up failed: $D/up.log"; exit 1; }
bin/edgetrain dataset load --cifar "$CIFAR" > "$D/load.log" 2>&1
bin/edgetrain train --model "$MODEL" --epochs 1 --wait --json "$D/train.json" > "$D/train.log" 2>&1 &
TP=$!
devices() { pgrep -f "edgetrain.device="; }
name_of() { tr '\0' '\n' < "/proc/$1/cmdline" | grep -o 'edgetrain.device=.*' | cut -d= -f2; }
sample() {
  for pid in $(devices); do
    r=$(awk '/^Rss|^Anonymous|^Shared_Clean|^Private_Clean|^Private_Dirty/ {printf "%s %d ", $1, $2/1024}' "/proc/$pid/smaps_rollup")
    echo "$(date +%T) $(name_of "$pid") $r" >> "$D/rss.txt"
  done
}
while kill -0 $TP 2>/dev/null; do sample; sleep 15; done
sample
for pid in $(devices); do
  name=$(name_of "$pid")
  jcmd "$pid" VM.native_memory "${NMT:-summary}" > "$D/nmt-$name.txt" 2>&1
  grep -E "VmRSS|VmHWM|Threads" "/proc/$pid/status" > "$D/status-$name.txt"
  pmap -x "$pid" | sort -k3 -n -r | head -25 > "$D/pmap-$name.txt"
done
bin/edgetrain sql "SELECT DEVICE, MAX(RESIDENT_MB), MAX(HEAP_USED_MB), MAX(OFFHEAP_USED_MB), AVG(IMAGES_PER_SECOND) FROM DEVICE_ROUNDS GROUP BY DEVICE" > "$D/sql.txt" 2>&1
bin/edgetrain cluster down --dir "$D/fleet" > "$D/down.log" 2>&1
echo "done: $D"
